package detect

import (
	"context"
	"strconv"

	"github.com/honeygate/honeygate/internal/crawl"
)

// Structure looks at the HTML of the page and its frames for the marks that
// injections leave: invisible frames to third parties, scripts before
// <html> or after </html> (appended to files by mass-compromise scripts),
// off-screen link farms.
type Structure struct{}

var _ Detector = Structure{}

// Name implements Detector.
func (Structure) Name() string { return "structure" }

// Detect implements Detector.
func (Structure) Detect(ctx context.Context, in *Input) []crawl.Reason {
	var out []crawl.Reason
	for i := range in.C.Resources {
		r := &in.C.Resources[i]
		if (r.Type != crawl.TypeDocument && r.Type != crawl.TypeIframe && r.Type != crawl.TypeDOM) || len(r.Body) == 0 || ctx.Err() != nil {
			continue
		}
		d := in.Doc(i)
		// The DOM a browser serializes is tidied: what was after </html>
		// is moved inside, so only the served documents tell placement.
		dom := r.Type == crawl.TypeDOM
		for _, f := range d.Iframes {
			if dom {
				f.Before, f.After = false, false
			}
			switch {
			case f.Before || f.After:
				out = append(out, crawl.Reason{Rule: "iframe-outside-html", Category: crawl.CatInjected, Evidence: orURL(f.Src, r.URL), Excerpt: f.Tag})
			case f.Hidden && f.Src != "" && in.ThirdParty(f.Src):
				out = append(out, crawl.Reason{Rule: "hidden-iframe-cross-site", Category: crawl.CatInjected, Evidence: f.Src, Excerpt: f.Why + ": " + f.Tag})
			case f.Hidden && f.Src != "":
				out = append(out, crawl.Reason{Rule: "hidden-iframe", Category: crawl.CatInjected, Evidence: f.Src, Excerpt: f.Why + ": " + f.Tag})
			}
		}
		for _, s := range d.Scripts {
			if !dom && (s.BeforeHTML || s.AfterHTML) {
				where := "after </html>"
				if s.BeforeHTML {
					where = "before <html>"
				}
				out = append(out, crawl.Reason{Rule: "script-outside-html", Category: crawl.CatInjected, Evidence: orURL(s.Src, r.URL), Excerpt: where + ": " + orURL(s.Src, s.Inline)})
			}
		}
		out = append(out, plugReasons(in, i)...)
		if d.HiddenLinks >= 10 {
			ex := ""
			if len(d.HiddenText) > 0 {
				ex = d.HiddenText[0]
			}
			out = append(out, crawl.Reason{Rule: "hidden-links", Category: crawl.CatInjected, Evidence: r.URL, Excerpt: strconv.Itoa(d.HiddenLinks) + " hidden links: " + ex})
		}
	}
	return out
}

func orURL(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
