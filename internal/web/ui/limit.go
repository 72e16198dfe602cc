package ui

import (
	"sync"
	"time"
)

// Failed sign-ins are limited per client address and per user name: after
// maxFails failures within failWindow, further attempts from that address
// (or for that name) are refused without checking the password until the
// window has passed. Per address stops one client guessing; per name stops
// many clients guessing one account.
const (
	failWindow      = 15 * time.Minute
	maxFailsAddress = 10
	maxFailsUser    = 5
	// maxTracked bounds the memory of the limiter; when full, entries
	// whose window has passed go first, then the oldest.
	maxTracked = 10000
)

type failCount struct {
	n     int
	first time.Time
}

// limiter counts failed sign-ins by key ("addr:..." or "user:...").
type limiter struct {
	mu  sync.Mutex
	m   map[string]*failCount
	now func() time.Time
}

func newLimiter(now func() time.Time) *limiter {
	return &limiter{m: map[string]*failCount{}, now: now}
}

// blocked reports whether key has reached max failures within the window,
// and when it may try again.
func (l *limiter) blocked(key string, max int) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.m[key]
	if c == nil {
		return false, 0
	}
	left := c.first.Add(failWindow).Sub(l.now())
	if left <= 0 {
		delete(l.m, key)
		return false, 0
	}
	return c.n >= max, left
}

// take counts one attempt of key unless key has reached max within the
// window, in one step: a client that sends many sign-ins at once (each
// waits a quarter of a second in bcrypt) must not get them all past the
// check before the first failure is counted. A success resets the key.
func (l *limiter) take(key string, max int) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	c := l.m[key]
	if c != nil && now.Sub(c.first) >= failWindow {
		c = nil
	}
	if c != nil && c.n >= max {
		return true, c.first.Add(failWindow).Sub(now)
	}
	if c == nil {
		if len(l.m) >= maxTracked {
			l.evict(now)
		}
		c = &failCount{first: now}
		l.m[key] = c
	}
	c.n++
	return false, 0
}

// refund takes back one attempt of key (a success, which take counted).
func (l *limiter) refund(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c := l.m[key]; c != nil && c.n > 0 {
		c.n--
	}
}

// fail counts one failure of key.
func (l *limiter) fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	c := l.m[key]
	if c != nil && now.Sub(c.first) >= failWindow {
		c = nil
	}
	if c == nil {
		if len(l.m) >= maxTracked {
			l.evict(now)
		}
		c = &failCount{first: now}
		l.m[key] = c
	}
	c.n++
}

// reset forgets key (a successful sign-in).
func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, key)
}

func (l *limiter) evict(now time.Time) {
	var oldest string
	var at time.Time
	for k, c := range l.m {
		if now.Sub(c.first) >= failWindow {
			delete(l.m, k)
			continue
		}
		if oldest == "" || c.first.Before(at) {
			oldest, at = k, c.first
		}
	}
	if len(l.m) >= maxTracked {
		delete(l.m, oldest)
	}
}
