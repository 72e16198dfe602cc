package intel_test

import (
	"testing"

	"github.com/honeygate/honeygate/internal/intel"
	"github.com/honeygate/honeygate/internal/intel/inteltest"
)

func TestMemStoreConformance(t *testing.T) {
	inteltest.Run(t, func(t *testing.T) intel.Store { return intel.NewMemStore() })
}
