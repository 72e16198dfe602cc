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
type Script struct {
	features *cache[Features] // by body hash
}

var _ Detector = (*Script)(nil)

// NewScript returns the script detector with a cache of 8192 bodies.
func NewScript() *Script { return &Script{features: newCache[Features](8192)} }

// Name implements Detector.
func (*Script) Name() string { return "script" }

// maxScriptScan bounds the text one script is analysed over.
const maxScriptScan = 1 << 20

// Detect implements Detector.
func (s *Script) Detect(ctx context.Context, in *Input) []crawl.Reason {
	var out []crawl.Reason
	for i := range in.C.Resources {
		r := &in.C.Resources[i]
		if ctx.Err() != nil {
			break
		}
		var texts []string
		hash := ""
		switch r.Type {
		case crawl.TypeScript, crawl.TypeInline:
			texts = []string{string(r.Body)}
			hash = r.SHA256
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
			f, ok := s.features.get(hash)
			if !ok {
				f = Analyze(t)
				s.features.put(hash, f)
			}
			for _, rule := range f.Rules() {
				out = append(out, crawl.Reason{Rule: rule, Category: crawl.CatInjected, Evidence: r.URL, Excerpt: f.Excerpt})
			}
			// A plug-in file or program of another site named by a script,
			// or by a script of another site: the carrier of a drive-by.
			for _, u := range f.PayloadRefs {
				if in.ThirdParty(u) || in.ThirdParty(r.URL) {
					cat := crawl.CatExploitKit
					if exeExt[extOf(u)] {
						cat = crawl.CatDownload
					}
					out = append(out, crawl.Reason{Rule: "foreign-payload-ref", Category: cat, Evidence: u, Excerpt: "a script names " + u})
					break
				}
			}
			// A landing page keeps its payload as the text of an element and
			// a script decodes it from there: the script alone looks tame.
			hidden := f.TableNames >= 2 || (f.HiddenSink > 0 && (f.TableNames > 0 || f.SplitNames > 0))
			if (f.DOMRead && f.Sinks > 0 && f.Decoders > 0) || hidden {
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
	// TableNames counts member names assembled from a character table:
	// x["get"+t[4]+"lement"+t[1]+"yId"]. No minifier writes that.
	TableNames int
	// HiddenSink counts calls of a global member whose name is computed by
	// concatenation: this[t[30]+"val"](s), window["e"+"val"](s).
	HiddenSink int
	// Escaped counts literals written wholly in \x or \u escapes that
	// spell a sensitive name ("\x65\x76\x61\x6c") or markup that loads
	// something ("\x3ciframe src=..."): text hidden from a reader's eye.
	Escaped int
	// Traits are the exploit-kit habits found, one bit each (see
	// kitTraits): plug-in probing, local file probing, heap spraying,
	// VBScript memory corruption, exploit carriers written by script.
	Traits  kitTraits
	Excerpt string
	shape
}

var (
	reSink = regexp.MustCompile(`\beval\s*\(|\bFunction\s*\(|document\s*\.\s*write(?:ln)?\s*\(|\bexecScript\s*\(|\bsetTimeout\s*\(\s*["']|\[\s*["']eval["']\s*\]|\[\s*["']write["']\s*\]|\[\s*["']constructor["']\s*\]\s*\(|\bsetInterval\s*\(\s*["']`)
	// A script element given text to run: eval by another name.
	reScriptText = regexp.MustCompile(`createElement\s*\(\s*["']script["']\s*\)[^;]{0,40};[^;]{0,200}?\.(?:text|innerHTML)\s*=`)
	reDecoder    = regexp.MustCompile(`\bunescape\s*\(|fromCharCode|\batob\s*\(|charCodeAt|parseInt\s*\([^,()]{1,80},\s*(?:16|36)\s*\)|decodeURIComponent\s*\(|\.replace\s*\(\s*/[^/\n]{1,100}/g\s*,|\.split\s*\(\s*["']{2}\s*\)\s*\.\s*reverse`)
	// Substitution ciphers (key.indexOf(s.charAt(i))) and marker removal
	// by split and join: decoders too, matched apart because charAt and
	// join are everywhere and the big alternation above is slow.
	reSubst     = regexp.MustCompile(`indexOf\s*\(\s*[\w$.\[\]]{1,40}\.charAt\s*\(`)
	reSplitJoin = regexp.MustCompile(`\.split\s*\(\s*["'][^"'\n]{1,20}["']\s*\)\s*\.\s*join\s*\(`)
	reEvalAls   = regexp.MustCompile(`(?:^|[^.\w])[A-Za-z_$][\w$]{0,30}\s*=\s*(?:window\.|this\.)?eval\s*[;,\n)]`)
	reDOMRead   = regexp.MustCompile(`(?:getElementById|getElementsByTagName|querySelector)["'\s\]]*\((?:[^()]|\([^()]{0,40}\)){0,20}\)\s*(?:\[\s*\d+\s*\])?\s*(?:\.\s*|\[\s*["'])(?:innerHTML|innerText|textContent|value|getAttribute|nodeValue|data)`)
	reTableName = regexp.MustCompile(`["'][A-Za-z]{1,20}["']\s*\+\s*[\w$]{1,30}\s*\[\s*\d{1,3}\s*\]\s*\+\s*["'][A-Za-z]{1,20}["']`)
	reHidSink   = regexp.MustCompile(`(?:\bthis|\bwindow|\bself|\btop|\bdocument)\s*\[(?:[^\[\]\n]|\[[^\[\]\n]*\]){0,40}\+(?:[^\[\]\n]|\[[^\[\]\n]*\]){0,40}\]\s*\(`)
	reFrameSrc  = regexp.MustCompile(`(?i)\bsrc\s*=|\.src\s*=|setAttribute\s*\(\s*["']src`)
	reHiddenFr  = regexp.MustCompile(`(?i)(?:<iframe[^>]{0,300}(?:width\s*=\s*\\?["']?[01]\b|height\s*=\s*\\?["']?[01]\b|visibility\s*:\s*hidden|display\s*:\s*none)|createElement\s*\(\s*["']iframe["']\s*\)[\s\S]{0,400}?(?:\.(?:width|height)\s*=\s*["']?[01]["'; ]|visibility\s*=\s*["']hidden|display\s*=\s*["']none))`)
)

// Analyze measures a script. It is linear in the text (capped at 1 MiB).
func Analyze(src string) Features {
	if len(src) > maxScriptScan {
		src = src[:maxScriptScan]
	}
	f := Features{Len: len(src)}
	// Go's regexps are slow on large inputs, and most scripts are large
	// benign libraries: each regexp runs only when a literal it needs is
	// there, and the rest is one hand-written pass over the text.
	f.Sinks = countAround(src, reSink, 40, 40, "eval", "Function", "write", "execScript", "setTimeout", "constructor", "setInterval")
	if strings.Contains(src, "script") {
		f.Sinks += countAround(src, reScriptText, 0, 300, "createElement")
	}
	f.Decoders = countAround(src, reDecoder, 120, 120, "unescape", "fromCharCode", "atob", "charCodeAt", "parseInt", "decodeURIComponent", "replace", "split")
	f.Decoders += countAround(src, reSubst, 60, 10, "charAt") + countAround(src, reSplitJoin, 40, 10, ").join")
	f.FromCharCode = strings.Count(src, "fromCharCode")
	f.NumRun = numberRun(src)
	// A hidden frame without a source is a library's sandbox or measuring
	// frame (jQuery, web-component polyfills); an injected one loads a page.
	f.HiddenFrame = countAround(src, reHiddenFr, 40, 500, "iframe", "IFRAME", "Iframe") > 0 &&
		countAround(src, reFrameSrc, 40, 600, "iframe", "IFRAME", "Iframe") > 0
	f.EvalAlias = countAround(src, reEvalAls, 40, 10, "eval") > 0
	f.DOMRead = countAround(src, reDOMRead, 10, 900, "getElementById", "getElementsByTagName", "querySelector") > 0
	if strings.Contains(src, "]") {
		f.TableNames = countAround(src, reTableName, 120, 120, "+")
		f.HiddenSink = countAround(src, reHidSink, 10, 200, "this", "window", "self", "top", "document")
	}
	f.Traits = traitsOf(src)
	lits := lexLiterals(src)
	total := 0
	best := ""
	for k, l := range lits {
		v := src[l.from+1 : l.to-1]
		total += len(v)
		if len(v) > f.LongestLit {
			f.LongestLit = len(v)
		}
		if len(v) > f.EncodedLit && looksEncoded(v) {
			f.EncodedLit = len(v)
			best = v
		}
		if strings.Contains(v, "\\x") || strings.Contains(v, "\\u") {
			if d, n := unescapeJS(v); n >= 3 && n*4*4 >= len(v)*3 && (sensitive[d] || loadsMarkup(d)) {
				f.Escaped++
			}
		}
		before, after := prevByte(src, l.from), nextByte(src, l.to)
		if before == '[' && after == ']' && sensitive[v] {
			f.Bracketed++
		}
		if before == '[' && after == '.' && bracketOwner(src, l.from) && decodingCall(src, l.to) {
			f.Decoded++
		}
		// Concatenation chains: 'a' + 'b' (+ 'c')...
		if k > 0 && joined(src, lits[k-1].to, l.from) {
			a := src[lits[k-1].from+1 : lits[k-1].to-1]
			if len(a) <= 2 && len(v) <= 2 && letters(a) && letters(v) {
				f.Fragments++
			}
			continue // counted from the chain's first literal
		}
		if k+1 < len(lits) && joined(src, l.to, lits[k+1].from) {
			var b strings.Builder
			short := true
			for j := k; j < len(lits) && j < k+10; j++ {
				p := src[lits[j].from+1 : lits[j].to-1]
				short = short && len(p) <= 12 && letters(p)
				b.WriteString(p)
				if j+1 >= len(lits) || !joined(src, lits[j].to, lits[j+1].from) {
					break
				}
			}
			if short && sensitive[b.String()] {
				f.SplitNames++
			}
		}
	}
	measureShape(&f, src, lits)
	if f.Len > 0 {
		f.LitRatio = float64(total) / float64(f.Len)
	}
	f.Entropy = entropy(src)
	f.Excerpt = best
	if f.Excerpt == "" {
		f.Excerpt = src
	}
	f.Excerpt = clip(strings.Join(strings.Fields(f.Excerpt[:min(len(f.Excerpt), 4096)]), " "), 160)
	return f
}

// countAround counts the matches of re in windows around each occurrence
// of a keyword (before and after bytes of context), each match once: a
// keyword search is fast, and regexps then only look at a little text.
func countAround(src string, re *regexp.Regexp, before, after int, keywords ...string) int {
	seen := map[int]bool{}
	for _, k := range keywords {
		for off := 0; len(seen) < 1000; {
			i := strings.Index(src[off:], k)
			if i < 0 {
				break
			}
			i += off
			from, to := max(0, i-before), min(len(src), i+len(k)+after)
			for _, m := range re.FindAllStringIndex(src[from:to], 50) {
				seen[from+m[0]] = true
			}
			off = i + len(k)
		}
	}
	return len(seen)
}

// lit is a string literal: src[from] is its opening quote, src[to-1] its
// closing one.
type lit struct{ from, to int }

// lexLiterals finds the string literals of JavaScript-ish text: a lexer
// good enough for measuring, not for parsing (regexp literals and comments
// may fool it, which costs a little precision in the measures only).
func lexLiterals(src string) []lit {
	var out []lit
	for i := 0; i < len(src) && len(out) < 200000; i++ {
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
		if j >= len(src) {
			break // unterminated: not a literal
		}
		if src[j] != q {
			i = j
			continue
		}
		out = append(out, lit{i, j + 1})
		i = j
	}
	return out
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// prevByte is the last non-space byte before i, or 0.
func prevByte(s string, i int) byte {
	for i--; i >= 0; i-- {
		if !isSpace(s[i]) {
			return s[i]
		}
	}
	return 0
}

// nextByte is the first non-space byte at or after i, or 0.
func nextByte(s string, i int) byte {
	for ; i < len(s); i++ {
		if !isSpace(s[i]) {
			return s[i]
		}
	}
	return 0
}

// joined reports whether only spaces and one + lie between a and b.
func joined(s string, a, b int) bool {
	if b-a > 64 {
		return false
	}
	plus := 0
	for i := a; i < b; i++ {
		switch {
		case s[i] == '+':
			plus++
		case !isSpace(s[i]):
			return false
		}
	}
	return plus == 1
}

func letters(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// bracketOwner reports whether the [ before the literal at i follows
// document, window, this, self or top.
func bracketOwner(s string, i int) bool {
	j := i - 1
	for j >= 0 && isSpace(s[j]) {
		j--
	}
	if j < 0 || s[j] != '[' {
		return false
	}
	j--
	for j >= 0 && isSpace(s[j]) {
		j--
	}
	end := j + 1
	for j >= 0 && (s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z') {
		j--
	}
	switch s[j+1 : end] {
	case "document", "window", "this", "self", "top":
		return true
	}
	return false
}

// decodingCall reports whether .replace( .split( or .substr( follows i.
func decodingCall(s string, i int) bool {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	if i >= len(s) || s[i] != '.' {
		return false
	}
	rest := strings.TrimLeft(s[i+1:min(len(s), i+40)], " \t\n\r")
	for _, m := range []string{"replace", "split", "substr", "substring"} {
		if strings.HasPrefix(rest, m) {
			r := strings.TrimLeft(rest[len(m):], " \t\n\r")
			return strings.HasPrefix(r, "(")
		}
	}
	return false
}

// numberRun is the longest run of comma-separated numbers (up to 5 digits
// each, optionally negative): character codes or shellcode as an array.
func numberRun(s string) int {
	best, run := 0, 0
	i := 0
	for i < len(s) {
		j := i
		if j < len(s) && s[j] == '-' {
			j++
		}
		d := j
		for j < len(s) && j-d < 6 && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == d || (j < len(s) && s[j] >= '0' && s[j] <= '9') {
			run = 0
			i = max(j, i+1)
			continue
		}
		for j < len(s) && isSpace(s[j]) {
			j++
		}
		if j < len(s) && s[j] == ',' {
			run++
			best = max(best, run)
			j++
			for j < len(s) && isSpace(s[j]) {
				j++
			}
			i = j
			continue
		}
		run = 0
		i = j
	}
	return best
}

// Rules are the script rules the features meet.
func (f Features) Rules() []string {
	var rs []string
	// An encoded literal is a payload when it is a good part of the script:
	// large libraries carry a base64 image or font here and there.
	payload := (f.EncodedLit >= 200 && f.EncodedLit*10 >= f.Len) || (f.LitRatio > 0.5 && f.Len > 1000) || f.NumRun >= 64
	if f.Sinks > 0 && f.Decoders > 0 && payload {
		rs = append(rs, "obfuscated-eval")
	}
	if f.EncodedLit >= 2000 && f.Decoders > 0 && f.Sinks > 0 {
		rs = append(rs, "encoded-blob")
	}
	if f.FromCharCode > 0 && f.NumRun >= 64 && f.Sinks > 0 {
		rs = append(rs, "charcode-assembly")
	}
	if f.HiddenSink > 0 && f.Decoders > 0 && payload && f.Sinks == 0 {
		rs = append(rs, "obfuscated-eval") // the same, with the sink's name hidden
	}
	if f.HiddenFrame && (f.Sinks > 0 || strings.Contains(f.Excerpt, "createElement")) {
		rs = append(rs, "dom-writes-hidden-frame")
	}
	// Hiding which functions are called: the names themselves are split,
	// bracketed or decoded. Minifiers bracket names sometimes; they never
	// split them into pieces nor decode them.
	if f.Decoded > 0 || f.SplitNames >= 2 || (f.SplitNames >= 1 && f.Bracketed >= 3) || (f.Bracketed >= 5 && f.Sinks > 0) ||
		f.Fragments >= 8 || f.Escaped >= 2 || (f.Escaped >= 1 && f.Sinks+f.HiddenSink > 0) || (f.EvalAlias && (f.SplitNames > 0 || f.Bracketed >= 2 || payload)) || f.TableNames >= 2 ||
		(f.HiddenSink > 0 && (f.SplitNames > 0 || f.Bracketed >= 2 || f.TableNames > 0)) {
		rs = append(rs, "hidden-api-names")
	}
	rs = append(rs, f.Traits.rules()...)
	rs = append(rs, f.shapeRules()...)
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

// unescapeJS decodes the \xNN and \uNNNN escapes of a literal's text and
// says how many there were; other escapes are kept as they are.
func unescapeJS(v string) (string, int) {
	var b strings.Builder
	n := 0
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			w := 0
			switch v[i+1] {
			case 'x':
				w = 2
			case 'u':
				w = 4
			}
			if w > 0 && i+2+w <= len(v) {
				if c, err := strconv.ParseUint(v[i+2:i+2+w], 16, 32); err == nil {
					b.WriteRune(rune(c))
					i += 1 + w
					n++
					continue
				}
			}
		}
		b.WriteByte(v[i])
	}
	return b.String(), n
}

// loadsMarkup reports whether text is markup that loads a script or frame.
func loadsMarkup(s string) bool {
	l := strings.ToLower(s)
	return (strings.Contains(l, "<iframe") || strings.Contains(l, "<script")) && strings.Contains(l, "src")
}
