// Package authlimit counts failed authentications (dashboard sign-ins,
// API bearer tokens) per key within a window, and refuses a key that has
// failed too often until its window has passed.
//
// Its tables are bounded, and what happens when one is full is chosen per
// table, because evicting a live count resets it: an attacker who can
// create keys (addresses, user names) could otherwise flush the count of
// the key they are guessing at. A table whose counts protect something
// (client addresses) refuses new keys while full of live counts (Refuse);
// a table whose counts protect nothing (names of users that do not exist)
// evicts its oldest (Evict); a table whose keys the attacker cannot choose
// (configured user names) needs no bound at all.
//
// It is not a rate limiter for successful requests: a success is refunded.
package authlimit

import (
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// Full says what a bounded table does with a new key when every slot holds
// a live count.
type Full int

const (
	// Refuse answers the new key as limited (until the oldest count
	// expires), so no live count is ever lost.
	Refuse Full = iota
	// Evict drops the oldest count to make room.
	Evict
)

// Options configure a Limiter.
type Options struct {
	Max    int           // failures within Window after which a key is refused
	Window time.Duration // counted from a key's first failure
	// Capacity bounds the keys tracked; 0 leaves the table unbounded (only
	// for keys an attacker cannot make up).
	Capacity int
	Full     Full
	Now      func() time.Time // time.Now when nil
}

type count struct {
	n     int
	first time.Time
}

// Limiter counts attempts per key. It is safe for concurrent use.
type Limiter struct {
	o  Options
	mu sync.Mutex
	m  map[string]*count
	// sweepAt is when the earliest tracked count expires: a full table is
	// swept no more often than counts can expire, so a flood of new keys
	// against a full table does not cost a sweep each.
	sweepAt time.Time
}

// New returns a limiter.
func New(o Options) *Limiter {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Limiter{o: o, m: map[string]*count{}}
}

// Take counts one attempt of key unless key is limited, in one step (a
// client sending many attempts at once must not get them all past the
// check before the first failure is counted). It reports whether the
// attempt is refused and, if so, when the key may try again. A success is
// given back with Refund (or Reset).
func (l *Limiter) Take(key string) (limited bool, retry time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.o.Now()
	c := l.m[key]
	if c != nil && now.Sub(c.first) >= l.o.Window {
		c.n, c.first = 0, now
	}
	if c != nil && c.n >= l.o.Max {
		return true, c.first.Add(l.o.Window).Sub(now)
	}
	if c == nil {
		if l.o.Capacity > 0 && len(l.m) >= l.o.Capacity {
			if wait, ok := l.makeRoom(now); !ok {
				return true, wait
			}
		}
		c = &count{first: now}
		l.m[key] = c
		if l.sweepAt.IsZero() || c.first.Add(l.o.Window).Before(l.sweepAt) {
			l.sweepAt = c.first.Add(l.o.Window)
		}
	}
	c.n++
	return false, 0
}

// makeRoom frees a slot of a full table: expired counts go first; then,
// with Evict, the oldest live count. With Refuse and no expired count, it
// reports false and how long until the earliest count expires.
func (l *Limiter) makeRoom(now time.Time) (time.Duration, bool) {
	if !now.Before(l.sweepAt) {
		l.sweepAt = time.Time{}
		for k, c := range l.m {
			end := c.first.Add(l.o.Window)
			if !now.Before(end) {
				delete(l.m, k)
				continue
			}
			if l.sweepAt.IsZero() || end.Before(l.sweepAt) {
				l.sweepAt = end
			}
		}
	}
	if len(l.m) < l.o.Capacity {
		return 0, true
	}
	if l.o.Full == Refuse {
		return l.sweepAt.Sub(now), false
	}
	var oldest string
	var at time.Time
	for k, c := range l.m {
		if oldest == "" || c.first.Before(at) {
			oldest, at = k, c.first
		}
	}
	delete(l.m, oldest)
	return 0, true
}

// Limited reports, without counting, whether key is refused now and for
// how long.
func (l *Limiter) Limited(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.m[key]
	if c == nil {
		return false, 0
	}
	left := c.first.Add(l.o.Window).Sub(l.o.Now())
	if left <= 0 || c.n < l.o.Max {
		return false, 0
	}
	return true, left
}

// Refund gives back one attempt of key that Take counted (it succeeded).
func (l *Limiter) Refund(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c := l.m[key]; c != nil && c.n > 0 {
		c.n--
	}
}

// Reset forgets key's count (its secret is known to be right).
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, key)
}

// Len is the number of keys tracked.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}

// ClientAddr is the key a request is limited by: the peer's IP (the web
// listener is not meant to sit behind a proxy; if it does, every client
// shares the proxy's limit, which fails safe; X-Forwarded-For is never
// read). An IPv6 peer is limited by its /64, since one host commonly holds
// a whole /64 and could otherwise try from 2^64 addresses.
func ClientAddr(r *http.Request) string {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	a := ap.Addr().Unmap()
	if a.Is6() {
		p, _ := a.WithZone("").Prefix(64)
		return p.String()
	}
	return a.String()
}
