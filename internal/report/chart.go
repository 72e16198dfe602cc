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
	"html/template"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
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
	Name   string
	Values []int64
	Color  color.RGBA
}

// Bars is a daily bar chart: one bar per label (a day), stacked by series.
type Bars struct {
	Title  string
	Labels []string // x axis, one per bar
	Series []Series
	// Line draws a horizontal reference (e.g. 10,000 blocks a day) when > 0.
	Line      int64
	LineLabel string
	Width     int // pixels; 720 when 0
	Height    int // pixels; 220 when 0
}

// Rect is one painted rectangle of a chart, in pixels from the top left.
type Rect struct {
	X, Y, W, H float64
	Color      color.RGBA
	Label      string // x label
	Series     string
	Value      int64
}

// Layout is the geometry of a chart, computed once for SVG and PNG.
type Layout struct {
	W, H       int
	Plot       image.Rectangle // the plotting area
	Max        int64           // the value at the top of the plot
	Rects      []Rect
	LineY      float64 // reference line's y; < 0 when none
	Totals     []int64 // per label
	TickValues []int64 // y ticks (0, Max/2, Max)
}

const (
	padL, padR, padT, padB = 56, 12, 12, 28
)

// Layout computes the bars: each bar's height is value/Max of the plot's
// height, stacked in series order from the bottom.
func (b *Bars) Layout() Layout {
	w, h := b.Width, b.Height
	if w <= 0 {
		w = 720
	}
	if h <= 0 {
		h = 220
	}
	l := Layout{W: w, H: h, Plot: image.Rect(padL, padT, w-padR, h-padB), LineY: -1}
	l.Totals = make([]int64, len(b.Labels))
	for _, s := range b.Series {
		for i := range b.Labels {
			if i < len(s.Values) && s.Values[i] > 0 {
				l.Totals[i] += s.Values[i]
			}
		}
	}
	for _, t := range l.Totals {
		l.Max = max(l.Max, t)
	}
	l.Max = max(l.Max, b.Line)
	l.Max = niceCeil(l.Max)
	l.TickValues = []int64{0, l.Max / 2, l.Max}
	n := len(b.Labels)
	if n == 0 {
		return l
	}
	pw, ph := float64(l.Plot.Dx()), float64(l.Plot.Dy())
	slot := pw / float64(n)
	gap := math.Min(2, slot*0.2)
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
	if b.Line > 0 {
		l.LineY = float64(l.Plot.Max.Y) - float64(b.Line)/float64(l.Max)*ph
	}
	return l
}

// niceCeil rounds up to 1, 2 or 5 times a power of ten (at least 1).
func niceCeil(v int64) int64 {
	if v <= 1 {
		return 1
	}
	p := int64(1)
	for p*10 <= v {
		p *= 10
	}
	for _, m := range []int64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// SVG renders the chart as an inline SVG element. Every text is escaped;
// colours are presentation attributes (no style attributes, so a strict
// Content-Security-Policy allows it). Each bar carries data-label,
// data-series and data-value so that tests and scripts can read it.
func (b *Bars) SVG() template.HTML {
	l := b.Layout()
	var s strings.Builder
	esc := template.HTMLEscapeString
	fmt.Fprintf(&s, `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">`,
		l.W, l.H, l.W, l.H, esc(b.Title))
	fmt.Fprintf(&s, `<title>%s</title>`, esc(b.Title))
	for _, tv := range l.TickValues {
		y := float64(l.Plot.Max.Y) - float64(tv)/float64(l.Max)*float64(l.Plot.Dy())
		fmt.Fprintf(&s, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s"/>`, l.Plot.Min.X, l.Plot.Max.X, y, y, Hex(Rule))
		fmt.Fprintf(&s, `<text x="%d" y="%.1f" text-anchor="end" font-size="11" fill="%s">%s</text>`, l.Plot.Min.X-6, y+4, Hex(Ink), Number(tv))
	}
	for _, r := range l.Rects {
		fmt.Fprintf(&s, `<rect class="bar" x="%.2f" y="%.2f" width="%.2f" height="%.2f" fill="%s" data-label="%s" data-series="%s" data-value="%d"><title>%s %s: %s</title></rect>`,
			r.X, r.Y, r.W, r.H, Hex(r.Color), esc(r.Label), esc(r.Series), r.Value, esc(r.Label), esc(r.Series), Number(r.Value))
	}
	if l.LineY >= 0 {
		fmt.Fprintf(&s, `<line class="refline" x1="%d" x2="%d" y1="%.2f" y2="%.2f" stroke="%s" stroke-dasharray="4 3"/>`, l.Plot.Min.X, l.Plot.Max.X, l.LineY, l.LineY, Hex(Red))
		fmt.Fprintf(&s, `<text x="%d" y="%.1f" text-anchor="end" font-size="11" fill="%s">%s</text>`, l.Plot.Max.X, l.LineY-4, Hex(Red), esc(b.LineLabel))
	}
	// x labels: first, middle, last, so that 180 days stay legible.
	if n := len(b.Labels); n > 0 {
		slot := float64(l.Plot.Dx()) / float64(n)
		for k, i := range uniq([]int{0, n / 2, n - 1}) {
			x := float64(l.Plot.Min.X) + (float64(i)+0.5)*slot
			anchor := "middle" // the first and last labels stay inside the picture
			if k == 0 && n > 1 {
				anchor, x = "start", float64(l.Plot.Min.X)
			} else if i == n-1 && n > 1 {
				anchor, x = "end", float64(l.Plot.Max.X)
			}
			fmt.Fprintf(&s, `<text x="%.1f" y="%d" text-anchor="%s" font-size="11" fill="%s">%s</text>`, x, l.H-8, anchor, Hex(Ink), esc(b.Labels[i]))
		}
	}
	s.WriteString(`</svg>`)
	return template.HTML(s.String()) //nolint:gosec // every interpolated text above is escaped
}

func uniq(xs []int) []int {
	var out []int
	for _, x := range xs {
		if len(out) == 0 || out[len(out)-1] != x {
			out = append(out, x)
		}
	}
	return out
}

// Image paints the same layout as SVG into an RGBA image (without text: the
// report prints the numbers beside the picture).
func (b *Bars) Image() *image.RGBA {
	l := b.Layout()
	img := image.NewRGBA(image.Rect(0, 0, l.W, l.H))
	draw.Draw(img, img.Bounds(), image.NewUniform(Paper), image.Point{}, draw.Src)
	for _, tv := range l.TickValues {
		y := int(math.Round(float64(l.Plot.Max.Y) - float64(tv)/float64(l.Max)*float64(l.Plot.Dy())))
		fill(img, image.Rect(l.Plot.Min.X, y, l.Plot.Max.X, y+1), Rule)
	}
	for _, r := range l.Rects {
		fill(img, image.Rect(int(math.Round(r.X)), int(math.Round(r.Y)), int(math.Round(r.X+r.W)), int(math.Round(r.Y+r.H))), r.Color)
	}
	if l.LineY >= 0 {
		y := int(math.Round(l.LineY))
		for x := l.Plot.Min.X; x < l.Plot.Max.X; x += 7 {
			fill(img, image.Rect(x, y, min(x+4, l.Plot.Max.X), y+1), Red)
		}
	}
	return img
}

// PNG writes Image as PNG.
func (b *Bars) PNG(w io.Writer) error {
	if err := png.Encode(w, b.Image()); err != nil {
		return fmt.Errorf("report: png: %w", err)
	}
	return nil
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
