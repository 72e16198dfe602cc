package detect

import (
	"context"
	"math"
	"regexp"
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
		}
	}
	return out
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
	HiddenFrame  bool    // writes or creates an iframe sized 0/1 or hidden
	Excerpt      string
}

var (
	reSink     = regexp.MustCompile(`\beval\s*\(|\bFunction\s*\(|document\s*\.\s*write(?:ln)?\s*\(|\bexecScript\s*\(|\bsetTimeout\s*\(\s*["']|\[\s*["']eval["']\s*\]|\[\s*["']write["']\s*\]`)
	reDecoder  = regexp.MustCompile(`\bunescape\s*\(|fromCharCode|\batob\s*\(|charCodeAt|parseInt\s*\([^,()]{1,80},\s*(?:16|36)\s*\)|decodeURIComponent\s*\(|\.replace\s*\(\s*/[^/\n]{1,100}/g\s*,|\.split\s*\(\s*["']{2}\s*\)\s*\.\s*reverse`)
	reFromCC   = regexp.MustCompile(`fromCharCode`)
	reNumRun   = regexp.MustCompile(`(?:-?\d{1,5}\s*,\s*){64,}`)
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
	if f.EncodedLit >= 2000 && f.Decoders > 0 {
		rs = append(rs, "encoded-blob")
	}
	if f.FromCharCode > 0 && f.NumRun >= 64 {
		rs = append(rs, "charcode-assembly")
	}
	if f.HiddenFrame && (f.Sinks > 0 || strings.Contains(f.Excerpt, "createElement")) {
		rs = append(rs, "dom-writes-hidden-frame")
	}
	return rs
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
		case c == '%' || c == '\\':
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
