package dns

import (
	"bytes"
	"hash/maphash"
	"sync"

	mdns "github.com/miekg/dns"

	"github.com/honeygate/honeygate/internal/gateway"
)

// Blocked names on the fast path. When the slow path blocks a question's
// name on an intel hit, it also packs the block answer it gave (NXDOMAIN or
// the sinkhole, with its SOA) for that question in lower case, id 0, RD and
// CD clear, and keeps it with the hit and the matcher snapshot the hit came
// from. The next time the question comes over UDP under the same snapshot,
// the reader asks the chain only what depends on the client (its network's
// allowlist and categories, Chain.DecideListed), records the block as the
// slow path does, and sends a copy of the packed answer with the query's
// id, RD and CD bits and spelling of the name written in: no goroutine, no
// unpack or pack, and the answer goes out in the batch. A swap of the
// matcher leaves every kept answer behind (its snapshot is no longer the
// chain's), so a name delisted is forwarded again at once.

// blockAnswer is the packed block answer to one question under one
// matcher snapshot.
type blockAnswer struct {
	m      any // the matcher snapshot that listed the name
	hit    gateway.Hit
	action string
	b      []byte // id 0, RD and CD clear, the name in lower case
	qEnd   int    // end of the question name (it starts at 12)
	owner  int    // offset of the record's owner name (the question name again), 0: none
}

// blockCache holds the block answers, bounded like the answer cache: a full
// shard drops an arbitrary answer (a flood of random listed subdomains
// costs a pack each, never memory).
type blockCache struct {
	seed     maphash.Seed
	perShard int
	shards   [cacheShards]blockShard
}

type blockShard struct {
	mu sync.RWMutex
	m  map[string]*blockAnswer
	_  [128 - 32]byte // a shard to a cache line, as cacheShard
}

func newBlockCache(entries int) *blockCache {
	c := &blockCache{seed: maphash.MakeSeed(), perShard: max(entries/cacheShards, 1)}
	if entries <= 0 {
		c.perShard = 0
	}
	for i := range c.shards {
		c.shards[i].m = map[string]*blockAnswer{}
	}
	return c
}

func (c *blockCache) shard(id []byte) *blockShard {
	return &c.shards[maphash.Bytes(c.seed, id)%cacheShards]
}

// get returns the block answer kept for the key id, or nil; it does not
// allocate.
func (c *blockCache) get(id []byte) *blockAnswer {
	if c.perShard == 0 {
		return nil
	}
	s := c.shard(id)
	s.mu.RLock()
	a := s.m[string(id)]
	s.mu.RUnlock()
	return a
}

func (c *blockCache) put(id string, a *blockAnswer) {
	if c.perShard == 0 {
		return
	}
	s := c.shard([]byte(id))
	s.mu.Lock()
	putBounded(s.m, id, a, c.perShard)
	s.mu.Unlock()
}

// keepBlock packs and keeps the block answer for question k, blocked on
// d's intel hit under matcher cur, unless one is kept for cur already.
func (s *Server) keepBlock(k cacheKey, d gateway.Decision, cur gateway.Matcher) {
	if cur == nil || d.Verdict != gateway.Blocked || d.Reason != gateway.ReasonIntel || k.qclass != mdns.ClassINET {
		return
	}
	id := k.id()
	if a := s.blocks.get([]byte(id)); a != nil && a.m == any(cur) {
		return
	}
	r := new(mdns.Msg)
	r.Question = []mdns.Question{{Name: k.name, Qtype: k.qtype, Qclass: k.qclass}}
	if k.edns {
		r.SetEdns0(1232, k.do)
	}
	m, action := s.blockMsg(r)
	s.finish(r, m, false)
	b, err := m.Pack()
	if err != nil {
		return
	}
	qEnd, err := skipName(b, 12)
	if err != nil || qEnd+4 > len(b) {
		return
	}
	a := &blockAnswer{m: cur, hit: d.Hit, action: action, b: b, qEnd: qEnd}
	if o := qEnd + 4; o+qEnd-12 <= len(b) && bytes.Equal(b[o:o+qEnd-12], b[12:qEnd]) {
		a.owner = o
	}
	s.blocks.put(id, a)
}

// render writes into out the answer to query q, whose question name ends
// at qEnd (the caller checked it against a.qEnd).
func (a *blockAnswer) render(out, q []byte) []byte {
	out = append(out[:0], a.b...)
	out[0], out[1] = q[0], q[1]
	out[2] |= q[2] & 1    // RD as asked
	out[3] |= q[3] & 0x10 // CD as asked
	copy(out[12:a.qEnd], q[12:a.qEnd])
	if a.owner != 0 {
		copy(out[a.owner:a.owner+a.qEnd-12], q[12:a.qEnd])
	}
	return out
}
