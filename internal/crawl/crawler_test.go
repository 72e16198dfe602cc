package crawl_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/honeygate/honeygate/internal/crawl"
	"github.com/honeygate/honeygate/internal/crawl/crawltest"
	"github.com/honeygate/honeygate/internal/detect"
)

func judge(t *testing.T, extra ...detect.RuleFile) crawl.Judge {
	t.Helper()
	y, err := detect.CompileYara(append(detect.BuiltinRules(), extra...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(y.Close)
	return detect.New(nil, y)
}

// A site that starts loading a script from a host it never used is reported
// against its baseline; a rule written later finds it when rejudged; and
// bodies are kept once, by hash, until no visit needs them.
func TestRoundBaselineRejudgePrune(t *testing.T) {
	var day atomic.Int32
	ln, err := net.Listen("tcp", "127.0.0.3:0")
	if err != nil {
		ln, _ = net.Listen("tcp", "127.0.0.1:0")
	}
	other := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `var stats = "HG-TEST-NEW-FAMILY"; (new Image()).src = "/p?" + document.cookie;`)
	}))
	other.Listener = ln
	other.Start()
	defer other.Close()
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/app.js":
			fmt.Fprint(w, `function menu(){return 1}`)
		default:
			extra := ""
			if day.Load() == 1 {
				extra = `<script src="` + other.URL + `/stats.js"></script>`
			}
			fmt.Fprintf(w, `<html><head><script src="/app.js"></script></head><body><p>Welcome</p>%s</body></html>`, extra)
		}
	}))
	defer site.Close()

	store := crawltest.NewMem()
	blobs := &crawl.Blobs{Dir: t.TempDir()}
	cr := &crawl.Crawler{Store: store, Blobs: blobs, Static: crawl.NewStatic(crawl.StaticOptions{Guard: &crawl.Guard{LoopbackOnly: true}}), Judge: judge(t), Mode: crawl.EngineStatic}
	ctx := context.Background()
	if _, err := store.AddSite(ctx, crawl.Site{Name: "site", URL: site.URL + "/", Profile: "chrome-win10"}); err != nil {
		t.Fatal(err)
	}

	sum, err := cr.Round(ctx, "2026-01-01")
	if err != nil || sum.Verdicts[crawl.Clean] != 1 {
		t.Fatalf("day 1: %+v, %v", sum, err)
	}
	b, _ := store.Baseline(ctx, "site")
	if b.Captures != 1 || len(b.Scripts) != 1 || b.Document == "" {
		t.Fatalf("baseline after a clean day: %+v", b)
	}

	day.Store(1)
	if _, err := cr.Round(ctx, "2026-01-02"); err != nil {
		t.Fatal(err)
	}
	vs, _ := store.Visits(ctx, "2026-01-02", "2026-01-02")
	if len(vs) != 1 {
		t.Fatalf("visits: %d", len(vs))
	}
	v := vs[0].Verdict
	var rules []string
	for _, r := range v.Reasons {
		rules = append(rules, r.Detector+"/"+r.Rule)
	}
	if !strings.Contains(strings.Join(rules, " "), "change/new-third-party-host") || v.Verdict != crawl.Suspicious {
		t.Fatalf("day 2: %s %v", v.Verdict, rules)
	}
	host := strings.TrimPrefix(other.URL, "http://")
	if !strings.Contains(strings.Join(v.Campaign, " "), "host:"+host) {
		t.Errorf("campaign keys %v lack host:%s", v.Campaign, host)
	}
	if b2, _ := store.Baseline(ctx, "site"); b2.Captures != 1 {
		t.Errorf("a suspicious day entered the baseline: %+v", b2)
	}

	// A rule for the new family, written after the fact.
	cr.Judge = judge(t, detect.RuleFile{Name: "local.yar", Text: `rule New_Family { meta: category = "injected" score = 80 strings: $a = "HG-TEST-NEW-FAMILY" condition: $a }`})
	sum, err = cr.Rejudge(ctx, "2026-01-01", "2026-01-02")
	if err != nil || sum.Changed != 1 || sum.Verdicts[crawl.Malicious] != 1 {
		t.Fatalf("rejudge: %+v, %v", sum, err)
	}
	vs, _ = store.Visits(ctx, "2026-01-02", "2026-01-02")
	if vs[0].Verdict.Verdict != crawl.Malicious {
		t.Errorf("after rejudge: %+v", vs[0].Verdict)
	}

	// Bodies: the page and app.js of day 1 are kept once though served twice.
	n := 0
	filepath.Walk(blobs.Dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n++
		}
		return nil
	})
	if n != 4 { // day-1 page, day-2 page, app.js, stats.js
		t.Errorf("%d bodies kept, want 4", n)
	}
	if err := cr.Prune(ctx, "2026-01-02"); err != nil {
		t.Fatal(err)
	}
	if vs, _ := store.Visits(ctx, "2026-01-01", "2026-01-01"); len(vs) != 0 {
		t.Errorf("pruned day still there: %d", len(vs))
	}
}
