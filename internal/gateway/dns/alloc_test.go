package dns

import (
	"log/slog"
	"net/netip"
	"testing"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/honeygate/honeygate/internal/gateway"
	"github.com/honeygate/honeygate/internal/intel"
)

// realIntel is the intel snapshot the binary runs, with one listed domain.
func realIntel(tb testing.TB) gateway.Intel {
	ind, err := intel.Normalize(intel.Indicator{Type: intel.TypeDomain, Value: "evil.test", Category: "c2", Source: "manual"})
	if err != nil {
		tb.Fatal(err)
	}
	live := intel.NewLive()
	live.Swap(intel.Build([]intel.Indicator{ind}, time.Now()))
	return &gateway.LiveIntel{Live: live}
}

// The fast path does not allocate: at 100,000 queries a second, garbage is
// CPU taken from answering.
func TestFastAnswerAllocs(t *testing.T) {
	cfg := gateway.DefaultConfig()
	chain, _ := gateway.NewChain(&cfg, realIntel(t))
	srv, err := New(Options{Chain: chain, Log: slog.New(slog.DiscardHandler), Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	k := cacheKey{name: "www.example.com.", qtype: mdns.TypeA, qclass: mdns.ClassINET, edns: true}
	m := sampleAnswer()
	m.Extra = nil
	srv.cache.put(k, m).cleanFor.Store(cleanMark{m: chain.Matcher()})
	q := new(mdns.Msg)
	q.SetQuestion("www.Example.com.", mdns.TypeA)
	q.SetEdns0(1232, false)
	b, _ := q.Pack()
	ua := netip.MustParseAddrPort("127.0.0.1:5353")
	out := make([]byte, 0, 4096)
	if _, ok := srv.fastAnswer(b, ua, new(reader), out); !ok {
		t.Fatal("not answered on the fast path")
	}
	key := new(reader)
	if n := testing.AllocsPerRun(1000, func() { srv.fastAnswer(b, ua, key, out[:0]) }); n > 0 {
		t.Errorf("fast path allocates %.1f times per query", n)
	}
	// And with the name known to be unlisted (intel not asked again).
	e, _ := srv.cache.lookup(k)
	e.cleanFor.Store(cleanMark{m: chain.Matcher(), name: true})
	if _, ok := srv.fastAnswer(b, ua, key, out[:0]); !ok {
		t.Fatal("not answered on the fast path with a clean name")
	}
	if n := testing.AllocsPerRun(1000, func() { srv.fastAnswer(b, ua, key, out[:0]) }); n > 0 {
		t.Errorf("fast path (clean name) allocates %.1f times per query", n)
	}
}

func BenchmarkFastAnswer(b *testing.B) {
	cfg := gateway.DefaultConfig()
	chain, _ := gateway.NewChain(&cfg, realIntel(b))
	srv, _ := New(Options{Chain: chain, Log: slog.New(slog.DiscardHandler), Config: cfg})
	k := cacheKey{name: "www.example.com.", qtype: mdns.TypeA, qclass: mdns.ClassINET}
	m := sampleAnswer()
	m.Extra = nil
	srv.cache.put(k, m).cleanFor.Store(cleanMark{m: chain.Matcher()})
	q := new(mdns.Msg)
	q.SetQuestion("www.example.com.", mdns.TypeA)
	pkt, _ := q.Pack()
	ua := netip.MustParseAddrPort("127.0.0.1:5353")
	out := make([]byte, 0, 4096)
	key := new(reader)
	b.ReportAllocs()
	for b.Loop() {
		srv.fastAnswer(pkt, ua, key, out[:0])
	}
}
