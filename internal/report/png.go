package report

import (
	"fmt"
	"image"
	"image/png"
	"io"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Image paints the same layout as SVG into an RGBA image, texts included,
// so that a PNG mailed or printed alone still has its title, axes, unit and
// legend. The bitmap font (X11 misc-fixed 7x13) has ASCII only: the report
// is written in English; other characters are left out.
func (b *Bars) Image() *image.RGBA {
	l := b.Layout()
	img := image.NewRGBA(image.Rect(0, 0, l.W, l.H))
	fill(img, img.Bounds(), Paper)
	for _, tv := range l.TickValues[1:] {
		y := int(math.Round(l.y(tv)))
		fill(img, image.Rect(l.Plot.Min.X, y, l.Plot.Max.X, y+1), Rule)
	}
	for _, r := range l.Rects {
		fill(img, image.Rect(int(math.Round(r.X)), int(math.Round(r.Y)), int(math.Round(r.X+r.W)), int(math.Round(r.Y+r.H))), r.Color)
	}
	fill(img, image.Rect(l.Plot.Min.X-1, l.Plot.Min.Y, l.Plot.Min.X, l.Plot.Max.Y+1), Ink)
	fill(img, image.Rect(l.Plot.Min.X-1, l.Plot.Max.Y, l.Plot.Max.X, l.Plot.Max.Y+1), Ink)
	for _, tv := range l.TickValues {
		y := int(math.Round(l.y(tv)))
		fill(img, image.Rect(l.Plot.Min.X-5, y, l.Plot.Min.X, y+1), Ink)
	}
	if n := len(b.Labels); n > 0 {
		slot := float64(l.Plot.Dx()) / float64(n)
		for _, i := range l.XTicks {
			x := int(math.Round(float64(l.Plot.Min.X) + (float64(i)+0.5)*slot))
			fill(img, image.Rect(x, l.Plot.Max.Y, x+1, l.Plot.Max.Y+5), Ink)
		}
	}
	if l.LineY >= 0 {
		y := int(math.Round(l.LineY))
		for x := l.Plot.Min.X; x < l.Plot.Max.X; x += 7 {
			fill(img, image.Rect(x, y, min(x+4, l.Plot.Max.X), y+1), Red)
		}
	}
	if l.LineOff { // the triangle of the marker, row by row
		cx, y0 := l.Plot.Max.X-5, l.Plot.Min.Y-16
		for dy := range 8 {
			half := (dy + 1) * 5 / 8
			fill(img, image.Rect(cx-half, y0+dy, cx+half+1, y0+dy+1), Red)
		}
	}
	for _, it := range l.Legend {
		x, y := int(math.Round(it.X)), int(math.Round(it.Y))
		fill(img, image.Rect(x, y, x+10, y+10), it.Color)
	}
	for _, t := range l.Texts {
		drawText(img, t)
	}
	return img
}

// drawText draws t with the bitmap font, anchored as the SVG anchors it.
func drawText(img *image.RGBA, t Text) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(t.Color), Face: basicfont.Face7x13}
	w := d.MeasureString(t.S).Round()
	x := int(math.Round(t.X))
	switch t.Anchor {
	case "middle":
		x -= w / 2
	case "end":
		x -= w
	}
	d.Dot = fixed.P(x, int(math.Round(t.Y)))
	d.DrawString(t.S)
}

// PNG writes Image as PNG.
func (b *Bars) PNG(w io.Writer) error {
	if err := png.Encode(w, b.Image()); err != nil {
		return fmt.Errorf("report: png: %w", err)
	}
	return nil
}
