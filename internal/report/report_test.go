package report_test

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/crawl"
	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/report"
	"github.com/honeygate/honeygate/internal/store/sqlite"
	"github.com/honeygate/honeygate/internal/testkit/eventkit"
)

// TestSVGAndPNGAgree checks that the PNG paints each bar where the SVG
// says it is: the same layout, the same numbers.
func TestSVGAndPNGAgree(t *testing.T) {
	b := &report.Bars{Title: "t", Labels: []string{"a", "b", "c"}, Line: 10,
		Series: []report.Series{{Name: "x", Values: []int64{3, 0, 7}, Color: report.SeriesColor(0)}, {Name: "y", Values: []int64{1, 2, 0}, Color: report.SeriesColor(1)}}}
	l := b.Layout()
	if l.Max != 10 {
		t.Fatalf("axis max %d, want 10 (the line)", l.Max)
	}
	img := b.Image()
	for _, r := range l.Rects {
		x, y := int(r.X+r.W/2), int(r.Y+r.H/2)
		if got := img.RGBAAt(x, y); got != r.Color {
			t.Errorf("PNG at the middle of bar %s/%s: %v, want %v", r.Label, r.Series, got, r.Color)
		}
		wantH := float64(r.Value) / 10 * float64(l.Plot.Dy())
		if r.H < wantH-0.01 || r.H > wantH+0.01 {
			t.Errorf("bar %s/%s height %.2f, want %.2f", r.Label, r.Series, r.H, wantH)
		}
	}
	svg := string(b.SVG())
	if n := strings.Count(svg, `class="bar"`); n != len(l.Rects) || n != 4 {
		t.Errorf("SVG has %d bars, layout %d, want 4", n, len(l.Rects))
	}
}

func TestSVGEscapes(t *testing.T) {
	b := &report.Bars{Title: `<script>x</script>`, Labels: []string{`"><img onerror=1>`},
		Series: []report.Series{{Name: "<b>", Values: []int64{1}}}}
	svg := string(b.SVG())
	if strings.Contains(svg, "<script>") || strings.Contains(svg, "<img") || strings.Contains(svg, "<b>") {
		t.Errorf("unescaped text in SVG: %s", svg)
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.Open(filepath.Join(dir, "hg.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	day := time.Date(2026, 2, 3, 10, 0, 0, 0, time.UTC)
	var evs []event.Event
	var first *eventkit.Session
	// Six sessions of one address, on two ports: one distinct attacker.
	for i := range 6 {
		a := eventkit.New("s"+strconv.Itoa(i), "192.0.2.1", []int{23, 2323}[i/5], day.Add(time.Duration(i)*time.Minute))
		if i == 0 {
			first = a
		}
		evs = append(evs, a.Connect(0), a.Login(0, "root", "<pw>", false))
	}
	evs = append(evs, first.Download(0, "http://203.0.113.9/x.sh", "", ""))
	if _, err := db.AppendEvents(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	// One watched site, suspicious on the last day: the matrix and its legend.
	if _, err := db.AddSite(context.Background(), crawl.Site{Name: "alpha", URL: "https://alpha.example/", Profile: crawl.DefaultProfile}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutVisit(context.Background(), crawl.Visit{
		Capture: crawl.Capture{ID: "c1", Site: "alpha", URL: "https://alpha.example/", FinalURL: "https://alpha.example/", Day: "2026-02-03", Time: day, Engine: "static", Status: 200},
		Verdict: crawl.Verdict{Verdict: crawl.Suspicious},
	}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "r.html")
	files, err := report.Write(context.Background(), report.Source{Events: db, Blocks: db, Crawl: db}, day.AddDate(0, 0, -1), day, out)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 6 {
		t.Fatalf("files %v, want the HTML and 5 PNGs", files)
	}
	html, _ := os.ReadFile(out)
	s := string(html)
	for _, want := range []string{"http://203.0.113.9/x.sh", "&lt;pw&gt;", `data-label="2026-02-03" data-series="unknown" data-value="6"`, "r-sessions-by-family.png",
		`data-label="2026-02-03" data-series="unknown" data-value="1"`, "at most 1 distinct attacking addresses in a day, on 2026-02-03"} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if regexp.MustCompile(`(?i)<(script|link)\b|src="http`).MatchString(s) {
		t.Errorf("report is not self-contained")
	}
	// Each PNG is a chart of the expected size, and the HTML names it: its
	// title as a heading, its file as a link, its text alternative.
	charts := map[string]string{
		"r-sessions-by-family.png": "Honeypot sessions per day by family",
		"r-sessions-by-port.png":   "Honeypot sessions per day by port",
		"r-sources-by-family.png":  "Distinct attacking addresses per day by family",
		"r-blocks-per-day.png":     "Blocked accesses per day",
		"r-tampering.png":          "Tampering matrix",
	}
	for _, p := range files[1:] {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		name := filepath.Base(p)
		title, ok := charts[name]
		if !ok {
			t.Errorf("unexpected file %s", name)
			continue
		}
		delete(charts, name)
		w, h := 720, 260 // the bar charts' size
		if name == "r-tampering.png" {
			w, h = 640, 40+18+12+4 // the header, the day labels, one site
		}
		if img.Bounds().Dx() != w || img.Bounds().Dy() != h {
			t.Errorf("%s: %v, want %dx%d", name, img.Bounds(), w, h)
		}
		if !strings.Contains(s, `<a href="`+name+`">`+name+`</a>`) || !strings.Contains(s, ">"+title+"</h2>") {
			t.Errorf("report does not name %s (%q)", name, title)
		}
		if name != "r-tampering.png" && !strings.Contains(s, "<title>"+title+"</title><desc>"+title+": ") {
			t.Errorf("%s: no title and text alternative in the SVG", name)
		}
	}
	if len(charts) != 0 {
		t.Errorf("charts not written: %v", charts)
	}
	// The matrix's legend counts every state it draws.
	for _, want := range []string{"<desc>1 sites by 2 days (2026-02-02 to 2026-02-03), tampered 0, suspicious 1, error 0, clean 0, not visited 1.</desc>", `suspicious</td><td class="n">1</td>`} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
