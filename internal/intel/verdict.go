package intel

import (
	"encoding/json"
	"strings"

	"github.com/honeygate/honeygate/internal/event"
)

// KindCrawlVerdict is the kind of the client honeypot's verdict events. It
// is named here rather than taken from the event catalogue so intel reads
// verdicts by their JSON alone, whatever Go types the crawler declares.
const KindCrawlVerdict event.Kind = "crawl.verdict"

// crawlVerdict is what intel reads of a crawl.verdict event: the page, the
// verdict, and the indicators the detectors named.
type crawlVerdict struct {
	URL        string `json:"url"`
	PageURL    string `json:"page_url"`
	Verdict    string `json:"verdict"`
	Category   string `json:"category"`
	Indicators []struct {
		Type     string `json:"type"`
		Value    string `json:"value"`
		Category string `json:"category"`
	} `json:"indicators"`
}

// verdictIndicators turns a malicious crawl verdict into indicators with
// source crawl: the ones its detectors named (a script host, a payload URL,
// a file hash), or the page itself when they named none.
func verdictIndicators(ev event.Event, raw []byte) []Indicator {
	if ev.Kind != KindCrawlVerdict || len(raw) == 0 {
		return nil
	}
	var v crawlVerdict
	if err := json.Unmarshal(raw, &v); err != nil || !strings.EqualFold(v.Verdict, "malicious") {
		return nil
	}
	base := Indicator{Source: SourceCrawl, FirstSeen: ev.Time.UTC(), LastSeen: ev.Time.UTC(), Refs: []string{ev.ID}}
	var out []Indicator
	for _, vi := range v.Indicators {
		ind := base
		ind.Type, ind.Value, ind.Category = Type(vi.Type), vi.Value, vi.Category
		if ind.Category == "" || ind.Category == "injected" {
			ind.Category = CategoryMalware
		}
		out = append(out, ind)
	}
	if len(out) == 0 {
		page := v.URL
		if page == "" {
			page = v.PageURL
		}
		if page == "" {
			return nil
		}
		ind := base
		ind.Type, ind.Value, ind.Category = TypeURL, page, v.Category
		if ind.Category == "" {
			ind.Category = CategoryMalware
		}
		out = append(out, ind)
	}
	return out
}
