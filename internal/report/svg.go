package report

import (
	"fmt"
	"html/template"
	"strings"
)

// SVG renders the chart as an inline SVG element. Every text is escaped;
// colours are presentation attributes (no style attributes, so a strict
// Content-Security-Policy allows it). The picture has a <title> and a
// <desc> (Desc: the period, total and busiest day) for screen readers; each
// bar carries data-label, data-series and data-value so that tests and
// scripts can read it, and a <title> with its number.
func (b *Bars) SVG() template.HTML {
	l := b.Layout()
	var s strings.Builder
	esc := template.HTMLEscapeString
	fmt.Fprintf(&s, `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" font-family="system-ui, sans-serif">`,
		l.W, l.H, l.W, l.H, esc(b.Title))
	fmt.Fprintf(&s, `<title>%s</title><desc>%s</desc>`, esc(b.Title), esc(b.Desc()))
	for _, tv := range l.TickValues[1:] { // the grid; 0 is the axis
		y := l.y(tv)
		fmt.Fprintf(&s, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s"/>`, l.Plot.Min.X, l.Plot.Max.X, y, y, Hex(Rule))
	}
	for _, r := range l.Rects {
		fmt.Fprintf(&s, `<rect class="bar" x="%.2f" y="%.2f" width="%.2f" height="%.2f" fill="%s" data-label="%s" data-series="%s" data-value="%d"><title>%s %s: %s</title></rect>`,
			r.X, r.Y, r.W, r.H, Hex(r.Color), esc(r.Label), esc(r.Series), r.Value, esc(r.Label), esc(r.Series), Number(r.Value))
	}
	// Axes over the bars: y on the left, x at zero, a tick under each
	// labelled day.
	fmt.Fprintf(&s, `<g class="axis" stroke="%s"><line x1="%d" x2="%d" y1="%d" y2="%d"/><line x1="%d" x2="%d" y1="%d" y2="%d"/>`,
		Hex(Ink), l.Plot.Min.X, l.Plot.Min.X, l.Plot.Min.Y, l.Plot.Max.Y, l.Plot.Min.X, l.Plot.Max.X, l.Plot.Max.Y, l.Plot.Max.Y)
	for _, tv := range l.TickValues {
		y := l.y(tv)
		fmt.Fprintf(&s, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>`, l.Plot.Min.X-4, l.Plot.Min.X, y, y)
	}
	if n := len(b.Labels); n > 0 {
		slot := float64(l.Plot.Dx()) / float64(n)
		for _, i := range l.XTicks {
			x := float64(l.Plot.Min.X) + (float64(i)+0.5)*slot
			fmt.Fprintf(&s, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d"/>`, x, x, l.Plot.Max.Y, l.Plot.Max.Y+4)
		}
	}
	s.WriteString(`</g>`)
	if l.LineY >= 0 {
		fmt.Fprintf(&s, `<line class="refline" x1="%d" x2="%d" y1="%.2f" y2="%.2f" stroke="%s" stroke-dasharray="4 3"/>`, l.Plot.Min.X, l.Plot.Max.X, l.LineY, l.LineY, Hex(Red))
	}
	if l.LineOff {
		x, y := float64(l.Plot.Max.X-5), float64(l.Plot.Min.Y-16)
		fmt.Fprintf(&s, `<path class="refmark" d="M%.1f %.1fl5 8h-10z" fill="%s"><title>%s %s</title></path>`, x, y, Hex(Red), esc(b.LineLabel), esc(words(b.Lang).above))
	}
	for _, it := range l.Legend {
		fmt.Fprintf(&s, `<rect class="swatch" x="%.1f" y="%.1f" width="10" height="10" fill="%s" data-series="%s"/>`, it.X, it.Y, Hex(it.Color), esc(it.Name))
	}
	for _, t := range l.Texts {
		weight := ""
		if t.Class == "title" {
			weight = ` font-weight="600" font-size="13"`
		}
		fmt.Fprintf(&s, `<text class="%s" x="%.1f" y="%.1f" text-anchor="%s" font-size="%d" fill="%s"%s>%s</text>`,
			t.Class, t.X, t.Y, t.Anchor, fontPx, Hex(t.Color), weight, esc(t.S))
	}
	s.WriteString(`</svg>`)
	return template.HTML(s.String()) //nolint:gosec // every interpolated text above is escaped
}
