package crawl

import (
	"net/url"
	"slices"
	"sort"
)

// Merge returns base with a clean capture c added: its hosts, its scripts
// and their hashes, its frames. Scripts seen before take their new hash
// (a site updating its own script is normal once it was judged clean).
func Merge(base Baseline, c *Capture, day string) Baseline {
	hosts := map[string]bool{}
	for _, h := range base.Hosts {
		hosts[h] = true
	}
	frames := map[string]bool{}
	for _, f := range base.Iframes {
		frames[f] = true
	}
	scripts := map[string]string{}
	for k, v := range base.Scripts {
		scripts[k] = v
	}
	for i, r := range c.Resources {
		if r.Host != "" && r.Error == "" {
			hosts[r.Host] = true
		}
		switch r.Type {
		case TypeScript:
			if r.Error == "" {
				scripts[r.URL] = r.SHA256
			}
		case TypeIframe:
			frames[r.URL] = true
		case TypeDocument:
			if i == 0 || r.URL == c.FinalURL {
				base.Document = r.SHA256
			}
		}
	}
	for _, h := range c.Redirects {
		if u, err := url.Parse(h.To); err == nil && u.Host != "" && h.Cause != CauseIframe {
			hosts[u.Host] = true
		}
	}
	out := Baseline{Document: base.Document, Captures: base.Captures + 1, Updated: day, Scripts: scripts}
	for h := range hosts {
		out.Hosts = append(out.Hosts, h)
	}
	for f := range frames {
		out.Iframes = append(out.Iframes, f)
	}
	sort.Strings(out.Hosts)
	sort.Strings(out.Iframes)
	out.Hosts = slices.Clip(out.Hosts)
	return out
}
