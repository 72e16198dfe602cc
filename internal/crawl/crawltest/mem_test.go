package crawltest

import (
	"testing"

	"github.com/honeygate/honeygate/internal/crawl"
)

func TestMemConforms(t *testing.T) {
	Run(t, func(*testing.T) crawl.Store { return NewMem() })
}
