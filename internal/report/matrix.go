package report

import (
	"fmt"
	"html/template"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"strings"

	"github.com/honeygate/honeygate/internal/crawl"
)

// Matrix colours: red is tampered (malicious), a lighter red suspicious,
// grey an error; clean is a pale blue-grey; a day not visited stays paper.
var (
	Pink  = color.RGBA{0xef, 0x9a, 0x9a, 0xff}
	Clean = color.RGBA{0xdd, 0xe6, 0xee, 0xff}
	Band  = color.RGBA{0xfd, 0xec, 0xec, 0xff} // a campaign's column
)

// CellColor is the colour of a verdict's cell.
func CellColor(verdict string) (color.RGBA, bool) {
	switch verdict {
	case crawl.Malicious:
		return Red, true
	case crawl.Suspicious:
		return Pink, true
	case crawl.Error:
		return Grey, true
	case crawl.Clean:
		return Clean, true
	}
	return Paper, false
}

// MatrixLayout is the geometry of a tampering matrix.
type MatrixLayout struct {
	W, H         int
	LabelW, Top  int
	CellW, CellH int
}

// LayoutMatrix sizes the matrix: cells shrink with the number of days so
// that 180 days fit in about 900 pixels, and rows are 12 pixels high.
func LayoutMatrix(m *crawl.Matrix) MatrixLayout {
	l := MatrixLayout{LabelW: 200, Top: 18, CellH: 12}
	l.CellW = 14
	if n := len(m.Days); n > 0 {
		l.CellW = max(4, min(14, 900/n))
	}
	l.W = l.LabelW + l.CellW*len(m.Days) + 4
	l.H = l.Top + l.CellH*len(m.Sites) + 4
	return l
}

// MatrixSVG draws the matrix. A cell that is not clean links to link(site,
// day) and carries data-site, data-day and data-verdict; runs of clean cells
// are one rectangle each, so 500 sites x 180 days stay a small document.
// Persistent rows have their name in red; campaign days a pale red band.
//
// title and desc are the picture's accessible name and description (desc:
// what the colours count, e.g. MatrixDesc).
func MatrixSVG(m *crawl.Matrix, link func(site, day string) string, title, desc string) template.HTML {
	l := LayoutMatrix(m)
	esc := template.HTMLEscapeString
	var s strings.Builder
	s.Grow(64 * len(m.Sites) * 4)
	fmt.Fprintf(&s, `<svg class="matrix" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">`, l.W, l.H, l.W, l.H, esc(title))
	fmt.Fprintf(&s, `<title>%s</title><desc>%s</desc>`, esc(title), esc(desc))
	camp := map[string]bool{}
	for _, c := range m.Campaigns {
		camp[c.Day] = true
	}
	for i, d := range m.Days {
		x := l.LabelW + i*l.CellW
		if camp[d] {
			fmt.Fprintf(&s, `<rect class="campaign" x="%d" y="%d" width="%d" height="%d" fill="%s" data-day="%s"/>`, x, 0, l.CellW, l.H, Hex(Band), esc(d))
		}
	}
	for _, i := range matrixDayTicks(m, l) {
		fmt.Fprintf(&s, `<text class="xtick" x="%d" y="12" font-size="10" fill="%s">%s</text>`, l.LabelW+i*l.CellW, Hex(Ink), esc(shortDay(m.Days[i])))
	}
	for r, row := range m.Sites {
		y := l.Top + r*l.CellH
		fill := Ink
		if row.Persistent {
			fill = Red
		}
		name := row.Name
		if len(name) > 30 {
			name = name[:29] + "…"
		}
		fmt.Fprintf(&s, `<text class="site%s" x="%d" y="%d" font-size="10" fill="%s" data-site="%s">%s</text>`,
			map[bool]string{true: " persistent", false: ""}[row.Persistent], l.LabelW-6, y+l.CellH-2, Hex(fill), esc(row.Name), esc(name))
		for i := 0; i < len(row.Cells); {
			c := row.Cells[i]
			x := l.LabelW + i*l.CellW
			if c.Verdict == crawl.Clean {
				j := i
				for j < len(row.Cells) && row.Cells[j].Verdict == crawl.Clean {
					j++
				}
				fmt.Fprintf(&s, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`, x, y+1, (j-i)*l.CellW-1, l.CellH-2, Hex(Clean))
				i = j
				continue
			}
			if col, ok := CellColor(c.Verdict); ok {
				fmt.Fprintf(&s, `<a href="%s"><rect class="cell" x="%d" y="%d" width="%d" height="%d" fill="%s" data-site="%s" data-day="%s" data-verdict="%s"><title>%s %s: %s</title></rect></a>`,
					esc(link(row.Name, c.Day)), x, y+1, l.CellW-1, l.CellH-2, Hex(col), esc(row.Name), esc(c.Day), esc(c.Verdict), esc(row.Name), esc(c.Day), esc(c.Verdict))
			}
			i++
		}
	}
	s.WriteString(`</svg>`)
	return template.HTML(s.String()) //nolint:gosec // every text above is escaped
}

// matrixHeader is the PNG's band above the matrix: its title and legend
// (the dashboard and the HTML report print both beside the SVG).
const matrixHeader = 40

// MatrixImage paints the same cells as MatrixSVG, under a header with the
// title and a legend that counts every state drawn, with the day and site
// labels (ASCII: the bitmap font has no other characters), so that the PNG
// reads on its own. It is MatrixLayout's size plus matrixHeader rows, and
// at least 640 pixels wide for the legend.
func MatrixImage(m *crawl.Matrix, title string) *image.RGBA {
	l := LayoutMatrix(m)
	w := max(l.W, 640) // room for the legend
	img := image.NewRGBA(image.Rect(0, 0, w, l.H+matrixHeader))
	draw.Draw(img, img.Bounds(), image.NewUniform(Paper), image.Point{}, draw.Src)
	drawText(img, Text{X: 4, Y: 14, S: title, Anchor: "start", Color: Ink})
	x := 4
	for _, e := range MatrixLegend(CountCells(m)) {
		fill(img, image.Rect(x, 24, x+10, 34), e.Color)
		if e.Color == Paper { // "not visited" needs an outline to be seen
			fill(img, image.Rect(x, 24, x+10, 25), Grey)
			fill(img, image.Rect(x, 33, x+10, 34), Grey)
			fill(img, image.Rect(x, 24, x+1, 34), Grey)
			fill(img, image.Rect(x+9, 24, x+10, 34), Grey)
		}
		s := e.Name + " " + Number(e.Count)
		drawText(img, Text{X: float64(x + 14), Y: 33, S: s, Anchor: "start", Color: Ink})
		x += 14 + int(textW(s)) + 14
	}
	oy := matrixHeader
	camp := map[string]bool{}
	for _, c := range m.Campaigns {
		camp[c.Day] = true
	}
	for i, d := range m.Days {
		if camp[d] {
			fill(img, image.Rect(l.LabelW+i*l.CellW, oy, l.LabelW+(i+1)*l.CellW, oy+l.H), Band)
		}
	}
	for _, i := range matrixDayTicks(m, l) {
		drawText(img, Text{X: float64(l.LabelW + i*l.CellW), Y: float64(oy + 12), S: shortDay(m.Days[i]), Anchor: "start", Color: Ink})
	}
	for r, row := range m.Sites {
		y := oy + l.Top + r*l.CellH
		name := row.Name
		if fit := (l.LabelW - 14) / approxChar; len(name) > fit {
			name = name[:fit-1] + "~"
		}
		col := Ink
		if row.Persistent {
			fill(img, image.Rect(l.LabelW-10, y+3, l.LabelW-4, y+l.CellH-3), Red)
			col = Red
		}
		drawText(img, Text{X: float64(l.LabelW - 12), Y: float64(y + l.CellH - 1), S: name, Anchor: "end", Color: col})
		for i, c := range row.Cells {
			if col, ok := CellColor(c.Verdict); ok {
				x := l.LabelW + i*l.CellW
				fill(img, image.Rect(x, y+1, x+l.CellW-1, y+l.CellH-1), col)
			}
		}
	}
	return img
}

// MatrixPNG writes MatrixImage as PNG.
func MatrixPNG(w io.Writer, m *crawl.Matrix, title string) error {
	if err := png.Encode(w, MatrixImage(m, title)); err != nil {
		return fmt.Errorf("report: png: %w", err)
	}
	return nil
}

// matrixDayTicks picks the days labelled above the matrix: about one per
// 40 pixels, on whole days or weeks (xTicks).
func matrixDayTicks(m *crawl.Matrix, l MatrixLayout) []int {
	return xTicks(len(m.Days), max(1, l.CellW*len(m.Days)/40))
}

// shortDay is MM-DD of a YYYY-MM-DD day (the period is printed beside).
func shortDay(d string) string {
	if len(d) == 10 {
		return d[5:]
	}
	return d
}

// LegendEntry is one state of the matrix's legend and how many cells have it.
type LegendEntry struct {
	Verdict string
	Name    string // English; the dashboard labels Verdict itself
	Color   color.RGBA
	Count   int64
}

// MatrixLegend lists every state the matrix draws, in the order of the
// legend, with its count.
func MatrixLegend(c CellCounts) []LegendEntry {
	return []LegendEntry{
		{crawl.Malicious, "tampered", Red, c.Malicious},
		{crawl.Suspicious, "suspicious", Pink, c.Suspicious},
		{crawl.Error, "error", Grey, c.Error},
		{crawl.Clean, "clean", Clean, c.Clean},
		{"", "not visited", Paper, c.NotVisited},
	}
}

// MatrixDesc is the matrix's text alternative in English: its size and the
// count of each state.
func MatrixDesc(m *crawl.Matrix) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d sites by %d days", len(m.Sites), len(m.Days))
	if len(m.Days) > 0 {
		fmt.Fprintf(&b, " (%s to %s)", m.Days[0], m.Days[len(m.Days)-1])
	}
	for _, e := range MatrixLegend(CountCells(m)) {
		fmt.Fprintf(&b, ", %s %s", e.Name, Number(e.Count))
	}
	return b.String() + "."
}
