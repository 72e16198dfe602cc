package intel

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// What a real feed server sends when something is wrong on its side is
// rarely an error status: an empty 200 (a dump being rewritten, a file
// truncated mid-copy), a list of comments only (the header, no entries),
// or an HTML page (a maintenance notice, a CDN's challenge, a captive
// portal) with a line or two that parse. A refresh used to replace the
// feed's whole set with that: none, or the page's one URL. Each keeps the
// previous set, and the status says why, as AdGuard Home refuses an HTML
// filter update.
func TestFeedRefreshKeepsSetOnEmptyOrHTML(t *testing.T) {
	var body atomic.Value
	body.Store("# URLhaus\nhttp://one.example/a.exe\nhttp://two.example/b.exe\n")
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
	waitURL := func(u string, want bool) {
		t.Helper()
		deadline := time.Now().Add(2 * time.Second)
		for {
			if _, ok := l.Snapshot().MatchRawURL(u); ok == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: match %v, want %v", u, !want, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitURL("http://one.example/a.exe", true)
	for _, bad := range []string{
		"",
		"################\n# URLhaus dump\n# id,dateadded,url\n",
		"<!DOCTYPE html>\n<html><head><title>Just a moment...</title></head>\n<body>\nhttps://urlhaus.abuse.ch/\n</body></html>\n",
		"\n  <html>\nhttp://portal.example/login\n</html>\n",
	} {
		body.Store(bad)
		n := hits.Load()
		for hits.Load() < n+3 {
			time.Sleep(10 * time.Millisecond)
		}
		if _, ok := l.Snapshot().MatchRawURL("http://one.example/a.exe"); !ok {
			t.Fatalf("after a refresh that got %q, the feed's set was dropped", bad)
		}
		for _, u := range []string{"https://urlhaus.abuse.ch/", "http://portal.example/login"} {
			if _, ok := l.Snapshot().MatchRawURL(u); ok {
				t.Fatalf("after %q: %s loaded from an HTML page", bad, u)
			}
		}
		if st := m.Feeds()[0]; st.Err == "" {
			t.Errorf("after %q: status has no error: %+v", bad, st)
		} else if strings.Contains(bad, "html") && !strings.Contains(st.Err, "HTML") {
			t.Errorf("after %q: error %q does not say HTML", bad, st.Err)
		}
	}
	// A good list again is loaded again.
	body.Store("http://three.example/c.exe\n")
	waitURL("http://three.example/c.exe", true)
	waitURL("http://one.example/a.exe", false)
}
