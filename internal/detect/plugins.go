package detect

import (
	"bytes"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/honeygate/honeygate/internal/crawl"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Plug-in payloads and executables a page loads by itself: how drive-by
// exploit kits delivered their exploits (a Flash movie, a Java applet, a
// Silverlight package, VBScript for Internet Explorer) and how drive-by
// downloads start (a frame, an embed or a refresh that points at a
// program). None of these has a place in a page a browser of today
// renders; the exploit is then in a file this page only names, so the
// naming is what is judged.

// Limits that keep the scan linear and bounded on hostile documents.
const (
	maxPlugScan   = 4 << 20 // bytes of one document looked at
	maxPlugTokens = 200000  // tokens looked at
)

// plugRef is one plug-in payload or executable the document loads.
type plugRef struct {
	url  string // resolved; empty when the element names no file (a classid only)
	kind string // flash, java, silverlight, executable
	tag  string
}

// plugScan is what one pass over a document finds.
type plugScan struct {
	payloads []plugRef
	exes     []plugRef
	vbscript string // the start of the first VBScript element's text
	param    int    // longest FlashVars/initParams-like value that looks encoded
	text     int    // bytes of visible text
	// encText is the longest element text that reads as encoded data
	// (base64, hex or a list of numbers, noise allowed), where landing
	// pages keep their payload for a script to decode.
	encText int
}

var plugExt = map[string]string{
	".swf": "flash", ".spl": "flash", ".jar": "java", ".class": "java", ".jnlp": "java", ".xap": "silverlight", ".dcr": "shockwave",
}

// exeExt are files a browser would hand to the system to run.
var exeExt = map[string]bool{
	".exe": true, ".scr": true, ".msi": true, ".hta": true, ".bat": true, ".cmd": true, ".ps1": true,
	".vbs": true, ".vbe": true, ".jse": true, ".wsf": true, ".pif": true, ".apk": true, ".dll": true, ".cpl": true,
}

// plugKindOf says which plug-in an element's attribute values ask for.
func plugKindOf(vals ...string) string {
	for _, v := range vals {
		l := strings.ToLower(v)
		switch {
		case strings.Contains(l, "d27cdb6e-ae6d-11cf"), strings.Contains(l, "shockwave-flash"), strings.Contains(l, "futuresplash"):
			return "flash"
		case strings.Contains(l, "8ad9c840-044e-11d1"), strings.Contains(l, "cafeefac-"), strings.Contains(l, "x-java"), strings.Contains(l, "java-archive"), strings.Contains(l, "java-vm"):
			return "java"
		case strings.Contains(l, "dfeaf541-f3e1-4c24"), strings.Contains(l, "x-silverlight"):
			return "silverlight"
		}
	}
	return ""
}

// extOf is the lowercased extension of a URL's path ("" when none).
func extOf(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return ""
	}
	return strings.ToLower(path.Ext(u.Path))
}

func resolveRef(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	return u.String()
}

// scanPlugins reads a document once.
func scanPlugins(body []byte, base *url.URL) plugScan {
	var s plugScan
	z := html.NewTokenizer(bytes.NewReader(body[:min(len(body), maxPlugScan)]))
	z.SetMaxBuf(maxPlugScan + 1)
	var inScript, inStyle, vbs bool
	var obj *plugRef // the open <object>, whose <param>s may name its file
	for n := 0; n < maxPlugTokens; n++ {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if obj != nil {
				s.addPayload(*obj)
			}
			return s
		case html.TextToken:
			txt := z.Text()
			switch {
			case inScript:
				if vbs && s.vbscript == "" {
					s.vbscript = clip(strings.TrimSpace(string(txt)), 120)
					if s.vbscript == "" {
						s.vbscript = "(empty)"
					}
				}
			case !inStyle:
				s.text += len(bytes.TrimSpace(txt))
				if len(txt) >= 4000 && len(txt) > s.encText && encodedText(txt) {
					s.encText = len(txt)
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch atom.Lookup(name) {
			case atom.Script:
				inScript, vbs = false, false
			case atom.Style:
				inStyle = false
			case atom.Object:
				if obj != nil {
					s.addPayload(*obj)
					obj = nil
				}
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := atom.Lookup(name)
			attrs := map[string]string{}
			for hasAttr && len(attrs) < 64 {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				if _, dup := attrs[string(k)]; !dup {
					attrs[string(k)] = string(v)
				}
			}
			switch tag {
			case atom.Script:
				inScript = tt == html.StartTagToken
				l := strings.ToLower(attrs["language"] + " " + attrs["type"])
				vbs = inScript && strings.Contains(l, "vbscript")
				if vbs && s.vbscript == "" && tt == html.SelfClosingTagToken {
					s.vbscript = "(empty)"
				}
			case atom.Style:
				inStyle = tt == html.StartTagToken
			case atom.Object, atom.Embed, atom.Applet:
				ref := ""
				for _, k := range []string{"data", "src", "archive", "code", "movie"} {
					if v := attrs[k]; v != "" && plugExt[extOf(v)] != "" {
						ref = v
						break
					}
				}
				kind := plugExt[extOf(ref)]
				if kind == "" {
					kind = plugKindOf(attrs["classid"], attrs["type"], attrs["codebase"])
				}
				if tag == atom.Applet && kind == "" {
					kind = "java"
				}
				if src := attrs["src"]; tag == atom.Embed && exeExt[extOf(src)] {
					s.exes = append(s.exes, plugRef{url: resolveRef(base, src), kind: "executable", tag: "embed"})
				}
				if v := attrs["flashvars"]; looksEncoded(v) {
					s.param = max(s.param, len(v))
				}
				p := plugRef{url: resolveRef(base, ref), kind: kind, tag: tag.String()}
				switch {
				case tag == atom.Object && tt == html.StartTagToken:
					if obj != nil && obj.kind != "" {
						s.addPayload(*obj)
					}
					obj = &p
				case kind != "":
					s.addPayload(p)
				}
			case atom.Param:
				pn := strings.ToLower(attrs["name"])
				v := attrs["value"]
				switch pn {
				case "movie", "src", "source", "code", "archive", "jnlp_href", "filename":
					if obj != nil && obj.url == "" && v != "" {
						obj.url = resolveRef(base, v)
						if k := plugExt[extOf(v)]; k != "" && obj.kind == "" {
							obj.kind = k
						}
					}
				}
				if looksEncoded(v) {
					s.param = max(s.param, len(v))
				}
			case atom.Iframe, atom.Frame:
				if src := attrs["src"]; exeExt[extOf(src)] {
					s.exes = append(s.exes, plugRef{url: resolveRef(base, src), kind: "executable", tag: tag.String()})
				}
			}
		}
	}
	if obj != nil {
		s.addPayload(*obj)
	}
	return s
}

// encodedText reports whether a long text is encoded data rather than
// prose, code listings or tables: few spaces, and the letter, digit and
// symbol mix of base64 (both cases and digits), of hex, or of a list of
// numbers. Separators an encoder adds as noise (dots, a space every few
// characters) are allowed; random "words" of letters alone (the filler
// landing pages wrap their payload in) are not data.
func encodedText(t []byte) bool {
	t = t[:min(len(t), 64<<10)]
	var upper, lower, digit, sym, space, hex int
	for _, c := range t {
		switch {
		case c >= 'A' && c <= 'Z':
			upper++
		case c >= 'a' && c <= 'z':
			lower++
		case c >= '0' && c <= '9':
			digit++
		case c == '+' || c == '/' || c == '=':
			sym++
		case c == ' ' || c == '\n' || c == '\r' || c == '\t':
			space++
		}
		if isHex(c) {
			hex++
		}
	}
	n := len(t) - space
	if n <= 0 || space*5 > len(t) {
		return false
	}
	alnum := upper + lower + digit + sym
	switch {
	case alnum*10 >= n*9 && upper*100 >= n*15 && lower*100 >= n*15 && digit*100 >= n*4:
		return true // base64
	case hex*100 >= n*95 && digit*10 >= n*3:
		return true // hex
	case digit*10 >= n*6 && lower+upper < n/20:
		return true // numbers with separators
	}
	return false
}

func (s *plugScan) addPayload(p plugRef) {
	if p.kind != "" && len(s.payloads) < 64 {
		s.payloads = append(s.payloads, p)
	}
}

// plugReasons are the structure reasons of document i.
func plugReasons(in *Input, i int) []crawl.Reason {
	r := &in.C.Resources[i]
	base, _ := url.Parse(r.URL)
	s := scanPlugins(r.Body, base)
	var out []crawl.Reason
	if s.vbscript != "" {
		out = append(out, crawl.Reason{Rule: "vbscript", Category: crawl.CatExploitKit, Evidence: r.URL, Excerpt: "VBScript: " + s.vbscript})
	}
	// A refresh to a program is a download started without a click.
	if d := in.Doc(i); d.MetaRefresh != "" && exeExt[extOf(d.MetaRefresh)] {
		s.exes = append(s.exes, plugRef{url: d.MetaRefresh, kind: "executable", tag: "meta refresh"})
	}
	for _, e := range s.exes {
		out = append(out, crawl.Reason{Rule: "executable-autoload", Category: crawl.CatDownload, Evidence: orURL(e.url, r.URL), Excerpt: e.tag + " loads a program: " + e.url})
	}
	for _, p := range s.payloads {
		ev := orURL(p.url, r.URL)
		out = append(out, crawl.Reason{Rule: "plugin-payload", Category: crawl.CatExploitKit, Evidence: ev, Excerpt: p.tag + " loads " + p.kind + ": " + p.url})
		// Another site's plug-in file in a page: a frame or script of the
		// attacker's put it there (or the page is the attacker's and a
		// victim site framed it).
		if p.url != "" && (in.ThirdParty(p.url) || in.ThirdParty(r.URL)) {
			out = append(out, crawl.Reason{Rule: "plugin-payload-cross-site", Category: crawl.CatExploitKit, Evidence: ev, Excerpt: p.tag + " loads another site's " + p.kind + ": " + p.url})
		}
	}
	// Encoded data as an element's text, and a script to read it.
	if s.encText >= 4000 && len(in.Doc(i).Scripts) > 0 {
		out = append(out, crawl.Reason{Rule: "encoded-text-payload", Category: crawl.CatExploitKit, Evidence: r.URL,
			Excerpt: strconv.Itoa(s.encText) + " bytes of encoded data as the text of an element, in a page with scripts"})
	}
	// A page that is scripts and nothing to read: a landing page or a gate.
	// The rendered DOM is left out (a browser's DOM of any page may be so).
	if r.Type != crawl.TypeDOM && s.text < 50 {
		n := 0
		for _, sc := range in.Doc(i).Scripts {
			n += len(sc.Inline)
		}
		if n >= 2000 {
			out = append(out, crawl.Reason{Rule: "script-only-page", Category: crawl.CatInjected, Evidence: r.URL,
				Excerpt: strconv.Itoa(n) + " bytes of inline script and " + strconv.Itoa(s.text) + " bytes of text"})
		}
	}
	// A landing page is little more than its exploit: hardly any text, or
	// the exploit's parameters as a long encoded value.
	if len(s.payloads) > 0 && (s.text < 200 || s.param >= 200) {
		out = append(out, crawl.Reason{Rule: "plugin-landing", Category: crawl.CatExploitKit, Evidence: orURL(s.payloads[0].url, r.URL),
			Excerpt: "a page that is mostly a " + s.payloads[0].kind + " payload (" + strconv.Itoa(s.text) + " bytes of text, " + strconv.Itoa(s.param) + "-byte encoded parameter)"})
	}
	return out
}
