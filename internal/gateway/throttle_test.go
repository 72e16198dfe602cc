package gateway_test

import (
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/gateway"
)

// fakeClock is a clock the test moves.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func addrN(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
}
func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)} }
func allowAll(th *gateway.Throttle, n int) int {
	ok := 0
	for i := range n {
		if th.Allow(addrN(i)) {
			ok++
		}
	}
	return ok
}

func TestThrottlePerClient(t *testing.T) {
	clk := newClock()
	th := gateway.NewThrottleWith(gateway.ThrottleOptions{Period: time.Minute, Now: clk.now})
	a := addrN(1)
	if !th.Allow(a) {
		t.Fatal("first report held back")
	}
	if th.Allow(a) {
		t.Fatal("second report within the period let through")
	}
	clk.add(59 * time.Second)
	if th.Allow(a) {
		t.Fatal("report before the period ended let through")
	}
	clk.add(time.Second)
	if !th.Allow(a) {
		t.Fatal("report after the period held back")
	}
	if got := th.Suppressed(); got != 2 {
		t.Fatalf("suppressed %d, want 2", got)
	}
}

// A flood from 100,000 distinct (spoofed) sources: the events stay under
// the global cap, everything else is counted and summed up, and the table
// stays bounded.
func TestThrottleSpoofedFlood(t *testing.T) {
	clk := newClock()
	var mu sync.Mutex
	var summaries []uint64
	th := gateway.NewThrottleWith(gateway.ThrottleOptions{
		Period: time.Minute, PerSecond: 10, MaxKeys: 1000, Now: clk.now, SummaryEvery: 10 * time.Second,
		Summary: func(n uint64) { mu.Lock(); summaries = append(summaries, n); mu.Unlock() },
	})
	const sources, seconds = 100000, 20
	allowed := 0
	for s := range seconds {
		// 5,000 distinct sources a second, none repeated.
		for i := range sources / seconds {
			if th.Allow(addrN(s*(sources/seconds) + i)) {
				allowed++
			}
			clk.add(time.Second / (sources / seconds))
		}
		if n := th.Len(); n > 1000 {
			t.Fatalf("table holds %d clients, bound 1000", n)
		}
	}
	// A burst of 10, then 10 a second.
	if maxAllowed := 10 + 10*seconds; allowed > maxAllowed || allowed < 10*seconds {
		t.Fatalf("%d reports let through in %ds, want about %d", allowed, seconds, 10*seconds)
	}
	if got, want := th.Suppressed(), uint64(sources-allowed); got != want {
		t.Fatalf("suppressed %d, want %d", got, want)
	}
	// The summaries, plus what is held back since the last, add up.
	clk.add(time.Minute)
	th.Allow(addrN(sources + 1))
	th.Allow(addrN(sources + 1)) // held back: per client; triggers no summary (too soon)
	var sum uint64
	mu.Lock()
	for _, n := range summaries {
		sum += n
	}
	mu.Unlock()
	if len(summaries) < 2 || sum != th.Suppressed()-1 {
		t.Fatalf("summaries %v add up to %d, want %d", summaries, sum, th.Suppressed()-1)
	}
}

// A table full of clients that reported within the period still takes a
// new one (an arbitrary old one is forgotten); expired ones go first.
func TestThrottleTableBound(t *testing.T) {
	clk := newClock()
	th := gateway.NewThrottleWith(gateway.ThrottleOptions{Period: time.Minute, PerSecond: 1 << 30, MaxKeys: 100, Now: clk.now})
	if got := allowAll(th, 100); got != 100 {
		t.Fatalf("%d of 100 let through", got)
	}
	if !th.Allow(addrN(1000)) || th.Len() > 100 {
		t.Fatalf("new client in a full table: len %d", th.Len())
	}
	clk.add(2 * time.Minute)
	if !th.Allow(addrN(1001)) {
		t.Fatal("held back after the period")
	}
	if th.Len() != 1 {
		t.Fatalf("expired entries not swept: len %d", th.Len())
	}
}

func TestThrottleConcurrent(t *testing.T) {
	th := gateway.NewThrottleWith(gateway.ThrottleOptions{PerSecond: 5, MaxKeys: 50})
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			for i := range 2000 {
				if th.Allow(addrN(g*10000 + i)) {
					n++
				}
			}
			mu.Lock()
			total += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	// 5 at once plus 5 a second for however long this took.
	if total > 5+50 {
		t.Fatalf("%d reports let through", total)
	}
	if th.Len() > 50 {
		t.Fatalf("table %d > 50", th.Len())
	}
}
