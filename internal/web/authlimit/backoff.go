package authlimit

import (
	"sync"
	"time"
)

// BackoffOptions configure a Backoff.
type BackoffOptions struct {
	Free   int           // failures within Window checked without delay
	Window time.Duration // counted from a key's first failure
	Base   time.Duration // the wait after the first failure past Free
	Cap    time.Duration // the longest wait
	// Capacity bounds the keys tracked, evicting the oldest; 0 leaves the
	// table unbounded (only for keys an attacker cannot make up).
	Capacity int
	Now      func() time.Time
}

// Backoff slows, rather than locks, a key that failed many times from
// anywhere (a user name guessed from many addresses): past Free failures
// within Window, attempts are spaced by a wait that doubles with each
// further failure up to Cap. Nobody is locked out for long, and guessing
// stays bounded to about Window/Cap attempts per Window once the waits
// are long.
type Backoff struct {
	o  BackoffOptions
	mu sync.Mutex
	m  map[string]*backoff
}

type backoff struct {
	n           int
	first, next time.Time
}

// NewBackoff returns a Backoff.
func NewBackoff(o BackoffOptions) *Backoff {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Backoff{o: o, m: map[string]*backoff{}}
}

// Take counts an attempt of key and returns 0, or, without counting, how
// long key must wait. Past Free, taking an attempt reserves the next wait
// at once, so simultaneous attempts cannot all pass.
func (b *Backoff) Take(key string) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.o.Now()
	c := b.m[key]
	if c != nil && now.Sub(c.first) >= b.o.Window && !now.Before(c.next) {
		delete(b.m, key)
		c = nil
	}
	if c == nil {
		if b.o.Capacity > 0 && len(b.m) >= b.o.Capacity {
			b.evictOldest()
		}
		c = &backoff{first: now}
		b.m[key] = c
	}
	if c.n >= b.o.Free {
		if now.Before(c.next) {
			return c.next.Sub(now)
		}
		wait := b.o.Base << min(c.n-b.o.Free, 30)
		if wait > b.o.Cap || wait <= 0 {
			wait = b.o.Cap
		}
		c.next = now.Add(wait)
	}
	c.n++
	return 0
}

func (b *Backoff) evictOldest() {
	var oldest string
	var at time.Time
	for k, c := range b.m {
		if oldest == "" || c.first.Before(at) {
			oldest, at = k, c.first
		}
	}
	delete(b.m, oldest)
}

// Reset forgets key (its secret is known to be right).
func (b *Backoff) Reset(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.m, key)
}
