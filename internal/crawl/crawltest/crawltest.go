// Package crawltest is the conformance suite of crawl.Store: every adapter
// runs Run on a fresh store.
package crawltest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/crawl"
)

// Run runs the suite; open returns a new, empty store, closed by the test's
// cleanup if it needs closing.
func Run(t *testing.T, open func(t *testing.T) crawl.Store) {
	t.Run("WatchList", func(t *testing.T) { testWatchList(t, open(t)) })
	t.Run("VisitsPerDay", func(t *testing.T) { testVisits(t, open(t)) })
	t.Run("UpdateVerdict", func(t *testing.T) { testUpdate(t, open(t)) })
	t.Run("Baseline", func(t *testing.T) { testBaseline(t, open(t)) })
	t.Run("PruneAndHashes", func(t *testing.T) { testPrune(t, open(t)) })
}

func testWatchList(t *testing.T, s crawl.Store) {
	ctx := context.Background()
	if got, err := s.Sites(ctx); err != nil || len(got) != 0 {
		t.Fatalf("empty store: Sites = %v, %v", got, err)
	}
	a := crawl.Site{Name: "b-shop", URL: "http://shop.example/", Profile: "ie11-win7", Added: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	if _, err := s.AddSite(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddSite(ctx, crawl.Site{Name: "a-news", URL: "http://news.example/", Profile: "chrome-win10"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddSite(ctx, crawl.Site{Name: "other", URL: a.URL}); !errors.Is(err, crawl.ErrExists) {
		t.Errorf("same URL again: err = %v, want ErrExists", err)
	}
	if _, err := s.AddSite(ctx, crawl.Site{Name: a.Name, URL: "http://x.example/"}); !errors.Is(err, crawl.ErrExists) {
		t.Errorf("same name again: err = %v, want ErrExists", err)
	}
	got, err := s.Sites(ctx)
	if err != nil || len(got) != 2 || got[0].Name != "a-news" || got[1].Name != "b-shop" {
		t.Fatalf("Sites = %+v, %v; want a-news, b-shop in name order", got, err)
	}
	if !got[1].Added.Equal(a.Added) || got[1].Profile != "ie11-win7" || got[1].URL != a.URL {
		t.Errorf("Sites[1] = %+v, want %+v", got[1], a)
	}
	if err := s.RemoveSite(ctx, "http://news.example/"); err != nil {
		t.Errorf("remove by URL: %v", err)
	}
	if err := s.RemoveSite(ctx, "b-shop"); err != nil {
		t.Errorf("remove by name: %v", err)
	}
	if err := s.RemoveSite(ctx, "b-shop"); !errors.Is(err, crawl.ErrNotFound) {
		t.Errorf("remove twice: err = %v, want ErrNotFound", err)
	}
}

func visit(id, site, day, verdict string) crawl.Visit {
	return crawl.Visit{
		Capture: crawl.Capture{ID: id, Site: site, URL: "http://" + site + ".example/", Day: day, Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			Engine: crawl.EngineStatic, Redirects: []crawl.Hop{}, Resources: []crawl.Resource{{URL: "http://" + site + ".example/", Type: crawl.TypeDocument, SHA256: id + "-doc"}},
			Screenshot: &crawl.Screenshot{SHA256: id + "-shot", MIME: "image/jpeg", Size: 1}},
		Verdict: crawl.Verdict{Verdict: verdict, Score: 10, Reasons: []crawl.Reason{{Detector: "structure", Rule: "r", Score: 10, Evidence: "e"}}, Indicators: []crawl.Indicator{}, Campaign: []string{"host:evil.example"}},
	}
}

func testVisits(t *testing.T, s crawl.Store) {
	ctx := context.Background()
	for _, v := range []crawl.Visit{
		visit("c1", "b", "2026-01-01", crawl.Clean),
		visit("c2", "a", "2026-01-01", crawl.Malicious),
		visit("c3", "a", "2026-01-02", crawl.Clean),
		visit("c4", "a", "2026-01-05", crawl.Clean),
		visit("scan", "", "", crawl.Clean),
	} {
		if err := s.PutVisit(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	// Running day 2 again replaces its cell.
	if err := s.PutVisit(ctx, visit("c3b", "a", "2026-01-02", crawl.Suspicious)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Visits(ctx, "2026-01-01", "2026-01-02")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range got {
		ids = append(ids, v.Capture.ID)
	}
	if want := []string{"c2", "c1", "c3b"}; len(ids) != len(want) || ids[0] != want[0] || ids[1] != want[1] || ids[2] != want[2] {
		t.Fatalf("Visits = %v, want %v (day then site, one per site and day, no scans)", ids, want)
	}
	if v := got[0]; v.Verdict.Verdict != crawl.Malicious || len(v.Verdict.Reasons) != 1 || v.Verdict.Campaign[0] != "host:evil.example" ||
		len(v.Capture.Resources) != 1 || v.Capture.Resources[0].SHA256 != "c2-doc" || v.Capture.Screenshot == nil || v.Capture.Screenshot.SHA256 != "c2-shot" || !v.Capture.Time.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("round trip lost data: %+v", v)
	}
}

func testUpdate(t *testing.T, s crawl.Store) {
	ctx := context.Background()
	if err := s.PutVisit(ctx, visit("c1", "a", "2026-01-01", crawl.Clean)); err != nil {
		t.Fatal(err)
	}
	nv := crawl.Verdict{Verdict: crawl.Malicious, Score: 90, Reasons: []crawl.Reason{{Detector: "yara", Rule: "New"}}, Indicators: []crawl.Indicator{}}
	if err := s.UpdateVerdict(ctx, "c1", nv); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Visits(ctx, "2026-01-01", "2026-01-01")
	if len(got) != 1 || got[0].Verdict.Verdict != crawl.Malicious || got[0].Verdict.Score != 90 || got[0].Verdict.Reasons[0].Rule != "New" {
		t.Errorf("after UpdateVerdict: %+v", got)
	}
	if err := s.UpdateVerdict(ctx, "nope", nv); !errors.Is(err, crawl.ErrNotFound) {
		t.Errorf("unknown capture: err = %v, want ErrNotFound", err)
	}
}

func testBaseline(t *testing.T, s crawl.Store) {
	ctx := context.Background()
	b, err := s.Baseline(ctx, "a")
	if err != nil || b.Captures != 0 {
		t.Fatalf("no baseline: %+v, %v", b, err)
	}
	want := crawl.Baseline{Hosts: []string{"a.example", "cdn.example"}, Scripts: map[string]string{"http://a.example/app.js": "h1"}, Iframes: []string{}, Document: "d", Captures: 2, Updated: "2026-01-02"}
	if err := s.PutBaseline(ctx, "a", want); err != nil {
		t.Fatal(err)
	}
	want.Captures = 3
	if err := s.PutBaseline(ctx, "a", want); err != nil {
		t.Fatal(err)
	}
	got, err := s.Baseline(ctx, "a")
	if err != nil || got.Captures != 3 || len(got.Hosts) != 2 || got.Scripts["http://a.example/app.js"] != "h1" || got.Document != "d" || got.Updated != "2026-01-02" {
		t.Errorf("Baseline = %+v, %v; want %+v", got, err, want)
	}
}

func testPrune(t *testing.T, s crawl.Store) {
	ctx := context.Background()
	for _, v := range []crawl.Visit{visit("old", "a", "2025-12-01", crawl.Clean), visit("new", "a", "2026-01-01", crawl.Clean)} {
		if err := s.PutVisit(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.PruneBefore(ctx, "2026-01-01")
	if err != nil || n != 1 {
		t.Fatalf("PruneBefore = %d, %v; want 1", n, err)
	}
	h, err := s.Hashes(ctx)
	if err != nil || !h["new-doc"] || !h["new-shot"] || h["old-doc"] || h["old-shot"] {
		t.Errorf("Hashes = %v, %v; want new-doc and new-shot only", h, err)
	}
}
