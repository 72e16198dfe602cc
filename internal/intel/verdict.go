package intel

import (
	"github.com/honeygate/honeygate/internal/event"
)

// verdictIndicators turns a malicious crawl verdict into indicators with
// source crawl: the ones its detectors named (a script host, a payload URL,
// a file hash), or the page itself when they named none.
func verdictIndicators(ev event.Event) []Indicator {
	v := ev.Crawl
	if ev.Kind != event.CrawlVerdict || v.Verdict != "malicious" {
		return nil
	}
	base := Indicator{Source: SourceCrawl, FirstSeen: ev.Time.UTC(), LastSeen: ev.Time.UTC(), Refs: []string{ev.ID}}
	var out []Indicator
	for _, vi := range v.Indicators {
		ind := base
		ind.Type, ind.Value, ind.Category = Type(vi.Type), string(vi.Value), vi.Category
		if ind.Category == "" || ind.Category == "injected" {
			ind.Category = CategoryMalware // "injected": planted in a compromised site
		}
		out = append(out, ind)
	}
	if len(out) == 0 && v.Page != "" {
		ind := base
		ind.Type, ind.Value, ind.Category = TypeURL, string(v.Page), CategoryMalware
		out = append(out, ind)
	}
	return out
}
