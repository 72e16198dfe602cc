package intel

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestFeedConfigJSONDurations(t *testing.T) {
	b, err := json.Marshal(FeedStatus{Feed: FeedConfig{Name: "urlhaus", Format: FormatURLhaus, URL: "/x", Every: time.Hour, TTL: 90 * time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{`"every":"1h0m0s"`, `"ttl":"1h30m0s"`, `"name":"urlhaus"`, `"url":"/x"`} {
		if !strings.Contains(s, want) {
			t.Errorf("%s lacks %s", s, want)
		}
	}
	b, _ = json.Marshal(FeedConfig{Name: "a", Every: time.Minute})
	if strings.Contains(string(b), "ttl") || strings.Count(string(b), `"every"`) != 1 {
		t.Errorf("no TTL: %s", b)
	}
}
