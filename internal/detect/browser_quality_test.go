package detect

import (
	"testing"

	"github.com/honeygate/honeygate/internal/crawl"
)

// qualityBrowser returns the browser engine for the quality run.
func qualityBrowser(t *testing.T) crawl.Engine {
	if _, err := crawl.FindChromium(); err != nil {
		t.Skip("no chromium:", err)
	}
	b, err := crawl.NewBrowser(crawl.BrowserOptions{Tabs: 4, Guard: &crawl.Guard{LoopbackOnly: true}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}
