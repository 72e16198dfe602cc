package intel

import (
	"hash/maphash"
	"math/bits"
)

// table is an open-addressing hash table keyed by the 64-bit hash of a
// canonical expression, with the indicator's attributes inline so a lookup
// costs one cache line. Strings are not kept: a hit's value is rebuilt from
// the expression that was looked up, which is the canonical value. Two
// different expressions with the same 64-bit hash would be confused; with 2
// million entries and 30 probes per URL that is about 3e-12 per lookup,
// accepted as Safe Browsing accepts hash prefixes.
//
// 24 bytes a slot at a load of at most 0.75 is 32 bytes an indicator.
type table struct {
	slots []slot
}

type slot struct {
	h     uint64 // 0 means empty
	id    int64
	cat   uint16 // index into Snapshot.names
	src   uint16 // index into Snapshot.names
	typ   uint8  // index into Types
	allow bool
}

const maxLoad = 0.75

func newTable(n int) table {
	if n == 0 {
		return table{}
	}
	size := int(float64(n)/maxLoad) + 1
	return table{slots: make([]slot, size)}
}

// home maps a hash onto the table without a modulo (Lemire's fast range).
func (t *table) home(h uint64) int {
	hi, _ := bits.Mul64(h, uint64(len(t.slots)))
	return int(hi)
}

// insert adds s; a second entry with the same hash keeps the first one's
// attributes, except that an allow entry always wins (the allowlist
// overrides). It reports whether s was new.
func (t *table) insert(s slot) bool {
	n := len(t.slots)
	for i := t.home(s.h); ; i++ {
		if i == n {
			i = 0
		}
		e := &t.slots[i]
		if e.h == 0 {
			*e = s
			return true
		}
		if e.h == s.h {
			if s.allow && !e.allow {
				*e = s
			}
			return false
		}
	}
}

func (t *table) get(h uint64) *slot {
	n := len(t.slots)
	if n == 0 {
		return nil
	}
	for i := t.home(h); ; i++ {
		if i == n {
			i = 0
		}
		e := &t.slots[i]
		if e.h == h {
			return e
		}
		if e.h == 0 {
			return nil
		}
	}
}

func (t *table) bytes() int { return len(t.slots) * 24 }

// hashSet is a table of hashes only: the hosts that have URL expressions, so
// a URL on a host with none costs one probe per host suffix.
type hashSet struct {
	h []uint64
}

func newHashSet(n int) hashSet {
	if n == 0 {
		return hashSet{}
	}
	return hashSet{h: make([]uint64, int(float64(n)/maxLoad)+1)}
}

func (t *hashSet) add(h uint64) {
	n := len(t.h)
	hi, _ := bits.Mul64(h, uint64(n))
	for i := int(hi); ; i++ {
		if i == n {
			i = 0
		}
		if t.h[i] == h {
			return
		}
		if t.h[i] == 0 {
			t.h[i] = h
			return
		}
	}
}

func (t *hashSet) has(h uint64) bool {
	n := len(t.h)
	if n == 0 {
		return false
	}
	hi, _ := bits.Mul64(h, uint64(n))
	for i := int(hi); ; i++ {
		if i == n {
			i = 0
		}
		if t.h[i] == h {
			return true
		}
		if t.h[i] == 0 {
			return false
		}
	}
}

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
