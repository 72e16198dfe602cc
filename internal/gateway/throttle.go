package gateway

import (
	"net/netip"
	"sync"
	"time"
)

// Throttle lets one report through per client and period, so a refused
// scanner cannot flood the event stream; it forgets everything when it grows
// past a bound, which only lets a few extra reports through.
type Throttle struct {
	mu     sync.Mutex
	period time.Duration
	last   map[netip.Addr]time.Time
}

// NewThrottle returns a Throttle of one report per key and period.
func NewThrottle(period time.Duration) *Throttle {
	return &Throttle{period: period, last: map[netip.Addr]time.Time{}}
}

// Allow reports whether a report for a may go through now.
func (t *Throttle) Allow(a netip.Addr) bool {
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if last, ok := t.last[a]; ok && now.Sub(last) < t.period {
		return false
	}
	if len(t.last) > 10000 {
		clear(t.last)
	}
	t.last[a] = now
	return true
}
