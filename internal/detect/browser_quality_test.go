package detect

import (
	"testing"

	"github.com/honeygate/honeygate/internal/crawl"
)

// qualityBrowser returns the browser engine for the quality run.
func qualityBrowser(t *testing.T) crawl.Engine {
	t.Skip("browser engine: not built yet")
	return nil
}
