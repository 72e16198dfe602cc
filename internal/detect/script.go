package detect

import (
	"context"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/honeygate/honeygate/internal/crawl"
)

// Script looks for obfuscation in every script of a capture: code that
// decodes text and runs or writes it, long encoded strings, numeric arrays
// turned into text. Legitimate minified code is dense too, so each rule
// needs a sink (eval, document.write, Function) together with a decoder
// and an encoded payload, not one of them alone.
type Script struct{}

var _ Detector = Script{}

// Name implements Detector.
func (Script) Name() string { return "script" }

// maxScriptScan bounds the text one script is analysed over.
const maxScriptScan = 1 << 20

// Detect implements Detector.
func (Script) Detect(ctx context.Context, in *Input) []crawl.Reason {
	var out []crawl.Reason
	for i := range in.C.Resources {
		r := &in.C.Resources[i]
		if ctx.Err() != nil {
			break
		}
		var texts []string
		switch r.Type {
		case crawl.TypeScript, crawl.TypeInline:
			texts = []string{string(r.Body)}
		case crawl.TypeDocument, crawl.TypeIframe:
			// Inline scripts of documents are their own resources when the
			// engine made them; event handlers and odd placements are not,
			// so documents without inline resources are read whole here.
			if !hasInline(in.C, r.URL) {
				for _, s := range in.Doc(i).Scripts {
					if s.Src == "" && s.Inline != "" {
						texts = append(texts, s.Inline)
					}
				}
			}
		default:
			continue
		}
		for _, t := range texts {
			f := Analyze(t)
			for _, rule := range f.Rules() {
				out = append(out, crawl.Reason{Rule: rule, Category: crawl.CatInjected, Evidence: r.URL, Excerpt: f.Excerpt})
			}
			// A landing page keeps its payload as the text of an element and
			// a script decodes it from there: the script alone looks tame.
			if f.DOMRead && f.Sinks > 0 && f.Decoders > 0 {
				if d := parentDoc(in, r); d != nil && d.LongestText >= 4000 {
					out = append(out, crawl.Reason{Rule: "dom-payload-decoder", Category: crawl.CatExploitKit, Evidence: r.URL,
						Excerpt: "decodes and runs the " + strconv.Itoa(d.LongestText) + "-byte text of an element: " + f.Excerpt})
				}
			}
		}
	}
	return out
}

// parentDoc is the parsed document a script belongs to (itself for a
// document read whole).
func parentDoc(in *Input, r *crawl.Resource) *crawl.Doc {
	doc := r.URL
	if r.Type == crawl.TypeScript || r.Type == crawl.TypeInline {
		doc = r.Parent
	}
	for i := range in.C.Resources {
		d := &in.C.Resources[i]
		if d.URL == doc && (d.Type == crawl.TypeDocument || d.Type == crawl.TypeIframe) {
			return in.Doc(i)
		}
	}
	return nil
}

func hasInline(c *crawl.Capture, doc string) bool {
	for _, r := range c.Resources {
		if r.Type == crawl.TypeInline && r.Parent == doc {
			return true
		}
	}
	return false
}

// Features are what Analyze measures in one script.
type Features struct {
	Len          int
	Sinks        int // eval(, Function(, document.write, setTimeout("..."), execScript
	Decoders     int // unescape, fromCharCode, atob, charCodeAt, parseInt(.., 16), replace(/../g, ..)
	FromCharCode int
	LongestLit   int     // longest string literal
	EncodedLit   int     // longest literal that looks encoded (no spaces, hex/escape/base64 alphabet)
	LitRatio     float64 // share of the text inside string literals
	NumRun       int     // longest run of comma-separated numbers
	Entropy      float64 // bits per byte of the whole text
	SplitNames   int     // sensitive names assembled from pieces: "cr"+"eateElement"
	Bracketed    int     // sensitive names reached as x["getElementById"]
	Decoded      int     // members named by a decoded string: document['..'.replace(..)]
	EvalAlias    bool    // eval kept under another name: e=eval
	Fragments    int     // concatenations of one- or two-letter literals: "r"+"e"
	DOMRead      bool    // reads an element's content (where landings keep their payload)
	HiddenFrame  bool    // writes or creates an iframe sized 0/1 or hidden
	Excerpt      string
}

var (
	reSink     = regexp.MustCompile(`\beval\s*\(|\bFunction\s*\(|document\s*\.\s*write(?:ln)?\s*\(|\bexecScript\s*\(|\bsetTimeout\s*\(\s*["']|\[\s*["']eval["']\s*\]|\[\s*["']write["']\s*\]`)
	reDecoder  = regexp.MustCompile(`\bunescape\s*\(|fromCharCode|\batob\s*\(|charCodeAt|parseInt\s*\([^,()]{1,80},\s*(?:16|36)\s*\)|decodeURIComponent\s*\(|\.replace\s*\(\s*/[^/\n]{1,100}/g\s*,|\.split\s*\(\s*["']{2}\s*\)\s*\.\s*reverse`)
	reFromCC   = regexp.MustCompile(`fromCharCode`)
	reNumRun   = regexp.MustCompile(`(?:-?\d{1,5}\s*,\s*){64,}`)
	reSplit    = regexp.MustCompile(`["'][A-Za-z]{0,12}["']\s*\+\s*["'][A-Za-z]{0,12}["'](?:\s*\+\s*["'][A-Za-z]{0,12}["']){0,8}`)
	reFrag     = regexp.MustCompile(`["'][A-Za-z]{0,2}["']\s*\+\s*["'][A-Za-z]{0,2}["']`)
	reBracket  = regexp.MustCompile(`\[\s*["'](eval|document|window|getElementById|getElementsByTagName|innerHTML|innerText|textContent|createElement|appendChild|setAttribute|getAttribute|fromCharCode|charCodeAt|charAt|substr|substring|indexOf|split|join|replace|unescape|escape|write|writeln|String|Function|location|body|parseInt)["']\s*\]`)
	reDecoded  = regexp.MustCompile(`(?:document|window|this|self|top)\s*\[\s*["'][^"'\n]{1,400}["']\s*\.\s*(?:replace|split|substr|substring)\s*\(`)
	reEvalAls  = regexp.MustCompile(`(?:^|[^.\w])[A-Za-z_$][\w$]{0,30}\s*=\s*(?:window\.|this\.)?eval\s*[;,\n)]`)
	reDOMRead  = regexp.MustCompile(`(?:getElementById|getElementsByTagName|querySelector)["'\s\]]*\((?:[^()]|\([^()]{0,40}\)){0,20}\)\s*(?:\[\s*\d+\s*\])?\s*(?:\.\s*|\[\s*["'])(?:innerHTML|innerText|textContent|value|getAttribute|nodeValue|data)`)
	reHiddenFr = regexp.MustCompile(`(?i)(?:<iframe[^>]{0,300}(?:width\s*=\s*\\?["']?[01]\b|height\s*=\s*\\?["']?[01]\b|visibility\s*:\s*hidden|display\s*:\s*none)|createElement\s*\(\s*["']iframe["']\s*\)[\s\S]{0,400}?(?:\.(?:width|height)\s*=\s*["']?[01]["'; ]|visibility\s*=\s*["']hidden|display\s*=\s*["']none))`)
)

// Analyze measures a script. It is linear in the text (capped at 1 MiB).
func Analyze(src string) Features {
	if len(src) > maxScriptScan {
		src = src[:maxScriptScan]
	}
	f := Features{Len: len(src)}
	f.Sinks = len(reSink.FindAllStringIndex(src, 1000))
	f.Decoders = len(reDecoder.FindAllStringIndex(src, 1000))
	f.FromCharCode = len(reFromCC.FindAllStringIndex(src, 1000))
	for _, m := range reNumRun.FindAllStringIndex(src, 100) {
		if n := strings.Count(src[m[0]:m[1]], ","); n > f.NumRun {
			f.NumRun = n
		}
	}
	f.HiddenFrame = reHiddenFr.MatchString(src)
	for _, m := range reSplit.FindAllString(src, 1000) {
		if sensitive[joinLiterals(m)] {
			f.SplitNames++
		}
	}
	f.Bracketed = len(reBracket.FindAllStringIndex(src, 1000))
	f.Decoded = len(reDecoded.FindAllStringIndex(src, 1000))
	f.EvalAlias = reEvalAls.MatchString(src)
	f.DOMRead = reDOMRead.MatchString(src)
	f.Fragments = len(reFrag.FindAllStringIndex(src, 1000))
	lits, best := literals(src)
	total := 0
	for _, l := range lits {
		total += len(l)
		if len(l) > f.LongestLit {
			f.LongestLit = len(l)
		}
		if len(l) > f.EncodedLit && looksEncoded(l) {
			f.EncodedLit = len(l)
		}
	}
	if f.Len > 0 {
		f.LitRatio = float64(total) / float64(f.Len)
	}
	f.Entropy = entropy(src)
	f.Excerpt = best
	if f.Excerpt == "" {
		f.Excerpt = src
	}
	f.Excerpt = clip(strings.Join(strings.Fields(f.Excerpt), " "), 160)
	return f
}

// Rules are the script rules the features meet.
func (f Features) Rules() []string {
	var rs []string
	payload := f.EncodedLit >= 200 || (f.LitRatio > 0.5 && f.Len > 1000) || f.NumRun >= 64
	if f.Sinks > 0 && f.Decoders > 0 && payload {
		rs = append(rs, "obfuscated-eval")
	}
	if f.EncodedLit >= 2000 && f.Decoders > 0 && f.Sinks > 0 {
		rs = append(rs, "encoded-blob")
	}
	if f.FromCharCode > 0 && f.NumRun >= 64 && f.Sinks > 0 {
		rs = append(rs, "charcode-assembly")
	}
	if f.HiddenFrame && (f.Sinks > 0 || strings.Contains(f.Excerpt, "createElement")) {
		rs = append(rs, "dom-writes-hidden-frame")
	}
	// Hiding which functions are called: the names themselves are split,
	// bracketed or decoded. Minifiers bracket names sometimes; they never
	// split them into pieces nor decode them.
	if f.Decoded > 0 || f.SplitNames >= 2 || (f.SplitNames >= 1 && f.Bracketed >= 3) || (f.Bracketed >= 5 && f.Sinks > 0) ||
		f.Fragments >= 8 || (f.EvalAlias && (f.SplitNames > 0 || f.Bracketed >= 2 || payload)) {
		rs = append(rs, "hidden-api-names")
	}
	return rs
}

// sensitive are the names obfuscators hide because scanners look for them.
var sensitive = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`eval document window getElementById getElementsByTagName innerHTML
		createElement appendChild setAttribute getAttribute fromCharCode charCodeAt charAt substr
		substring indexOf split unescape escape write writeln String Function location iframe
		ActiveXObject WScript Shell navigator userAgent cookie referrer parseInt replace body
		createTextNode insertBefore setTimeout setInterval atob decodeURIComponent
		String.fromCharCode document.write`) {
		sensitive[n] = true
	}
}

// joinLiterals turns "cr"+"eate" into createElement's pieces joined.
func joinLiterals(m string) string {
	var b strings.Builder
	in := false
	for i := 0; i < len(m); i++ {
		c := m[i]
		if c == '"' || c == '\'' {
			in = !in
			continue
		}
		if in {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// literals returns the string literals of JavaScript-ish text (a lexer
// good enough for measuring, not for parsing), bounded in number, and an
// excerpt of the longest encoded one.
func literals(src string) ([]string, string) {
	var out []string
	best := ""
	for i := 0; i < len(src) && len(out) < 100000; i++ {
		q := src[i]
		if q != '"' && q != '\'' && q != '`' {
			continue
		}
		j := i + 1
		for j < len(src) && src[j] != q && src[j] != '\n' {
			if src[j] == '\\' {
				j++
			}
			j++
		}
		if j > len(src) {
			j = len(src)
		}
		l := src[i+1 : j]
		out = append(out, l)
		if len(l) > len(best) && looksEncoded(l) {
			best = l
		}
		i = j
	}
	return out, best
}

// looksEncoded reports whether a literal looks like encoded data rather
// than text or code: no spaces, and mostly hex digits, escapes or a
// base64-like alphabet.
func looksEncoded(s string) bool {
	if len(s) < 64 {
		return false
	}
	var spaces, alnum, esc int
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			spaces++
		case c == '%' || c == '\\' || strings.IndexByte(":;|!#@$^*~_.,-", c) >= 0:
			esc++
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '+', c == '/', c == '=':
			alnum++
		}
	}
	n := float64(len(s))
	return float64(spaces)/n < 0.01 && float64(alnum+esc)/n > 0.9
}

// entropy is the Shannon entropy of s in bits per byte.
func entropy(s string) float64 {
	if s == "" {
		return 0
	}
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	h := 0.0
	n := float64(len(s))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}
