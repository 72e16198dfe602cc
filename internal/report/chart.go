// Package report draws honeygate's charts and writes its exported reports.
// The dashboard (internal/web/ui) and `honeygate report` draw every chart
// with this package, so a figure on screen and the same figure in a mailed
// report come from the same numbers and the same geometry: Layout computes
// the bars once, SVG and PNG only paint them.
//
// It is not a general charting library: daily bars (stacked by series) with
// an optional reference line, and the day-by-row cell matrix, are all it
// draws.
package report

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"strings"
)

// Palette: restrained greys and blues; red is kept for tampered or blocked.
var (
	Red     = color.RGBA{0xc6, 0x28, 0x28, 0xff}
	Grey    = color.RGBA{0xb0, 0xb4, 0xba, 0xff}
	Ink     = color.RGBA{0x22, 0x26, 0x2c, 0xff}
	Rule    = color.RGBA{0xe3, 0xe5, 0xe8, 0xff}
	Paper   = color.RGBA{0xff, 0xff, 0xff, 0xff}
	seriesC = []color.RGBA{
		{0x2f, 0x5d, 0x8a, 0xff}, {0x6c, 0x9b, 0xc6, 0xff}, {0x3f, 0x8f, 0x7a, 0xff},
		{0x9a, 0x8c, 0x5a, 0xff}, {0x7a, 0x6a, 0xa8, 0xff}, {0x5b, 0x6b, 0x7b, 0xff},
		{0xa3, 0xb8, 0xcc, 0xff}, {0x8f, 0xb9, 0xa8, 0xff},
	}
)

// SeriesColor returns the colour of the i-th series (never red).
func SeriesColor(i int) color.RGBA { return seriesC[i%len(seriesC)] }

// Hex formats a colour as #rrggbb.
func Hex(c color.RGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// Series is one stack layer of a bar chart: a value per label.
type Series struct {
	Name   string // the key (data-series); the legend's words unless Label is set
	Values []int64
	Color  color.RGBA
	// Label is the legend's words for the series when they are not Name:
	// the dashboard translates the layers it names itself ("other",
	// "uncategorized"), while Name stays the key that data carries.
	Label string
}

// legend is the series' words in the legend.
func (s Series) legend() string {
	if s.Label != "" {
		return s.Label
	}
	return s.Name
}

// Bars is a daily bar chart: one bar per label (a day), stacked by series.
// Everything a reader needs to read it on its own (in a mailed or printed
// report) is drawn into it: the title, both axes with round ticks, the unit
// and, for stacked series, a legend.
type Bars struct {
	Title  string
	Labels []string // x axis, one per bar (days as YYYY-MM-DD)
	Series []Series
	// Unit names what the y axis counts ("sessions", "blocks"); it is
	// drawn above the axis and in the text alternative.
	Unit string
	// XTitle names the x axis; "Day (UTC)" (or its Japanese) when empty.
	XTitle string
	// Lang chooses the chart's own words: "ja" for Japanese, else English.
	Lang string
	// Line draws a horizontal reference (e.g. 10,000 blocks a day) when > 0
	// and the data reach at least half of it; further below, the scale
	// follows the data and the line becomes a labelled marker at the top
	// edge, so that a handful of blocks stays visible.
	Line      int64
	LineLabel string
	// Legend draws the legend even for a single series (the blocks chart
	// names its one category); with several series it is always drawn.
	Legend bool
	Width  int // pixels; 720 when 0
	Height int // pixels; 260 when 0
}

// Rect is one painted rectangle of a chart, in pixels from the top left.
type Rect struct {
	X, Y, W, H float64
	Color      color.RGBA
	Label      string // x label
	Series     string
	Value      int64
}

// Text is one text of a chart: at X, Y (the baseline), anchored at its
// start, middle or end.
type Text struct {
	X, Y   float64
	S      string
	Anchor string // "start", "middle" or "end"
	Color  color.RGBA
	Class  string
}

// LegendItem is one entry of a chart's legend: a swatch at X, Y (its top
// left, 10 pixels square) and the series' name to its right.
type LegendItem struct {
	Name  string
	Color color.RGBA
	X, Y  float64
}

// Layout is the geometry of a chart, computed once for SVG and PNG.
type Layout struct {
	W, H  int
	Plot  image.Rectangle // the plotting area
	Max   int64           // the value at the top of the plot (the top tick)
	Step  int64           // between two y ticks
	Rects []Rect
	// LineY is the reference line's y; < 0 when there is none or it is off
	// the scale (then LineOff is true and a marker sits at the top edge).
	LineY      float64
	LineOff    bool
	Totals     []int64 // per label
	TickValues []int64 // y ticks: 0, Step, ..., Max
	XTicks     []int   // indices of the labels drawn under the x axis
	Legend     []LegendItem
	Texts      []Text // title, unit, axis titles, tick labels, legend names
}

const (
	padL, padR = 56, 40 // room for y tick labels and a centred last date
	titleH     = 22     // the title's band at the top
	legendRowH = 16
	padB       = 38 // x tick labels and the x axis title
	fontPx     = 11
	dateLabelW = 72 // "2026-02-03" at 11 px, with a gap
	approxChar = 7  // pixels per narrow character (the PNG font's advance)
)

// textW estimates the width of s in pixels: the PNG font is 7 pixels per
// character and the SVG's 11 px sans-serif about as wide; CJK characters
// are square.
func textW(s string) float64 {
	w := 0.0
	for _, r := range s {
		if r >= 0x1100 {
			w += fontPx + 1
		} else {
			w += approxChar
		}
	}
	return w
}

// y converts a value to its pixel row.
func (l *Layout) y(v int64) float64 {
	return float64(l.Plot.Max.Y) - float64(v)/float64(l.Max)*float64(l.Plot.Dy())
}

// Layout computes the chart: each bar's height is value/Max of the plot's
// height, stacked in series order from the bottom; Max is the top of round
// ticks just above the highest bar (or the reference line when near).
func (b *Bars) Layout() Layout {
	w, h := b.Width, b.Height
	if w <= 0 {
		w = 720
	}
	if h <= 0 {
		h = 260
	}
	l := Layout{W: w, H: h, LineY: -1}
	l.Texts = append(l.Texts, Text{X: 4, Y: 15, S: b.Title, Anchor: "start", Color: Ink, Class: "title"})
	// The legend: one entry per named series when they stack, wrapped in
	// rows under the title.
	top := titleH
	if len(b.Series) > 1 || (b.Legend && len(b.Series) == 1) {
		x, y := float64(padL), float64(titleH)
		for _, s := range b.Series {
			iw := 14 + textW(s.legend()) + 14
			if x+iw > float64(w-padR) && x > padL {
				x, y = padL, y+legendRowH
			}
			l.Legend = append(l.Legend, LegendItem{Name: s.Name, Color: s.Color, X: x, Y: y})
			l.Texts = append(l.Texts, Text{X: x + 14, Y: y + 9, S: s.legend(), Anchor: "start", Color: Ink, Class: "legend"})
			x += iw
		}
		top = int(y) + legendRowH
	}
	top += 16 // the unit sits above the y axis
	l.Plot = image.Rect(padL, top, w-padR, max(top+20, h-padB))
	l.Totals = make([]int64, len(b.Labels))
	for _, s := range b.Series {
		for i := range b.Labels {
			if i < len(s.Values) && s.Values[i] > 0 {
				l.Totals[i] += s.Values[i]
			}
		}
	}
	var dataMax int64
	for _, t := range l.Totals {
		dataMax = max(dataMax, t)
	}
	scaleTo := dataMax
	if b.Line > 0 {
		if dataMax*2 >= b.Line {
			scaleTo = max(dataMax, b.Line)
		} else {
			l.LineOff = true
		}
	}
	l.Step, l.TickValues = yTicks(scaleTo, 4)
	l.Max = l.TickValues[len(l.TickValues)-1]
	for _, tv := range l.TickValues {
		l.Texts = append(l.Texts, Text{X: float64(l.Plot.Min.X - 6), Y: l.y(tv) + 4, S: Number(tv), Anchor: "end", Color: Ink, Class: "ytick"})
	}
	if b.Unit != "" {
		l.Texts = append(l.Texts, Text{X: float64(l.Plot.Min.X - 6), Y: float64(l.Plot.Min.Y - 8), S: b.Unit, Anchor: "start", Color: Ink, Class: "unit"})
	}
	xt := b.XTitle
	if xt == "" {
		xt = words(b.Lang).day
	}
	l.Texts = append(l.Texts, Text{X: float64(l.Plot.Min.X+l.Plot.Max.X) / 2, Y: float64(h - 4), S: xt, Anchor: "middle", Color: Ink, Class: "xtitle"})
	n := len(b.Labels)
	if n == 0 {
		return l
	}
	pw, ph := float64(l.Plot.Dx()), float64(l.Plot.Dy())
	slot := pw / float64(n)
	gap := math.Min(2, slot*0.2)
	l.XTicks = xTicks(n, int(pw/dateLabelW))
	for _, i := range l.XTicks {
		l.Texts = append(l.Texts, Text{X: float64(l.Plot.Min.X) + (float64(i)+0.5)*slot, Y: float64(l.Plot.Max.Y + 16), S: b.Labels[i], Anchor: "middle", Color: Ink, Class: "xtick"})
	}
	for i, lab := range b.Labels {
		y := float64(l.Plot.Max.Y)
		for _, s := range b.Series {
			if i >= len(s.Values) || s.Values[i] <= 0 {
				continue
			}
			hh := float64(s.Values[i]) / float64(l.Max) * ph
			y -= hh
			l.Rects = append(l.Rects, Rect{
				X: float64(l.Plot.Min.X) + float64(i)*slot + gap/2, Y: y, W: slot - gap, H: hh,
				Color: s.Color, Label: lab, Series: s.Name, Value: s.Values[i],
			})
		}
	}
	switch {
	case b.Line > 0 && !l.LineOff:
		l.LineY = l.y(b.Line)
		l.Texts = append(l.Texts, Text{X: float64(l.Plot.Max.X), Y: l.LineY - 4, S: b.LineLabel, Anchor: "end", Color: Red, Class: "refline"})
	case l.LineOff:
		// The marker: a red triangle at the top right pointing up, and the
		// line's label saying it is above the scale.
		l.Texts = append(l.Texts, Text{X: float64(l.Plot.Max.X - 12), Y: float64(l.Plot.Min.Y - 8), S: b.LineLabel + " " + words(b.Lang).above, Anchor: "end", Color: Red, Class: "refmark"})
	}
	return l
}

// chartWords are the chart's own words in one language.
type chartWords struct {
	day, above, desc, descEmpty string
}

func words(lang string) chartWords {
	if lang == "ja" {
		return chartWords{day: "日付 (UTC)", above: "(目盛りの上)", desc: "%s: %s から %s までの %d 日間、合計 %s %s、最大は %s の %s %s。", descEmpty: "%s: %s から %s まで、データはありません。"}
	}
	return chartWords{day: "Day (UTC)", above: "(above this scale)", desc: "%s: %d days from %s to %s, %s %s in total, the most on %s (%s %s).", descEmpty: "%s: no data from %s to %s."}
}

// Desc is the chart's text alternative: the period, the total and the
// busiest day, in the chart's language.
func (b *Bars) Desc() string {
	l := b.Layout()
	w := words(b.Lang)
	if len(b.Labels) == 0 {
		return b.Title
	}
	first, last := b.Labels[0], b.Labels[len(b.Labels)-1]
	var total, best int64
	bi := -1
	for i, t := range l.Totals {
		total += t
		if t > best {
			best, bi = t, i
		}
	}
	if bi < 0 {
		return fmt.Sprintf(w.descEmpty, b.Title, first, last)
	}
	if b.Lang == "ja" {
		return fmt.Sprintf(w.desc, b.Title, first, last, len(b.Labels), Number(total), b.Unit, b.Labels[bi], Number(best), b.Unit)
	}
	return fmt.Sprintf(w.desc, b.Title, len(b.Labels), first, last, Number(total), b.Unit, b.Labels[bi], Number(best), b.Unit)
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// Number formats n with thousands separators.
func Number(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
