package intel

import (
	"hash/maphash"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Snapshot is an immutable matcher built from a set of indicators. Every
// method is safe for concurrent use with no lock; a new set of indicators
// means a new Snapshot, swapped in through Live. The allowlist is applied
// inside: whatever an allow entry matches returns ok=false.
//
// A nil *Snapshot matches nothing.
type Snapshot struct {
	seed     maphash.Seed
	domains  table // domain: the name and its subdomains
	hosts    table // host: the exact name
	urls     table // url: exact host and path (and query, when listed)
	prefixes table // url-prefix: any Safe Browsing expression
	addrs    table // ip and cidr, keyed by masked address and prefix length
	hashes   table // sha256
	urlHosts hashSet

	v4bits, v6bits []uint8 // the prefix lengths in addrs, longest first

	names []string // categories and sources, interned
	n     int

	built      time.Time
	nextExpiry time.Time
}

var emptySnapshot = Build(nil, time.Time{})

// Len is the number of distinct indicators in the snapshot (allow entries
// included).
func (s *Snapshot) Len() int {
	if s == nil {
		return 0
	}
	return s.n
}

// Built is the time the snapshot was built for (Build's now).
func (s *Snapshot) Built() time.Time {
	if s == nil {
		return time.Time{}
	}
	return s.built
}

// NextExpiry is the earliest expiry among the snapshot's indicators (zero if
// none expires): the time by which it must be rebuilt to stop enforcing it.
func (s *Snapshot) NextExpiry() time.Time {
	if s == nil {
		return time.Time{}
	}
	return s.nextExpiry
}

// Bytes is the memory the snapshot's tables hold.
func (s *Snapshot) Bytes() int {
	if s == nil {
		return 0
	}
	n := s.domains.bytes() + s.hosts.bytes() + s.urls.bytes() + s.prefixes.bytes() +
		s.addrs.bytes() + s.hashes.bytes() + 8*len(s.urlHosts.h)
	for _, v := range s.names {
		n += 16 + len(v)
	}
	return n
}

// result collects the most specific block hit while the remaining
// expressions are still checked against the allowlist.
type result struct {
	slot    *slot
	value   string
	allowed bool
}

// see records a table hit; it reports true when the answer is settled (an
// allow entry matched).
func (r *result) see(e *slot, value string) bool {
	if e == nil {
		return false
	}
	if e.allow {
		r.allowed = true
		return true
	}
	if r.slot == nil {
		r.slot, r.value = e, value
	}
	return false
}

func (s *Snapshot) hit(r *result) (Hit, bool) {
	if r.allowed || r.slot == nil {
		return Hit{}, false
	}
	e := r.slot
	return Hit{ID: e.id, Type: Types[e.typ], Value: r.value, Category: s.names[e.cat], Source: s.names[e.src]}, true
}

// MatchHost matches a host name against host and domain indicators (the
// name, then each parent domain); an IP literal (IPv6 with or without
// brackets) is matched against ip and cidr indicators instead. The name is
// canonicalized as a URL's host is (case, dots, escapes). host must not
// carry a port.
func (s *Snapshot) MatchHost(host string) (Hit, bool) {
	if s == nil || host == "" {
		return Hit{}, false
	}
	var r result
	if a, ok := hostAddr(host); ok {
		s.matchAddr(a, &r)
		return s.hit(&r)
	}
	h, ok := fastHost(host)
	if !ok {
		var isIP bool
		h, isIP = canonicalHost(host)
		if isIP {
			a, _ := hostAddr(h)
			s.matchAddr(a, &r)
			return s.hit(&r)
		}
		h = escapeSet(h, hostExtra)
	}
	s.matchHostRules(h, &r)
	return s.hit(&r)
}

// hostAddr recognizes an IP literal as DNS names and SNI never contain one:
// IPv6 (bracketed or not) and a dotted quad.
func hostAddr(h string) (netip.Addr, bool) {
	if h == "" {
		return netip.Addr{}, false
	}
	if h[0] == '[' && h[len(h)-1] == ']' {
		h = h[1 : len(h)-1]
	} else if strings.IndexByte(h, ':') < 0 && (h[0] < '0' || h[0] > '9') {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(h)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

// fastHost accepts a name that is already canonical but for case and a
// trailing dot (what DNS queries and SNI carry) without allocating when it is
// already lower case.
func fastHost(h string) (string, bool) {
	for len(h) > 0 && h[len(h)-1] == '.' {
		h = h[:len(h)-1]
	}
	if h == "" || h[0] == '.' {
		return "", false
	}
	upper := false
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		case c == '.':
			if h[i-1] == '.' {
				return "", false
			}
		case c >= 'A' && c <= 'Z':
			upper = true
		default:
			return "", false
		}
	}
	if isNumericHost(h) {
		return "", false // maybe an inet_aton address: the slow path decides
	}
	if upper {
		h = lowerASCII(h)
	}
	return h, true
}

func isNumericHost(h string) bool {
	last := strings.LastIndexByte(h, '.')
	c := h[last+1]
	return c >= '0' && c <= '9'
}

// matchHostRules probes the exact host, then the domain and every parent.
func (s *Snapshot) matchHostRules(h string, r *result) {
	if len(s.hosts.slots) > 0 && r.see(s.hosts.get(hashString(s.seed, h)), h) {
		return
	}
	if len(s.domains.slots) == 0 {
		return
	}
	for i := 0; i < len(h); {
		d := h[i:]
		if r.see(s.domains.get(hashString(s.seed, d)), d) {
			return
		}
		j := strings.IndexByte(d, '.')
		if j < 0 {
			return
		}
		i += j + 1
	}
}

// MatchURL canonicalizes u as Safe Browsing does and matches its
// expressions against url indicators (exact host and path), url-prefix
// indicators (host suffixes and path prefixes), then the host against host
// and domain indicators, or ip and cidr ones for an address.
func (s *Snapshot) MatchURL(u *url.URL) (Hit, bool) {
	if s == nil || u == nil {
		return Hit{}, false
	}
	return s.MatchRawURL(rawURL(u))
}

// rawURL puts a parsed URL back together for canonicalization.
func rawURL(u *url.URL) string {
	var b strings.Builder
	b.Grow(len(u.Scheme) + len(u.Host) + len(u.Path) + len(u.RawQuery) + 8)
	if u.Scheme != "" {
		b.WriteString(u.Scheme)
		b.WriteString("://")
	}
	if u.Opaque != "" && u.Host == "" {
		b.WriteString(strings.TrimPrefix(u.Opaque, "//"))
	} else {
		b.WriteString(u.Host)
		b.WriteString(u.EscapedPath())
	}
	if u.ForceQuery || u.RawQuery != "" {
		b.WriteByte('?')
		b.WriteString(u.RawQuery)
	}
	return b.String()
}

// MatchRawURL is MatchURL for a URL as text (a feed line, an event field).
func (s *Snapshot) MatchRawURL(raw string) (Hit, bool) {
	if s == nil {
		return Hit{}, false
	}
	c, err := parseCanonical(raw)
	if err != nil {
		return Hit{}, false
	}
	var r result
	isIP := c.isIP()
	if len(s.urlHosts.h) > 0 {
		full := c.expr()
		var hb, pb [8]int
		starts := hostStarts(c.host, isIP, hb[:0])
		ends := pathEnds(&c, pb[:0])
		exact := 1
		if c.hasQuery {
			exact = 2
		}
		for i, hs := range starts {
			if !s.urlHosts.has(hashString(s.seed, c.host[hs:])) {
				continue
			}
			for j, pe := range ends {
				cand := full[hs:pe]
				h := hashString(s.seed, cand)
				if i == 0 && j < exact && r.see(s.urls.get(h), cand) {
					return Hit{}, false
				}
				if r.see(s.prefixes.get(h), cand) {
					return Hit{}, false
				}
			}
		}
	}
	if isIP {
		if a, ok := hostAddr(c.host); ok {
			s.matchAddr(a, &r)
		}
	} else {
		s.matchHostRules(c.host, &r)
	}
	return s.hit(&r)
}

// MatchIP matches an address against ip and cidr indicators, the longest
// prefix first.
func (s *Snapshot) MatchIP(ip netip.Addr) (Hit, bool) {
	if s == nil || !ip.IsValid() {
		return Hit{}, false
	}
	var r result
	s.matchAddr(ip.Unmap().WithZone(""), &r)
	return s.hit(&r)
}

func (s *Snapshot) matchAddr(a netip.Addr, r *result) {
	if len(s.addrs.slots) == 0 {
		return
	}
	lens := s.v6bits
	if a.Is4() {
		lens = s.v4bits
	}
	for _, bits := range lens {
		p := netip.PrefixFrom(a, int(bits)).Masked()
		e := s.addrs.get(s.addrKey(p))
		if e == nil {
			continue
		}
		v := ""
		if r.slot == nil && !e.allow {
			if int(bits) == a.BitLen() {
				v = p.Addr().String()
			} else {
				v = p.String()
			}
		}
		if r.see(e, v) {
			return
		}
	}
}

func (s *Snapshot) addrKey(p netip.Prefix) uint64 {
	var k [18]byte
	a16 := p.Addr().As16()
	copy(k[:16], a16[:])
	k[16] = byte(p.Bits())
	if p.Addr().Is4() {
		k[17] = 4
	}
	return hashBytes(s.seed, k[:])
}

// MatchHash matches a SHA-256 (hex, either case) against sha256 indicators.
func (s *Snapshot) MatchHash(sha256hex string) (Hit, bool) {
	if s == nil || len(sha256hex) != 64 || len(s.hashes.slots) == 0 {
		return Hit{}, false
	}
	v := lowerASCII(sha256hex)
	var r result
	r.see(s.hashes.get(hashString(s.seed, v)), v)
	return s.hit(&r)
}
