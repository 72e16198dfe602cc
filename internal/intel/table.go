package intel

import (
	"hash/maphash"
	"math/bits"
	"unsafe"
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
//
// A table whose probes are expected to hit (the URL table, which a lookup
// probes only for keys the snapshot's Bloom filter lets through) drops its
// tags once built (dropTags): reading a tag before the slot would only add
// a round trip to memory. Its lookups scan the slots from home until the
// hash or an empty slot (h 0).
type table struct {
	tags  []uint8
	slots []slot
}

type slot struct {
	h     uint64 // 0 means empty
	id    int64
	cat   uint16 // index into Snapshot.strs
	src   uint16 // index into Snapshot.strs
	typ   uint8  // index into Types
	allow bool
	flags uint8
}

// Flags of a slot in the names table, which holds domain and host
// indicators, so one probe per label suffix answers both questions.
const (
	fDomain uint8 = 1 << iota // the slot's attributes are a domain indicator's
	fHost                     // ... a host indicator's
	fBoth                     // a host indicator for the same name is in Snapshot.extraHosts
)

// fLined marks, during a build, a URL entry bound for the host lines.
const fLined uint8 = 1 << 7

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
	if len(t.slots) == 0 {
		return nil
	}
	if t.tags == nil {
		return t.scan(t.home(h), h)
	}
	if i, ok := t.find(h); ok {
		return &t.slots[i]
	}
	return nil
}

// prefetch starts fetching the home slot of h, where a probe of a table
// without tags begins. (Fetching the next line as well, where an entry
// past its home often sits, measured slower: the extra fetches crowd out
// the lookup's own misses.)
func (t *table) prefetch(h uint64) { prefetch(unsafe.Pointer(&t.slots[t.home(h)])) }

// dropTags makes t a table probed by its slots alone (see table).
func (t *table) dropTags() { t.tags = nil }

// scan looks for h in the slots from i on, without tags (i may be len: it
// wraps).
func (t *table) scan(i int, h uint64) *slot {
	for n := len(t.slots); ; i++ {
		if i >= n {
			i = 0
		}
		switch t.slots[i].h {
		case h:
			return &t.slots[i]
		case 0:
			return nil
		}
	}
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
// every home tag (or, in a table without tags, home slot) is loaded, then
// each probe's run of tags is scanned (from the cache line just fetched)
// for its tag, then every candidate slot is loaded, then the answers are
// settled. Each phase's loads are independent of one another, so their
// cache misses (the tables are far larger than the caches) are in flight
// together: a lookup costs two memory round trips (one for a table without
// tags) instead of two for each of its probes, also when an entry sits a
// few places past its home, as most do at a load of 0.75.
func lookupBatch(ps []probe) {
	for k := range ps {
		p := &ps[k]
		p.pos, p.e = -1, nil
		switch t := p.t; {
		case len(t.slots) == 0:
		case t.tags == nil:
			p.pos = t.home(p.h)
			p.e = &t.slots[p.pos]
			p.sh = p.e.h
		default:
			p.pos = t.home(p.h)
			p.tag = t.tags[p.pos]
		}
	}
	for k := range ps {
		p := &ps[k]
		if p.pos < 0 || p.e != nil {
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
		if p.pos >= 0 {
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
			if p.t.tags == nil {
				p.e = p.t.scan(p.pos+1, p.h) // a few slots past home, mostly in the same line
			} else {
				p.e = p.t.getFrom(p.pos+1, p.h) // another entry's tag (1 in 128): probe on
			}
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
