package intel

import (
	"hash/maphash"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Build makes a Snapshot of inds as of now. Expired indicators are skipped,
// and so is one whose value is invalid for its type (the store and the feed
// parsers never produce one). Values are expected canonical (as Normalize
// returns them); one that is not is canonicalized here, more slowly.
//
// Build keeps no reference to inds or their strings.
func Build(inds []Indicator, now time.Time) *Snapshot {
	s := &Snapshot{seed: maphash.MakeSeed(), built: now}
	var counts [8]int
	for i := range inds {
		if ti := typeIndex(inds[i].Type); ti >= 0 && !inds[i].Expired(now) {
			counts[ti]++
		}
	}
	s.domains = newTable(counts[0])
	s.hosts = newTable(counts[1])
	s.urls = newTable(counts[2])
	s.prefixes = newTable(counts[3])
	s.addrs = newTable(counts[4] + counts[5])
	s.hashes = newTable(counts[6])
	s.urlHosts = newHashSet(counts[2] + counts[3])

	names := map[string]uint16{}
	intern := func(v string) uint16 {
		if i, ok := names[v]; ok {
			return i
		}
		if len(s.names) >= 1<<16-1 {
			return 0 // more distinct names than fit: the first one stands in
		}
		i := uint16(len(s.names))
		s.names = append(s.names, strings.Clone(v))
		names[v] = i
		return i
	}
	var v4, v6 [129]bool

	for i := range inds {
		ind := &inds[i]
		ti := typeIndex(ind.Type)
		if ti < 0 || ind.Expired(now) {
			continue
		}
		v, ok := buildValue(ind.Type, ind.Value)
		if !ok {
			continue
		}
		cat := ind.Category
		if cat == "" {
			cat = CategoryMalware
		}
		src := ind.Source
		if src == "" {
			src = SourceManual
		}
		e := slot{id: ind.ID, cat: intern(cat), src: intern(src), typ: uint8(ti), allow: cat == CategoryAllow}
		var t *table
		switch ind.Type {
		case TypeDomain:
			t = &s.domains
		case TypeHost:
			t = &s.hosts
		case TypeURL, TypeURLPrefix:
			t = &s.urls
			if ind.Type == TypeURLPrefix {
				t = &s.prefixes
			}
			host := v
			if j := strings.IndexByte(v, '/'); j >= 0 {
				host = v[:j]
			}
			s.urlHosts.add(hashString(s.seed, host))
		case TypeIP, TypeCIDR:
			p, ok := parsePrefix(v)
			if !ok {
				continue
			}
			if p.Addr().Is4() {
				v4[p.Bits()] = true
			} else {
				v6[p.Bits()] = true
			}
			e.h = s.addrKey(p)
			t = &s.addrs
		case TypeSHA256:
			t = &s.hashes
		}
		if e.h == 0 {
			e.h = hashString(s.seed, v)
		}
		if t.insert(e) {
			s.n++
		}
		if !ind.Expires.IsZero() && (s.nextExpiry.IsZero() || ind.Expires.Before(s.nextExpiry)) {
			s.nextExpiry = ind.Expires
		}
	}
	for b := 128; b >= 0; b-- {
		if v4[b] {
			s.v4bits = append(s.v4bits, uint8(b))
		}
		if v6[b] {
			s.v6bits = append(s.v6bits, uint8(b))
		}
	}
	s.v4bits, s.v6bits = slices.Clip(s.v4bits), slices.Clip(s.v6bits)
	return s
}

func typeIndex(t Type) int {
	for i, c := range Types {
		if c == t {
			return i
		}
	}
	return -1
}

func parsePrefix(v string) (netip.Prefix, bool) {
	if strings.IndexByte(v, '/') < 0 {
		a, err := netip.ParseAddr(v)
		if err != nil {
			return netip.Prefix{}, false
		}
		a = a.Unmap().WithZone("")
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	p, err := netip.ParsePrefix(v)
	if err != nil || p.Addr().Is4In6() {
		return netip.Prefix{}, false
	}
	return p.Masked(), true
}

// buildValue returns the canonical value, taking a fast path for values that
// are canonical already (all of them, when they come from the store).
func buildValue(t Type, v string) (string, bool) {
	switch t {
	case TypeDomain, TypeHost:
		if h, ok := fastHost(v); ok && h == v {
			return v, true
		}
	case TypeURL, TypeURLPrefix:
		if looksCanonicalExpr(v) {
			return v, true
		}
	case TypeSHA256:
		if len(v) == 64 && isHex(v) && lowerASCII(v) == v {
			return v, true
		}
	case TypeIP, TypeCIDR:
		return v, true // parsePrefix checks
	}
	c, err := CanonicalValue(t, v)
	return c, err == nil
}

// looksCanonicalExpr is a conservative test that v is already a canonical
// "host/path[?query]" expression: a plain lower-case DNS name, a path free of
// escapes, dot segments and repeated slashes.
func looksCanonicalExpr(v string) bool {
	j := strings.IndexByte(v, '/')
	if j <= 0 {
		return false
	}
	if h, ok := fastHost(v[:j]); !ok || h != v[:j] {
		return false
	}
	path := v[j:]
	if q := strings.IndexByte(path, '?'); q >= 0 {
		path = path[:q]
	}
	for i := j; i < len(v); i++ {
		if c := v[i]; needsEscape(c) {
			return false
		}
	}
	return !strings.Contains(path, "//") && !strings.Contains(path, "/.")
}
