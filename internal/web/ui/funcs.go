package ui

import (
	"html/template"
	"strings"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/report"
)

var funcs = template.FuncMap{
	"num": report.Number,
	"signed": func(n int64) string {
		if n > 0 {
			return "+" + report.Number(n)
		}
		return report.Number(n)
	},
	"ts": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") },
	"tsp": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05")
	},
	"color": func(i int) string { return report.Hex(report.SeriesColor(i)) },
	"pair":  func(a, b any) []any { return []any{a, b} },
	// trimnl drops the output's final newline: the transcript adds its own.
	"trimnl": func(t event.Text) string { return strings.TrimRight(string(t), "\r\n") },
	// navItems is the navigation: label key and path, in reading order.
	"navItems": func() [][2]string {
		return [][2]string{{"overview", "/"}, {"tampering", "/tampering"}, {"blocks", "/blocks"},
			{"honeypot", "/honeypot"}, {"intel", "/intel"}, {"watch", "/watch"}}
	},
	"ms": func(t, start time.Time) int64 { return t.Sub(start).Milliseconds() },
}
