package report

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/honeygate/honeygate/internal/crawl"
	"github.com/honeygate/honeygate/internal/gateway"
	"github.com/honeygate/honeygate/internal/store"
)

// Source is what a report reads: the same store queries as the dashboard
// and the API. Blocks may be nil (no gateway data).
type Source struct {
	Events store.Events
	Blocks gateway.BlocksStore
	Crawl  crawl.Store // nil: no tampering matrix
	Matrix crawl.MatrixOptions
}

//go:embed report.html
var reportHTML string

var reportTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"num":  Number,
	"ts":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") },
	"hex":  func(i int) string { return Hex(SeriesColor(i)) },
	"hexc": Hex,
}).Parse(reportHTML))

// chart is one figure of the report: inline SVG and the PNG beside it.
type chart struct {
	Title string
	SVG   template.HTML
	PNG   string // file name beside the report
	bars  *Bars
	Keys  []string
	Total map[string]int64
}

type reportData struct {
	From, To  string
	Generated string
	Charts    []*chart
	Creds     []store.CredentialCount
	Payloads  []store.PayloadURL
	NewURLs   int64
	Sessions  int64
	// PeakSources is the most distinct attacking addresses of one day
	// (PeakDay) in the period.
	PeakSources int64
	PeakDay     string
	Domains     []gateway.BlockTop
	HasBlocks   bool
	HasCrawl    bool
	Matrix      *crawl.Matrix
	MatrixSVG   template.HTML
	MatrixPNG   string
	Cells       []LegendEntry // the matrix's legend
}

// matrixTitle is the tampering matrix's title in the report.
const matrixTitle = "Tampering matrix"

// Write writes the report for the UTC days [from, to] to out (HTML, every
// style inline in the file, charts as inline SVG) and each chart as PNG
// beside it (out's name without extension, "-" and the chart's name). It
// returns the files written.
func Write(ctx context.Context, src Source, from, to time.Time, out string) ([]string, error) {
	days := Days(from, to)
	if len(days) == 0 {
		return nil, fmt.Errorf("report: --to is before --from")
	}
	rows, err := src.Events.DailyStats(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	d := reportData{From: days[0], To: days[len(days)-1], Generated: time.Now().UTC().Format(time.RFC3339)}
	fam := Fold(rows, days, func(s store.DailyStat) string { return s.Family })
	port := Fold(rows, days, func(s store.DailyStat) string { return fmt.Sprint(s.DstPort) })
	for _, v := range fam.PerDay {
		d.Sessions += v
	}
	base := strings.TrimSuffix(out, filepath.Ext(out))
	add := func(name string, b *Bars, keys []string, total map[string]int64) {
		d.Charts = append(d.Charts, &chart{Title: b.Title, SVG: b.SVG(), PNG: filepath.Base(base) + "-" + name + ".png", bars: b, Keys: keys, Total: total})
	}
	add("sessions-by-family", fam.Bars("Honeypot sessions per day by family"), fam.Keys, fam.Total)
	add("sessions-by-port", port.Bars("Honeypot sessions per day by port"), port.Keys, port.Total)
	// Distinct attacking addresses, exact per day and family (an address on
	// three ports is one), as the dashboard and /api/v1/stats/sources count.
	famSrc, err := src.Events.DailySources(ctx, store.SourcesByFamily, from, to)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	fam.SetSources(famSrc)
	daySrc, err := src.Events.DailySources(ctx, store.SourcesByDay, from, to)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	for i, n := range DaySources(daySrc, days) {
		if n > d.PeakSources {
			d.PeakSources, d.PeakDay = n, days[i]
		}
	}
	// No period total: distinct addresses per day do not add up over days.
	add("sources-by-family", fam.SourceBars("Distinct attacking addresses per day by family"), fam.Keys, nil)
	if src.Blocks != nil {
		bd, err := src.Blocks.BlocksDaily(ctx, from, to)
		if err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		var total int64
		for _, b := range bd {
			total += b.Blocks
		}
		d.HasBlocks = true
		byCat, err := src.Blocks.BlocksDailyByCategory(ctx, from, to)
		if err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		bars := BlocksBars("Blocked accesses per day", days, byCat)
		keys, totals := make([]string, 0, len(bars.Series)), map[string]int64{}
		for _, s := range bars.Series {
			keys = append(keys, s.Name)
			for _, v := range s.Values {
				totals[s.Name] += v
			}
		}
		if total == 0 {
			keys, totals = []string{"blocks"}, map[string]int64{"blocks": 0}
		}
		add("blocks-per-day", bars, keys, totals)
		if d.Domains, err = src.Blocks.BlocksTop(ctx, gateway.TopByDomain, from, to, 20); err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
	}
	if d.Creds, err = src.Events.TopCredentials(ctx, from, to, 20); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	newp, err := src.Events.NewPayloadURLs(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	for _, n := range newp {
		d.NewURLs += n.Count
	}
	all, err := src.Events.PayloadURLs(ctx, from, to, 200)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	lo := from.UTC().Truncate(24 * time.Hour)
	for _, p := range all { // new in the period: first seen within it
		if !p.FirstSeen.Before(lo) {
			d.Payloads = append(d.Payloads, p)
		}
	}
	if src.Crawl != nil {
		sites, err := src.Crawl.Sites(ctx)
		if err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		visits, err := src.Crawl.Visits(ctx, d.From, d.To)
		if err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		m := crawl.BuildMatrix(sites, visits, days, src.Matrix)
		d.HasCrawl, d.Matrix = true, &m
		d.MatrixSVG = MatrixSVG(&m, func(string, string) string { return "#" }, matrixTitle, MatrixDesc(&m))
		d.Cells = MatrixLegend(CountCells(&m))
		d.MatrixPNG = filepath.Base(base) + "-tampering.png"
	}
	var buf bytes.Buffer
	if err := reportTmpl.Execute(&buf, d); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	files := []string{out}
	for _, c := range d.Charts {
		var pb bytes.Buffer
		if err := c.bars.PNG(&pb); err != nil {
			return files, err
		}
		p := filepath.Join(filepath.Dir(out), c.PNG)
		if err := os.WriteFile(p, pb.Bytes(), 0o644); err != nil {
			return files, fmt.Errorf("report: %w", err)
		}
		files = append(files, p)
	}
	if d.HasCrawl {
		var pb bytes.Buffer
		if err := MatrixPNG(&pb, d.Matrix, matrixTitle); err != nil {
			return files, err
		}
		p := filepath.Join(filepath.Dir(out), d.MatrixPNG)
		if err := os.WriteFile(p, pb.Bytes(), 0o644); err != nil {
			return files, fmt.Errorf("report: %w", err)
		}
		files = append(files, p)
	}
	return files, nil
}
