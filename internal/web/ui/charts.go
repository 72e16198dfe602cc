package ui

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/honeygate/honeygate/internal/report"
)

// chartSVG draws b in the page's language: the chart's own words (the x
// axis, the off-scale marker, the text alternative) and its unit, which
// report names in English and the labels "unit:<unit>" translate, and the
// layers it names itself ("other", "uncategorized": "series:<name>").
func chartSVG(l string, b *report.Bars) template.HTML {
	b.Lang = l
	if b.Unit != "" {
		b.Unit = label(l, "unit:"+b.Unit)
	}
	for i, s := range b.Series {
		if _, ok := labels["series:"+s.Name]; ok {
			b.Series[i].Label = label(l, "series:"+s.Name)
		}
	}
	return b.SVG()
}

// matrixDesc is the tampering matrix's text alternative: every state the
// matrix draws and its count, as the legend above it says.
func matrixDesc(l string, c report.CellCounts) string {
	parts := make([]string, 0, 5)
	for _, e := range report.MatrixLegend(c) {
		key := e.Verdict
		if key == "" {
			key = "notvisited"
		}
		parts = append(parts, fmt.Sprintf("%s %s", label(l, key), report.Number(e.Count)))
	}
	return strings.Join(parts, ", ")
}
