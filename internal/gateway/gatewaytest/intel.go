// Package gatewaytest holds test helpers for the gateway's enforcement
// points: a stand-in intel matcher (until a test wants the real snapshot)
// and a recorder that collects block records. Not for production use.
package gatewaytest

import (
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/honeygate/honeygate/internal/gateway"
	"github.com/honeygate/honeygate/internal/intel"
)

// Intel is a mutable stand-in for intel.Live: a map per indicator type.
// Domains cover their subdomains; URLs match exactly on scheme://host/path?query
// as given (no canonicalization: that is intel's job and tested there).
type Intel struct {
	cur         atomic.Pointer[matcher]
	unavailable atomic.Bool
}

var _ gateway.Intel = (*Intel)(nil)

type matcher struct {
	domains, urls, hashes map[string]gateway.Hit
	ips                   map[netip.Addr]gateway.Hit
	panics                bool
}

// NewIntel returns an empty, available intel.
func NewIntel() *Intel {
	i := &Intel{}
	i.cur.Store(&matcher{domains: map[string]gateway.Hit{}, urls: map[string]gateway.Hit{}, hashes: map[string]gateway.Hit{}, ips: map[netip.Addr]gateway.Hit{}})
	return i
}

// Current returns the matcher, or nil while SetUnavailable(true).
func (i *Intel) Current() gateway.Matcher {
	if i.unavailable.Load() {
		return nil
	}
	return i.cur.Load()
}

// SetUnavailable makes Current return nil (intel not loaded).
func (i *Intel) SetUnavailable(v bool) { i.unavailable.Store(v) }

// Add adds an indicator of typ (domain, url, sha256, ip) and swaps the snapshot.
func (i *Intel) Add(typ, value, category string) {
	old := i.cur.Load()
	n := &matcher{domains: clone(old.domains), urls: clone(old.urls), hashes: clone(old.hashes), ips: map[netip.Addr]gateway.Hit{}, panics: old.panics}
	for k, v := range old.ips {
		n.ips[k] = v
	}
	h := gateway.Hit{ID: int64(len(old.domains) + len(old.urls) + len(old.hashes) + len(old.ips) + 1), Type: intel.Type(typ), Value: value, Category: category, Source: "manual"}
	switch typ {
	case "domain":
		n.domains[strings.ToLower(value)] = h
	case "url":
		n.urls[value] = h
	case "sha256":
		n.hashes[strings.ToLower(value)] = h
	case "ip":
		n.ips[netip.MustParseAddr(value)] = h
	default:
		panic("gatewaytest: unknown type " + typ)
	}
	i.cur.Store(n)
}

// SetPanics makes every match panic (a broken snapshot).
func (i *Intel) SetPanics() {
	old := *i.cur.Load()
	old.panics = true
	i.cur.Store(&old)
}

func clone(m map[string]gateway.Hit) map[string]gateway.Hit {
	n := make(map[string]gateway.Hit, len(m))
	for k, v := range m {
		n[k] = v
	}
	return n
}

func (m *matcher) MatchHost(host string) (gateway.Hit, bool) {
	if m.panics {
		panic("gatewaytest: broken snapshot")
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return m.MatchIP(a)
	}
	for {
		if h, ok := m.domains[host]; ok {
			return h, true
		}
		i := strings.IndexByte(host, '.')
		if i < 0 {
			return gateway.Hit{}, false
		}
		host = host[i+1:]
	}
}

func (m *matcher) MatchURL(u *url.URL) (gateway.Hit, bool) {
	if m.panics {
		panic("gatewaytest: broken snapshot")
	}
	if h, ok := m.urls[u.String()]; ok {
		return h, true
	}
	return m.MatchHost(u.Hostname())
}

func (m *matcher) MatchIP(ip netip.Addr) (gateway.Hit, bool) {
	h, ok := m.ips[ip.Unmap()]
	return h, ok
}

func (m *matcher) MatchHash(s string) (gateway.Hit, bool) {
	h, ok := m.hashes[strings.ToLower(s)]
	return h, ok
}

// Recorder collects block records for tests.
type Recorder struct {
	mu     sync.Mutex
	blocks []gateway.Block
}

var _ gateway.Recorder = (*Recorder)(nil)

// Record keeps a copy of b.
func (r *Recorder) Record(b *gateway.Block) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.blocks = append(r.blocks, *b)
}

// Blocks returns what was recorded so far.
func (r *Recorder) Blocks() []gateway.Block {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]gateway.Block(nil), r.blocks...)
}
