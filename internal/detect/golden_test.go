package detect

import (
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/honeygate/honeygate/internal/crawl"
)

var update = flag.Bool("update", false, "rewrite the golden verdicts")

// goldenVerdict is the part of a verdict that does not depend on the test
// server's port.
type goldenVerdict struct {
	Verdict    string   `json:"verdict"`
	Score      float64  `json:"score"`
	Rules      []string `json:"rules"`
	Indicators []string `json:"indicators"`
}

// TestGoldenVerdicts visits each testdata/golden/*.html with the static
// engine and compares the verdict with its .golden.json.
func TestGoldenVerdicts(t *testing.T) {
	pages, _ := filepath.Glob("testdata/golden/*.html")
	if len(pages) == 0 {
		t.Fatal("no golden pages")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, ".html"):
			b, err := os.ReadFile(filepath.Join("testdata/golden", filepath.Base(r.URL.Path)))
			if err != nil {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/html")
			w.Write(b)
		case strings.HasSuffix(r.URL.Path, ".js"):
			w.Header().Set("Content-Type", "application/javascript")
			w.Write([]byte("function helper(a){return a+1}"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	cr := &crawl.Crawler{Static: crawl.NewStatic(crawl.StaticOptions{Guard: &crawl.Guard{LoopbackOnly: true}}), Judge: newTestJudge(t)}
	for _, p := range pages {
		name := filepath.Base(p)
		t.Run(strings.TrimSuffix(name, ".html"), func(t *testing.T) {
			v := cr.Scan(context.Background(), crawl.Request{URL: srv.URL + "/" + name, Profile: mustProfile()}, crawl.EngineStatic, nil)
			g := goldenVerdict{Verdict: v.Verdict.Verdict, Score: v.Verdict.Score, Rules: []string{}, Indicators: []string{}}
			for _, r := range v.Verdict.Reasons {
				g.Rules = append(g.Rules, r.Detector+"/"+r.Rule+" ("+r.Category+")")
			}
			for _, in := range v.Verdict.Indicators {
				g.Indicators = append(g.Indicators, in.Type+" "+in.Category+" "+strings.ReplaceAll(in.Value, strings.TrimPrefix(srv.URL, "http://"), "SITE"))
			}
			got, _ := json.MarshalIndent(g, "", "  ")
			gp := strings.TrimSuffix(p, ".html") + ".golden.json"
			if *update {
				if err := os.WriteFile(gp, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(gp)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if strings.TrimSpace(string(want)) != strings.TrimSpace(string(got)) {
				t.Errorf("verdict of %s changed:\n%s\nwant:\n%s", name, got, want)
			}
		})
	}
}
