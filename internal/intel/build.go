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
	b := NewBuilder(now)
	for i := range inds {
		b.Add(&inds[i])
	}
	return b.Snapshot()
}

// Builder makes a Snapshot from indicators added one at a time, so a rebuild
// from a store never holds the whole set as Indicators: each one costs a
// 24-byte entry until Snapshot sizes the tables.
type Builder struct {
	s      *Snapshot
	now    time.Time
	ents   [len(tableOrder)][]slot
	hosts  []uint64 // hashes of the hosts of url and url-prefix entries
	names  map[string]uint16
	v4, v6 [129]bool
	done   bool
}

// tableOrder is the table each type's entries go to (ip and cidr share one).
var tableOrder = [...]Type{TypeDomain, TypeHost, TypeURL, TypeURLPrefix, TypeIP, TypeSHA256}

func tableFor(t Type) int {
	switch t {
	case TypeDomain:
		return 0
	case TypeHost:
		return 1
	case TypeURL:
		return 2
	case TypeURLPrefix:
		return 3
	case TypeIP, TypeCIDR:
		return 4
	case TypeSHA256:
		return 5
	}
	return -1
}

// NewBuilder starts a snapshot as of now (expired indicators are skipped).
func NewBuilder(now time.Time) *Builder {
	return &Builder{s: &Snapshot{seed: maphash.MakeSeed(), built: now}, now: now, names: map[string]uint16{}}
}

func (b *Builder) intern(v string) uint16 {
	if i, ok := b.names[v]; ok {
		return i
	}
	if len(b.s.names) >= 1<<16-1 {
		return 0 // more distinct names than fit: the first one stands in
	}
	i := uint16(len(b.s.names))
	b.s.names = append(b.s.names, strings.Clone(v))
	b.names[v] = i
	return i
}

// Add adds one indicator; it reports false for one skipped (expired, or
// invalid). ind is not kept.
func (b *Builder) Add(ind *Indicator) bool {
	ti := typeIndex(ind.Type)
	tab := tableFor(ind.Type)
	if ti < 0 || tab < 0 || ind.Expired(b.now) {
		return false
	}
	v, ok := buildValue(ind.Type, ind.Value)
	if !ok {
		return false
	}
	cat := ind.Category
	if cat == "" {
		cat = CategoryMalware
	}
	src := ind.Source
	if src == "" {
		src = SourceManual
	}
	s := b.s
	e := slot{id: ind.ID, cat: b.intern(cat), src: b.intern(src), typ: uint8(ti), allow: cat == CategoryAllow}
	switch ind.Type {
	case TypeURL, TypeURLPrefix:
		host := v
		if j := strings.IndexByte(v, '/'); j >= 0 {
			host = v[:j]
		}
		b.hosts = append(b.hosts, hashString(s.seed, host))
	case TypeIP, TypeCIDR:
		p, ok := parsePrefix(v)
		if !ok {
			return false
		}
		if p.Addr().Is4() {
			b.v4[p.Bits()] = true
		} else {
			b.v6[p.Bits()] = true
		}
		e.h = s.addrKey(p)
	}
	if e.h == 0 {
		e.h = hashString(s.seed, v)
	}
	b.ents[tab] = append(b.ents[tab], e)
	if !ind.Expires.IsZero() && (s.nextExpiry.IsZero() || ind.Expires.Before(s.nextExpiry)) {
		s.nextExpiry = ind.Expires
	}
	return true
}

// Snapshot finishes the build; the Builder must not be used after.
func (b *Builder) Snapshot() *Snapshot {
	if b.done {
		panic("intel: Builder.Snapshot called twice")
	}
	b.done = true
	s := b.s
	tabs := [len(tableOrder)]*table{&s.domains, &s.hosts, &s.urls, &s.prefixes, &s.addrs, &s.hashes}
	for i, ents := range b.ents {
		*tabs[i] = newTable(len(ents))
		for _, e := range ents {
			if tabs[i].insert(e) {
				s.n++
			}
		}
		b.ents[i] = nil // let the entries go while the next table is built
	}
	s.urlHosts = newHashSet(len(b.hosts))
	for _, h := range b.hosts {
		s.urlHosts.add(h)
	}
	b.hosts = nil
	for bits := 128; bits >= 0; bits-- {
		if b.v4[bits] {
			s.v4bits = append(s.v4bits, uint8(bits))
		}
		if b.v6[bits] {
			s.v6bits = append(s.v6bits, uint8(bits))
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
