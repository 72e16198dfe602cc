package intel

import (
	"slices"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	if errs := DefaultConfig().Validate(); len(errs) != 0 {
		t.Fatalf("default config: %v", errs)
	}
	c := Config{DownloadHosts: "some", Debounce: 2 * time.Second, Feeds: []FeedConfig{
		{Name: "urlhaus", Format: FormatURLhaus, URL: "http://127.0.0.1/x", Every: time.Hour},
		{Name: "urlhaus", Format: "nope", Every: time.Millisecond},
		{Name: "crawl", Format: FormatDomains, URL: "/x"},
	}}
	var paths []string
	for _, e := range c.Validate() {
		paths = append(paths, e.Path)
	}
	want := []string{"download_hosts", "debounce", "feeds[1].format", "feeds[1].url", "feeds[1].every", "feeds[1].name", "feeds[2].name"}
	if !slices.Equal(paths, want) {
		t.Errorf("paths %v, want %v", paths, want)
	}
}
