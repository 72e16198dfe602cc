package intel

import (
	"math/bits"
	"unsafe"
)

// hostLines holds the URL-table entries (url and url-prefix keys) of hosts
// with few URL indicators, placed by the hash of their host rather than of
// their key: all of a host's entries sit in one 64-byte cache line (or,
// when it fills, the next ones). A URL lookup knows that line's address as
// soon as it has hashed the host: it starts fetching the line when the
// Bloom filter says the host has listed URLs, before any path is hashed,
// and reads it after hashing and testing them (Snapshot.urlKeys, seeURLs),
// so the fetch overlaps that work; one line answers for all of the host's keys,
// and a host's url and url-prefix keys that the filter lets through by
// mistake cost no further read. A table keyed by the whole expression can
// start a slot's fetch only once that expression is hashed and tested.
//
// (Fetching the line beside the filter's block, before the filter has
// answered, saved a few percent more on listed hosts and lost 6 to 15% on
// unlisted ones with hot queries, measured side by side: the wasted
// fetches, a line from a 20 MB array for every URL, evict the filter's and
// the names table's lines that the common case finds in the caches.)
//
// An entry is 16 bytes: the key's 64-bit hash (as in table: a hit is a hash
// match) and the indicator's id with an attribute class (category, source,
// type, allow) in its top 16 bits, so four fit a line, with no pointer. At
// a load of at most 0.75, 21 bytes an entry (a table slot costs 32).
//
// A host with more URL indicators than a line holds (a payload server with
// a binary for every architecture, a file host with thousands of listed
// links) would make long runs of full lines that every host placed near it
// would have to read through; its entries go to the table keyed by
// expression instead (Snapshot.urls), and the Bloom filter marks the host
// as such (keyedMark), as it does any entry that cannot be packed (an id
// outside 0 to 2^48, more than 65,536 attribute classes).
//
// Lines are probed linearly: an entry is in its host's home line or in the
// lines after it, up to the first line that has room. Lines fill in order
// and nothing is removed, so a lookup stops at the first line with an empty
// entry.
type hostLines struct {
	lines []uline
	// classes are the attribute classes that entries point to: the
	// category, source, type and allow of a slot (its h and id unused).
	classes []slot
}

// uline is one cache line of entries; the array is allocated as one large
// object, page aligned, so a line is a cache line.
type uline [lineEntries]uentry

type uentry struct {
	h    uint64 // the key's hash; 0 means empty
	attr uint64 // class << idBits | id
}

const (
	lineEntries = 4
	// lineKeysMax is the most URL keys a host may have to be kept in the
	// lines (the rest go to the keyed table).
	lineKeysMax = lineEntries
	// lineLoad is how many entries a line holds on average: 0.75 of four.
	lineLoad = 3
	idBits   = 48
	idMask   = 1<<idBits - 1
	// maxClasses bounds the attribute classes (16 bits above the id).
	maxClasses = 1 << (64 - idBits)
)

func newHostLines(n int) hostLines {
	if n == 0 {
		return hostLines{}
	}
	return hostLines{lines: make([]uline, (n+lineLoad-1)/lineLoad)}
}

// home maps a host's hash onto a line without a modulo (as table.home).
func (l *hostLines) home(host uint64) int {
	hi, _ := bits.Mul64(host, uint64(len(l.lines)))
	return int(hi)
}

// prefetch starts fetching the home line of host, if there are lines.
func (l *hostLines) prefetch(host uint64) {
	if len(l.lines) > 0 {
		prefetch(unsafe.Pointer(&l.lines[l.home(host)]))
	}
}

// insert adds an entry for key under host; a second entry with the same
// key keeps the first one's attributes unless the new one is an allow
// entry (the allowlist overrides), as table.insert does. It reports
// whether the key was new.
func (l *hostLines) insert(host uint64, key uint64, attr uint64, allow bool) bool {
	for i := l.home(host); ; i++ {
		if i == len(l.lines) {
			i = 0
		}
		ln := &l.lines[i]
		for k := range ln {
			e := &ln[k]
			switch e.h {
			case 0:
				*e = uentry{h: key, attr: attr}
				return true
			case key:
				if allow && !l.classes[e.attr>>idBits].allow {
					e.attr = attr
				}
				return false
			}
		}
	}
}

// find looks key up under host and returns its entry's attributes as a
// slot.
func (l *hostLines) find(host, key uint64) (slot, bool) {
	for i := l.home(host); ; i++ {
		if i == len(l.lines) {
			i = 0
		}
		ln := &l.lines[i]
		for k := range ln {
			switch ln[k].h {
			case key:
				a := ln[k].attr
				e := l.classes[a>>idBits]
				e.h, e.id = key, int64(a&idMask)
				return e, true
			case 0:
				return slot{}, false // a line with room: the run ends here
			}
		}
	}
}

// classIndex interns attribute classes during a build.
type classIndex struct {
	idx   map[slot]uint16
	last  slot // feeds come in runs of one class: the map is skipped
	lastK uint16
	ok    bool
}

// pack returns e's attributes as an entry's attr, interning its class in
// l.classes; false when e cannot be packed (see hostLines).
func (l *hostLines) pack(e slot, ci *classIndex) (uint64, bool) {
	if e.id < 0 || e.id > idMask {
		return 0, false
	}
	c := slot{cat: e.cat, src: e.src, typ: e.typ, allow: e.allow}
	if ci.ok && ci.last == c {
		return uint64(ci.lastK)<<idBits | uint64(e.id), true
	}
	k, ok := ci.idx[c]
	if !ok {
		if len(l.classes) == maxClasses {
			return 0, false
		}
		if ci.idx == nil {
			ci.idx = map[slot]uint16{}
		}
		k = uint16(len(l.classes))
		l.classes = append(l.classes, c)
		ci.idx[c] = k
	}
	ci.last, ci.lastK, ci.ok = c, k, true
	return uint64(k)<<idBits | uint64(e.id), true
}

// hostCounts is a count-min sketch of how many URL keys each host has: two
// saturating byte counters a host, its count the smaller. It never counts
// low, so a host it calls small is small; one it calls big by a collision
// (rare at 8 counters a key) only goes to the keyed table, which is always
// right. It costs a byte an entry where an exact count (a map) would cost
// tens, and a third of the build's time.
type hostCounts []uint8

func newHostCounts(n int) hostCounts { return make(hostCounts, 8*n+1) }

func (c hostCounts) at(host uint64) (int, int) {
	a, _ := bits.Mul64(host, uint64(len(c)))
	b, _ := bits.Mul64(keyedMark(host), uint64(len(c)))
	return int(a), int(b)
}

func (c hostCounts) add(host uint64) {
	a, b := c.at(host)
	if c[a] < 255 {
		c[a]++
	}
	if c[b] < 255 {
		c[b]++
	}
}

func (c hostCounts) count(host uint64) int {
	a, b := c.at(host)
	return int(min(c[a], c[b]))
}

func (l *hostLines) bytes() int { return len(l.lines)*64 + len(l.classes)*24 }

// keyedMark is what the Bloom filter holds, in a host's block, for a host
// with entries in the keyed table: a lookup probes that table only for
// hosts it lets through.
func keyedMark(host uint64) uint64 {
	h := (host ^ host>>29) * 0xbf58476d1ce4e5b9
	return h ^ h>>32
}
