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
	b.Grow(len(inds))
	for i := range inds {
		b.Add(&inds[i])
	}
	return b.Snapshot()
}

// Builder makes a Snapshot from indicators added one at a time, so a rebuild
// from a store never holds the whole set as Indicators: each one costs a
// 24-byte entry until Snapshot sizes the tables.
type Builder struct {
	s     *Snapshot
	now   time.Time
	names []slot // domain and host indicators
	urls  []slot
	// urlHosts are the hashes of the hosts of urls' entries (one each),
	// for the Bloom filter beside the URL table.
	urlHosts []uint64
	addrs    []slot
	files    []slot
	strs     map[string]uint16
	v4, v6   [129]bool
	// lim decides which stored indicators are too broad to enforce
	// (Limits.overBroad); refused counts them, firstRefused names one.
	lim          Limits
	refused      int
	firstRefused string
	// the last string interned, twice in a row being the common case
	lastStr string
	lastIdx uint16
	lastOK  bool
	done    bool
}

// Grow makes room for n more indicators (a hint: the entries grow anyway).
func (b *Builder) Grow(n int) {
	b.names = slices.Grow(b.names, n)
	b.urls = slices.Grow(b.urls, n/2)
}

// NewBuilder starts a snapshot as of now (expired indicators are skipped).
func NewBuilder(now time.Time) *Builder {
	return &Builder{s: &Snapshot{seed: hashSeed, built: now}, now: now, strs: map[string]uint16{}}
}

// hashSeed is every snapshot's hash seed: random per process, so that no
// one outside can aim names at a table's collisions, and one for all
// snapshots, so that a lookup through an Overlay hashes each expression
// once for the base and the delta.
var hashSeed = maphash.MakeSeed()

// SetLimits sets the limits that over-broad stored indicators are skipped
// by (the zero value: the default ones).
func (b *Builder) SetLimits(l Limits) { b.lim = l }

// Refused returns how many indicators Add skipped as over-broad (see
// Limits.overBroad) and why the first one was, for a warning.
func (b *Builder) Refused() (n int, first string) { return b.refused, b.firstRefused }

// labelRange bounds the label counts of a set of names (domain
// indicators, or url-prefix hosts): below the whole host, a lookup probes
// only the suffixes in the range, no shorter or longer name being there to
// find. The zero value is empty.
type labelRange struct{ min, max uint8 }

// widen takes in name.
func (r *labelRange) widen(name string) {
	n := uint8(min(strings.Count(name, ".")+1, 255))
	if r.max == 0 || n < r.min {
		r.min = n
	}
	r.max = max(r.max, n)
}

// below reports whether no name in the set has n labels or fewer.
func (r labelRange) below(n int) bool { return r.max == 0 || n < int(r.min) }

// has reports whether a suffix of n labels may be in the set.
func (r labelRange) has(n int) bool { return n >= int(r.min) && n <= int(r.max) }

func (b *Builder) intern(v string) uint16 {
	// Feeds come in runs of one category and one source: skip the map.
	if b.lastStr == v && b.lastOK {
		return b.lastIdx
	}
	i, ok := b.strs[v]
	if !ok {
		i = b.add(v)
	}
	b.lastStr, b.lastIdx, b.lastOK = v, i, true
	return i
}

func (b *Builder) add(v string) uint16 {
	if len(b.s.strs) >= 1<<16-1 {
		return 0 // more distinct names than fit: the first one stands in
	}
	i := uint16(len(b.s.strs))
	b.s.strs = append(b.s.strs, strings.Clone(v))
	b.strs[v] = i
	return i
}

// Add adds one indicator; it reports false for one skipped (expired, or
// invalid). ind is not kept.
func (b *Builder) Add(ind *Indicator) bool {
	ti := typeIndex(ind.Type)
	if ti < 0 || ind.Expired(b.now) {
		return false
	}
	v, ok := buildValue(ind.Type, ind.Value)
	if !ok {
		return false
	}
	if why := b.lim.overBroad(ind.Type, v); why != "" {
		// Stored before the checks existed: skipped, not fatal, so an
		// old database keeps opening (see Refused).
		if b.refused == 0 {
			b.firstRefused = why
		}
		b.refused++
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
	case TypeDomain, TypeHost:
		e.h = hashString(s.seed, v)
		e.flags = fDomain
		if ind.Type == TypeHost {
			e.flags = fHost
		} else {
			s.domSuf.widen(v)
		}
		b.names = append(b.names, e)
	case TypeURL, TypeURLPrefix:
		host := v
		if j := strings.IndexByte(v, '/'); j >= 0 {
			host = v[:j]
		}
		// url and url-prefix keys differ: the same expression may be both,
		// and each must keep its own meaning (and allowlist status).
		e.h = hashString(s.seed, v)
		if ind.Type == TypeURLPrefix {
			e.h = prefixKey(e.h)
			if host != "" && host[0] != '[' && !canonicalQuad(host) {
				s.urlSuf.widen(host)
			}
		}
		b.urls = append(b.urls, e)
		b.urlHosts = append(b.urlHosts, hashString(s.seed, host))
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
		b.addrs = append(b.addrs, e)
	case TypeSHA256:
		e.h = hashString(s.seed, v)
		b.files = append(b.files, e)
	}
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
	s.names = newTable(len(b.names))
	for _, e := range b.names {
		if s.insertName(e) {
			s.n++
		}
	}
	b.names = nil // let the entries go while the next table is built
	b.buildURLs()
	for _, t := range []struct {
		tab  *table
		ents *[]slot
	}{{&s.addrs, &b.addrs}, {&s.files, &b.files}} {
		*t.tab = newTable(len(*t.ents))
		for _, e := range *t.ents {
			if t.tab.insert(e) {
				s.n++
			}
		}
		*t.ents = nil
	}
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

// buildURLs places the url and url-prefix entries: those of hosts with
// at most lineKeysMax keys in the host lines, the others in the keyed
// table (see hostLines), and every one in the Bloom filter, with the
// keyed table's hosts marked there.
func (b *Builder) buildURLs() {
	s := b.s
	perHost := newHostCounts(len(b.urlHosts))
	for _, h := range b.urlHosts {
		perHost.add(h)
	}
	// First which entries go where (a lined entry is flagged), so that
	// both are sized.
	var classes classIndex
	lined := 0
	for i := range b.urls {
		if perHost.count(b.urlHosts[i]) > lineKeysMax {
			continue
		}
		if _, ok := s.urlLines.pack(b.urls[i], &classes); ok {
			b.urls[i].flags = fLined
			lined++
		}
	}
	perHost = nil
	keyed := len(b.urls) - lined
	s.urlBloom = newBloom(len(b.urls) + len(b.urlHosts) + keyed)
	classList := s.urlLines.classes
	s.urlLines = newHostLines(lined)
	s.urlLines.classes = classList
	s.urls = newTable(keyed)
	for i, e := range b.urls {
		host := b.urlHosts[i]
		blk := s.urlBloom.block(host)
		bloomAdd(blk, host)
		bloomAdd(blk, e.h)
		var isNew bool
		if e.flags == fLined {
			attr, _ := s.urlLines.pack(e, &classes)
			isNew = s.urlLines.insert(host, e.h, attr, e.allow)
		} else {
			bloomAdd(blk, keyedMark(host))
			e.flags = 0
			isNew = s.urls.insert(e)
		}
		if isNew {
			s.n++
		}
	}
	b.urls, b.urlHosts = nil, nil
	s.urls.dropTags()
}

// insertName adds a domain or a host indicator to the names table, merging
// with what the name has already; it reports a new indicator. Within a kind
// the first entry stays unless an allow entry comes (the allowlist
// overrides).
func (s *Snapshot) insertName(n slot) bool {
	t := &s.names
	i, found := t.find(n.h)
	if !found {
		t.tags[i] = tagOf(n.h)
		t.slots[i] = n
		return true
	}
	e := &t.slots[i]
	keep := e.flags
	switch {
	case n.flags&keep&(fDomain|fHost) != 0: // the same kind again
		if n.allow && !e.allow {
			*e = n
			e.flags = keep
		}
		return false
	case n.flags == fHost: // a host where a domain is
		e.flags |= fBoth
		return s.putExtra(n)
	default: // a domain where a host is: the host moves aside
		old := *e
		old.flags = fHost
		*e = n
		e.flags = fDomain | fBoth
		return s.putExtra(old)
	}
}

func (s *Snapshot) putExtra(n slot) bool {
	if s.extraHosts == nil {
		s.extraHosts = map[uint64]slot{}
	}
	if x, ok := s.extraHosts[n.h]; ok {
		if n.allow && !x.allow {
			s.extraHosts[n.h] = n
		}
		return false
	}
	s.extraHosts[n.h] = n
	return true
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
	if h, ok := fastHost(v[:j]); (!ok || h != v[:j]) && !canonicalQuad(v[:j]) {
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

// canonicalQuad reports whether h is an IPv4 address as canonicalization
// writes it: four decimal parts of 0 to 255 without leading zeros.
func canonicalQuad(h string) bool {
	_, ok := quadAddr(h)
	return ok
}

// quadAddr parses h if it is a canonical dotted quad (see canonicalQuad).
func quadAddr(h string) (netip.Addr, bool) {
	var b [4]byte
	parts, n, digits := 0, 0, 0
	for i := 0; i <= len(h); i++ {
		if i == len(h) || h[i] == '.' {
			if digits == 0 || n > 255 || digits > 1 && h[i-digits] == '0' || parts == 4 {
				return netip.Addr{}, false
			}
			b[parts] = byte(n)
			parts++
			n, digits = 0, 0
			continue
		}
		c := h[i]
		if c < '0' || c > '9' || digits == 3 {
			return netip.Addr{}, false
		}
		n = n*10 + int(c-'0')
		digits++
	}
	if parts != 4 {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4(b), true
}

// prefixKey derives a url-prefix expression's key from its hash, so that it
// never equals the url key of the same expression.
func prefixKey(h uint64) uint64 {
	h = (h ^ h>>31) * 0x9e3779b97f4a7c15
	if h == 0 {
		h = 1
	}
	return h
}
