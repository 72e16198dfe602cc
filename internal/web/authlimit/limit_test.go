package authlimit

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func locked(a Attempt) bool { return a.Verdict == Locked }

// A key is refused at its maximum within the window, for what is left of
// the window; a refund gives one attempt back, a reset all.
func TestTakeWindow(t *testing.T) {
	c := &clock{time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
	l := New(Options{Max: 3, Window: time.Minute, Now: c.now})
	var last Attempt
	for i := range 3 {
		if last = l.Take("k"); locked(last) {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	if a := l.Take("k"); !locked(a) || a.Retry != time.Minute {
		t.Fatalf("4th attempt: %v for %s, want Locked for 1m", a.Verdict, a.Retry)
	}
	if lim, _ := l.Limited("k"); !lim {
		t.Fatal("Limited says no")
	}
	c.t = c.t.Add(59 * time.Second)
	if a := l.Take("k"); !locked(a) || a.Retry != time.Second {
		t.Fatalf("a second before the end: %v %s", a.Verdict, a.Retry)
	}
	c.t = c.t.Add(time.Second)
	if last = l.Take("k"); locked(last) {
		t.Fatal("refused after the window")
	}
	l.Refund(last)
	for range 3 {
		if locked(l.Take("k")) {
			t.Fatal("a refunded attempt still counts")
		}
	}
	if !locked(l.Take("k")) {
		t.Fatal("not refused at the maximum")
	}
	l.Reset("k")
	if locked(l.Take("k")) {
		t.Fatal("refused after reset")
	}
}

// A success leaves no trace: a key whose every attempt was refunded takes
// no slot, so successes cannot fill a table.
func TestRefundFreesSlot(t *testing.T) {
	l := New(Options{Max: 3, Window: time.Minute, Capacity: 2})
	for i := range 100 {
		l.Refund(l.Take(fmt.Sprint(i)))
	}
	if n := l.Len(); n != 0 {
		t.Fatalf("%d keys tracked after only successes", n)
	}
}

// A full Overflow table loses no live count: a locked key stays locked
// however many keys are tried meanwhile; new keys are charged to the
// overflow budget, and once that is spent they are Crowded (checked, not
// refused); never Locked, since they have no failures of their own.
func TestOverflowWhenFull(t *testing.T) {
	c := &clock{time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
	l := New(Options{Max: 2, Window: 10 * time.Minute, Capacity: 100, OverflowMax: 50, Full: Overflow, Now: c.now})
	l.Take("target")
	l.Take("target")
	verdicts := map[Verdict]int{}
	for i := range 1000 {
		c.t = c.t.Add(time.Millisecond)
		verdicts[l.Take(fmt.Sprintf("flood-%d", i)).Verdict]++
	}
	if n := l.Len(); n > 100 {
		t.Fatalf("%d keys tracked, capacity 100", n)
	}
	if verdicts[Go] != 99+50 || verdicts[Locked] != 0 || verdicts[Crowded] != 1000-149 {
		t.Fatalf("flood verdicts %v: want 149 counted (99 slots, 50 overflow), the rest crowded, none locked", verdicts)
	}
	if !locked(l.Take("target")) {
		t.Fatal("the flood reset the target's count")
	}
	a := l.Take("new")
	if a.Verdict != Crowded || a.Retry <= 0 || a.Retry > 10*time.Minute {
		t.Fatalf("a new key in a full table with the budget spent: %v, retry %s", a.Verdict, a.Retry)
	}
	l.Refund(a) // a Crowded attempt was never counted: nothing to give back
	// Once the target's window has passed, its slot frees.
	c.t = time.Date(2026, 3, 10, 12, 10, 0, 0, time.UTC)
	if a := l.Take("new"); a.Verdict != Go || a.overflow {
		t.Fatalf("after the oldest count expired: %v overflow %v", a.Verdict, a.overflow)
	}
}

// The overflow budget is a count like any other: refunds give it back,
// and it renews with its window.
func TestOverflowBudget(t *testing.T) {
	c := &clock{time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
	l := New(Options{Max: 5, Window: time.Minute, Capacity: 1, OverflowMax: 2, Full: Overflow, Now: c.now})
	l.Take("holder")
	a1, a2 := l.Take("x"), l.Take("y")
	if !a1.overflow || !a2.overflow {
		t.Fatal("untracked keys of a full table not charged to the overflow")
	}
	if l.Take("z").Verdict != Crowded {
		t.Fatal("overflow spent, not crowded")
	}
	l.Refund(a1)
	if a := l.Take("z"); a.Verdict != Go || !a.overflow {
		t.Fatalf("after a refund: %v", a.Verdict)
	}
	c.t = c.t.Add(30 * time.Second)
	l.Take("holder") // keeps the slot's window running
	c.t = c.t.Add(31 * time.Second)
	if a := l.Take("w"); a.Verdict != Go {
		t.Fatalf("after the window: %v", a.Verdict)
	}
}

// An Evict table stays bounded and keeps its newest keys.
func TestEvictWhenFull(t *testing.T) {
	c := &clock{time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
	l := New(Options{Max: 1, Window: time.Hour, Capacity: 50, Full: Evict, Now: c.now})
	for i := range 500 {
		c.t = c.t.Add(time.Millisecond)
		if locked(l.Take(fmt.Sprintf("k%d", i))) {
			t.Fatalf("key %d refused", i)
		}
	}
	if n := l.Len(); n != 50 {
		t.Fatalf("%d keys tracked, want 50", n)
	}
	if !locked(l.Take("k499")) {
		t.Fatal("the newest key was evicted")
	}
}

// Backoff: Free failures pass; then each attempt waits, the wait doubling
// to the cap; simultaneous attempts cannot share one slot; it renews after
// the window.
func TestBackoff(t *testing.T) {
	c := &clock{time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
	b := NewBackoff(BackoffOptions{Free: 3, Window: time.Hour, Base: time.Second, Cap: 8 * time.Second, Now: c.now})
	for i := range 3 {
		if w := b.Take("u"); w != 0 {
			t.Fatalf("free attempt %d waits %s", i, w)
		}
	}
	var waits []time.Duration
	for range 6 {
		if w := b.Take("u"); w != 0 {
			t.Fatalf("an attempt after its wait: %s", w)
		}
		w := b.Take("u") // at once: must wait
		if w <= 0 {
			t.Fatal("two attempts in one slot")
		}
		waits = append(waits, w)
		c.t = c.t.Add(w)
	}
	want := []time.Duration{1, 2, 4, 8, 8, 8}
	for i := range want {
		if waits[i] != want[i]*time.Second {
			t.Fatalf("waits %v, want %v seconds", waits, want)
		}
	}
	c.t = c.t.Add(time.Hour)
	if w := b.Take("u"); w != 0 {
		t.Fatalf("after the window: waits %s", w)
	}
	b.Reset("u")
	if w := b.Take("u"); w != 0 {
		t.Fatalf("after reset: %s", w)
	}
}

// Requests are limited by the peer's IP, an IPv6 peer by its /64 (one
// host may hold all of it); X-Forwarded-For is not read.
func TestClientAddr(t *testing.T) {
	key := func(remote, xff string) string {
		r := httptest.NewRequest("POST", "/login", nil)
		r.RemoteAddr = remote
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		return ClientAddr(r)
	}
	if a, b := key("[2001:db8:1:2::1]:4000", ""), key("[2001:db8:1:2:ffff:ee:dd:cc]:4001", ""); a != b {
		t.Errorf("one /64 gives two keys: %q, %q", a, b)
	}
	if a, b := key("[2001:db8:1:2::1]:4000", ""), key("[2001:db8:1:3::1]:4000", ""); a == b {
		t.Errorf("two /64s share a key %q", a)
	}
	if a, b := key("192.0.2.1:1", ""), key("192.0.2.1:2", "198.51.100.7"); a != b {
		t.Errorf("X-Forwarded-For changed the key: %q, %q", a, b)
	}
	if a, b := key("192.0.2.1:1", ""), key("[::ffff:192.0.2.1]:1", ""); a != b {
		t.Errorf("a mapped IPv4 address gives another key: %q, %q", a, b)
	}
}
