package sqlite_test

import (
	"testing"

	"github.com/honeygate/honeygate/internal/intel"
	"github.com/honeygate/honeygate/internal/intel/inteltest"
)

func TestIntelConformance(t *testing.T) {
	inteltest.Run(t, func(t *testing.T) intel.Store { return openTemp(t) })
}
