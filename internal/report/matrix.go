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
func MatrixSVG(m *crawl.Matrix, link func(site, day string) string) template.HTML {
	l := LayoutMatrix(m)
	esc := template.HTMLEscapeString
	var s strings.Builder
	s.Grow(64 * len(m.Sites) * 4)
	fmt.Fprintf(&s, `<svg class="matrix" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="tampering matrix">`, l.W, l.H, l.W, l.H)
	camp := map[string]bool{}
	for _, c := range m.Campaigns {
		camp[c.Day] = true
	}
	for i, d := range m.Days {
		x := l.LabelW + i*l.CellW
		if camp[d] {
			fmt.Fprintf(&s, `<rect class="campaign" x="%d" y="%d" width="%d" height="%d" fill="%s" data-day="%s"/>`, x, 0, l.CellW, l.H, Hex(Band), esc(d))
		}
		if i == 0 || i == len(m.Days)-1 || (len(m.Days) > 14 && i%30 == 0) {
			fmt.Fprintf(&s, `<text x="%d" y="12" font-size="10" fill="%s">%s</text>`, x, Hex(Ink), esc(d[5:]))
		}
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

// MatrixPNG paints the same cells as MatrixSVG (without text).
func MatrixPNG(w io.Writer, m *crawl.Matrix) error {
	l := LayoutMatrix(m)
	img := image.NewRGBA(image.Rect(0, 0, l.W, l.H))
	draw.Draw(img, img.Bounds(), image.NewUniform(Paper), image.Point{}, draw.Src)
	camp := map[string]bool{}
	for _, c := range m.Campaigns {
		camp[c.Day] = true
	}
	for i, d := range m.Days {
		if camp[d] {
			fill(img, image.Rect(l.LabelW+i*l.CellW, 0, l.LabelW+(i+1)*l.CellW, l.H), Band)
		}
	}
	for r, row := range m.Sites {
		y := l.Top + r*l.CellH
		if row.Persistent {
			fill(img, image.Rect(l.LabelW-10, y+3, l.LabelW-4, y+l.CellH-3), Red)
		}
		for i, c := range row.Cells {
			if col, ok := CellColor(c.Verdict); ok {
				x := l.LabelW + i*l.CellW
				fill(img, image.Rect(x, y+1, x+l.CellW-1, y+l.CellH-1), col)
			}
		}
	}
	if err := png.Encode(w, img); err != nil {
		return fmt.Errorf("report: png: %w", err)
	}
	return nil
}
