package dns

import (
	"io"
	"log/slog"
	"net"
	"net/netip"
	"testing"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/honeygate/honeygate/internal/gateway"
	"github.com/honeygate/honeygate/internal/gateway/gatewaytest"
)

func TestForwardAndCache(t *testing.T) {
	f := startFilter(t, nil)
	for _, network := range []string{"udp", "tcp"} {
		r := f.query(t, network, "www.Example.com", mdns.TypeA)
		if r.Rcode != mdns.RcodeSuccess || len(r.Answer) != 1 || r.Answer[0].(*mdns.A).A.String() != "192.0.2.1" {
			t.Fatalf("%s: %v", network, r)
		}
		if r.Question[0].Name != "www.Example.com." {
			t.Errorf("question spelling not kept: %q", r.Question[0].Name)
		}
	}
	if n := f.up.queries.Load(); n != 1 {
		t.Errorf("upstream asked %d times for one name; want 1 (cache)", n)
	}
	// The TTL counts down in the cache.
	f.srv.cache.setClock(func() time.Time { return time.Now().Add(100 * time.Second) })
	r := f.query(t, "udp", "www.example.com", mdns.TypeA)
	if ttl := r.Answer[0].Header().Ttl; ttl > 200 || ttl < 190 {
		t.Errorf("ttl after 100s in cache: %d", ttl)
	}
	// And the entry expires.
	f.srv.cache.setClock(func() time.Time { return time.Now().Add(400 * time.Second) })
	f.query(t, "udp", "www.example.com", mdns.TypeA)
	if n := f.up.queries.Load(); n != 2 {
		t.Errorf("upstream asked %d times after expiry; want 2", n)
	}
	// Negative answers are cached for the SOA minimum.
	f.srv.cache.setClock(time.Now)
	f.query(t, "udp", "gone.nx", mdns.TypeA)
	r = f.query(t, "udp", "gone.nx", mdns.TypeA)
	if r.Rcode != mdns.RcodeNameError || f.up.queries.Load() != 3 {
		t.Errorf("negative caching: rcode %d, upstream queries %d", r.Rcode, f.up.queries.Load())
	}
}

func TestCacheBounded(t *testing.T) {
	c := newCache(64, time.Hour)
	m := new(mdns.Msg)
	m.SetQuestion("x.", mdns.TypeA)
	m.Answer = []mdns.RR{&mdns.A{Hdr: mdns.RR_Header{Name: "x.", Rrtype: mdns.TypeA, Class: mdns.ClassINET, Ttl: 60}}}
	for i := 0; i < 10000; i++ {
		c.put(cacheKey{name: string(rune('a'+i%26)) + itoa(i) + ".", qtype: 1, qclass: 1}, m)
	}
	if n := c.len(); n > 64 {
		t.Fatalf("cache holds %d entries, bound 64", n)
	}
}

func itoa(i int) string {
	b := []byte{}
	for {
		b = append([]byte{byte('0' + i%10)}, b...)
		i /= 10
		if i == 0 {
			return string(b)
		}
	}
}

func TestBlockNXDomain(t *testing.T) {
	f := startFilter(t, nil)
	f.intel.Add("domain", "evil.test", "c2")
	r := f.query(t, "udp", "beacon.EVIL.test", mdns.TypeA)
	if r.Rcode != mdns.RcodeNameError || len(r.Ns) != 1 || r.Ns[0].Header().Ttl != 60 {
		t.Fatalf("blocked: %v", r)
	}
	if f.up.queries.Load() != 0 {
		t.Error("a blocked name was forwarded upstream")
	}
	b := f.rec.Blocks()
	if len(b) != 1 || b[0].Host != "beacon.evil.test" || b[0].Action != gateway.ActionNXDomain || b[0].Enforcer != "dns" ||
		b[0].Hit.Value != "evil.test" || b[0].Ref == "" || b[0].Client.Addr().String() != "127.0.0.1" {
		t.Fatalf("records %+v", b)
	}
}

func TestBlockSinkhole(t *testing.T) {
	f := startFilter(t, func(c *gateway.Config) { c.Sinkhole = []string{"192.0.2.53", "2001:db8::53"} })
	f.intel.Add("domain", "evil.test", "phishing")
	r := f.query(t, "udp", "evil.test", mdns.TypeA)
	if r.Rcode != 0 || len(r.Answer) != 1 || r.Answer[0].(*mdns.A).A.String() != "192.0.2.53" {
		t.Fatalf("A: %v", r)
	}
	r = f.query(t, "tcp", "evil.test", mdns.TypeAAAA)
	if r.Rcode != 0 || len(r.Answer) != 1 || r.Answer[0].(*mdns.AAAA).AAAA.String() != "2001:db8::53" {
		t.Fatalf("AAAA: %v", r)
	}
	r = f.query(t, "udp", "evil.test", mdns.TypeMX)
	if r.Rcode != 0 || len(r.Answer) != 0 {
		t.Fatalf("MX: %v", r)
	}
	if b := f.rec.Blocks(); len(b) != 3 || b[0].Action != gateway.ActionSinkhole {
		t.Fatalf("records %+v", b)
	}
}

func TestCNAMECloakingBlocked(t *testing.T) {
	f := startFilter(t, nil)
	f.intel.Add("domain", "evil.test", "malware")
	r := f.query(t, "udp", "alias.example", mdns.TypeA)
	if r.Rcode != mdns.RcodeNameError {
		t.Fatalf("alias to a listed name: %v", r)
	}
	if b := f.rec.Blocks(); len(b) != 1 || b[0].Host != "hidden.evil.test" {
		t.Fatalf("records %+v", b)
	}
}

func TestKillSwitchResolvesAndReports(t *testing.T) {
	f := startFilter(t, func(c *gateway.Config) {
		c.KillSwitches = append(c.KillSwitches, "killswitch.nx")
		c.KillSwitchAddress = "192.0.2.80"
	})
	ks := gateway.WannaCryKillSwitches[0]
	// Even listed as malware by a feed, the kill switch resolves.
	f.intel.Add("domain", "iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com", "malware")
	r := f.query(t, "udp", ks, mdns.TypeA)
	if r.Rcode != 0 || len(r.Answer) != 1 || r.Answer[0].(*mdns.A).A.String() != "192.0.2.1" {
		t.Fatalf("kill switch: %v", r)
	}
	// Upstream says NXDOMAIN: kill_switch_address answers.
	r = f.query(t, "udp", "killswitch.nx", mdns.TypeA)
	if r.Rcode != 0 || len(r.Answer) != 1 || r.Answer[0].(*mdns.A).A.String() != "192.0.2.80" {
		t.Fatalf("kill switch over NXDOMAIN: %v", r)
	}
	b := f.rec.Blocks()
	if len(b) != 2 || b[0].Kind != gateway.KindInfected || b[0].Host != ks || b[0].Client.Addr().String() != "127.0.0.1" {
		t.Fatalf("records %+v", b)
	}
}

func TestClientOutsideRefused(t *testing.T) {
	f := startFilter(t, func(c *gateway.Config) { c.ClientCIDRs = []string{"10.0.0.0/8"} })
	r := f.query(t, "udp", "www.example.com", mdns.TypeA)
	if r.Rcode != mdns.RcodeRefused || f.up.queries.Load() != 0 {
		t.Fatalf("outsider: %v", r)
	}
	if b := f.rec.Blocks(); len(b) != 1 || b[0].Action != gateway.ActionRefuse {
		t.Fatalf("records %+v", b)
	}
}

func TestNoUpstreamServFail(t *testing.T) {
	f := startFilter(t, func(c *gateway.Config) { c.Upstreams = nil })
	if r := f.query(t, "udp", "www.example.com", mdns.TypeA); r.Rcode != mdns.RcodeServerFailure {
		t.Fatalf("no upstream: %v", r)
	}
}

// After one miss, the same question from any client spelling is answered on
// the fast path, byte-exact for its id and spelling.
func TestFastPathServesCachedAnswers(t *testing.T) {
	f := startFilter(t, nil)
	f.query(t, "udp", "fast.example", mdns.TypeA)
	q := new(mdns.Msg)
	q.SetQuestion("FaSt.Example.", mdns.TypeA)
	q.Id = 4242
	b, _ := q.Pack()
	out, ok := f.srv.fastAnswer(b, netip.MustParseAddrPort("127.0.0.1:5353"), new(reader), make([]byte, 0, 4096))
	if !ok {
		t.Fatal("cached answer not served on the fast path")
	}
	r := new(mdns.Msg)
	if err := r.Unpack(out); err != nil || r.Id != 4242 || r.Question[0].Name != "FaSt.Example." || len(r.Answer) != 1 || !r.RecursionDesired {
		t.Fatalf("%v %v", r, err)
	}
	// A name listed after it was cached is no longer answered from cache.
	f.intel.Add("domain", "fast.example", "c2")
	if _, ok := f.srv.fastAnswer(b, netip.MustParseAddrPort("127.0.0.1:5353"), new(reader), make([]byte, 0, 4096)); ok {
		t.Fatal("a listed name answered from cache")
	}
	if r := f.query(t, "udp", "fast.example", mdns.TypeA); r.Rcode != mdns.RcodeNameError {
		t.Fatalf("listed after caching: %v", r)
	}
	// An address listed after caching: the answer is judged again.
	f.query(t, "udp", "addr.example", mdns.TypeA)
	f.query(t, "udp", "addr.example", mdns.TypeA)
	f.intel.Add("ip", "192.0.2.1", "c2")
	if r := f.query(t, "udp", "addr.example", mdns.TypeA); r.Rcode != mdns.RcodeNameError {
		t.Fatalf("address listed after caching: %v", r)
	}
}

// FuzzFastAnswer: any bytes through the fast path never panic out of it,
// and an answer it gives is a valid message with the query's id and
// question.
func FuzzFastAnswer(f *testing.F) {
	cfg := gateway.DefaultConfig()
	in := gatewaytest.NewIntel()
	in.Add("domain", "evil.test", "c2")
	chain, _ := gateway.NewChain(&cfg, in)
	srv, err := New(Options{Chain: chain, Recorder: &gatewaytest.Recorder{}, Log: slog.New(slog.DiscardHandler), Config: cfg})
	if err != nil {
		f.Fatal(err)
	}
	for _, edns := range []bool{false, true} {
		k := cacheKey{name: "www.example.com.", qtype: mdns.TypeA, qclass: mdns.ClassINET, edns: edns}
		m := sampleAnswer()
		m.Extra = nil
		e := srv.cache.put(k, m)
		e.cleanFor.Store(cleanMark{m: chain.Matcher()})
		q := new(mdns.Msg)
		q.SetQuestion("www.example.com.", mdns.TypeA)
		if edns {
			q.SetEdns0(1232, false)
		}
		b, _ := q.Pack()
		f.Add(b)
	}
	// A kept block answer (the readers answer the listed name).
	d := chain.Decide(&gateway.Query{Client: netip.MustParseAddr("127.0.0.1"), Host: "evil.test"})
	for _, edns := range []bool{false, true} {
		srv.keepBlock(cacheKey{name: "evil.test.", qtype: mdns.TypeA, qclass: mdns.ClassINET, edns: edns}, d, chain.Matcher())
		q := new(mdns.Msg)
		q.SetQuestion("eViL.test.", mdns.TypeA)
		if edns {
			q.SetEdns0(1232, false)
		}
		b, _ := q.Pack()
		f.Add(b)
	}
	f.Add([]byte{0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0})
	ua := netip.MustParseAddrPort("127.0.0.1:5353")
	f.Fuzz(func(t *testing.T, data []byte) {
		out, ok := srv.fastAnswer(data, ua, new(reader), make([]byte, 0, 4096))
		if !ok {
			return
		}
		r := new(mdns.Msg)
		if err := r.Unpack(out); err != nil {
			t.Fatalf("answer does not unpack: %v", err)
		}
		q := new(mdns.Msg)
		if err := q.Unpack(data); err != nil {
			t.Fatalf("answered a query that does not unpack: %v", err)
		}
		if r.Id != q.Id || !r.Response || len(r.Question) != 1 || r.Question[0] != q.Question[0] {
			t.Fatalf("answer %v for query %v", r, q)
		}
	})
}

// A TCP message whose header promises a question it lacks is malformed:
// FORMERR, not a panic; and a class other than IN is not served (a blocked
// name asked in CH must not reach the upstream).
func TestMalformedAndOtherClasses(t *testing.T) {
	f := startFilter(t, nil)
	f.intel.Add("domain", "evil.example", "malware")
	f.query(t, "udp", "warm.example", mdns.TypeA) // the server is up
	conn, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(3 * time.Second))
	// Length 12, then a header with QDCOUNT=1 and nothing after it.
	if _, err := conn.Write([]byte{0, 12, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	var n [2]byte
	if _, err := io.ReadFull(conn, n[:]); err != nil {
		t.Fatalf("no answer to a question-less message: %v", err)
	}
	b := make([]byte, int(n[0])<<8|int(n[1]))
	if _, err := io.ReadFull(conn, b); err != nil {
		t.Fatal(err)
	}
	var r mdns.Msg
	if err := r.Unpack(b); err != nil && len(b) < 4 {
		t.Fatal(err)
	}
	if r.Rcode != mdns.RcodeFormatError {
		t.Errorf("rcode %s, want FORMERR", mdns.RcodeToString[r.Rcode])
	}

	c := &mdns.Client{Net: "udp", Timeout: 3 * time.Second}
	q := new(mdns.Msg)
	q.SetQuestion("evil.example.", mdns.TypeA)
	q.Question[0].Qclass = mdns.ClassCHAOS
	a, _, err := c.Exchange(q, f.addr)
	if err != nil {
		t.Fatal(err)
	}
	if a.Rcode != mdns.RcodeNotImplemented || len(a.Answer) != 0 {
		t.Errorf("CH query for a blocked name: %s with %d answers", mdns.RcodeToString[a.Rcode], len(a.Answer))
	}
}
