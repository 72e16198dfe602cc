package dns

import (
	"runtime"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
)

// A second filter cannot take an address the first holds, although the
// sockets allow SO_REUSEPORT (which would let them share it silently).
func TestListenAddressInUse(t *testing.T) {
	pc, l, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	defer l.Close()
	if pc2, l2, err := Listen(pc.LocalAddr().String()); err == nil {
		pc2.Close()
		l2.Close()
		t.Fatal("second Listen on the same address succeeded")
	}
}

// With several CPUs the filter reads on a socket per CPU; clients from many
// source ports (spread over the sockets by the kernel) all get answers, on
// the fast path too.
func TestReadersOnEverySocket(t *testing.T) {
	f := startFilter(t, nil)
	f.query(t, "udp", "spread.example", mdns.TypeA) // fills the cache
	for i := range 64 {
		c := &mdns.Client{Net: "udp", Timeout: 3 * time.Second}
		q := new(mdns.Msg)
		q.SetQuestion("spread.example.", mdns.TypeA)
		r, _, err := c.Exchange(q, f.addr)
		if err != nil || r.Rcode != mdns.RcodeSuccess || len(r.Answer) != 1 {
			t.Fatalf("client %d: %v %v", i, r, err)
		}
	}
	if canReusePort && runtime.GOMAXPROCS(0) > 1 {
		f.srv.mu.Lock()
		n := len(f.srv.packetConns)
		f.srv.mu.Unlock()
		if n != runtime.GOMAXPROCS(0) {
			t.Fatalf("%d sockets for %d CPUs", n, runtime.GOMAXPROCS(0))
		}
	}
	if got := f.up.queries.Load(); got != 1 {
		t.Fatalf("upstream asked %d times", got)
	}
}
