package dns

import (
	"net"
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

// wrappedPC hides the socket's SyscallConn, so the filter reads it one
// packet at a time (the path of systems without batch calls).
type wrappedPC struct{ net.PacketConn }

// Both ways of reading a socket answer, over IPv4 and IPv6: the batch path
// (raw sockaddrs of either family) and the one-at-a-time path.
func TestPacketPaths(t *testing.T) {
	for _, tc := range []struct {
		name, addr string
		wrap       bool
	}{
		{"batch v4", "127.0.0.1:0", false},
		{"batch v6", "[::1]:0", false},
		{"simple v4", "127.0.0.1:0", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := startFilter(t, nil)
			pc, l, err := Listen(tc.addr)
			if err != nil {
				t.Skip("no such loopback:", err)
			}
			var serve net.PacketConn = pc
			if tc.wrap {
				serve = wrappedPC{pc}
			}
			go func() { _ = f.srv.Serve(serve, l) }()
			for i := range 20 {
				c := &mdns.Client{Net: "udp", Timeout: 3 * time.Second}
				q := new(mdns.Msg)
				q.SetQuestion("paths.example.", mdns.TypeA)
				q.Id = uint16(1000 + i)
				r, _, err := c.Exchange(q, pc.LocalAddr().String())
				if err != nil || r.Id != q.Id || r.Rcode != mdns.RcodeSuccess || len(r.Answer) != 1 {
					t.Fatalf("query %d: %v %v", i, r, err)
				}
			}
		})
	}
}

// A name answered on the fast path (cached, judged clean) is blocked as
// soon as intel lists it: the clean mark belongs to the old snapshot.
func TestFastPathNameListedLater(t *testing.T) {
	f := startFilter(t, nil)
	for range 3 {
		if r := f.query(t, "udp", "later.example", mdns.TypeA); r.Rcode != mdns.RcodeSuccess {
			t.Fatalf("before listing: %v", r)
		}
	}
	f.intel.Add("domain", "later.example", "phishing")
	if r := f.query(t, "udp", "later.example", mdns.TypeA); r.Rcode != mdns.RcodeNameError {
		t.Fatalf("after listing: %v", r)
	}
	if b := f.rec.Blocks(); len(b) != 1 || b[0].Host != "later.example" {
		t.Fatalf("records %+v", b)
	}
}
