package dns

import (
	"net"
	"net/netip"
	"testing"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/honeygate/honeygate/internal/gateway"
)

// A flood of refused queries from 2,000 different source addresses (real
// sockets bound across 127.0.0.0/8, standing in for spoofed sources) makes
// at most the throttle's overall burst and rate of block events, not one
// event per source; every query is still answered REFUSED.
func TestRefusedFloodManySources(t *testing.T) {
	f := startFilter(t, func(c *gateway.Config) { c.ClientCIDRs = []string{"127.0.0.1/32"} })
	srv, err := net.ResolveUDPAddr("udp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	q := new(mdns.Msg)
	q.SetQuestion("flood.example.", mdns.TypeA)
	wire, err := q.Pack()
	if err != nil {
		t.Fatal(err)
	}
	const sources = 2000
	start := time.Now()
	answered := 0
	buf := make([]byte, 512)
	for i := range sources {
		src := netip.AddrFrom4([4]byte{127, 1, byte(i >> 8), byte(i)})
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(src, 0)))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.WriteToUDP(wire, srv)
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if n, _, err := c.ReadFromUDP(buf); err == nil {
			var r mdns.Msg
			if r.Unpack(buf[:n]) == nil && r.Rcode == mdns.RcodeRefused {
				answered++
			}
		}
		c.Close()
	}
	elapsed := time.Since(start)
	if answered < sources*9/10 {
		t.Fatalf("%d of %d refused queries answered", answered, sources)
	}
	events := len(f.rec.Blocks())
	// The default cap: a burst of 10 and 10 a second.
	if limit := 10 + int(elapsed.Seconds()*10) + 1; events > limit {
		t.Fatalf("%d block events from %d sources in %v (cap %d)", events, sources, elapsed, limit)
	}
	if events == 0 {
		t.Fatal("no block event at all")
	}
	if got := f.srv.reported.Suppressed(); int(got) != answered-events && int(got) != sources-events {
		t.Fatalf("suppressed %d, events %d, answered %d", got, events, answered)
	}
}
