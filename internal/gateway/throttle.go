package gateway

import (
	"net/netip"
	"sync"
	"time"
)

// Throttle decides which reports of refused clients become events. A client
// gets one report per period; on top of that, all clients together get at
// most a fixed number a second, because a source address on UDP is
// whatever the sender wrote: a flood with spoofed sources would otherwise
// make one event per forged address. The table of clients is bounded too.
// What it holds back is counted (Suppressed) and summed up now and then
// through the Summary callback, so a flood shows as one line, not as
// silence.
type Throttle struct {
	mu        sync.Mutex
	opt       ThrottleOptions
	last      map[netip.Addr]time.Time
	tokens    float64   // global reports still allowed (a token bucket)
	refilled  time.Time // when tokens was last topped up
	swept     time.Time // when expired entries were last swept
	held      uint64    // suppressed since the last summary
	total     uint64    // suppressed ever
	summaryAt time.Time // when the last summary went out
}

// ThrottleOptions configure a Throttle; zero fields take the defaults.
type ThrottleOptions struct {
	// Period is how long one client's report holds back its next (1 min).
	Period time.Duration
	// PerSecond caps reports of all clients together (10 a second, with a
	// burst of as many).
	PerSecond int
	// MaxKeys bounds the clients remembered (10,000). Past it the oldest
	// are forgotten first (those a period old, then arbitrary ones), which
	// can only let a forgotten client report again within the global cap.
	MaxKeys int
	// Summary, if set, is called with the number of reports suppressed
	// since its last call, at most once per SummaryEvery and only when
	// that number is not zero. It runs on the caller of Allow, outside the
	// lock; it must not block.
	Summary func(suppressed uint64)
	// SummaryEvery spaces summaries (1 min).
	SummaryEvery time.Duration
	// Now is the clock (tests); nil: time.Now.
	Now func() time.Time
}

// NewThrottle returns a Throttle of one report per client and period, with
// the default global cap and table bound.
func NewThrottle(period time.Duration) *Throttle {
	return NewThrottleWith(ThrottleOptions{Period: period})
}

// NewThrottleWith returns a Throttle configured by opt.
func NewThrottleWith(opt ThrottleOptions) *Throttle {
	if opt.Period <= 0 {
		opt.Period = time.Minute
	}
	if opt.PerSecond <= 0 {
		opt.PerSecond = 10
	}
	if opt.MaxKeys <= 0 {
		opt.MaxKeys = 10000
	}
	if opt.SummaryEvery <= 0 {
		opt.SummaryEvery = time.Minute
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	now := opt.Now()
	return &Throttle{opt: opt, last: map[netip.Addr]time.Time{}, tokens: float64(opt.PerSecond),
		refilled: now, swept: now, summaryAt: now}
}

// Allow reports whether a report for a may go through now.
func (t *Throttle) Allow(a netip.Addr) bool {
	now := t.opt.Now()
	t.mu.Lock()
	ok := t.allow(a, now)
	var summary uint64
	if !ok {
		t.held++
		t.total++
	}
	if t.held > 0 && t.opt.Summary != nil && now.Sub(t.summaryAt) >= t.opt.SummaryEvery {
		summary, t.held, t.summaryAt = t.held, 0, now
	}
	t.mu.Unlock()
	if summary > 0 {
		t.opt.Summary(summary)
	}
	return ok
}

func (t *Throttle) allow(a netip.Addr, now time.Time) bool {
	if last, ok := t.last[a]; ok && now.Sub(last) < t.opt.Period {
		return false
	}
	// The global bucket: PerSecond tokens a second, never more than
	// PerSecond in store.
	if el := now.Sub(t.refilled); el > 0 {
		t.tokens = min(t.tokens+el.Seconds()*float64(t.opt.PerSecond), float64(t.opt.PerSecond))
		t.refilled = now
	}
	if t.tokens < 1 {
		return false
	}
	t.tokens--
	if _, ok := t.last[a]; !ok && len(t.last) >= t.opt.MaxKeys {
		t.evict(now)
	}
	t.last[a] = now
	return true
}

// evict makes room for one entry: entries a period old go first (swept at
// most once a period, so a table full of fresh entries costs O(1) per new
// client, not a walk of the table), else an arbitrary one.
func (t *Throttle) evict(now time.Time) {
	if now.Sub(t.swept) >= t.opt.Period {
		t.swept = now
		for k, at := range t.last {
			if now.Sub(at) >= t.opt.Period {
				delete(t.last, k)
			}
		}
	}
	for k := range t.last {
		if len(t.last) < t.opt.MaxKeys {
			break
		}
		delete(t.last, k)
	}
}

// Suppressed returns how many reports Allow has held back in all.
func (t *Throttle) Suppressed() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.total
}

// Len returns how many clients the table holds (tests).
func (t *Throttle) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.last)
}
