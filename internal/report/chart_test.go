package report

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/gateway"
)

// TestYTicks: round steps (1, 2 or 5 times a power of ten), the top tick
// the first at or above the data, at most four intervals.
func TestYTicks(t *testing.T) {
	for _, c := range []struct {
		v         int64
		step, top int64
	}{{0, 1, 1}, {1, 1, 1}, {3, 1, 3}, {4, 1, 4}, {7, 2, 8}, {37, 10, 40}, {99, 50, 100}, {10000, 5000, 10000}, {12345, 5000, 15000}} {
		step, ticks := yTicks(c.v, 4)
		if step != c.step || ticks[len(ticks)-1] != c.top || ticks[0] != 0 {
			t.Errorf("yTicks(%d) = %d %v, want step %d up to %d", c.v, step, ticks, c.step, c.top)
		}
	}
	for v := int64(0); v < 200000; v = v*3/2 + 1 {
		step, ticks := yTicks(v, 4)
		top := ticks[len(ticks)-1]
		m := step
		for m%10 == 0 {
			m /= 10
		}
		if m != 1 && m != 2 && m != 5 {
			t.Errorf("v=%d: step %d is not round", v, step)
		}
		if top < v || top-step >= max(v, 1) || len(ticks)-1 > 4 {
			t.Errorf("v=%d: ticks %v", v, ticks)
		}
		for i, tv := range ticks {
			if tv != int64(i)*step {
				t.Errorf("v=%d: ticks %v not evenly stepped", v, ticks)
			}
		}
	}
}

// TestXTicks: the first day is always labelled, labels are a whole number
// of days (or weeks) apart and no more than fit.
func TestXTicks(t *testing.T) {
	for _, c := range []struct{ n, fit, k int }{{1, 8, 1}, {7, 8, 1}, {14, 8, 2}, {30, 8, 7}, {180, 8, 30}, {365, 8, 60}, {3000, 8, 730}} {
		got := xTicks(c.n, c.fit)
		if got[0] != 0 || len(got) > c.fit || (len(got) > 1 && got[1] != c.k) {
			t.Errorf("xTicks(%d, %d) = %v, want every %d", c.n, c.fit, got, c.k)
		}
	}
}

// days lists n days from 2026-02-01.
func days(n int) []string {
	from := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	return Days(from, from.AddDate(0, 0, n-1))
}

// TestFewBlocksAreVisible: a handful of blocks scales the chart to them;
// the 10,000 line becomes a marker at the top edge, and each bar's height
// is its count's share of the axis.
func TestFewBlocksAreVisible(t *testing.T) {
	ds := days(5)
	b := BlocksBars("Blocked accesses per day", ds, nil)
	b.Series[0].Values = []int64{3, 0, 1, 2, 7}
	l := b.Layout()
	if l.Max != 8 || l.Step != 2 || !l.LineOff || l.LineY >= 0 {
		t.Fatalf("max %d step %d lineOff %v lineY %.1f; want 8, 2, the marker and no line", l.Max, l.Step, l.LineOff, l.LineY)
	}
	ph := float64(l.Plot.Dy())
	if len(l.Rects) != 4 {
		t.Fatalf("%d bars, want 4", len(l.Rects))
	}
	for _, r := range l.Rects {
		want := float64(r.Value) / 8 * ph
		if r.H < want-0.01 || r.H > want+0.01 || r.Y+r.H < float64(l.Plot.Max.Y)-0.01 || r.Y+r.H > float64(l.Plot.Max.Y)+0.01 {
			t.Errorf("bar %s: %d blocks, height %.2f, want %.2f from the axis", r.Label, r.Value, r.H, want)
		}
	}
	svg := string(b.SVG())
	if strings.Contains(svg, `class="refline"`) || !strings.Contains(svg, `class="refmark"`) || !strings.Contains(svg, "10,000 (above this scale)") {
		t.Errorf("want the labelled marker and no line: %s", svg)
	}
}

// TestBlocksNearTheLineShowIt: within reach of 10,000 the line is drawn
// on a scale that holds it.
func TestBlocksNearTheLineShowIt(t *testing.T) {
	b := BlocksBars("b", days(3), nil)
	b.Series[0].Values = []int64{6000, 12000, 100}
	l := b.Layout()
	if l.LineOff || l.Max != 15000 {
		t.Fatalf("max %d lineOff %v, want 15000 and the line", l.Max, l.LineOff)
	}
	want := float64(l.Plot.Max.Y) - 10000.0/15000*float64(l.Plot.Dy())
	if l.LineY < want-0.01 || l.LineY > want+0.01 {
		t.Errorf("line at %.2f, want %.2f", l.LineY, want)
	}
	b.Series[0].Values = []int64{5000, 0, 0} // exactly half: still near
	if l := b.Layout(); l.LineOff || l.Max != 10000 {
		t.Errorf("at 5,000: max %d lineOff %v, want 10000 with the line", l.Max, l.LineOff)
	}
	svg := string(b.SVG())
	if !strings.Contains(svg, `class="refline"`) || strings.Contains(svg, `class="refmark"`) {
		t.Errorf("want the line, not the marker")
	}
}

func texts(l Layout, class string) []string {
	var out []string
	for _, t := range l.Texts {
		if t.Class == class {
			out = append(out, t.S)
		}
	}
	return out
}

// TestLegendAndAxes: stacked series get a legend entry each, in order and
// colour; the title, unit, x axis title and tick labels are drawn.
func TestLegendAndAxes(t *testing.T) {
	b := &Bars{Title: "Sessions by family", Labels: days(30), Unit: UnitSessions}
	for i, name := range []string{"mirai", "hajime", "satori"} {
		v := make([]int64, 30)
		v[i] = int64(10 * (i + 1))
		b.Series = append(b.Series, Series{Name: name, Values: v, Color: SeriesColor(i)})
	}
	l := b.Layout()
	if len(l.Legend) != 3 {
		t.Fatalf("legend %v, want 3 entries", l.Legend)
	}
	for i, e := range l.Legend {
		if e.Name != b.Series[i].Name || e.Color != b.Series[i].Color {
			t.Errorf("legend %d: %v, want %s", i, e, b.Series[i].Name)
		}
		if e.Y+10 > float64(l.Plot.Min.Y) {
			t.Errorf("legend %s overlaps the plot", e.Name)
		}
	}
	if got := texts(l, "legend"); strings.Join(got, ",") != "mirai,hajime,satori" {
		t.Errorf("legend texts %v", got)
	}
	if got := texts(l, "ytick"); strings.Join(got, ",") != "0,10,20,30" {
		t.Errorf("y ticks %v, want 0,10,20,30", got)
	}
	if got := texts(l, "xtick"); len(got) != 5 || got[0] != "2026-02-01" || got[1] != "2026-02-08" {
		t.Errorf("x ticks %v, want weekly from the first day", got)
	}
	for class, want := range map[string]string{"title": "Sessions by family", "unit": "sessions", "xtitle": "Day (UTC)"} {
		if got := texts(l, class); len(got) != 1 || got[0] != want {
			t.Errorf("%s: %v, want %q", class, got, want)
		}
	}
	svg := string(b.SVG())
	for _, want := range []string{`<title>Sessions by family</title>`, `<desc>Sessions by family: 30 days from 2026-02-01 to 2026-03-02, 60 sessions in total, the most on 2026-02-03 (30 sessions).</desc>`,
		`class="swatch"`, `data-series="hajime"`, `>Day (UTC)</text>`} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	// One series: no legend; Japanese words when asked.
	one := &Bars{Title: "t", Labels: days(2), Lang: "ja", Series: []Series{{Name: "x", Values: []int64{1, 2}}}}
	if l := one.Layout(); len(l.Legend) != 0 || texts(l, "xtitle")[0] != "日付 (UTC)" {
		t.Errorf("single series: legend %v, x title %v", l.Legend, texts(l, "xtitle"))
	}
	// A long legend wraps under itself and pushes the plot down.
	for i := range 8 {
		b.Series = append(b.Series, Series{Name: strings.Repeat("family", 3) + string(rune('a'+i)), Values: make([]int64, 30), Color: SeriesColor(i)})
	}
	l2 := b.Layout()
	last := l2.Legend[len(l2.Legend)-1]
	if last.Y <= l.Legend[0].Y || last.Y+10 > float64(l2.Plot.Min.Y) || last.X+14+textW(last.Name) > float64(l2.W) {
		t.Errorf("wrapped legend: last entry at %.0f,%.0f, plot from %d", last.X, last.Y, l2.Plot.Min.Y)
	}
}

// TestPNGHasItsTexts: the PNG paints the title, the tick labels and the
// legend names (ink where the texts are), not only the bars.
func TestPNGHasItsTexts(t *testing.T) {
	b := &Bars{Title: "Blocked accesses per day", Labels: days(3), Unit: UnitBlocks,
		Series: []Series{{Name: "a", Values: []int64{1, 2, 3}, Color: SeriesColor(0)}, {Name: "b", Values: []int64{1, 0, 0}, Color: SeriesColor(1)}}}
	l := b.Layout()
	img := b.Image()
	if img.Bounds().Dx() != 720 || img.Bounds().Dy() != 260 {
		t.Fatalf("image %v, want 720x260", img.Bounds())
	}
	for _, tx := range l.Texts {
		x, y := int(tx.X), int(tx.Y)
		w := int(textW(tx.S))
		x0 := map[string]int{"start": x, "middle": x - w/2, "end": x - w}[tx.Anchor]
		inked := 0
		for yy := y - 10; yy <= y; yy++ {
			for xx := x0; xx < x0+w; xx++ {
				if c := img.RGBAAt(xx, yy); c == tx.Color {
					inked++
				}
			}
		}
		if inked < len(tx.S) {
			t.Errorf("text %q (%s): %d pixels of its colour where it should be", tx.S, tx.Class, inked)
		}
	}
}

// TestBlocksStackedByCategory: the blocks chart stacks each day's bar by
// category, the largest categories over the period first and at most five
// by name (the rest one "other" layer), every layer red, with a legend;
// each segment's height is its count's share of the axis and a day's
// segments add up to its blocks.
func TestBlocksStackedByCategory(t *testing.T) {
	ds := days(3)
	var rows []gateway.BlockDayCategory
	// Seven categories: c0 the largest ... c6 the smallest.
	for c := range 7 {
		for d := range 3 {
			rows = append(rows, gateway.BlockDayCategory{Day: ds[d], Category: fmt.Sprintf("c%d", c), Blocks: int64((7 - c) * (d + 1) * 100)})
		}
	}
	rows = append(rows, gateway.BlockDayCategory{Day: "2026-01-01", Category: "c0", Blocks: 1e6}) // outside the period
	b := BlocksBars("b", ds, rows)
	var names []string
	for _, s := range b.Series {
		names = append(names, s.Name)
		if s.Color.R <= s.Color.G || s.Color.R <= s.Color.B {
			t.Errorf("layer %s is not a red: %v", s.Name, s.Color)
		}
	}
	if want := []string{"c0", "c1", "c2", "c3", "c4", OtherCategory}; !slices.Equal(names, want) {
		t.Fatalf("layers %v, want %v", names, want)
	}
	l := b.Layout()
	if len(l.Legend) != 6 {
		t.Errorf("legend %d entries, want 6", len(l.Legend))
	}
	ph := float64(l.Plot.Dy())
	sum := map[string]int64{}
	for _, r := range l.Rects {
		want := float64(r.Value) / float64(l.Max) * ph
		if math.Abs(r.H-want) > 0.01 {
			t.Errorf("%s/%s: %d blocks, %.2f px, want %.2f", r.Label, r.Series, r.Value, r.H, want)
		}
		sum[r.Label] += r.Value
	}
	for d := range 3 {
		var want int64
		for c := range 7 {
			want += int64((7 - c) * (d + 1) * 100)
		}
		if sum[ds[d]] != want {
			t.Errorf("%s: segments add up to %d, want %d", ds[d], sum[ds[d]], want)
		}
	}
	if other := b.Series[5].Values[2]; other != (2+1)*3*100 {
		t.Errorf("other on day 3: %d, want c5+c6 = 900", other)
	}
	// The busiest day (8,400) is near 10,000: the line is drawn.
	if l.LineOff || l.LineY < 0 {
		t.Errorf("no 10,000 line at 8,400 blocks")
	}
	// One category: still a legend naming it; none: no legend.
	one := BlocksBars("b", ds, []gateway.BlockDayCategory{{Day: ds[0], Category: "", Blocks: 3}})
	if l := one.Layout(); len(l.Legend) != 1 || l.Legend[0].Name != Uncategorized {
		t.Errorf("one category: legend %+v", l.Legend)
	}
	if l := BlocksBars("b", ds, nil).Layout(); len(l.Legend) != 0 {
		t.Errorf("no blocks: legend %+v", l.Legend)
	}
}
