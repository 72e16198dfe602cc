package ui

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"
)

// The limiter refuses a key at its maximum within the window, forgets it
// when the window has passed or on reset, and stays bounded.
func TestLimiter(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	l := newLimiter(func() time.Time { return now })
	for range 4 {
		l.fail("user:alice")
	}
	if b, _ := l.blocked("user:alice", 5); b {
		t.Fatal("blocked after 4 of 5")
	}
	l.fail("user:alice")
	b, left := l.blocked("user:alice", 5)
	if !b || left != failWindow {
		t.Fatalf("after 5: blocked %v for %s, want true for %s", b, left, failWindow)
	}
	now = now.Add(failWindow - time.Second)
	if b, left := l.blocked("user:alice", 5); !b || left != time.Second {
		t.Fatalf("a second before the window ends: %v %s", b, left)
	}
	now = now.Add(time.Second)
	if b, _ := l.blocked("user:alice", 5); b {
		t.Fatal("still blocked after the window")
	}
	// A failure after the window starts a new one.
	l.fail("user:alice")
	if b, _ := l.blocked("user:alice", 1); !b {
		t.Fatal("a new window does not count")
	}
	l.reset("user:alice")
	if b, _ := l.blocked("user:alice", 1); b {
		t.Fatal("blocked after reset")
	}
	// Bounded: past maxTracked keys, the oldest go.
	for i := range maxTracked + 10 {
		now = now.Add(time.Millisecond)
		l.fail(fmt.Sprintf("addr:%d", i))
	}
	if n := len(l.m); n > maxTracked {
		t.Fatalf("%d keys tracked, at most %d", n, maxTracked)
	}
	if b, _ := l.blocked(fmt.Sprintf("addr:%d", maxTracked+9), 1); !b {
		t.Fatal("the newest key was evicted")
	}
}

// Sign-ins are limited by the peer's IP, an IPv6 peer by its /64 (one
// host may hold all of it); X-Forwarded-For is not read.
func TestClientAddrKey(t *testing.T) {
	key := func(remote, xff string) string {
		r := httptest.NewRequest("POST", "/login", nil)
		r.RemoteAddr = remote
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		return clientAddr(r)
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
