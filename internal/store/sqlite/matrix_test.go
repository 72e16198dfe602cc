package sqlite_test

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/crawl"
	"github.com/honeygate/honeygate/internal/store/sqlite"
)

// TestVisitCellsBuildTheSameMatrix: the matrix built from VisitCells equals
// the one built from Visits.
func TestVisitCellsBuildTheSameMatrix(t *testing.T) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "hg.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	day0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var sites []crawl.Site
	for _, n := range []string{"a", "b", "c", "d"} {
		s, err := db.AddSite(ctx, crawl.Site{Name: n, URL: "https://" + n + ".example/", Profile: crawl.DefaultProfile})
		if err != nil {
			t.Fatal(err)
		}
		sites = append(sites, s)
		for d := range 5 {
			day := day0.AddDate(0, 0, d).Format(time.DateOnly)
			v := crawl.Visit{Capture: crawl.Capture{ID: n + day, Site: n, URL: "https://" + n + ".example/", Day: day, Time: day0,
				Redirects: []crawl.Hop{{From: "x", To: "y", Cause: crawl.CauseHTTP}}}, Verdict: crawl.Verdict{Verdict: crawl.Clean, Reasons: []crawl.Reason{}}}
			switch {
			case n == "a" && d >= 1, n != "a" && d == 4:
				v.Verdict = crawl.Verdict{Verdict: crawl.Malicious, Score: 1, Campaign: []string{"host:evil.example"}, Reasons: []crawl.Reason{{Detector: "script", Rule: "r", Evidence: "e"}}}
			case n == "d" && d == 2:
				v.Capture.Error, v.Verdict = "refused", crawl.Verdict{Verdict: crawl.Error, Reasons: []crawl.Reason{}}
			}
			if err := db.PutVisit(ctx, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	days, _ := crawl.Days("2026-03-01", "2026-03-05")
	full, err := db.Visits(ctx, "2026-03-01", "2026-03-05")
	if err != nil {
		t.Fatal(err)
	}
	cells, err := db.VisitCells(ctx, "2026-03-01", "2026-03-05")
	if err != nil {
		t.Fatal(err)
	}
	want := crawl.BuildMatrix(sites, full, days, crawl.MatrixOptions{})
	got := crawl.BuildMatrix(sites, cells, days, crawl.MatrixOptions{})
	if !reflect.DeepEqual(got, want) {
		t.Errorf("matrix from cells:\n%+v\nfrom visits:\n%+v", got, want)
	}
	if len(want.Campaigns) == 0 || !want.Sites[0].Persistent {
		t.Errorf("the fixture should hold a campaign and a persistent site: %+v", want)
	}
}

// VisitCells concatenates each day's cells: site names and capture ids
// with the separators in them, and scores that need all 17 digits, come
// back exactly.
func TestVisitCellsOddNamesAndScores(t *testing.T) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "hg.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	names := []string{"a b", "c,d", "é\x1f'\"", "z"}
	scores := []float64{0.1 + 0.2, 1.0 / 3, 0, 0.9}
	verdicts := []string{crawl.Clean, crawl.Suspicious, crawl.Clean, crawl.Clean}
	for i, n := range names {
		if _, err := db.AddSite(ctx, crawl.Site{Name: n, URL: "https://s" + string(rune('a'+i)) + ".example/", Profile: crawl.DefaultProfile}); err != nil {
			t.Fatal(err)
		}
		v := crawl.Visit{Capture: crawl.Capture{ID: "id, " + n, Site: n, URL: "https://x.example/", Day: "2026-03-01", Time: time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC), Engine: "static"},
			Verdict: crawl.Verdict{Verdict: verdicts[i], Score: scores[i], Reasons: []crawl.Reason{}}}
		if err := db.PutVisit(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.VisitCells(ctx, "2026-03-01", "2026-03-01")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(names) {
		t.Fatalf("%d cells, want %d", len(got), len(names))
	}
	at := map[string]int{}
	for i, n := range names {
		at[n] = i
	}
	for j, v := range got {
		i, ok := at[v.Capture.Site]
		if !ok || v.Capture.ID != "id, "+names[i] || v.Capture.Day != "2026-03-01" || v.Verdict.Score != scores[i] || v.Verdict.Verdict != verdicts[i] {
			t.Errorf("cell %d: %+v / %+v", j, v.Capture, v.Verdict)
		}
		if j > 0 && got[j-1].Capture.Site >= v.Capture.Site {
			t.Errorf("cells not in site order: %q before %q", got[j-1].Capture.Site, v.Capture.Site)
		}
		delete(at, v.Capture.Site)
	}
}
