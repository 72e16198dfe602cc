package intel

import (
	"errors"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/net/idna"
)

// Google Safe Browsing URL canonicalization (Safe Browsing API v4, "URLs and
// Hashing"): remove tab/CR/LF and the fragment, percent-unescape until
// nothing changes, normalize the host (dots, case, IPv4 in any inet_aton
// spelling), resolve "." and ".." path segments and collapse slashes, then
// escape bytes <= 0x20, >= 0x7f, '#' and '%'. The scheme and port do not take
// part in matching; userinfo is dropped.

// maxURLLen bounds the work done on an attacker-supplied URL.
const maxURLLen = 8 << 10

var errURLTooLong = errors.New("URL longer than 8 KiB")
var errNoHost = errors.New("no host")

// canonURL is a canonicalized URL split into the parts matching needs. host,
// path and query are substrings of full, so the whole expression costs one
// allocation.
type canonURL struct {
	scheme   string // as given (String lowers it); "http" when the input had none
	full     string // host + path [+ "?" + query]: the Safe Browsing expression
	host     string // canonical and escaped
	path     string // canonical and escaped, starts with '/'
	query    string // escaped, without the '?'
	hasQuery bool   // "q?" keeps its '?' as Safe Browsing says
	ip       bool   // host is an address
	addr     netip.Addr
}

// expr is the Safe Browsing expression of the whole URL: host, path, query.
func (c canonURL) expr() string { return c.full }

// String is the canonical URL with its scheme.
func (c canonURL) String() string { return lowerASCII(c.scheme) + "://" + c.full }

// isIP reports whether the host is an IP address.
func (c *canonURL) isIP() bool { return c.ip }

// CanonicalURL returns the Safe Browsing canonical form of raw, with scheme:
// CanonicalURL("http://www.GOOgle.com.../a/../b#x") is "http://www.google.com/b".
func CanonicalURL(raw string) (string, error) {
	c, err := parseCanonical(raw)
	if err != nil {
		return "", err
	}
	return c.String(), nil
}

func parseCanonical(raw string) (canonURL, error) {
	if len(raw) > maxURLLen {
		return canonURL{}, errURLTooLong
	}
	s := trimSpaceCtl(raw)
	if strings.ContainsAny(s, "\t\r\n") {
		s = strings.Map(func(r rune) rune {
			if r == '\t' || r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, s)
	}
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	scheme := "http"
	if i := strings.Index(s, "://"); i > 0 && validScheme(s[:i]) {
		scheme = lowerASCII(s[:i])
		s = s[i+3:]
	}
	end := strings.IndexAny(s, "/?")
	if end < 0 {
		end = len(s)
	}
	auth, rest := s[:end], s[end:]
	if at := strings.LastIndexByte(auth, '@'); at >= 0 {
		auth = auth[at+1:]
	}
	path, query, hasQuery := rest, "", false
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		path, query, hasQuery = rest[:q], rest[q+1:], true
	}
	return canonicalParts(nil, scheme, auth, path, query, hasQuery)
}

// canonicalFromURL canonicalizes a URL net/url already split (as a proxy
// has it), without putting it back together first.
//
// The expression is built in buf when it fits (a caller's stack array, so a
// lookup does not allocate); the result must not outlive buf.
func canonicalFromURL(buf []byte, u *url.URL) (canonURL, error) {
	if u.Opaque != "" || u.Host == "" {
		return parseCanonical(rawURL(u))
	}
	if len(u.Host)+len(u.Path)+len(u.RawPath)+len(u.RawQuery) > maxURLLen {
		return canonURL{}, errURLTooLong
	}
	scheme := u.Scheme
	if scheme == "" {
		scheme = "http"
	}
	// Path is the decoded path and RawPath, when set, the escaped one; as
	// canonicalization unescapes until nothing changes, either gives the
	// same result, and Path costs no re-escaping.
	path := u.RawPath
	if path == "" {
		path = u.Path
	}
	// The scheme takes no part in matching: it is not even read here (a
	// lookup's first touch of the URL's bytes is a cache miss; url.Parse
	// lowered it already anyway).
	return canonicalParts(buf, scheme, u.Host, path, u.RawQuery, u.ForceQuery || u.RawQuery != "")
}

func canonicalParts(buf []byte, scheme, auth, path, query string, hasQuery bool) (canonURL, error) {
	c := canonURL{scheme: scheme, hasQuery: hasQuery}
	auth = stripPort(auth)
	// The common hosts first: a plain name (needs no escaping) and a
	// dotted quad as written canonically (parsed once, here).
	host := ""
	if v, ok := fastHost(auth); ok {
		host = v
	} else if a, ok := quadAddr(auth); ok {
		host, c.ip, c.addr = auth, true, a
	} else {
		var isIP bool
		host, isIP = canonicalHost(auth)
		if host == "" {
			return c, errNoHost
		}
		c.ip = isIP
		if isIP {
			c.addr, _ = hostAddr(host)
		} else {
			host = escapeWith(host, &escHost)
		}
	}
	if path == "" {
		path = "/"
	}
	if !cleanAndPlain(path) {
		path = escapeWith(cleanPath(unescapeAll(path)), &escPath)
	}
	if hasQuery && !plain(query, &escQuery) {
		query = escapeWith(unescapeAll(query), &escQuery)
	}
	// Escaping can triple the length; keep the canonical form itself within
	// the bound so it can be canonicalized again.
	n := len(host) + len(path)
	if hasQuery {
		n += 1 + len(query)
	}
	if len(scheme)+3+n > maxURLLen {
		return c, errURLTooLong
	}
	b := buf[:0]
	if cap(b) < n {
		b = make([]byte, 0, n)
	}
	b = append(b, host...)
	b = append(b, path...)
	if hasQuery {
		b = append(b, '?')
		b = append(b, query...)
	}
	c.full = unsafe.String(unsafe.SliceData(b), len(b))
	c.host = c.full[:len(host)]
	c.path = c.full[len(host) : len(host)+len(path)]
	if hasQuery {
		c.query = c.full[len(host)+len(path)+1:]
	}
	return c, nil
}

// plain reports whether s needs neither unescaping nor escaping.
func plain(s string, esc *[256]bool) bool {
	for i := 0; i < len(s); i++ {
		if esc[s[i]] {
			return false
		}
	}
	return true
}

// cleanAndPlain reports whether a path is canonical already: plain, no
// empty, "." or ".." segment.
func cleanAndPlain(p string) bool {
	if p == "" || p[0] != '/' || !plain(p, &escPath) {
		return false
	}
	for i := 1; i < len(p); i++ {
		if p[i-1] == '/' && (p[i] == '/' || p[i] == '.') {
			return false
		}
	}
	return true
}

// trimSpaceCtl removes leading and trailing bytes <= 0x20 (spaces and C0
// controls), as browsers do before parsing.
func trimSpaceCtl(s string) string {
	i, j := 0, len(s)
	for i < j && s[i] <= ' ' {
		i++
	}
	for j > i && s[j-1] <= ' ' {
		j--
	}
	return s[i:j]
}

func validScheme(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

// stripPort drops ":digits" from an authority; a bracketed IPv6 literal keeps
// its colons.
func stripPort(auth string) string {
	if strings.HasPrefix(auth, "[") {
		if j := strings.IndexByte(auth, ']'); j >= 0 {
			return auth[:j+1]
		}
		return auth
	}
	k := strings.LastIndexByte(auth, ':')
	if k < 0 {
		return auth
	}
	for i := k + 1; i < len(auth); i++ {
		if auth[i] < '0' || auth[i] > '9' {
			return auth
		}
	}
	return auth[:k]
}

// canonicalHost unescapes a host, removes leading, trailing and repeated
// dots, lower-cases it and normalizes an IPv4 address written in any
// inet_aton form (3279880203, 0xc3.0177.0.11) or an IPv6 literal. The result
// is not yet escaped; isIP reports an address (which needs no escaping).
func canonicalHost(h string) (host string, isIP bool) {
	if v, ok := fastHost(h); ok {
		return v, false
	}
	if canonicalQuad(h) {
		return h, true // a dotted quad as written canonically: no copy
	}
	h = cleanDots(mapIDN(unescapeAll(h)))
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		if a, err := netip.ParseAddr(h[1 : len(h)-1]); err == nil && a.Is6() {
			if a.Is4In6() {
				return a.Unmap().String(), true
			}
			return "[" + a.WithZone("").String() + "]", true
		}
	}
	h = lowerASCII(h)
	if a, ok := parseIPv4Loose(h); ok {
		return a.String(), true
	}
	return h, false
}

// browserIDN is UTS #46 processing as browsers do it for a URL's host (the
// WHATWG URL standard's "domain to ASCII"): the Lookup profile's mapping
// (compatibility forms such as fullwidth letters, the ideographic full stop
// and other dots, upper case in any script), non-transitional, with the
// Bidi and joiner checks, but without STD3 rules and hyphen checks, so an
// underscore or a "--" in a label survives as it does in a browser.
var browserIDN = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.Transitional(false),
	idna.StrictDomainName(false), idna.CheckHyphens(false))

// mapIDN turns a host with non-ASCII bytes into the punycode a browser
// would look up: "ｅｘａｍｐｌｅ。com", "EXAMPLE．com" and "example.com" are
// one name, and so are "BÜCHER.example" and "xn--bcher-kva.example". A host
// the profile refuses, or that maps to anything but a plain name (letters,
// digits, '-', '_', dots), is returned as it is, to be escaped as Safe
// Browsing says: no browser would look it up, and the mapping must not
// make a canonical form that canonicalizes to something else. An ASCII
// host, or one that is not UTF-8 at all (Safe Browsing's test
// "\x01\x80.com"), is returned as it is too.
func mapIDN(h string) string {
	if isASCII(h) || len(h) > maxURLLen || !utf8.ValidString(h) {
		return h
	}
	a, err := browserIDN.ToASCII(h)
	if err != nil || a == "" {
		return h
	}
	for i := 0; i < len(a); i++ {
		c := a[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return h
		}
	}
	return a
}

// checkIDN reports the UTS #46 error of a name with non-ASCII bytes (nil
// for an ASCII one): a listed name must be one a browser can look up.
func checkIDN(h string) error {
	if isASCII(h) || len(h) > maxURLLen {
		return nil
	}
	_, err := browserIDN.ToASCII(h)
	return err
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// cleanDots trims leading and trailing dots and collapses runs of dots.
func cleanDots(h string) string {
	h = strings.Trim(h, ".")
	if !strings.Contains(h, "..") {
		return h
	}
	var b strings.Builder
	b.Grow(len(h))
	for i := 0; i < len(h); i++ {
		if h[i] == '.' && i > 0 && h[i-1] == '.' {
			continue
		}
		b.WriteByte(h[i])
	}
	return b.String()
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// parseIPv4Loose accepts what inet_aton accepts: one to four parts, each
// decimal, octal (leading 0) or hex (0x), the last one filling the remaining
// bytes.
func parseIPv4Loose(h string) (netip.Addr, bool) {
	if h == "" || len(h) > 64 || h[0] < '0' || h[0] > '9' {
		return netip.Addr{}, false
	}
	var vals [4]uint64
	n := 0
	for start := 0; start <= len(h); {
		end := strings.IndexByte(h[start:], '.')
		if end < 0 {
			end = len(h)
		} else {
			end += start
		}
		if n == 4 {
			return netip.Addr{}, false
		}
		v, ok := parseInetPart(h[start:end])
		if !ok {
			return netip.Addr{}, false
		}
		vals[n] = v
		n++
		start = end + 1
	}
	for i := 0; i < n-1; i++ {
		if vals[i] > 255 {
			return netip.Addr{}, false
		}
	}
	last := vals[n-1]
	if last >= 1<<(8*(5-n)) {
		return netip.Addr{}, false
	}
	var b [4]byte
	for i := 0; i < n-1; i++ {
		b[i] = byte(vals[i])
	}
	for i := 3; i >= n-1; i-- {
		b[i] = byte(last)
		last >>= 8
	}
	return netip.AddrFrom4(b), true
}

func parseInetPart(p string) (uint64, bool) {
	if p == "" || len(p) > 16 {
		return 0, false
	}
	base := 10
	switch {
	case len(p) > 2 && (p[:2] == "0x" || p[:2] == "0X"):
		base, p = 16, p[2:]
	case len(p) > 1 && p[0] == '0':
		base, p = 8, p[1:]
	}
	v, err := strconv.ParseUint(p, base, 64)
	return v, err == nil
}

// unescapeAll percent-decodes s until a pass changes nothing. Invalid escapes
// ("%%", "%zz") stay as they are. Each changing pass shortens s, so the loop
// ends.
func unescapeAll(s string) string {
	for strings.IndexByte(s, '%') >= 0 {
		t, changed := unescapeOnce(s)
		if !changed {
			break
		}
		s = t
	}
	return s
}

func unescapeOnce(s string) (string, bool) {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && ishex(s[i+1]) && ishex(s[i+2]) {
			if b == nil {
				b = make([]byte, 0, len(s))
				b = append(b, s[:i]...)
			}
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		if b != nil {
			b = append(b, s[i])
		}
	}
	if b == nil {
		return s, false
	}
	return string(b), true
}

func ishex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// needsEscape is Safe Browsing's rule: bytes <= 0x20, >= 0x7f, '#' and '%'.
func needsEscape(c byte) bool { return c <= 0x20 || c >= 0x7f || c == '#' || c == '%' }

// Beyond Safe Browsing's set, a host escapes the bytes that would end it or
// change its meaning ('/', '?', '@', ':', '[', ']', '\\') and a path escapes
// '?', so that canonicalizing a canonical URL gives it back unchanged (an
// unescaped "%3F" in a path would otherwise turn into a query on the second
// pass). '%' is in every set: a plain string has no escape to undo.
var escHost, escPath, escQuery [256]bool

func init() {
	for c := 0; c < 256; c++ {
		base := needsEscape(byte(c))
		escQuery[c] = base
		escPath[c] = base || c == '?'
		escHost[c] = base || strings.IndexByte("/?@:[]\\", byte(c)) >= 0
	}
}

func escapeWith(s string, esc *[256]bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if esc[s[i]] {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hexdig = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if esc[c] {
			b = append(b, '%', hexdig[c>>4], hexdig[c&15])
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

// cleanPath resolves "." and ".." segments and collapses runs of slashes. A
// path that ended in "/", "/." or "/.." keeps a trailing slash.
func cleanPath(p string) string {
	if p == "" || p == "/" {
		return "/"
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	if !strings.Contains(p, "//") && !strings.Contains(p, "/.") {
		return p
	}
	segs := strings.Split(p[1:], "/")
	out := make([]string, 0, len(segs))
	trailing := false
	for i, seg := range segs {
		last := i == len(segs)-1
		switch seg {
		case "":
			trailing = last
		case ".":
			trailing = last
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			trailing = last
		default:
			out = append(out, seg)
			trailing = false
		}
	}
	r := "/" + strings.Join(out, "/")
	if trailing && len(out) > 0 {
		r += "/"
	}
	return r
}

// CanonicalHost is the matcher's spelling of a host name or address, for
// grouping and display (the gateway records blocks under it, so that
// "EXAMPLE.com.", "example.com:80", "ｅｘａｍｐｌｅ.com" and a name in
// Unicode or in punycode are one row): lower case, no trailing dot or port,
// an IDN in punycode, an address in its shortest form. A name that cannot
// be canonicalized comes back trimmed and lower-cased.
func CanonicalHost(host string) string {
	host = trimSpaceCtl(host)
	if host == "" || len(host) > maxURLLen {
		return host
	}
	if h, ok := fastHost(host); ok {
		return h
	}
	h, a, isAddr := hostKey(host)
	switch {
	case isAddr:
		return a.String()
	case h == "":
		return strings.ToLower(host)
	}
	return h
}
