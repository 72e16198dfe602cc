package authlimit

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// A key is refused at its maximum within the window, for what is left of
// the window; a refund gives one attempt back, a reset all.
func TestTakeWindow(t *testing.T) {
	c := &clock{time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
	l := New(Options{Max: 3, Window: time.Minute, Now: c.now})
	for i := range 3 {
		if lim, _ := l.Take("k"); lim {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	lim, left := l.Take("k")
	if !lim || left != time.Minute {
		t.Fatalf("4th attempt: limited %v for %s, want true for 1m", lim, left)
	}
	if lim, _ := l.Limited("k"); !lim {
		t.Fatal("Limited says no")
	}
	c.t = c.t.Add(59 * time.Second)
	if lim, left := l.Take("k"); !lim || left != time.Second {
		t.Fatalf("a second before the end: %v %s", lim, left)
	}
	c.t = c.t.Add(time.Second)
	if lim, _ := l.Take("k"); lim {
		t.Fatal("refused after the window")
	}
	l.Refund("k")
	for range 3 {
		if lim, _ := l.Take("k"); lim {
			t.Fatal("a refunded attempt still counts")
		}
	}
	if lim, _ := l.Take("k"); !lim {
		t.Fatal("not refused at the maximum")
	}
	l.Reset("k")
	if lim, _ := l.Take("k"); lim {
		t.Fatal("refused after reset")
	}
}

// A full Refuse table loses no live count: new keys are refused until the
// oldest count expires, and a locked key stays locked however many keys
// are tried meanwhile.
func TestRefuseWhenFull(t *testing.T) {
	c := &clock{time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
	l := New(Options{Max: 2, Window: 10 * time.Minute, Capacity: 100, Full: Refuse, Now: c.now})
	l.Take("target")
	l.Take("target")
	for i := range 1000 {
		c.t = c.t.Add(time.Millisecond)
		l.Take(fmt.Sprintf("flood-%d", i))
	}
	if n := l.Len(); n > 100 {
		t.Fatalf("%d keys tracked, capacity 100", n)
	}
	if lim, _ := l.Take("target"); !lim {
		t.Fatal("the flood reset the target's count")
	}
	lim, wait := l.Take("new")
	if !lim || wait <= 0 || wait > 10*time.Minute {
		t.Fatalf("a new key in a full table: limited %v, retry %s", lim, wait)
	}
	// Once the target's window has passed, its slot frees.
	c.t = time.Date(2026, 3, 10, 12, 10, 0, 0, time.UTC)
	if lim, _ := l.Take("new"); lim {
		t.Fatal("still refused after the oldest count expired")
	}
}

// An Evict table stays bounded and keeps its newest keys.
func TestEvictWhenFull(t *testing.T) {
	c := &clock{time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
	l := New(Options{Max: 1, Window: time.Hour, Capacity: 50, Full: Evict, Now: c.now})
	for i := range 500 {
		c.t = c.t.Add(time.Millisecond)
		if lim, _ := l.Take(fmt.Sprintf("k%d", i)); lim {
			t.Fatalf("key %d refused", i)
		}
	}
	if n := l.Len(); n != 50 {
		t.Fatalf("%d keys tracked, want 50", n)
	}
	if lim, _ := l.Take("k499"); !lim {
		t.Fatal("the newest key was evicted")
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
