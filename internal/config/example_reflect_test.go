package config

import (
	"reflect"
	"testing"

	reflectors "github.com/honeygate/honeygate/internal/sensor/reflect"
)

// TestExampleReflectIsDefault: docs/config.example.yaml shows every setting
// with its default; its reflect section must say what DefaultConfig does.
func TestExampleReflectIsDefault(t *testing.T) {
	c, err := Load("../../docs/config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if want := reflectors.DefaultConfig(); !reflect.DeepEqual(c.Reflect, want) {
		t.Errorf("example reflect section:\n%+v\ndefaults:\n%+v", c.Reflect, want)
	}
}
