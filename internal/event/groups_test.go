package event

import (
	"reflect"
	"strings"
	"testing"
)

// TestGroupFieldNamesUnique: the groups are embedded, so their JSON names
// share one object; encoding/json silently drops both fields of a name that
// two groups declare. Every name must be declared once.
func TestGroupFieldNamesUnique(t *testing.T) {
	seen := map[string]string{}
	var walk func(t reflect.Type, path string)
	walk = func(typ reflect.Type, path string) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Anonymous && name == "" {
				walk(f.Type, f.Type.Name())
				continue
			}
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if prev, dup := seen[name]; dup {
				t.Errorf("JSON name %q in %s and %s", name, prev, path)
			}
			seen[name] = path
		}
	}
	walk(reflect.TypeOf(Event{}), "Event")
}
