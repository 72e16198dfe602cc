package intel

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A 200 whose body is mostly not the feed (a plain-text error or rate-limit
// notice, a JSON error object, a file cut mid-copy into binary) may still
// hold a line that parses: a status URL in the notice. A refresh used to
// replace the feed's whole set with that one line. When a body has more bad
// lines than good ones the previous set is kept, as blocky stops loading a
// source past its maxErrorsPerSource; an import still loads its good lines.
func TestFeedRefreshKeepsSetOnMostlyBadBody(t *testing.T) {
	var good strings.Builder
	for i := range 10 {
		good.WriteString("http://mal" + string(rune('a'+i)) + ".example/x.exe\n")
	}
	var body atomic.Value
	body.Store(good.String())
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(body.Load().(string)))
	}))
	defer srv.Close()
	m := startManager(t, ManagerOptions{Feeds: []FeedConfig{
		{Name: "uh", Format: FormatURLhaus, URL: srv.URL + "/text", Every: 50 * time.Millisecond},
	}})
	l := m.Live()
	deadline := time.Now().Add(2 * time.Second)
	for {
		if _, ok := l.Snapshot().MatchRawURL("http://mala.example/x.exe"); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the feed never loaded")
		}
		time.Sleep(10 * time.Millisecond)
	}
	body.Store("503 Service Temporarily Unavailable\nThe list is being rebuilt.\nStatus: see\nhttp://status.example/\nRequest ID: 7f3a\nPlease retry later.\n")
	n := hits.Load()
	for hits.Load() < n+3 {
		time.Sleep(10 * time.Millisecond)
	}
	if _, ok := l.Snapshot().MatchRawURL("http://mala.example/x.exe"); !ok {
		t.Fatal("a notice with one URL among five bad lines replaced the feed's set")
	}
	for _, st := range m.Feeds() {
		if st.Feed.Name == "uh" && !strings.Contains(st.Err, "bad") {
			t.Errorf("status error %q does not say the body was mostly bad lines", st.Err)
		}
	}
}

// A 304 (no conditional request is sent, so a broken cache's), a redirect
// to an HTML login page, a 200 cut short of its Content-Length, and a
// truncated gzip: each keeps the previous set.
func TestFeedRefreshKeepsSetOnBrokenAnswers(t *testing.T) {
	good := "http://kept.example/x.exe\nhttp://kept2.example/y.exe\n"
	gz := gzipOf(t, []byte(strings.Repeat("http://other.example/z.exe\n", 2000)))
	var mode atomic.Value
	mode.Store("good")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch mode.Load().(string) {
		case "good":
			w.Write([]byte(good))
		case "304":
			w.WriteHeader(http.StatusNotModified)
		case "login":
			if r.URL.Path != "/login" {
				http.Redirect(w, r, "/login", http.StatusFound)
				return
			}
			w.Write([]byte("<!doctype html><html><body><form>http://kept.example/login</form></body></html>\n"))
		case "short":
			w.Header().Set("Content-Length", "4096")
			w.Write([]byte("http://short.example/a.exe\nhttp://sho"))
		case "gz":
			w.Write(gz[:len(gz)/2])
		}
	}))
	defer srv.Close()
	m := startManager(t, ManagerOptions{Fetch: DefaultFetcher(5 * time.Second)})
	cfg := FeedConfig{Name: "uh", Format: FormatURLhaus, URL: srv.URL + "/feed"}
	if _, err := m.RefreshFeed(t.Context(), cfg); err != nil {
		t.Fatal(err)
	}
	for _, md := range []string{"304", "login", "short", "gz"} {
		mode.Store(md)
		if _, err := m.RefreshFeed(t.Context(), cfg); err == nil {
			t.Errorf("%s: refresh succeeded", md)
		}
		got, err := m.store.ListIndicators(t.Context(), Filter{Source: "uh"})
		if err != nil || len(got) != 2 {
			t.Errorf("%s: %d indicators of the feed left (%v), want the previous 2", md, len(got), err)
		}
	}
}
