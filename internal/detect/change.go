package detect

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"github.com/honeygate/honeygate/internal/crawl"
)

// Change compares a capture with the site's known-good baseline: a third-
// party host the site never used, a frame it never had, a script of its own
// whose content changed. Sites change for good reasons too, so each finding
// alone stays below the malicious threshold; with another detector's
// finding on the same thing it tips the verdict.
type Change struct{}

var _ Detector = Change{}

// Name implements Detector.
func (Change) Name() string { return "change" }

// Detect implements Detector.
func (Change) Detect(_ context.Context, in *Input) []crawl.Reason {
	b := in.Base
	if b == nil || b.Captures == 0 {
		return nil
	}
	var out []crawl.Reason
	newHost := map[string]bool{}
	frames := map[string]bool{}
	for _, f := range b.Iframes {
		frames[f] = true
	}
	for _, r := range in.C.Resources {
		switch r.Type {
		case crawl.TypeScript, crawl.TypeIframe, crawl.TypeDocument, crawl.TypeDownload, crawl.TypeWebSocket:
		default:
			continue
		}
		if r.Host != "" && r.Error == "" && in.ThirdParty(r.Host) && !slices.Contains(b.Hosts, r.Host) && !newHost[r.Host] {
			newHost[r.Host] = true
			out = append(out, crawl.Reason{Rule: "new-third-party-host", Category: crawl.CatInjected, Evidence: r.URL,
				Excerpt: "new host " + r.Host + " (" + r.Type + "); known: " + strings.Join(first(b.Hosts, 8), ", ")})
		}
		if r.Type == crawl.TypeIframe && !frames[r.URL] && in.ThirdParty(r.URL) {
			out = append(out, crawl.Reason{Rule: "new-iframe", Category: crawl.CatInjected, Evidence: r.URL, Excerpt: "frame not in the baseline, loaded by " + r.Parent})
		}
		if r.Type == crawl.TypeScript && r.Error == "" {
			if old, ok := b.Scripts[r.URL]; ok && old != r.SHA256 && r.SHA256 != "" {
				out = append(out, crawl.Reason{Rule: "script-changed", Category: crawl.CatInjected, Evidence: r.URL, Excerpt: "sha256 " + short(old) + " -> " + short(r.SHA256)})
			}
		}
	}
	for _, h := range in.C.Redirects {
		if h.Cause == crawl.CauseIframe {
			continue
		}
		u, err := url.Parse(h.To)
		if err != nil || u.Host == "" || !in.ThirdParty(u.Host) || slices.Contains(b.Hosts, u.Host) {
			continue
		}
		out = append(out, crawl.Reason{Rule: "new-redirect", Category: crawl.CatInjected, Evidence: h.To, Excerpt: h.Cause + " redirect from " + h.From})
	}
	return out
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }

func short(h string) string { return h[:min(12, len(h))] }
