package intel

import (
	"net/netip"
	"strings"

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
		// As for honeypot payloads: a private, loopback or link-local
		// address is a different box on every subscriber's LAN (or the
		// crawler's own machine), never a host to block.
		if !publicTarget(ind.Type, ind.Value) {
			continue
		}
		if ind.Category == "" || ind.Category == "injected" {
			ind.Category = CategoryMalware // "injected": planted in a compromised site
		}
		out = append(out, ind)
	}
	if len(out) == 0 && v.Page != "" && publicTarget(TypeURL, string(v.Page)) {
		ind := base
		ind.Type, ind.Value, ind.Category = TypeURL, string(v.Page), CategoryMalware
		out = append(out, ind)
	}
	return out
}

// publicTarget reports whether a crawl indicator may name a host to block:
// false for a URL or IP on a non-public address and for localhost names.
func publicTarget(t Type, val string) bool {
	switch t {
	case TypeURL:
		pc, err := parseCanonical(strings.TrimSpace(val))
		if err != nil {
			return true // Normalize judges it
		}
		if pc.isIP() {
			return publicAddr(pc.addr)
		}
		return !localName(pc.host)
	case TypeIP:
		a, err := netip.ParseAddr(strings.Trim(strings.TrimSpace(val), "[]"))
		return err != nil || publicAddr(a.Unmap())
	case TypeDomain, TypeHost:
		return !localName(val)
	}
	return true
}

// localName reports whether a host name means the machine itself.
func localName(h string) bool {
	h = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
	if i := strings.LastIndexByte(h, ':'); i > 0 && !strings.Contains(h[:i], ":") {
		h = h[:i]
	}
	return h == "localhost" || strings.HasSuffix(h, ".localhost")
}
