package detect

import (
	"encoding/base64"
	"regexp"
	"strconv"
	"strings"
)

// The shape of obfuscated code, measured from its tokens rather than from
// any family's names: what packers and obfuscators must do to hide code
// (split and reverse the names they call, keep the text in arrays of
// strings turned by a rotator, escape every byte, decode a literal straight
// into a sink) and what gates of injected code must do (look at the
// referrer, the user agent or a cookie before they act). Each measure is one
// bounded pass or a keyword-anchored regexp, like the rest of Analyze.

// shape holds the measures; Features embeds it.
type shape struct {
	// FragNames counts names spelled by joining short literal pieces,
	// forward or reversed, across + and , (an array joined later) and
	// +("")+ padding: ["edo","Cr","ahC","mo","rf"] reversed is fromCharCode.
	FragNames int
	// Reversed counts single literals that are a sensitive name backwards.
	Reversed int
	// HexIdents counts identifiers of the _0x1a2b3c form that
	// obfuscator.io and its kin rename everything to.
	HexIdents int
	// Rotator: an array turned by push(shift()) before use, how those
	// obfuscators hide the order of their string table.
	Rotator bool
	// StrArray is the longest run of comma-separated string literals.
	StrArray int
	// EscBytes counts the bytes of literals written as \xNN, %NN, %uNNNN
	// or ASCII \uNNNN escapes; LitBytes all bytes inside literals.
	EscBytes, LitBytes int
	// CharArith: String.fromCharCode over arithmetic (x-3, c^k, n%256):
	// a cipher, not a table of codes.
	CharArith bool
	// PayloadRefs are absolute URLs of plug-in files or programs the
	// script's literals name (at most 8): what an exploit page loads.
	PayloadRefs []string
	// Skimmer: reads payment-card fields of a form and sends them out
	// covertly (an image or beacon request, a WebSocket) or only on the
	// checkout page, encoded: what web skimmers (Magecart) do.
	Skimmer bool
	// TEA: the TEA/XXTEA key schedule's constant (0x9E3779B9): the page
	// decrypts something with a key, as landing pages hide their code.
	TEA bool
	// DecodedSink: a decoder applied to a literal straight into a sink,
	// document.write(unescape("%3c%69...")), eval(atob("...")), where the
	// decoded text loads or runs something (markup that loads, code that
	// writes, evaluates or navigates). DecodedText: the same writing only
	// text (how old pages hide an e-mail address from harvesters).
	DecodedSink, DecodedText bool
	// DecodedNav: the page's location set from a decoded literal.
	DecodedNav bool
	// Gates are the visitor checks injected code makes before it acts, one
	// bit each: a search engine in the referrer, Windows or IE in the user
	// agent, a cookie marking a visitor already served.
	Gates uint8
	// Acts: the script creates or writes an iframe, sets the location, or
	// adds a script, and names an absolute URL to do it with.
	Acts bool
	// ExtURL: a literal that is an absolute http(s) or scheme-relative URL
	// (not an XML namespace name, which DOM libraries carry).
	ExtURL bool
}

const (
	gateReferrer = 1 << iota
	gateUA
	gateCookie
)

var (
	reRotator    = regexp.MustCompile(`push\W{0,8}\(\s*[\w$]+\W{0,8}shift\W{0,4}\(\s*\)`)
	reDecSink    = regexp.MustCompile(`(?:\beval|\bwrite(?:ln)?|\bexecScript|\bFunction|innerHTML\s*=)\s*\(?\s*(?:window\.)?(?:unescape|atob|decodeURIComponent|String\.fromCharCode)\s*\(\s*(?:["'](?:%u[0-9A-Fa-f]{4}|%[0-9A-Fa-f]{2}|\\x[0-9A-Fa-f]{2}|[A-Za-z0-9+/=]){24}|\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*,)`)
	reDecNav     = regexp.MustCompile(`location(?:\.href)?\s*(?:=|\.replace\s*\(|\.assign\s*\()\s*(?:window\.)?(?:unescape|atob|String\.fromCharCode)\s*\(\s*["'\d]`)
	rePayloadURL = regexp.MustCompile(`(?i)(?:https?:)?//[^\s"'<>()\\]{1,300}?\.(?:swf|jar|xap|jnlp|class|exe|scr|msi|hta|apk)\b`)
	reCardField  = regexp.MustCompile(`(?i)cc[_-]?(?:number|num|cvv|cvc|exp)|card[_-]?(?:number|num|holder|cvv|cvc|code)|\bcvv2?\b|\bcvc\b|security[_-]?code|expir(?:y|ation)[_-]?(?:date|month|year)?`)
	reCheckout   = regexp.MustCompile(`(?i)(?:location|pathname|href|URL)[^;\n]{0,60}(?:checkout|onepage|onestep|payment)`)
	reCovert     = regexp.MustCompile(`new\s+Image\s*\(|sendBeacon\s*\(|new\s+WebSocket\s*\(`)
	reReadInput  = regexp.MustCompile(`(?i)querySelectorAll\s*\(\s*["'](?:input|select|form)|getElementsByTagName\s*\(\s*["'](?:input|select|form)|\.value\b|new\s+FormData\s*\(|\.serialize\s*\(`)
	reSearchEng  = regexp.MustCompile(`(?i)google|bing\.|yahoo|yandex|baidu|\baol\b|duckduckgo|\bmsn\b`)
	reUAGate     = regexp.MustCompile(`(?i)MSIE|Trident|Windows NT|Win32|Win64|\bwindows\b`)
	reCookieGt   = regexp.MustCompile(`cookie\s*\.\s*(?:indexOf|match|search)\s*\(`)
	reActs       = regexp.MustCompile(`(?i)createElement\s*\(\s*["']iframe["']|<iframe|(?:window|document|top|self)\.location(?:\.href)?\s*=[^=]|location\.(?:replace|assign)\s*\(|\.src\s*=\s*["']https?://`)
)

// hiddenNames are names worth hiding: the sensitive ones, and the string
// and regexp helpers a decoder calls.
var hiddenNames = map[string]bool{}

func init() {
	for n := range sensitive {
		hiddenNames[n] = true
	}
	for _, n := range strings.Fields(`join reverse push shift exec RegExp outerHTML userAgent length text
		toString concat slice charCodeAt fromCharCode script`) {
		hiddenNames[n] = true
	}
}

// measureShape fills the shape measures of src, whose literals are lits.
func measureShape(f *Features, src string, lits []lit) {
	f.HexIdents = hexIdents(src)
	if f.HexIdents > 0 && strings.Contains(src, "shift") {
		f.Rotator = anyAround(src, reRotator, 10, 60, "push")
	}
	f.CharArith = charArith(src)
	f.Skimmer = skimmer(src)
	f.TEA = strings.Contains(src, "2654435769") || strings.Contains(src, "0x9e3779b9") || strings.Contains(src, "0x9E3779B9") || strings.Contains(src, "1640531527")
	f.DecodedSink, f.DecodedText = decodedSinks(src)
	f.DecodedNav = anyAround(src, reDecNav, 0, 80, "location")
	if strings.Contains(src, "referrer") && distinctLower(countMatches(src, reSearchEng, "referrer", 2000)) >= 2 {
		f.Gates |= gateReferrer
	}
	if strings.Contains(src, "userAgent") && len(countMatches(src, reUAGate, "userAgent", 300)) > 0 {
		f.Gates |= gateUA
	}
	if strings.Contains(src, "cookie") && anyAround(src, reCookieGt, 10, 30, "cookie") {
		f.Gates |= gateCookie
	}
	if f.Gates != 0 {
		f.Acts = anyAround(src, reActs, 30, 40, "iframe", "IFRAME", "location", ".src")
	}

	run := 0
	for k, l := range lits {
		v := src[l.from+1 : l.to-1]
		f.LitBytes += len(v)
		if !f.ExtURL && (strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "//") && len(v) > 3 && isIdent(v[2])) && !strings.Contains(v, "www.w3.org/") {
			f.ExtURL = true
		}
		if len(f.PayloadRefs) < 8 && strings.Contains(v, "//") {
			for _, u := range rePayloadURL.FindAllString(v[:min(len(v), 4096)], 8-len(f.PayloadRefs)) {
				if strings.HasPrefix(u, "//") {
					u = "http:" + u
				}
				f.PayloadRefs = append(f.PayloadRefs, u)
			}
		}
		f.EscBytes += escBytes(v)
		if len(v) >= 4 && len(v) <= 24 && letters(v) && hiddenNames[reverse(v)] && !hiddenNames[v] {
			f.Reversed++
		}
		if k > 0 && src[lits[k-1].to:l.from] != "" && strings.TrimSpace(src[lits[k-1].to:l.from]) == "," {
			run++
		} else {
			run = 1
		}
		f.StrArray = max(f.StrArray, run)
		if k > 0 && fragJoined(src, lits[k-1].to, l.from) {
			continue // counted from the chain's first literal
		}
		if name, pieces := fragChain(src, lits, k); pieces >= 2 && (hiddenNames[name] || hiddenNames[reverse(name)]) {
			f.FragNames++
		}
	}
}

// fragJoined reports whether only spaces, +, comma and parentheses lie
// between a and b: pieces of one name joined now or later.
func fragJoined(s string, a, b int) bool {
	if b-a > 12 {
		return false
	}
	join := false
	for i := a; i < b; i++ {
		switch s[i] {
		case '+', ',':
			join = true
		case '(', ')', ' ', '\t', '\n', '\r':
		default:
			return false
		}
	}
	return join
}

// fragChain joins the chain of short letter-only literals starting at
// lits[k] and says how many non-empty pieces it had. Empty literals are
// padding (+("")+) and count for nothing. A chain with a comma must have
// only one-to-four-letter pieces: arrays of words are common, arrays of
// syllables are not.
func fragChain(src string, lits []lit, k int) (string, int) {
	var b strings.Builder
	pieces, longest, comma := 0, 0, false
	for j := k; j < len(lits) && j < k+24; j++ {
		p := src[lits[j].from+1 : lits[j].to-1]
		if len(p) > 12 || !letters(p) {
			return "", 0
		}
		if p != "" {
			pieces++
			longest = max(longest, len(p))
		}
		b.WriteString(p)
		if j+1 >= len(lits) || !fragJoined(src, lits[j].to, lits[j+1].from) {
			break
		}
		if strings.IndexByte(src[lits[j].to:lits[j+1].from], ',') >= 0 {
			comma = true
		}
	}
	if comma && longest > 4 {
		return "", 0
	}
	return b.String(), pieces
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// hexIdents counts _0x identifiers with four to six hex digits.
func hexIdents(src string) int {
	n := 0
	for off := 0; n < 100000; {
		i := strings.Index(src[off:], "_0x")
		if i < 0 {
			break
		}
		i += off + 3
		j := i
		for j < len(src) && j-i <= 6 && isHex(src[j]) {
			j++
		}
		if d := j - i; d >= 4 && d <= 6 && (j == len(src) || !isIdent(src[j])) {
			n++
		}
		off = j
	}
	return n
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isIdent(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// escBytes counts the bytes of v written as \xNN, %NN, %uNNNN or \uNNNN
// below 0x80 (ASCII spelled as escapes hides text; escapes of other
// scripts' letters are how Unicode tables are written).
func escBytes(v string) int {
	n := 0
	for i := 0; i+2 < len(v); i++ {
		switch {
		case v[i] == '\\' && v[i+1] == 'x' && i+3 < len(v) && isHex(v[i+2]) && isHex(v[i+3]):
			n += 4
			i += 3
		case v[i] == '\\' && v[i+1] == 'u' && i+5 < len(v) && v[i+2] == '0' && v[i+3] == '0' && v[i+4] <= '7' && isHex(v[i+4]) && isHex(v[i+5]):
			n += 6
			i += 5
		case v[i] == '%' && v[i+1] == 'u' && i+5 < len(v) && isHex(v[i+2]) && isHex(v[i+3]) && isHex(v[i+4]) && isHex(v[i+5]):
			n += 6
			i += 5
		case v[i] == '%' && isHex(v[i+1]) && isHex(v[i+2]):
			n += 3
			i += 2
		}
	}
	return n
}

// skimmer reports whether src reads payment-card fields and sends them
// out covertly or only from the checkout page, encoded.
func skimmer(src string) bool {
	src = src[:min(len(src), maxScriptScan)]
	if !(strings.Contains(src, "btoa") || strings.Contains(src, "encodeURIComponent") || strings.Contains(src, "JSON.stringify") || strings.Contains(src, "escape(")) {
		return false
	}
	if !strings.Contains(src, "cvv") && !strings.Contains(src, "cvc") && !strings.Contains(src, "CVV") && !strings.Contains(src, "CVC") && !strings.Contains(src, "cc_") && !strings.Contains(src, "card") && !strings.Contains(src, "Card") {
		return false // the regexps below only for scripts that name a card
	}
	if distinctLower(reCardField.FindAllString(src, 64)) < 2 || !reReadInput.MatchString(src) {
		return false
	}
	return reCovert.MatchString(src) || reCheckout.MatchString(src)
}

// anyAround reports whether re matches in a window around an occurrence
// of a keyword: countAround that stops at the first match.
func anyAround(src string, re *regexp.Regexp, before, after int, keywords ...string) bool {
	for _, k := range keywords {
		for off, n := 0, 0; n < 1000; n++ { // as many windows as countAround looks at
			i := strings.Index(src[off:], k)
			if i < 0 {
				break
			}
			i += off
			if re.MatchString(src[max(0, i-before):min(len(src), i+len(k)+after)]) {
				return true
			}
			off = i + len(k)
		}
	}
	return false
}

// decodedSinks finds decoders applied to a literal straight into a sink and
// decodes the literal to say whether what runs or is written is active
// (strong) or only text (weak).
func decodedSinks(src string) (strong, weak bool) {
	for _, k := range []string{"unescape", "atob", "decodeURIComponent", "fromCharCode"} {
		for off, n := 0, 0; n < 200; n++ {
			i := strings.Index(src[off:], k)
			if i < 0 {
				break
			}
			i += off
			off = i + len(k)
			from, to := max(0, i-30), min(len(src), i+len(k)+160)
			m := reDecSink.FindStringIndex(src[from:to])
			if m == nil {
				continue
			}
			// The argument starts after the decoder's "(".
			j := strings.Index(src[i:], "(")
			if j < 0 {
				continue
			}
			arg := strings.TrimLeft(src[i+j+1:min(len(src), i+j+1+maxDecodedArg)], " \t\r\n")
			if active(decodeArg(k, arg)) {
				return true, true
			}
			weak = true
		}
	}
	return false, weak
}

// maxDecodedArg bounds the literal decoded for one sink.
const maxDecodedArg = 64 << 10

// decodeArg decodes the literal (or the list of character codes) at the
// start of arg as decoder k would.
func decodeArg(k, arg string) string {
	if arg == "" {
		return ""
	}
	if q := arg[0]; q == '"' || q == '\'' {
		end := 1
		for end < len(arg) && arg[end] != q && arg[end] != '\n' {
			if arg[end] == '\\' {
				end++
			}
			end++
		}
		lit, _ := unescapeJS(arg[1:min(end, len(arg))])
		switch k {
		case "atob":
			b, err := base64.StdEncoding.DecodeString(lit)
			if err != nil {
				b, _ = base64.RawStdEncoding.DecodeString(strings.TrimRight(lit, "="))
			}
			return string(b)
		default:
			return percentDecode(lit)
		}
	}
	// fromCharCode(60, 105, ...)
	var b strings.Builder
	for _, p := range strings.Split(arg[:strings.IndexByte(arg+")", ')')], ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(p)); err == nil && n > 0 && n < 0x110000 {
			b.WriteRune(rune(n))
		}
	}
	return b.String()
}

// percentDecode decodes %XX and %uXXXX as unescape does.
func percentDecode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '%' && i+5 < len(s) && s[i+1] == 'u' && isHex(s[i+2]) && isHex(s[i+3]) && isHex(s[i+4]) && isHex(s[i+5]):
			n, _ := strconv.ParseUint(s[i+2:i+6], 16, 32)
			b.WriteRune(rune(n))
			i += 5
		case s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			n, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(n))
			i += 2
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// active reports whether decoded text loads or runs something.
func active(s string) bool {
	l := strings.ToLower(s)
	for _, k := range []string{"<iframe", "<script", "<object", "<embed", "<applet", "<meta", "<form", "eval(", "document.write", "location", "fromcharcode", "unescape(", "createelement", ".src", "window.open", "function(", "activexobject"} {
		if strings.Contains(l, k) {
			return true
		}
	}
	return false
}

// charArith reports whether a fromCharCode call's argument does
// arithmetic other than the bit shifts of UTF-8/UTF-16 and base64 code:
// subtraction, xor or modulo of a value, the shape of a cipher.
func charArith(src string) bool {
	for off, seen := 0, 0; seen < 1000; seen++ {
		i := strings.Index(src[off:], "fromCharCode")
		if i < 0 {
			return false
		}
		i += off + len("fromCharCode")
		off = i
		j := i
		for j < len(src) && isSpace(src[j]) {
			j++
		}
		if j >= len(src) || src[j] != '(' {
			continue
		}
		depth := 0
		for k := j; k < len(src) && k < j+160; k++ {
			c := src[k]
			switch c {
			case '(':
				depth++
			case ')':
				depth--
			case '-', '^', '%':
				// A minus after "(" or "," is a sign; 0xD800/0xDC00 sums
				// are surrogate arithmetic.
				p := prevByte(src, k)
				if c == '-' && (p == '(' || p == ',') {
					continue
				}
				if w := src[max(j, k-40):min(len(src), k+40)]; strings.Contains(w, "0xD") || strings.Contains(w, "0xd") || strings.Contains(w, "55296") || strings.Contains(w, "56320") || strings.Contains(w, "65536") {
					continue
				}
				return true
			}
			if depth == 0 {
				break
			}
		}
	}
	return false
}

// countMatches returns the matches of re within window bytes around each
// occurrence of keyword (at most 64).
func countMatches(src string, re *regexp.Regexp, keyword string, window int) []string {
	var out []string
	for off := 0; len(out) < 64; {
		i := strings.Index(src[off:], keyword)
		if i < 0 {
			break
		}
		i += off
		out = append(out, re.FindAllString(src[max(0, i-window):min(len(src), i+len(keyword)+window)], 16)...)
		off = i + len(keyword)
	}
	return out
}

func distinctLower(ss []string) int {
	seen := map[string]bool{}
	for _, s := range ss {
		seen[strings.TrimRight(strings.ToLower(s), ".")] = true
	}
	return len(seen)
}

// shapeRules are the rules the shape measures make.
func (f Features) shapeRules() []string {
	var rs []string
	sink := f.Sinks+f.HiddenSink > 0
	if f.FragNames >= 2 || f.Reversed >= 2 || (f.FragNames+f.Reversed >= 1 && (sink || f.Decoders > 0)) {
		rs = append(rs, "fragmented-names")
	}
	switch {
	case f.HexIdents >= 20 && (f.Rotator || f.StrArray >= 20 || f.EscBytes >= 200):
		rs = append(rs, "obfuscator-shape")
	case f.HexIdents >= 20:
		rs = append(rs, "hex-identifiers")
	}
	switch {
	case f.EscBytes >= 400 && f.EscBytes*2 >= f.LitBytes && (sink || f.Decoders > 0):
		rs = append(rs, "escape-dense")
	case f.EscBytes >= 100 && f.EscBytes*10 >= f.LitBytes*3:
		rs = append(rs, "escape-moderate")
	}
	// Weak signals, below suspicious alone: they tip a page that already
	// shows one strong mark (a hidden frame to another site, a plug-in
	// landing, encoded element text) and stay quiet on their own.
	// (Plug-in probing, a large encoded literal and high entropy were
	// tried as such and left out: swfobject probes plug-ins, and search
	// indexes and embedded WebAssembly are large encoded literals.)
	if f.Skimmer && (f.ExtURL || f.Sinks+f.HiddenSink+f.Decoders > 0 || f.EscBytes > 0) {
		rs = append(rs, "card-skimmer")
	}
	if (f.CharArith || f.TEA) && sink && (f.EncodedLit >= 64 || f.NumRun >= 32 || f.LongestLit >= 1000) {
		rs = append(rs, "charcode-cipher")
	}
	switch {
	case f.DecodedSink:
		rs = append(rs, "decoded-sink")
	case f.DecodedText:
		rs = append(rs, "decoded-write")
	}
	if f.DecodedNav {
		rs = append(rs, "decoded-redirect")
	}
	if f.Acts && f.ExtURL {
		n := kitTraits(f.Gates).n()
		if f.Gates&gateReferrer != 0 {
			// Sending visitors who come from a search engine somewhere else
			// is cloaking in itself (SEO-poisoning redirects): no site does
			// it to its own visitors.
			n++
		}
		switch {
		case n >= 2:
			rs = append(rs, "cloaked-injection")
		case n == 1:
			rs = append(rs, "gated-injection")
		}
	}
	return rs
}
