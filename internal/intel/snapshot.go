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
	seed  maphash.Seed
	names table // domain and host indicators (see fDomain...)
	// urlLines holds the url and url-prefix indicators of hosts with few
	// of them, placed by host (see hostLines); urls the others, keyed by
	// their expression.
	urlLines hostLines
	urls     table
	// urlBloom holds the hashes of the URL indicators' hosts and their
	// keys, and marks the hosts with keys in urls: which expressions of a
	// URL are worth a probe, and where.
	urlBloom bloom
	addrs    table // ip and cidr, keyed by masked address and prefix length
	files    table // sha256
	// extraHosts holds a host indicator whose name is also a domain
	// indicator (rare: the names table has one slot a name).
	extraHosts map[uint64]slot

	v4bits, v6bits []uint8 // the prefix lengths in addrs, longest first
	// domSuf and urlSuf bound the label counts of the domain indicators
	// and of the url-prefix hosts: below the whole host (where host and
	// url indicators apply too), a lookup probes only the suffixes in
	// those ranges. No public suffix is a domain indicator (Normalize
	// refuses one), so the top-level label alone is never probed.
	domSuf, urlSuf labelRange

	strs []string // categories and sources, interned
	n    int

	built      time.Time
	nextExpiry time.Time

	// delta holds the changes since this snapshot's tables were built (see
	// Overlay), and skip the ids of this snapshot's own entries that those
	// changes replaced or removed.
	delta *Snapshot
	skip  map[int64]struct{}
}

// Overlay returns a snapshot that answers as base with changes applied:
// delta holds indicators added or changed since base was built, and gone
// the ids of base's entries that were changed or removed. An allow entry on
// either side wins; otherwise a hit in delta (the newer) is reported first.
// Neither base nor delta is modified, so the tables of a large base are
// shared and a small change costs a small build.
func Overlay(base, delta *Snapshot, gone map[int64]struct{}) *Snapshot {
	if base == nil {
		base = emptySnapshot
	}
	o := *base
	o.delta, o.skip = delta, gone
	if delta != nil {
		// Len: the base's, plus what the delta adds; the changed ids may
		// count twice (the Manager, which knows, corrects it).
		o.n = base.n + delta.n
		if !delta.nextExpiry.IsZero() && (o.nextExpiry.IsZero() || delta.nextExpiry.Before(o.nextExpiry)) {
			o.nextExpiry = delta.nextExpiry
		}
	}
	return &o
}

var emptySnapshot = Build(nil, time.Time{})

// pick combines the base's result with the delta's: an allow on either side
// wins, then the delta's hit, then the base's.
func (s *Snapshot) pick(r *result, base string, rd *result, dbase string) (Hit, bool) {
	if r.allowed || rd.allowed {
		return Hit{}, false
	}
	if rd.found {
		return s.delta.hit(rd, dbase)
	}
	return s.hit(r, base)
}

// Len is the number of distinct indicators in the snapshot (allow entries
// included). For an Overlay it is an estimate until the next full build.
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
	n := s.names.bytes() + s.urlLines.bytes() + s.urls.bytes() + s.urlBloom.bytes() + s.addrs.bytes() + s.files.bytes() + 48*len(s.extraHosts) +
		s.delta.Bytes() + 16*len(s.skip)
	for _, v := range s.strs {
		n += 16 + len(v)
	}
	return n
}

// result collects the most specific block hit while the remaining
// expressions are still checked against the allowlist. The hit's value is
// kept as offsets into the string that was looked up (or as a prefix for an
// address), not as a string: a result never makes a lookup's buffer escape.
// The hit's attributes are a copy (an entry of the host lines is unpacked
// into one), so that no pointer into a lookup's stack is kept.
type result struct {
	slot   slot
	found  bool
	lo, hi int
	// An address hit as plain bytes: a netip.Prefix stored through r would
	// make the caller's buffer escape (escape analysis is field-blind).
	addr    [16]byte
	bits    int16 // > 0: an address hit, its prefix length + 1
	addr4   bool
	allowed bool
	skip    map[int64]struct{} // entries an overlay replaced: not seen
}

func (r *result) prefix() netip.Prefix {
	a := netip.AddrFrom16(r.addr)
	if r.addr4 {
		a = a.Unmap()
	}
	return netip.PrefixFrom(a, int(r.bits-1))
}

// see records a table hit on base[lo:hi]; it reports true when the answer
// is settled (an allow entry matched).
func (r *result) see(e *slot, lo, hi int) bool {
	if e == nil {
		return false
	}
	if r.skip != nil {
		if _, gone := r.skip[e.id]; gone {
			return false
		}
	}
	if e.allow {
		r.allowed = true
		return true
	}
	if !r.found {
		r.slot, r.found, r.lo, r.hi = *e, true, lo, hi
	}
	return false
}

// hit turns r into a Hit whose value is base[lo:hi] (or the prefix).
func (s *Snapshot) hit(r *result, base string) (Hit, bool) {
	if r.allowed || !r.found {
		return Hit{}, false
	}
	e := &r.slot
	h := Hit{ID: e.id, Type: Types[e.typ], Category: s.strs[e.cat], Source: s.strs[e.src]}
	switch p := r.prefix(); {
	case r.bits > 0 && p.Bits() == p.Addr().BitLen():
		h.Value = p.Addr().String()
	case r.bits > 0:
		h.Value = p.String()
	default:
		h.Value = base[r.lo:r.hi]
	}
	return h, true
}

// MatchHost matches a host name against host and domain indicators (the
// name, then each parent domain); an IP literal (IPv6 with or without
// brackets) is matched against ip and cidr indicators instead. The name is
// canonicalized as a URL's host is (case, dots, escapes); a port
// ("evil.example:443", "[2001:db8::1]:443") is ignored.
func (s *Snapshot) MatchHost(host string) (Hit, bool) {
	if s == nil || host == "" {
		return Hit{}, false
	}
	h, a, isAddr := hostKey(host)
	var p suffixProbe
	r := s.hostResult(h, a, isAddr, &p)
	if s.delta != nil {
		p.reuse()
		rd := s.delta.hostResult(h, a, isAddr, &p)
		return s.pick(&r, h, &rd, h)
	}
	return s.hit(&r, h)
}

// hostKey canonicalizes what MatchHost is given: an address, or a name in
// its canonical, escaped form.
func hostKey(host string) (string, netip.Addr, bool) {
	if a, ok := hostAddr(host); ok {
		return "", a, true
	}
	if host[0] == '[' || strings.Count(host, ":") == 1 {
		// "name:443" or "[v6]:443": a port would otherwise hide the name
		// from every rule.
		host = stripPort(host)
	}
	h, isIP := canonicalHost(host)
	if isIP {
		a, _ := hostAddr(h)
		return "", a, true
	}
	if h != host {
		h = escapeWith(h, &escHost)
	}
	return h, netip.Addr{}, false
}

// hostResult probes the name h (each label suffix) or the address a, with
// p (new, or reused from another snapshot's lookup of the same name).
func (s *Snapshot) hostResult(h string, a netip.Addr, isAddr bool, p *suffixProbe) result {
	r := result{skip: s.skip}
	if isAddr {
		s.matchAddr(a, &r)
		return r
	}
	p.start(h)
	for p.next(s, h) {
		for k := range p.n {
			if s.seeName(p.slots[k], p.starts[k], len(h), &r) {
				return r
			}
		}
	}
	return r
}

// probeBatch is how many names of one host a lookup asks the names table
// for at once; maxExtra how many other probes (the URL table's) may join
// the first batch.
const (
	probeBatch = 8
	maxExtra   = 4
)

// suffixProbe walks a host's label suffixes, most specific first, in
// batches: the whole host, then each suffix whose label count lies within
// the snapshot's domain range (no shorter or longer name is there to
// find). A batch's slots are fetched together (lookupBatch), and the first
// batch also carries the extra probes queued before it (the URL table's),
// so the cache misses overlap instead of following one another.
//
// The host is passed to each call rather than kept: a string stored in the
// struct would make a lookup's stack buffer escape to the heap.
type suffixProbe struct {
	pos    int // the next suffix's offset, -1 when done
	labels int // its label count
	n      int // the batch's size
	nx     int // extra probes queued for the first batch
	starts [probeBatch]int
	labs   [probeBatch]int
	slots  [probeBatch]*slot
	ps     [probeBatch + maxExtra]probe
	xh     [maxExtra]uint64
	xt     [maxExtra]*table
	extra  [maxExtra]*slot // the extra probes' answers, after the first batch
	// Suffix hashes computed already (by touch), so that no name is
	// hashed twice.
	nk   int
	kpos [maxKnown]int
	kh   [maxKnown]uint64
	sink uint32 // what touch read, kept so that the reads are made
}

// maxKnown is how many of a host's suffixes touch hashes ahead: the whole
// host and four more cover every host expression and nearly every host.
const maxKnown = maxHostSuffixes + 3

func (p *suffixProbe) start(host string) {
	p.pos, p.labels = 0, strings.Count(host, ".")+1
}

// also queues a probe of t for h in the first batch; its answer is
// p.extra[k], k counting from 0 in the order queued. It reports false when
// the batch has no room left.
func (p *suffixProbe) also(t *table, h uint64) bool {
	if p.nx == maxExtra {
		return false
	}
	p.xt[p.nx], p.xh[p.nx] = t, h
	p.nx++
	return true
}

// reuse readies p for the same host's lookup in another snapshot (an
// Overlay's delta): the hashes already made are kept, as every snapshot
// hashes with the same seed.
//
// Only the counts are reset: the arrays behind them are written before
// they are read (next, also), and clearing them all (a kilobyte) cost an
// overlay's lookup more than the delta's probes.
func (p *suffixProbe) reuse() {
	p.pos, p.labels, p.n, p.nx = 0, 0, 0, 0
}

// touch hashes the host's suffixes that a URL lookup will probe (the whole
// host; below it, those in the domain range, and those in the url-prefix
// range that are host expressions) and reads the names table's home tag and
// the Bloom filter's block for each, before any answer is needed: these
// reads miss the caches, and made together their misses overlap, where
// the branches on each answer would otherwise make them follow one
// another.
func (p *suffixProbe) touch(s *Snapshot, host string) {
	labels := strings.Count(host, ".") + 1
	urls := len(s.urlBloom.blocks) > 0
	names := len(s.names.tags) > 0
	var sink uint32
	for i, lab, made := 0, labels, 0; made < maxKnown; {
		wantURL := urls && (i == 0 || lab >= 2 && lab <= maxHostSuffixes && s.urlSuf.has(lab))
		wantName := names && (i == 0 || s.domSuf.has(lab))
		if wantURL || wantName {
			h := p.hash(s, host, i)
			made++
			if wantURL {
				sink += s.urlBloom.block(h)[0]
			}
			if wantName {
				sink += uint32(s.names.tags[s.names.home(h)])
			}
		}
		if i > 0 && s.domSuf.below(lab) && (lab <= 2 || s.urlSuf.below(lab)) {
			break
		}
		j := strings.IndexByte(host[i:], '.')
		if j < 0 {
			break
		}
		i, lab = i+j+1, lab-1
	}
	p.sink = sink
}

// large reports whether s's name and URL tables are too large to stay in
// the caches: touch's early reads pay only there. (An Overlay's delta is
// small: reading ahead in it costs a lookup through the overlay more than
// it saves.)
func (s *Snapshot) large() bool {
	return len(s.names.tags)+len(s.urlBloom.blocks)*32+len(s.urlLines.lines)*64 > largeTables
}

// largeTables is the table size, in bytes, from which a URL lookup reads
// ahead (touch): a quarter of a core's second-level cache.
const largeTables = 256 << 10

// hash is the hash of host[i:], from the known ones when it is there;
// one computed is recorded while there is room.
func (p *suffixProbe) hash(s *Snapshot, host string, i int) uint64 {
	for k := range p.nk {
		if p.kpos[k] == i {
			return p.kh[k]
		}
	}
	h := hashString(s.seed, host[i:])
	if p.nk < len(p.kpos) {
		p.kpos[p.nk], p.kh[p.nk] = i, h
		p.nk++
	}
	return h
}

// next fetches the next batch into starts, labs and slots; it reports
// false when no suffix is left.
func (p *suffixProbe) next(s *Snapshot, host string) bool {
	p.n = 0
	for p.pos >= 0 && p.n < probeBatch {
		i, lab := p.pos, p.labels
		if i > 0 && s.domSuf.below(lab) {
			p.pos = -1 // shorter still from here on
			break
		}
		if i == 0 || lab <= int(s.domSuf.max) {
			p.starts[p.n], p.labs[p.n] = i, lab
			p.ps[p.n] = probe{t: &s.names, h: p.hash(s, host, i)}
			p.n++
		}
		j := strings.IndexByte(host[i:], '.')
		if j < 0 {
			p.pos = -1
			break
		}
		p.pos, p.labels = i+j+1, lab-1
	}
	nx := p.nx
	for k := range nx {
		p.ps[p.n+k] = probe{t: p.xt[k], h: p.xh[k]}
	}
	p.nx = 0
	if p.n+nx == 0 {
		return false
	}
	lookupBatch(p.ps[:p.n+nx])
	for k := range p.n {
		p.slots[k] = p.ps[k].e
	}
	for k := range nx {
		p.extra[k] = p.ps[p.n+k].e
	}
	return p.n > 0
}

// seeName applies a names-table slot for the name at [lo:hi] of the host
// (lo 0: the whole host, where host indicators apply) to r; it reports a
// settled answer.
func (s *Snapshot) seeName(e *slot, lo, hi int, r *result) bool {
	if e == nil {
		return false
	}
	if lo == 0 {
		if e.flags&fHost != 0 && r.see(e, lo, hi) {
			return true
		}
		if e.flags&fBoth != 0 {
			if x, ok := s.extraHosts[e.h]; ok && r.see(&x, lo, hi) {
				return true
			}
		}
	}
	return e.flags&fDomain != 0 && r.see(e, lo, hi)
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

// MatchURL canonicalizes u as Safe Browsing does and matches its
// expressions against url indicators (exact host and path), url-prefix
// indicators (host suffixes and path prefixes), then the host against host
// and domain indicators, or ip and cidr ones for an address.
func (s *Snapshot) MatchURL(u *url.URL) (Hit, bool) {
	if s == nil || u == nil {
		return Hit{}, false
	}
	var buf [512]byte
	c, err := canonicalFromURL(buf[:0], u)
	if err != nil {
		return Hit{}, false
	}
	var p suffixProbe
	r := s.matchCanon(&c, &p)
	var rd result
	if s.delta != nil {
		p.reuse()
		rd = s.delta.matchCanon(&c, &p)
	}
	if r.allowed || rd.allowed || !r.found && !rd.found {
		return Hit{}, false
	}
	// The value is a piece of buf: copy it out (hits are the rare case).
	return s.pick(&r, strings.Clone(c.full[:r.hi]), &rd, strings.Clone(c.full[:rd.hi]))
}

// rawURL puts a parsed URL back together for canonicalization.
func rawURL(u *url.URL) string {
	var b strings.Builder
	b.Grow(len(u.Scheme) + len(u.Host) + len(u.Path) + len(u.RawQuery) + 8)
	switch {
	case u.Scheme != "":
		b.WriteString(u.Scheme)
		b.WriteString("://")
	case u.Host != "":
		// "//host/p" (no scheme): without one, "host:" could read as a
		// scheme and the path's "//0" as the authority.
		b.WriteString("http://")
	}
	if u.Opaque != "" && u.Host == "" {
		b.WriteString(strings.TrimPrefix(u.Opaque, "//"))
	} else {
		b.WriteString(u.Host)
		b.WriteString(u.EscapedPath())
	}
	if u.ForceQuery || u.RawQuery != "" {
		b.WriteByte('?')
		// url.Parse lets a space through in a query, where the text would
		// lose a trailing one to trimming: escaped, it stays (and decodes
		// back to what canonicalFromURL sees).
		b.WriteString(strings.ReplaceAll(u.RawQuery, " ", "%20"))
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
	var p suffixProbe
	r := s.matchCanon(&c, &p)
	if s.delta != nil {
		p.reuse()
		rd := s.delta.matchCanon(&c, &p)
		return s.pick(&r, c.full, &rd, c.full)
	}
	return s.hit(&r, c.full)
}

// urlProbe is a URL key (a url's or a url-prefix's) that a lookup's
// expression host[lo:]+path[:hi] may be listed under.
type urlProbe struct {
	h      uint64
	lo, hi int32 // a canonical URL is at most maxURLLen long
}

// maxURLProbes bounds a lookup's URL keys: 5 host expressions, each with up
// to 6 path expressions as url-prefix keys, and the whole host's two exact
// expressions as url keys.
const maxURLProbes = maxHostSuffixes*(maxPathPrefixes+2) + 2

// urlKeySet is what urlKeys found: the keys, most specific first, the hash
// of each one's host expression (where its entry is in the host lines),
// and which ones may also be in the keyed table.
type urlKeySet struct {
	n     int
	keyed uint32 // bit k: keys[k] may be in Snapshot.urls (maxURLProbes <= 32)
	keys  [maxURLProbes]urlProbe
	host  [maxURLProbes]uint8 // index into hosts
	hosts [maxHostSuffixes]uint64
}

// urlKeys lists, most specific first, the URL keys of c's expressions that
// the snapshot's Bloom filter does not rule out: the whole host and the
// suffixes of two to five labels that a url-prefix host has (Safe
// Browsing's host expressions), each combined with the path expressions
// (exact ones as url keys on the whole host, all as url-prefix keys). The
// hosts are tested first, so a host with no listed URL costs one hash and
// one test of the filter per host expression, and no path is hashed. The
// hashes of the host expressions come from p when touch made them.
//
// A host the filter lets through has its line's fetch started at once
// (hostLines), and each key of it that the filter lets through is looked
// up there (seeURLs); where the filter marks the host as one with keys in
// the keyed table, each such key also has its slot's fetch started at
// once (prefetch), while the other expressions are still hashed and
// tested. (Fetching the whole URL's slots before the filter had answered,
// for every URL, gained about 5% on listed hosts and lost 4 to 20% on
// unlisted ones: the wasted fetches and hashing cost the common case.)
func (s *Snapshot) urlKeys(c *canonURL, p *suffixProbe, ks *urlKeySet) {
	if len(s.urlBloom.blocks) == 0 {
		return
	}
	host := c.host
	var starts [maxHostSuffixes]int
	ns := 1 // starts[0] is the whole host
	if !c.ip && s.urlSuf.max >= 2 {
		// off[k] is where the suffix of k labels begins: one past the
		// k-th dot from the right.
		var off [maxHostSuffixes + 1]int
		k := 0
		for i := len(host) - 1; i >= 0 && k < maxHostSuffixes; i-- {
			if host[i] == '.' {
				k++
				off[k] = i + 1
			}
		}
		for ; k >= 2; k-- {
			if s.urlSuf.has(k) && !quadSuffix(host, off[k], k) {
				starts[ns] = off[k]
				ns++
			}
		}
	}
	var pb [maxPathPrefixes + 2]int
	var ends []int
	exact := 1
	if c.hasQuery {
		exact = 2
	}
	hasKeyed := len(s.urls.slots) > 0
	n := 0
	for hx, lo := range starts[:ns] {
		hh := p.hash(s, host, lo)
		blk := s.urlBloom.block(hh)
		if !bloomHas(blk, hh) {
			continue
		}
		s.urlLines.prefetch(hh)
		keyed := hasKeyed && bloomHas(blk, keyedMark(hh))
		ks.hosts[hx] = hh
		if ends == nil {
			ends = pathEnds(c, pb[:0])
		}
		add := func(h uint64, hi int) {
			if keyed {
				s.urls.prefetch(h)
				ks.keyed |= 1 << n
			}
			ks.keys[n] = urlProbe{h, int32(lo), int32(hi)}
			ks.host[n] = uint8(hx)
			n++
		}
		for j, hi := range ends {
			h := hashString(s.seed, c.full[lo:hi])
			// A url indicator is exact: the whole host, the whole path.
			if lo == 0 && j < exact && bloomHas(blk, h) {
				add(h, hi)
			}
			if hp := prefixKey(h); bloomHas(blk, hp) {
				add(hp, hi)
			}
		}
	}
	ks.n = n
}

// matchCanon matches c's expressions: the keyed table's probes that the
// Bloom filter lets through and the names table's host and domain probes
// go out in one batch, so their cache misses overlap, and the host lines
// (whose fetch urlKeys started) are read after. URL hits rank above host
// hits; an allow entry anywhere settles it. p is new, or reused from
// another snapshot's lookup of the same URL (see suffixProbe.reuse).
func (s *Snapshot) matchCanon(c *canonURL, p *suffixProbe) result {
	ur, hr := result{skip: s.skip}, result{skip: s.skip}
	if !c.ip && s.large() {
		p.touch(s, c.host)
	}
	var ks urlKeySet
	s.urlKeys(c, p, &ks)
	batched := 0
	for k := range ks.n {
		if ks.keyed&(1<<k) != 0 {
			if !p.also(&s.urls, ks.keys[k].h) {
				break
			}
			batched++
		}
	}
	if c.ip {
		// No names probe: an address matches ip and cidr indicators.
		for k := range p.nx {
			p.ps[k] = probe{t: p.xt[k], h: p.xh[k]}
		}
		lookupBatch(p.ps[:p.nx])
		for k := range p.nx {
			p.extra[k] = p.ps[k].e
		}
		if s.seeURLs(&ks, batched, &p.extra, &ur) {
			return result{allowed: true}
		}
		if c.addr.IsValid() {
			s.matchAddr(c.addr, &hr)
		}
	} else {
		host := c.host
		p.start(host)
		first := true
		for p.next(s, host) || first {
			if first {
				// The first batch carried the keyed table's probes.
				first = false
				if s.seeURLs(&ks, batched, &p.extra, &ur) {
					return result{allowed: true}
				}
			}
			for k := range p.n {
				if s.seeName(p.slots[k], p.starts[k], len(host), &hr) {
					return result{allowed: true}
				}
			}
			if p.n == 0 {
				break
			}
		}
	}
	if ur.found {
		ur.allowed = hr.allowed
		return ur
	}
	return hr
}

// seeURLs applies the answers for ks's keys to r, in order: each key's
// entry in its host's line, and in the keyed table where the filter says
// it may be there (the first batched ones' answers in found, in the
// order queued; the rest probed now, only when many of a URL's
// expressions pass the filter).
func (s *Snapshot) seeURLs(ks *urlKeySet, batched int, found *[maxExtra]*slot, r *result) bool {
	lined := len(s.urlLines.lines) > 0
	j := 0
	for k := range ks.n {
		kp := &ks.keys[k]
		if lined {
			if e, ok := s.urlLines.find(ks.hosts[ks.host[k]], kp.h); ok && r.see(&e, int(kp.lo), int(kp.hi)) {
				return true
			}
		}
		if ks.keyed&(1<<k) == 0 {
			continue
		}
		var e *slot
		if j < batched {
			e = found[j]
		} else {
			e = s.urls.get(kp.h)
		}
		j++
		if r.see(e, int(kp.lo), int(kp.hi)) {
			return true
		}
	}
	return false
}

// MatchIP matches an address against ip and cidr indicators, the longest
// prefix first.
func (s *Snapshot) MatchIP(ip netip.Addr) (Hit, bool) {
	if s == nil || !ip.IsValid() {
		return Hit{}, false
	}
	a := ip.Unmap().WithZone("")
	r := result{skip: s.skip}
	s.matchAddr(a, &r)
	if s.delta != nil {
		rd := result{}
		s.delta.matchAddr(a, &rd)
		return s.pick(&r, "", &rd, "")
	}
	return s.hit(&r, "")
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
		first := !r.found
		if r.see(e, 0, 0) {
			return
		}
		if first && r.found {
			r.addr, r.bits, r.addr4 = p.Addr().As16(), int16(bits)+1, p.Addr().Is4()
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
	if s == nil || len(sha256hex) != 64 {
		return Hit{}, false
	}
	v := lowerASCII(sha256hex)
	r := result{skip: s.skip}
	r.see(s.files.get(hashString(s.seed, v)), 0, len(v))
	if s.delta != nil {
		rd := result{}
		rd.see(s.delta.files.get(hashString(s.delta.seed, v)), 0, len(v))
		return s.pick(&r, v, &rd, v)
	}
	return s.hit(&r, v)
}
