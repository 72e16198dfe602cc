package dns

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"

	mdns "github.com/miekg/dns"
)

// cacheKey identifies one question; the DO and CD bits are part of it
// because they change the answer (signatures, unvalidated data).
type cacheKey struct {
	name   string // lower-case, fully qualified
	qtype  uint16
	qclass uint16
	do, cd bool
	edns   bool // the client speaks EDNS: our OPT goes into the packed answer
}

// id is the key's form in the cache: the lower-case wire name, type, class
// and a flags byte, the same bytes the UDP fast path reads off a query.
func (k *cacheKey) id() string {
	var b [255 + 5]byte
	n, err := mdns.PackDomainName(k.name, b[:], 0, nil, false)
	if err != nil {
		return "\x00bad:" + k.name
	}
	return string(appendKeyTail(b[:n], k.qtype, k.qclass, k.do, k.cd, k.edns))
}

func appendKeyTail(b []byte, qtype, qclass uint16, do, cd, edns bool) []byte {
	var f byte
	if do {
		f |= 1
	}
	if cd {
		f |= 2
	}
	if edns {
		f |= 4
	}
	return append(b, byte(qtype>>8), byte(qtype), byte(qclass>>8), byte(qclass), f)
}

type cacheEntry struct {
	msg     *mdns.Msg // the upstream answer, never mutated after insertion
	stored  time.Time
	expires time.Time
	wire    atomic.Pointer[wireAnswer] // packed on the first hit
	noWire  atomic.Bool                // packing failed: slow path only
	edns    bool
	do      bool
	// cleanFor is the intel snapshot under which no name or address in the
	// answer matched anything: under it, the answer needs no judging.
	cleanFor atomic.Value // holds cleanMark
}

// cleanMark says under which matcher m an entry's answer was judged clean;
// name, that the question's name itself matched nothing under m either (so
// the fast path need not ask intel about it again).
type cleanMark struct {
	m    any
	name bool
}

const cacheShards = 32

// cache is a bounded TTL cache of upstream answers, sharded so that
// concurrent queries rarely contend. When a shard is full an arbitrary entry
// is evicted (Go's map order): O(1), and under a flood of unique names the
// cache keeps answering the names it has instead of growing.
type cache struct {
	seed     maphash.Seed
	perShard int
	maxTTL   time.Duration
	shards   [cacheShards]cacheShard
	clock    atomic.Pointer[func() time.Time] // tests move time
}

func (c *cache) now() time.Time {
	if f := c.clock.Load(); f != nil {
		return (*f)()
	}
	return time.Now()
}

// setClock replaces the clock (tests).
func (c *cache) setClock(f func() time.Time) { c.clock.Store(&f) }

type cacheShard struct {
	mu sync.RWMutex
	m  map[string]*cacheEntry
	// A shard to a cache line (and the next line's prefetch): readers on
	// two CPUs taking the read locks of neighbouring shards would
	// otherwise bounce one line between them on every lookup.
	_ [128 - 32]byte
}

func newCache(entries int, maxTTL time.Duration) *cache {
	c := &cache{seed: maphash.MakeSeed(), perShard: max(entries/cacheShards, 1), maxTTL: maxTTL}
	if entries <= 0 {
		c.perShard = 0
	}
	for i := range c.shards {
		c.shards[i].m = make(map[string]*cacheEntry)
	}
	return c
}

func (c *cache) shard(id []byte) *cacheShard {
	return &c.shards[maphash.Bytes(c.seed, id)%cacheShards]
}

// lookup returns the live entry for k and its age, or nil. The entry's
// message must not be mutated.
func (c *cache) lookup(k cacheKey) (*cacheEntry, time.Duration) {
	return c.lookupID([]byte(k.id()))
}

// lookupID is lookup by the key's id bytes; it does not allocate.
func (c *cache) lookupID(id []byte) (*cacheEntry, time.Duration) {
	return c.lookupAt(id, time.Time{})
}

// lookupAt is lookupID at time now (zero: the cache's clock), so that a
// reader answering a batch reads the clock once for all of it.
func (c *cache) lookupAt(id []byte, now time.Time) (*cacheEntry, time.Duration) {
	if c.perShard == 0 {
		return nil, 0
	}
	s := c.shard(id)
	s.mu.RLock()
	e := s.m[string(id)]
	s.mu.RUnlock()
	if e == nil {
		return nil, 0
	}
	if now.IsZero() {
		now = c.now()
	}
	if !now.Before(e.expires) {
		s.mu.Lock()
		if s.m[string(id)] == e {
			delete(s.m, string(id))
		}
		s.mu.Unlock()
		return nil, 0
	}
	return e, now.Sub(e.stored)
}

// get returns a copy of the cached answer with TTLs lowered by its age, or nil.
func (c *cache) get(k cacheKey) *mdns.Msg {
	e, age := c.lookup(k)
	if e == nil {
		return nil
	}
	return aged(e.msg, age)
}

// aged copies m with its TTLs lowered by age.
func aged(msg *mdns.Msg, age time.Duration) *mdns.Msg {
	a := uint32(age / time.Second)
	m := msg.Copy()
	for _, sec := range [][]mdns.RR{m.Answer, m.Ns, m.Extra} {
		for _, rr := range sec {
			h := rr.Header()
			if h.Rrtype == mdns.TypeOPT {
				continue
			}
			if h.Ttl > a {
				h.Ttl -= a
			} else {
				h.Ttl = 0
			}
		}
	}
	return m
}

// wireFor returns the entry's packed answer, packing it on first use.
func (e *cacheEntry) wireFor() *wireAnswer {
	if w := e.wire.Load(); w != nil {
		return w
	}
	if e.noWire.Load() {
		return nil
	}
	w, err := packWire(e.msg, e.edns, e.do)
	if err != nil {
		e.noWire.Store(true)
		return nil
	}
	e.wire.Store(w)
	return w
}

// put caches m (and returns its entry, nil if not cached) for the smallest TTL among its records (for a negative answer,
// the SOA's minimum as RFC 2308 says), capped at maxTTL. Errors other than
// NXDOMAIN and truncated answers are not cached.
func (c *cache) put(k cacheKey, m *mdns.Msg) *cacheEntry {
	if c.perShard == 0 || m.Truncated || (m.Rcode != mdns.RcodeSuccess && m.Rcode != mdns.RcodeNameError) {
		return nil
	}
	ttl, ok := msgTTL(m)
	if !ok || ttl == 0 {
		return nil
	}
	d := min(time.Duration(ttl)*time.Second, c.maxTTL)
	now := c.now()
	e := &cacheEntry{msg: m, stored: now, expires: now.Add(d), edns: k.edns, do: k.do}
	id := k.id()
	s := c.shard([]byte(id))
	s.mu.Lock()
	putBounded(s.m, id, e, c.perShard)
	s.mu.Unlock()
	return e
}

// msgTTL is how long m may be cached.
func msgTTL(m *mdns.Msg) (uint32, bool) {
	ttl, found := uint32(0), false
	take := func(v uint32) {
		if !found || v < ttl {
			ttl, found = v, true
		}
	}
	if len(m.Answer) == 0 {
		for _, rr := range m.Ns {
			if soa, ok := rr.(*mdns.SOA); ok {
				take(min(soa.Hdr.Ttl, soa.Minttl))
			}
		}
		return ttl, found
	}
	for _, sec := range [][]mdns.RR{m.Answer, m.Ns} {
		for _, rr := range sec {
			take(rr.Header().Ttl)
		}
	}
	return ttl, found
}

func (c *cache) len() int {
	n := 0
	for i := range c.shards {
		c.shards[i].mu.RLock()
		n += len(c.shards[i].m)
		c.shards[i].mu.RUnlock()
	}
	return n
}

// putBounded sets m[k] = v in a shard that holds at most limit entries: a new
// key into a full shard evicts one entry first (whichever the map's random
// iteration yields, cheap and fair enough for a cache).
func putBounded[V any](m map[string]V, k string, v V, limit int) {
	if _, ok := m[k]; !ok && len(m) >= limit {
		for victim := range m {
			delete(m, victim)
			break
		}
	}
	m[k] = v
}
