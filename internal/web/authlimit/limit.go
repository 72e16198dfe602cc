// Package authlimit counts failed authentications (dashboard sign-ins,
// API bearer tokens) per key within a window, and refuses a key that has
// failed too often until its window has passed.
//
// Its tables are bounded, and what happens when one is full is chosen per
// table, because evicting a live count resets it: an attacker who can
// create keys (addresses, user names) could otherwise flush the count of
// the key they are guessing at. A table whose counts protect something
// (client addresses) keeps every live count and charges the attempts of
// keys it cannot hold to one shared overflow budget (Overflow); once that
// budget is spent too, such an attempt is still checked (Crowded), so a
// key that never failed is never refused because strangers filled the
// table: a right credential succeeds and only a wrong one is refused. A
// table whose counts protect nothing (names of users that do not exist)
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
	// Overflow charges the new key's attempt to the table's overflow
	// budget, so no live count is ever lost; with the budget spent, the
	// attempt is Crowded.
	Overflow Full = iota
	// Evict drops the oldest count to make room.
	Evict
)

// Verdict is what Take decided about one attempt.
type Verdict int

const (
	// Go: the attempt is counted; check the credential, and Refund the
	// attempt if it was right.
	Go Verdict = iota
	// Locked: the key itself failed too often; refuse without checking,
	// even a right credential, until Retry has passed.
	Locked
	// Crowded: the table is full of other keys' live counts and the
	// overflow budget is spent. The key has no failures of its own, so
	// check the credential: a right one succeeds, a wrong one is refused
	// as too many failures from many addresses (and answered slowly, see
	// CrowdedFailureDelay).
	Crowded
)

// CrowdedFailureDelay is how long a handler holds the answer to a wrong
// credential of a Crowded attempt: a flood from more addresses than the
// table holds gets its failures slowly, a right credential at once.
const CrowdedFailureDelay = time.Second

// Options configure a Limiter.
type Options struct {
	Max    int           // failures within Window after which a key is Locked
	Window time.Duration // counted from a key's first failure
	// Capacity bounds the keys tracked; 0 leaves the table unbounded (only
	// for keys an attacker cannot make up).
	Capacity int
	Full     Full
	// OverflowMax is how many attempts of untracked keys a full Overflow
	// table admits per Window (Capacity/10 when 0).
	OverflowMax int
	Now         func() time.Time // time.Now when nil
}

type count struct {
	n     int
	first time.Time
}

// Attempt is one counted (or refused) attempt, handed back to Refund.
type Attempt struct {
	Verdict Verdict
	// Retry is, for Locked, when the key may try again; for Crowded, when
	// the overflow budget renews.
	Retry    time.Duration
	key      string
	overflow bool // charged to the overflow budget, not to key
}

// Limiter counts attempts per key. It is safe for concurrent use.
type Limiter struct {
	o    Options
	mu   sync.Mutex
	m    map[string]*count
	over count // the overflow budget's count, one window at a time
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
	if o.OverflowMax == 0 {
		o.OverflowMax = max(o.Capacity/10, 1)
	}
	return &Limiter{o: o, m: map[string]*count{}}
}

// Take counts one attempt of key unless key is limited, in one step (a
// client sending many attempts at once must not get them all past the
// check before the first failure is counted). A success is given back
// with Refund (or Reset).
func (l *Limiter) Take(key string) Attempt {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.o.Now()
	c := l.m[key]
	if c != nil && now.Sub(c.first) >= l.o.Window {
		c.n, c.first = 0, now
	}
	if c != nil && c.n >= l.o.Max {
		return Attempt{Verdict: Locked, Retry: c.first.Add(l.o.Window).Sub(now), key: key}
	}
	if c == nil {
		if l.o.Capacity > 0 && len(l.m) >= l.o.Capacity && !l.makeRoom(now) {
			return l.takeOverflow(key, now)
		}
		c = &count{first: now}
		l.m[key] = c
		if l.sweepAt.IsZero() || c.first.Add(l.o.Window).Before(l.sweepAt) {
			l.sweepAt = c.first.Add(l.o.Window)
		}
	}
	c.n++
	return Attempt{Verdict: Go, key: key}
}

// takeOverflow charges an untracked key's attempt to the overflow budget.
func (l *Limiter) takeOverflow(key string, now time.Time) Attempt {
	if now.Sub(l.over.first) >= l.o.Window {
		l.over = count{first: now}
	}
	if l.over.n >= l.o.OverflowMax {
		return Attempt{Verdict: Crowded, Retry: l.over.first.Add(l.o.Window).Sub(now), key: key}
	}
	l.over.n++
	return Attempt{Verdict: Go, key: key, overflow: true}
}

// makeRoom frees a slot of a full table: expired counts go first; then,
// with Evict, the oldest live count. With Overflow and no expired count,
// it reports false.
func (l *Limiter) makeRoom(now time.Time) bool {
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
		return true
	}
	if l.o.Full == Overflow {
		return false
	}
	var oldest string
	var at time.Time
	for k, c := range l.m {
		if oldest == "" || c.first.Before(at) {
			oldest, at = k, c.first
		}
	}
	delete(l.m, oldest)
	return true
}

// Limited reports, without counting, whether key is Locked now and for
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

// Refund gives back an attempt that Take counted (it succeeded). A key
// whose count falls to nothing leaves the table, so successes never take
// a slot.
func (l *Limiter) Refund(a Attempt) {
	if a.Verdict != Go {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if a.overflow {
		if l.over.n > 0 {
			l.over.n--
		}
		return
	}
	if c := l.m[a.key]; c != nil && c.n > 0 {
		c.n--
		if c.n == 0 {
			delete(l.m, a.key)
		}
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
