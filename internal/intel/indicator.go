package intel

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Type is the kind of an indicator; it decides how its value is canonicalized
// and matched.
type Type string

// The indicator types. Matching semantics:
//   - domain: the name and every name below it (evil.com blocks a.evil.com);
//   - host: that exact name only;
//   - url: the exact host and path (a listed query must match too; a URL
//     listed without a query also matches the same path with any query, as
//     Safe Browsing's "path without query" expression does);
//   - url-prefix: Safe Browsing host-suffix/path-prefix expressions: the
//     listed host or any host below it, and the listed path or any path under
//     it when the listed path ends in "/";
//   - ip, cidr: the address, or any address in the prefix;
//   - sha256: a file hash (lower-case hex).
const (
	TypeDomain    Type = "domain"
	TypeHost      Type = "host"
	TypeURL       Type = "url"
	TypeURLPrefix Type = "url-prefix"
	TypeIP        Type = "ip"
	TypeCIDR      Type = "cidr"
	TypeSHA256    Type = "sha256"
)

// Types lists every indicator type in a stable order.
var Types = []Type{TypeDomain, TypeHost, TypeURL, TypeURLPrefix, TypeIP, TypeCIDR, TypeSHA256}

// Valid reports whether t is one of Types.
func (t Type) Valid() bool {
	for _, c := range Types {
		if c == t {
			return true
		}
	}
	return false
}

// Well-known categories. Any other non-empty lower-case word is accepted.
const (
	CategoryMalware         = "malware"
	CategoryMalwareDownload = "malware-download"
	CategoryExploitKit      = "exploit-kit"
	CategoryPhishing        = "phishing"
	CategoryScam            = "scam"
	CategoryMiner           = "miner"
	CategoryC2              = "c2"
	// CategoryAllow marks an allowlist entry: whatever it matches is never
	// blocked, whichever other indicator matches too.
	CategoryAllow = "allow"
)

// Well-known sources. A feed's name is a source too.
const (
	SourceHoneypot = "honeypot"
	SourceCrawl    = "crawl"
	SourceManual   = "manual"
)

// Indicator is one thing the gateway blocks (or, with CategoryAllow, never
// blocks). Value is canonical for its Type once it went through Normalize.
type Indicator struct {
	ID        int64     `json:"id,omitempty"`
	Type      Type      `json:"type"`
	Value     string    `json:"value"`
	Category  string    `json:"category"`
	Source    string    `json:"source"`
	FirstSeen time.Time `json:"first_seen,omitzero"`
	LastSeen  time.Time `json:"last_seen,omitzero"`
	// Expires is when the indicator stops being enforced; zero means never.
	Expires time.Time `json:"expires,omitzero"`
	// Refs are the ids of the events behind the indicator (a file.download,
	// a crawl.verdict), so an analyst can go back to the evidence.
	Refs []string `json:"refs,omitempty"`
}

// Allow reports whether the indicator is an allowlist entry.
func (i Indicator) Allow() bool { return i.Category == CategoryAllow }

// Expired reports whether the indicator is no longer enforced at now.
func (i Indicator) Expired(now time.Time) bool {
	return !i.Expires.IsZero() && !i.Expires.After(now)
}

// Hit is what matched, copied into the block event and the block page.
type Hit struct {
	ID       int64  // indicator id in the intel store (0 for config-only rules)
	Type     Type   // the indicator's type
	Value    string // the indicator as stored (canonical)
	Category string // malware, malware-download, exploit-kit, phishing, ...
	Source   string // honeypot, crawl, a feed's name, manual
}

// ErrInvalid is wrapped by every validation error of an indicator, so the
// API can answer 400.
var ErrInvalid = errors.New("invalid indicator")

// maxValueLen bounds an indicator's value (a URL is the longest kind).
const maxValueLen = maxURLLen

// Normalize validates ind as of now with the default Limits and returns it
// with a canonical value and a lower-case category and source (see
// NormalizeAt).
func Normalize(ind Indicator) (Indicator, error) {
	return NormalizeAt(ind, time.Now(), Limits{})
}

// NormalizeAt validates ind and returns it with a canonical value and a
// lower-case category and source. An empty category becomes "malware" and an
// empty source "manual". Beyond a well-formed value it refuses what would
// block too much or nothing (a *FieldError, wrapping ErrInvalid): a domain or
// url-prefix on a public suffix, a CIDR wider than lim allows, and an expiry
// not after now (a zero now skips that check).
func NormalizeAt(ind Indicator, now time.Time, lim Limits) (Indicator, error) {
	if !ind.Type.Valid() {
		return ind, fmt.Errorf("intel: type %q: %w (want one of domain, host, url, url-prefix, ip, cidr, sha256)", ind.Type, ErrInvalid)
	}
	v, err := CanonicalValue(ind.Type, ind.Value)
	if err != nil {
		return ind, err
	}
	ind.Value = v
	switch ind.Type {
	case TypeDomain:
		if err := publicSuffixError(ind.Type, v); err != nil {
			return ind, err
		}
	case TypeURLPrefix:
		host := v
		if j := strings.IndexByte(v, '/'); j >= 0 {
			host = v[:j]
		}
		if host != "" && host[0] != '[' && !canonicalQuad(host) {
			if err := publicSuffixError(ind.Type, host); err != nil {
				return ind, err
			}
		}
	}
	ind.Category = strings.ToLower(strings.TrimSpace(ind.Category))
	if ind.Category == "" {
		ind.Category = CategoryMalware
	}
	if !validWord(ind.Category) {
		return ind, fmt.Errorf("intel: category %q: %w (letters, digits, '-', '_', '.', at most 64)", ind.Category, ErrInvalid)
	}
	ind.Source = strings.TrimSpace(ind.Source)
	if ind.Source == "" {
		ind.Source = SourceManual
	}
	if !validWord(strings.ToLower(ind.Source)) {
		return ind, fmt.Errorf("intel: source %q: %w (letters, digits, '-', '_', '.', at most 64)", ind.Source, ErrInvalid)
	}
	if err := lim.check(&ind, now); err != nil {
		return ind, err
	}
	return ind, nil
}

func validWord(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// CanonicalValue returns the canonical form of value for type t: a lower-case
// host name for domain and host (a leading "*." is dropped), a Safe Browsing
// expression "host/path[?query]" for url and url-prefix, the shortest form of
// an address or masked prefix for ip and cidr, lower-case hex for sha256.
func CanonicalValue(t Type, value string) (string, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return "", fmt.Errorf("intel: empty %s: %w", t, ErrInvalid)
	}
	if len(value) > maxValueLen {
		return "", fmt.Errorf("intel: %s longer than %d bytes: %w", t, maxValueLen, ErrInvalid)
	}
	switch t {
	case TypeDomain, TypeHost:
		return canonicalDomain(t, value)
	case TypeURL, TypeURLPrefix:
		c, err := parseCanonical(value)
		if err != nil {
			return "", fmt.Errorf("intel: %s %q: %w: %v", t, value, ErrInvalid, err)
		}
		// Matching takes any host, but a listed URL must name a real one:
		// an address or a DNS name (a feed line of prose is not a URL).
		if !c.isIP() {
			if _, err := canonicalDomain(TypeHost, c.host); err != nil {
				return "", fmt.Errorf("intel: %s %q: %w (host %q is not a DNS name or an address)", t, value, ErrInvalid, c.host)
			}
		}
		return c.expr(), nil
	case TypeIP:
		a, err := netip.ParseAddr(strings.Trim(value, "[]"))
		if err != nil {
			return "", fmt.Errorf("intel: ip %q: %w: %v", value, ErrInvalid, err)
		}
		return a.Unmap().WithZone("").String(), nil
	case TypeCIDR:
		p, err := netip.ParsePrefix(value)
		if err != nil {
			if a, aerr := netip.ParseAddr(value); aerr == nil {
				a = a.Unmap()
				return netip.PrefixFrom(a, a.BitLen()).String(), nil
			}
			return "", fmt.Errorf("intel: cidr %q: %w: %v", value, ErrInvalid, err)
		}
		if p.Addr().Is4In6() {
			bits := p.Bits() - 96
			if bits < 0 {
				return "", fmt.Errorf("intel: cidr %q: %w: IPv4-mapped prefix shorter than /96", value, ErrInvalid)
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), bits)
		}
		return p.Masked().String(), nil
	case TypeSHA256:
		v := strings.ToLower(value)
		if len(v) != 64 || !isHex(v) {
			return "", fmt.Errorf("intel: sha256 %q: %w (want 64 hex digits)", value, ErrInvalid)
		}
		return v, nil
	}
	return "", fmt.Errorf("intel: type %q: %w", t, ErrInvalid)
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// canonicalDomain runs a name through the same host canonicalization as a
// URL's host (so a listed domain and a requested URL agree), then insists on
// a DNS name: an address belongs in an ip indicator.
func canonicalDomain(t Type, value string) (string, error) {
	v := value
	if strings.Contains(v, "://") {
		return "", fmt.Errorf("intel: %s %q: %w (a URL; use type url or url-prefix)", t, value, ErrInvalid)
	}
	v = strings.TrimPrefix(v, "*.")
	if err := checkIDN(unescapeAll(v)); err != nil {
		return "", fmt.Errorf("intel: %s %q: %w (not a name a browser would look up: %v)", t, value, ErrInvalid, err)
	}
	h, isIP := canonicalHost(v)
	if isIP {
		return "", fmt.Errorf("intel: %s %q: %w (an address; use type ip)", t, value, ErrInvalid)
	}
	if h == "" || len(h) > 253 {
		return "", fmt.Errorf("intel: %s %q: %w (empty or longer than 253)", t, value, ErrInvalid)
	}
	label := 0
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c == '.':
			label = 0
			continue
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return "", fmt.Errorf("intel: %s %q: %w (character %q)", t, value, ErrInvalid, c)
		}
		label++
		if label > 63 {
			return "", fmt.Errorf("intel: %s %q: %w (label longer than 63)", t, value, ErrInvalid)
		}
	}
	return h, nil
}
