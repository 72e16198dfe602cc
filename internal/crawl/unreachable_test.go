package crawl_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/crawl"
)

// closedURL is a loopback URL nothing listens on: connecting is refused.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/"
}

// autoCrawler has both engines, as the daily round in auto mode has them.
func autoCrawler(t *testing.T, g *crawl.Guard) *crawl.Crawler {
	t.Helper()
	if _, err := crawl.FindChromium(); err != nil {
		t.Skip("no chromium:", err)
	}
	lim := crawl.Limits{Timeout: 10 * time.Second}
	b, err := crawl.NewBrowser(crawl.BrowserOptions{Limits: lim, Guard: g, Settle: 300 * time.Millisecond, NoScreenshot: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return &crawl.Crawler{Static: crawl.NewStatic(crawl.StaticOptions{Limits: lim, Guard: g}), Browser: b, Judge: judge(t)}
}

func req(t *testing.T, u string) crawl.Request {
	p, ok := crawl.LookupProfile("chrome-win10")
	if !ok {
		t.Fatal("no profile chrome-win10")
	}
	return crawl.Request{URL: u, Site: "s", Profile: p}
}

// A site that is down is an error with the reason, whichever engine looked
// and however the auto mode combines them: the browser's view of it is the
// guard proxy's error page, which must never pass for a clean site.
func TestUnreachableSiteIsAnError(t *testing.T) {
	cr := autoCrawler(t, &crawl.Guard{LoopbackOnly: true})
	u := closedURL(t)
	for _, engine := range []string{crawl.EngineStatic, crawl.EngineBrowser, crawl.EngineAuto} {
		// A new site (no baseline) sends auto to the browser as well.
		v := cr.Scan(context.Background(), req(t, u), engine, nil)
		if v.Verdict.Verdict != crawl.Error || !strings.Contains(v.Capture.Error, "connection refused") {
			t.Errorf("%s: verdict %q, error %q; want error, connection refused", engine, v.Verdict.Verdict, v.Capture.Error)
		}
	}
}

// The visited URL itself refused by the guard (loopback, not allowed) is an
// error saying so, in both engines and in auto.
func TestRefusedTopLevelURLIsAnError(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte("<p>the operator's own service</p>"))
	}))
	defer srv.Close()
	cr := autoCrawler(t, &crawl.Guard{})
	for _, engine := range []string{crawl.EngineStatic, crawl.EngineBrowser, crawl.EngineAuto} {
		v := cr.Scan(context.Background(), req(t, srv.URL+"/"), engine, nil)
		if v.Verdict.Verdict != crawl.Error || !strings.Contains(v.Capture.Error, "refused: private") {
			t.Errorf("%s: verdict %q, error %q; want error, refused", engine, v.Verdict.Verdict, v.Capture.Error)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the refused server was reached %d times", n)
	}
}
