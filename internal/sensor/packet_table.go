package sensor

import (
	"net/netip"
	"sync"
	"time"
)

// maxSample is how much of a record's first request is kept for
// PacketDescriber: enough for a DNS question with a long name, a memcached
// key or an SSDP search target.
const maxSample = 128

// srcEntry is what the packet server knows about one source (an IPv4 address
// or an IPv6 /64). Times are Unix nanoseconds.
type srcEntry struct {
	key       [16]byte
	src       netip.AddrPort // the first address and port seen: the victim's
	first     int64
	last      int64
	requests  int64
	bytesIn   int64
	bytesOut  int64
	replyWin  int64 // start of the current reply window
	winStart  int64 // start of the current attack-detection window
	secStart  int64 // start of the current one-second rate bucket
	replies   int32 // replies in the current reply window
	winCount  int32 // requests in the current attack-detection window
	secCount  int32 // requests in the current one-second bucket
	peak      int32 // highest one-second count seen so far
	attack    bool  // the source crossed the attack threshold
	announced bool  // the attack's start was published
	live      bool
	ref       bool // CLOCK reference bit: seen since the hand last passed
	sampleLen uint8
	sample    [maxSample]byte
	attackID  string
}

// count records one request from the entry's source.
func (e *srcEntry) count(req []byte, now int64, lim *PacketLimits) {
	e.last = now
	e.requests++
	e.bytesIn += int64(len(req))
	// Only a source seen again earns its second chance from the CLOCK hand:
	// under a flood of one-packet spoofed sources, those are what goes.
	e.ref = e.requests > 1
	e.setSample(req)
	if now-e.secStart >= int64(time.Second) {
		if e.secCount > e.peak {
			e.peak = e.secCount
		}
		e.secStart, e.secCount = now, 0
	}
	e.secCount++
	if e.attack {
		return
	}
	if now-e.winStart >= int64(lim.AttackWindow) {
		e.winStart, e.winCount = now, 0
	}
	e.winCount++
	if int(e.winCount) >= lim.AttackRequests {
		e.attack = true
	}
}

// peakRate is the highest requests-per-second seen, counting the current
// bucket.
func (e *srcEntry) peakRate() int32 {
	return max(e.peak, e.secCount)
}

// sourceTable holds a fixed number of srcEntry: the memory a flood of
// spoofed sources can take is set when the server starts. When it is full, a
// new source takes the place of one that is not an attack and has not been
// seen since the CLOCK hand last passed (a cheap approximation of least
// recently used); if the hand finds none within evictScan entries (the table
// is full of attacks), the packet goes untracked and unanswered.
type sourceTable struct {
	mu      sync.Mutex
	idx     map[[16]byte]int32
	ents    []srcEntry
	free    []int32
	hand    int
	high    int   // one past the highest slot ever used: sweeps stop there
	evicted int64 // sources dropped to make room, not yet reported
}

// evictScan bounds the work one new source can cost when the table is full.
const evictScan = 64

func newSourceTable(n int) *sourceTable {
	t := &sourceTable{
		idx:  make(map[[16]byte]int32, n),
		ents: make([]srcEntry, n),
		free: make([]int32, n),
	}
	for i := range t.free {
		t.free[i] = int32(n - 1 - i)
	}
	return t
}

// sourceKey is what the per-source limits count: an IPv4 address, or an
// IPv6 /64, since one host on IPv6 usually has a whole /64 to draw from.
func sourceKey(a netip.Addr) [16]byte {
	a = a.Unmap()
	k := a.As16()
	if a.Is6() {
		clear(k[8:])
	}
	return k
}

// lookup returns the entry for src, creating it; nil when the table is full
// of entries that cannot be evicted. Called with t.mu held.
func (t *sourceTable) lookup(src netip.AddrPort, now int64) *srcEntry {
	k := sourceKey(src.Addr())
	if i, ok := t.idx[k]; ok {
		return &t.ents[i]
	}
	var i int32
	if n := len(t.free); n > 0 {
		i = t.free[n-1]
		t.free = t.free[:n-1]
	} else {
		i = t.evict()
		if i < 0 {
			return nil
		}
	}
	if int(i) >= t.high {
		t.high = int(i) + 1
	}
	e := &t.ents[i]
	*e = srcEntry{
		key: k, src: netip.AddrPortFrom(src.Addr().Unmap(), src.Port()), live: true,
		first: now, last: now, replyWin: now, winStart: now, secStart: now,
	}
	t.idx[k] = i
	return e
}

// setSample keeps the first request of an entry for its record.
func (e *srcEntry) setSample(req []byte) {
	if e.sampleLen == 0 && len(req) > 0 {
		e.sampleLen = uint8(copy(e.sample[:], req))
	}
}

// evict frees the slot of an entry that is neither an attack nor recently
// seen, and returns its index, or -1.
func (t *sourceTable) evict() int32 {
	for range evictScan {
		i := t.hand
		t.hand++
		if t.hand == len(t.ents) {
			t.hand = 0
		}
		e := &t.ents[i]
		if e.attack {
			continue
		}
		if e.ref {
			e.ref = false
			continue
		}
		t.evicted++
		delete(t.idx, e.key)
		e.live = false
		return int32(i)
	}
	return -1
}

// remove frees an entry's slot. Called with t.mu held.
func (t *sourceTable) remove(i int) {
	e := &t.ents[i]
	delete(t.idx, e.key)
	*e = srcEntry{}
	t.free = append(t.free, int32(i))
}

// size is the number of live entries. Called with t.mu held.
func (t *sourceTable) size() int { return len(t.ents) - len(t.free) }
