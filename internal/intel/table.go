package intel

import (
	"hash/maphash"
	"math/bits"
)

// table is an open-addressing hash table keyed by the 64-bit hash of a
// canonical expression, with the indicator's attributes inline. Strings are
// not kept: a hit's value is rebuilt from the expression that was looked up,
// which is the canonical value. Two different expressions with the same
// 64-bit hash would be confused; with 2 million entries and 30 probes per URL
// that is about 3e-12 per lookup, accepted as Safe Browsing accepts hash
// prefixes.
//
// A parallel array of one-byte tags (seven bits of the hash and an occupied
// bit) is probed first, as Swiss tables do: a miss, the common case at a
// gateway, usually reads one cache line of tags and no slot at all.
//
// 24 bytes a slot plus a tag, at a load of at most 0.75: 33 bytes an entry.
type table struct {
	tags  []uint8
	slots []slot
}

type slot struct {
	h     uint64 // 0 means empty
	id    int64
	cat   uint16 // index into Snapshot.names
	src   uint16 // index into Snapshot.names
	typ   uint8  // index into Types
	allow bool
	flags uint8
	// depths, in the names table: bit k is set when a URL indicator on
	// this host has a path with k+1 slashes (8 or more: bit 7), so a
	// lookup probes only the path expressions that could be listed.
	depths uint8
}

// Flags of a slot in the names table, which holds domain and host
// indicators and marks the hosts that have URL expressions, so one probe per
// label suffix answers all three questions.
const (
	fDomain  uint8 = 1 << iota // the slot's attributes are a domain indicator's
	fHost                      // ... a host indicator's
	fURLHost                   // some url or url-prefix indicator is on this host
	fBoth                      // a host indicator for the same name is in Snapshot.extraHosts
	// A host that is only the host of URL indicators (no domain or host
	// indicator of its own) has its slot's id free: it holds the top 32
	// bits of the hashes of up to two of its URL expressions, so a lookup
	// of another path on a listed host costs no probe of the URL table.
	fFP1  // the low half of id is a fingerprint
	fFP2  // the high half of id is one too
	fNoFP // more than two, or the id is an indicator's: probe every path
)

// fingerprint is what the names slot of a URL host keeps of an expression.
func fingerprint(h uint64) uint32 { return uint32(h >> 32) }

// mayHavePath reports whether the URL table may hold the expression with
// hash h, as far as its host's names slot e knows.
func (e *slot) mayHavePath(h uint64) bool {
	if e.flags&fFP1 == 0 || e.flags&fNoFP != 0 {
		return true
	}
	fp := fingerprint(h)
	return fp == uint32(e.id) || e.flags&fFP2 != 0 && fp == uint32(uint64(e.id)>>32)
}

// addFingerprint records one more expression of a marker slot's host.
func (e *slot) addFingerprint(fp uint32) {
	switch {
	case e.flags&fNoFP != 0:
	case e.flags&fFP1 == 0:
		e.id = int64(uint64(e.id)&^0xffffffff | uint64(fp))
		e.flags |= fFP1
	case fp == uint32(e.id):
	case e.flags&fFP2 == 0:
		e.id = int64(uint64(e.id)&0xffffffff | uint64(fp)<<32)
		e.flags |= fFP2
	case fp == uint32(uint64(e.id)>>32):
	default:
		e.flags = e.flags&^(fFP1|fFP2) | fNoFP
	}
}

const maxLoad = 0.75

func newTable(n int) table {
	if n == 0 {
		return table{}
	}
	size := int(float64(n)/maxLoad) + 1
	return table{tags: make([]uint8, size), slots: make([]slot, size)}
}

func tagOf(h uint64) uint8 { return 0x80 | uint8(h) }

// home maps a hash onto the table without a modulo (Lemire's fast range).
func (t *table) home(h uint64) int {
	hi, _ := bits.Mul64(h, uint64(len(t.slots)))
	return int(hi)
}

// find returns the slot holding h, or the empty slot where it would go.
func (t *table) find(h uint64) (int, bool) {
	n := len(t.tags)
	tag := tagOf(h)
	for i := t.home(h); ; i++ {
		if i == n {
			i = 0
		}
		switch t.tags[i] {
		case 0:
			return i, false
		case tag:
			if t.slots[i].h == h {
				return i, true
			}
		}
	}
}

// insert adds s; a second entry with the same hash keeps the first one's
// attributes, except that an allow entry always wins (the allowlist
// overrides). It reports whether s was new.
func (t *table) insert(s slot) bool {
	i, found := t.find(s.h)
	if !found {
		t.tags[i] = tagOf(s.h)
		t.slots[i] = s
		return true
	}
	if e := &t.slots[i]; s.allow && !e.allow {
		*e = s
	}
	return false
}

func (t *table) get(h uint64) *slot {
	if len(t.tags) == 0 {
		return nil
	}
	if i, ok := t.find(h); ok {
		return &t.slots[i]
	}
	return nil
}

// probe is one lookup of a batch: which table, which hash, and (after
// lookupBatch) the slot found.
type probe struct {
	t   *table
	h   uint64
	pos int
	tag uint8
	sh  uint64
	e   *slot
}

// lookupBatch is get for several hashes, in any tables, at once: first
// every home tag is loaded, then each probe's run of tags is scanned (from
// the cache line just fetched) for its tag, then every candidate slot is
// loaded, then the answers are settled. Each phase's loads are independent
// of one another, so their cache misses (the tables are far larger than the
// caches) are in flight together: a URL lookup costs two memory round trips
// instead of two for each of its probes, also when an entry sits a few
// places past its home, as most do at a load of 0.75.
func lookupBatch(ps []probe) {
	for k := range ps {
		p := &ps[k]
		p.pos, p.e = -1, nil
		if len(p.t.tags) > 0 {
			p.pos = p.t.home(p.h)
			p.tag = p.t.tags[p.pos]
		}
	}
	for k := range ps {
		p := &ps[k]
		if p.pos < 0 {
			continue
		}
		want, tags := tagOf(p.h), p.t.tags
		for i, tg := p.pos, p.tag; ; {
			if tg == 0 {
				p.pos = -1
				break
			}
			if tg == want {
				p.pos = i
				break
			}
			if i++; i == len(tags) {
				i = 0
			}
			tg = tags[i]
		}
	}
	for k := range ps {
		if p := &ps[k]; p.pos >= 0 {
			p.e = &p.t.slots[p.pos]
			p.sh = p.e.h
		}
	}
	for k := range ps {
		p := &ps[k]
		switch {
		case p.pos < 0:
			p.e = nil
		case p.sh != p.h:
			p.e = p.t.getFrom(p.pos+1, p.h) // another entry's tag (1 in 128): probe on
		}
	}
}

// getFrom is get, probing from slot i on (i may be len: it wraps).
func (t *table) getFrom(i int, h uint64) *slot {
	n := len(t.tags)
	tag := tagOf(h)
	for ; ; i++ {
		if i >= n {
			i = 0
		}
		switch t.tags[i] {
		case 0:
			return nil
		case tag:
			if t.slots[i].h == h {
				return &t.slots[i]
			}
		}
	}
}

func (t *table) bytes() int { return len(t.slots)*24 + len(t.tags) }

// hashString hashes s with the snapshot's seed; 0 is reserved for empty.
func hashString(seed maphash.Seed, s string) uint64 {
	h := maphash.String(seed, s)
	if h == 0 {
		h = 1
	}
	return h
}

func hashBytes(seed maphash.Seed, b []byte) uint64 {
	h := maphash.Bytes(seed, b)
	if h == 0 {
		h = 1
	}
	return h
}
