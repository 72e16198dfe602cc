package crawl

import (
	"bytes"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Doc is what the HTML of one document holds that matters to a crawler and
// its detectors. Parse never fails: garbage in, a mostly empty Doc out.
type Doc struct {
	Title       string
	Scripts     []Script
	Iframes     []Frame
	MetaRefresh string // the target URL of <meta http-equiv=refresh>, resolved
	Links       []string
	// HiddenText is text (and links) inside elements styled off-screen or
	// invisible: the filler that SEO spam and injected link farms hide.
	HiddenText  []string
	HiddenLinks int
	// LongestText is the longest run of text in one element: landing pages
	// keep their encoded payload there for a script to decode.
	LongestText int
	// Tag counts, for change detection and statistics.
	Elements int
	HTMLSeen bool // an <html> start tag was present
}

// Script is one <script> element.
type Script struct {
	Src        string // resolved; empty for an inline script
	Inline     string // the element's text, bounded
	BeforeHTML bool   // appeared before the <html> start tag
	AfterHTML  bool   // appeared after the </html> end tag
	Hidden     bool   // inside a hidden or off-screen element
}

// Frame is one <iframe> or <frame>.
type Frame struct {
	Src    string // resolved
	Hidden bool   // zero/one pixel, display:none, visibility:hidden, off-screen, or inside such an element
	Why    string // what made it hidden
	Tag    string // the tag as written, bounded
	After  bool   // after </html>
	Before bool   // before <html>
}

// Limits that keep Parse bounded on hostile input.
const (
	maxInline    = 256 << 10 // text kept of one inline script
	maxElements  = 200000    // tokens looked at in one document
	maxRefs      = 512       // scripts, frames or links kept
	maxStack     = 512       // open elements tracked for hiddenness
	maxHiddenTxt = 64
	maxTagText   = 512
)

var voidElements = map[atom.Atom]bool{
	atom.Area: true, atom.Base: true, atom.Br: true, atom.Col: true, atom.Embed: true,
	atom.Hr: true, atom.Img: true, atom.Input: true, atom.Link: true, atom.Meta: true,
	atom.Param: true, atom.Source: true, atom.Track: true, atom.Wbr: true,
}

type openElem struct {
	tag    atom.Atom
	name   string
	hidden string // non-empty: why this element (or an ancestor) hides its content
}

// Parse tokenizes body (HTML, possibly broken or hostile) with base as the
// document URL for resolving references.
func Parse(body []byte, base *url.URL) *Doc {
	d := &Doc{}
	z := html.NewTokenizer(bytes.NewReader(body))
	z.SetMaxBuf(len(body) + 1)
	var (
		stack     []openElem
		inScript  *Script
		inTitle   bool
		afterHTML bool
		scriptBuf strings.Builder
	)
	hiddenWhy := func() string {
		if len(stack) == 0 {
			return ""
		}
		return stack[len(stack)-1].hidden
	}
	for n := 0; n < maxElements; n++ {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if inScript != nil {
				d.finishScript(inScript, &scriptBuf)
			}
			return d.done()
		case html.TextToken:
			if inScript != nil {
				if scriptBuf.Len() < maxInline {
					t := z.Raw()
					scriptBuf.Write(t[:min(len(t), maxInline-scriptBuf.Len())])
				}
				continue
			}
			if n := len(z.Text()); n > d.LongestText {
				d.LongestText = n
			}
			if inTitle && len(d.Title) < 512 {
				d.Title += strings.TrimSpace(string(z.Text()))
			}
			if hiddenWhy() != "" && len(d.HiddenText) < maxHiddenTxt {
				if t := strings.TrimSpace(string(z.Text())); len(t) > 0 {
					d.HiddenText = append(d.HiddenText, truncate(t, 200))
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Html:
				afterHTML = true
			case atom.Script:
				if inScript != nil {
					d.finishScript(inScript, &scriptBuf)
					inScript = nil
				}
			case atom.Title:
				inTitle = false
			}
			// Pop up to the matching element; unmatched end tags are ignored.
			for i := len(stack) - 1; i >= 0; i-- {
				if stack[i].name == string(name) {
					stack = stack[:i]
					break
				}
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			d.Elements++
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			attrs := map[string]string{}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				if len(attrs) < 64 {
					attrs[string(k)] = string(v)
				}
			}
			why := hiddenWhy()
			if own := hiddenByStyle(attrs); own != "" && why == "" {
				why = own
			}
			if tt == html.StartTagToken && !voidElements[a] && a != atom.Script && len(stack) < maxStack {
				stack = append(stack, openElem{tag: a, name: string(name), hidden: why})
			}
			switch a {
			case atom.Html:
				d.HTMLSeen = true
			case atom.Title:
				inTitle = tt == html.StartTagToken
			case atom.Script:
				s := Script{Src: resolve(base, attrs["src"]), AfterHTML: afterHTML, BeforeHTML: !d.HTMLSeen && !afterHTML, Hidden: why != ""}
				if attrs["src"] == "" {
					s.Src = ""
				}
				if tt == html.StartTagToken {
					inScript = &s
					scriptBuf.Reset()
				} else if len(d.Scripts) < maxRefs {
					d.Scripts = append(d.Scripts, s)
				}
			case atom.Iframe, atom.Frame:
				if len(d.Iframes) >= maxRefs {
					continue
				}
				fw := why
				if fw == "" {
					fw = hiddenBySize(attrs)
				}
				d.Iframes = append(d.Iframes, Frame{
					Src: resolve(base, attrs["src"]), Hidden: fw != "", Why: fw,
					Tag: truncate(string(z.Raw()), maxTagText), After: afterHTML, Before: !d.HTMLSeen && !afterHTML,
				})
			case atom.Meta:
				if strings.EqualFold(attrs["http-equiv"], "refresh") {
					if u := refreshURL(attrs["content"]); u != "" {
						d.MetaRefresh = resolve(base, u)
					}
				}
			case atom.A:
				if why != "" {
					d.HiddenLinks++
				}
				if h := attrs["href"]; h != "" && len(d.Links) < maxRefs {
					d.Links = append(d.Links, resolve(base, h))
				}
			}
		}
	}
	if inScript != nil {
		d.finishScript(inScript, &scriptBuf)
	}
	return d.done()
}

// done clears "before <html>" marks in a document that has no <html> tag
// at all (then nothing is before it).
func (d *Doc) done() *Doc {
	if !d.HTMLSeen {
		for i := range d.Scripts {
			d.Scripts[i].BeforeHTML = false
		}
		for i := range d.Iframes {
			d.Iframes[i].Before = false
		}
	}
	return d
}

func (d *Doc) finishScript(s *Script, buf *strings.Builder) {
	if len(d.Scripts) >= maxRefs {
		return
	}
	if s.Src == "" {
		s.Inline = buf.String()
	}
	d.Scripts = append(d.Scripts, *s)
}

// resolve makes ref absolute against base; it returns "" for references that
// are not fetchable (javascript:, data:, about:, garbage).
func resolve(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" || len(ref) > 4096 {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	u.Fragment = ""
	return u.String()
}

// refreshURL extracts the URL of a refresh content value: "5; url=/next".
func refreshURL(content string) string {
	_, rest, ok := strings.Cut(content, ";")
	if !ok {
		_, rest, ok = strings.Cut(content, ",")
		if !ok {
			return ""
		}
	}
	rest = strings.TrimSpace(rest)
	if len(rest) >= 4 && strings.EqualFold(rest[:3], "url") {
		rest = strings.TrimSpace(rest[3:])
		rest = strings.TrimPrefix(rest, "=")
	}
	return strings.Trim(strings.TrimSpace(rest), `'"`)
}

var (
	reNegOffset = regexp.MustCompile(`(?i)(?:left|top|margin-left|margin-top|text-indent)\s*:\s*-\s*(\d{3,})`)
	rePixels    = regexp.MustCompile(`(?i)(?:^|[;\s])(width|height)\s*:\s*([0-9.]+)\s*(?:px)?\s*(?:;|$|!)`)
)

// hiddenByStyle reports why an element's style hides it, or "".
func hiddenByStyle(attrs map[string]string) string {
	if _, ok := attrs["hidden"]; ok {
		return "hidden attribute"
	}
	st := strings.ToLower(strings.ReplaceAll(attrs["style"], " ", ""))
	if st == "" {
		return ""
	}
	switch {
	case strings.Contains(st, "display:none"):
		return "display:none"
	case strings.Contains(st, "visibility:hidden"):
		return "visibility:hidden"
	case strings.Contains(st, "opacity:0;") || strings.HasSuffix(st, "opacity:0"):
		return "opacity:0"
	}
	if m := reNegOffset.FindStringSubmatch(attrs["style"]); m != nil {
		if n, _ := strconv.Atoi(m[1]); n >= 500 {
			return "off-screen (-" + m[1] + "px)"
		}
	}
	return ""
}

// hiddenBySize reports why a frame's size hides it, or "".
func hiddenBySize(attrs map[string]string) string {
	tiny := func(v string) bool {
		v = strings.TrimSuffix(strings.TrimSpace(v), "px")
		f, err := strconv.ParseFloat(v, 64)
		return err == nil && f <= 2
	}
	if w, h := attrs["width"], attrs["height"]; (w != "" && tiny(w)) || (h != "" && tiny(h)) {
		return "size " + w + "x" + h
	}
	for _, m := range rePixels.FindAllStringSubmatch(attrs["style"], -1) {
		if tiny(m[2]) {
			return m[1] + ":" + m[2]
		}
	}
	return ""
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Script-made navigations and writes that a static crawler can follow
// without running JavaScript.
var (
	reLocation = regexp.MustCompile(`(?:window\.|document\.|top\.|self\.|parent\.)?location(?:\.href)?\s*=\s*["']([^"'\s]{1,1000})["']`)
	reLocCall  = regexp.MustCompile(`location\.(?:replace|assign)\(\s*["']([^"'\s]{1,1000})["']\s*\)`)
	reWriteSrc = regexp.MustCompile(`(?i)<\s*(script|iframe)\b[^>]{0,1000}?\bsrc\s*=\s*\\?["']?([^"'\\\s>]{1,1000})`)
)

// ScriptRedirect returns the target of a plain location assignment in a
// script, resolved against base, or "".
func ScriptRedirect(src string, base *url.URL) string {
	src = src[:min(len(src), maxInline)]
	if m := reLocation.FindStringSubmatch(src); m != nil {
		return resolve(base, m[1])
	}
	if m := reLocCall.FindStringSubmatch(src); m != nil {
		return resolve(base, m[1])
	}
	return ""
}

// WrittenRef is a script or frame a script writes into the page
// (document.write('<script src=...>'), innerHTML and the like).
type WrittenRef struct {
	Tag string // script or iframe
	Src string
}

// WrittenRefs finds the tags with a src that a script's string literals hold.
func WrittenRefs(src string, base *url.URL) []WrittenRef {
	src = src[:min(len(src), maxInline)]
	var out []WrittenRef
	for _, m := range reWriteSrc.FindAllStringSubmatch(src, 32) {
		if u := resolve(base, m[2]); u != "" {
			out = append(out, WrittenRef{Tag: strings.ToLower(m[1]), Src: u})
		}
	}
	return out
}
