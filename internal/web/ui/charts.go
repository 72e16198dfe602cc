package ui

import (
	"html/template"

	"github.com/honeygate/honeygate/internal/report"
)

// chartSVG draws b in the page's language: the chart's own words (the x
// axis, the off-scale marker, the text alternative) and its unit, which
// report names in English and the labels "unit:<unit>" translate.
func chartSVG(l string, b *report.Bars) template.HTML {
	b.Lang = l
	if b.Unit != "" {
		b.Unit = label(l, "unit:"+b.Unit)
	}
	return b.SVG()
}
