package dns

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"testing"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/honeygate/honeygate/internal/gateway"
	"github.com/honeygate/honeygate/internal/gateway/gatewaytest"
	"github.com/honeygate/honeygate/internal/intel"
)

// packWriter is a UDP mdns.ResponseWriter that keeps the bytes it would
// send, packed as udpWriter packs them.
type packWriter struct {
	remote net.Addr
	out    [][]byte
}

func (w *packWriter) LocalAddr() net.Addr  { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53} }
func (w *packWriter) RemoteAddr() net.Addr { return w.remote }
func (w *packWriter) WriteMsg(m *mdns.Msg) error {
	b, err := m.Pack()
	if err != nil {
		return err
	}
	w.out = append(w.out, b)
	return nil
}
func (w *packWriter) Write(b []byte) (int, error) {
	w.out = append(w.out, append([]byte(nil), b...))
	return len(b), nil
}
func (w *packWriter) Close() error        { return nil }
func (w *packWriter) TsigStatus() error   { return nil }
func (w *packWriter) TsigTimersOnly(bool) {}
func (w *packWriter) Hijack()             {}

// queryVariant is one way of asking the same question.
type queryVariant struct {
	name     string
	rd, cd   bool
	edns, do bool
	udpSize  uint16
	id       uint16
}

func (v queryVariant) pack(t *testing.T, qtype uint16) []byte {
	t.Helper()
	q := new(mdns.Msg)
	q.SetQuestion(v.name, qtype)
	q.Id, q.RecursionDesired, q.CheckingDisabled = v.id, v.rd, v.cd
	if v.edns {
		q.SetEdns0(v.udpSize, v.do)
	}
	b, err := q.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var variants = []queryVariant{
	{name: "mixed.example.", rd: true, id: 1},
	{name: "MiXeD.ExAmPlE.", rd: true, id: 0xBEEF},
	{name: "MIXED.EXAMPLE.", rd: false, id: 7},
	{name: "mIxEd.eXaMpLe.", rd: true, cd: true, id: 9},
	{name: "Mixed.Example.", rd: true, edns: true, udpSize: 1232, id: 11},
	{name: "mixed.EXAMPLE.", rd: false, edns: true, do: true, udpSize: 4096, id: 12},
	{name: "mixed.example.", rd: true, cd: true, edns: true, do: true, udpSize: 512, id: 13},
}

// slowBytes answers q through ServeDNS, as a UDP query that the readers
// handed on, and returns the bytes sent.
func slowBytes(t *testing.T, s *Server, q []byte) []byte {
	t.Helper()
	r := new(mdns.Msg)
	if err := r.Unpack(q); err != nil {
		t.Fatal(err)
	}
	w := &packWriter{remote: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5353}}
	s.ServeDNS(w, r)
	if len(w.out) != 1 {
		t.Fatalf("slow path sent %d answers", len(w.out))
	}
	return w.out[0]
}

// A cached answer from the readers is byte for byte what the slow path
// (unpack, copy, age, pack) sends for the same query: the client's id,
// spelling of the name (0x20), RD and CD bits, EDNS and DO, at the same age.
func TestFastAnswerMatchesSlowPath(t *testing.T) {
	f := startFilter(t, nil)
	clock := time.Now()
	f.srv.cache.setClock(func() time.Time { return clock })
	// An address, and a cached NXDOMAIN (the fake upstream's "nx." zone).
	for _, c := range []struct {
		base  string
		qtype uint16
	}{{"mixed.example.", mdns.TypeA}, {"mixed.abcd.nx.", mdns.TypeA}, {"mixed.abcd.nx.", mdns.TypeAAAA}} {
		qtype := c.qtype
		for i, v := range variants {
			v.name = spelledAs(c.base, v.name)
			q := v.pack(t, qtype)
			slowBytes(t, f.srv, q) // the miss: forwarded, cached, judged clean
			clock = clock.Add(1500 * time.Millisecond)
			fast, ok := f.srv.fastAnswer(q, netip.MustParseAddrPort("127.0.0.1:5353"), new(reader), make([]byte, 0, 4096))
			if !ok {
				t.Fatalf("%s variant %d: not answered on the fast path", mdns.TypeToString[qtype], i)
			}
			// The slow path again, on the message path (no packed answer).
			k := cacheKey{name: c.base, qtype: qtype, qclass: mdns.ClassINET, do: v.do, cd: v.cd, edns: v.edns}
			e, _ := f.srv.cache.lookup(k)
			if e == nil {
				t.Fatal("not cached")
			}
			wa := e.wire.Load()
			e.wire.Store(nil)
			e.noWire.Store(true)
			slow := slowBytes(t, f.srv, q)
			e.noWire.Store(false)
			e.wire.Store(wa)
			if !bytes.Equal(fast, slow) {
				t.Errorf("%s variant %d (%+v):\nfast %x\nslow %x", mdns.TypeToString[qtype], i, v, fast, slow)
			}
			if fast[0] != byte(v.id>>8) || fast[1] != byte(v.id) || !bytes.Equal(fast[12:12+len(v.name)+1], q[12:12+len(v.name)+1]) {
				t.Errorf("variant %d: id or spelling not the query's", i)
			}
		}
	}
}

// A blocked name's answer from the readers is byte for byte the slow
// path's, with the same record (but for its reference id and time) and the
// same count, for NXDOMAIN and the sinkhole, every spelling and flag.
func TestFastBlockMatchesSlowPath(t *testing.T) {
	for _, mode := range []struct {
		name string
		sink []string
	}{{"nxdomain", nil}, {"sinkhole", []string{"192.0.2.53", "2001:db8::53"}}} {
		t.Run(mode.name, func(t *testing.T) {
			f := startFilter(t, func(c *gateway.Config) { c.Sinkhole = mode.sink })
			f.intel.Add("domain", "mixed.example", "phishing")
			for _, qtype := range []uint16{mdns.TypeA, mdns.TypeAAAA, mdns.TypeMX} {
				for i, v := range variants {
					q := v.pack(t, qtype)
					slow := slowBytes(t, f.srv, q)
					before := len(f.rec.Blocks())
					fast, ok := f.srv.fastAnswer(q, netip.MustParseAddrPort("127.0.0.1:5353"), new(reader), make([]byte, 0, 4096))
					if !ok {
						t.Fatalf("%s variant %d: block not answered on the fast path", mdns.TypeToString[qtype], i)
					}
					if !bytes.Equal(fast, slow) {
						t.Errorf("%s variant %d (%+v):\nfast %x\nslow %x", mdns.TypeToString[qtype], i, v, fast, slow)
					}
					recs := f.rec.Blocks()
					if len(recs) != before+1 {
						t.Fatalf("fast block recorded %d times", len(recs)-before)
					}
					a, b := recs[before-1], recs[before]
					if b.Ref == "" || b.Ref == a.Ref || b.Time.IsZero() {
						t.Errorf("fast record's ref %q / time %v", b.Ref, b.Time)
					}
					a.Ref, b.Ref, a.Time, b.Time = "", "", time.Time{}, time.Time{}
					if a != b {
						t.Errorf("records differ:\nslow %+v\nfast %+v", a, b)
					}
					if b.Host != "mixed.example" || b.Client != netip.MustParseAddrPort("127.0.0.1:5353") {
						t.Errorf("fast record %+v", b)
					}
				}
			}
			if f.up.queries.Load() != 0 {
				t.Error("a blocked name was forwarded")
			}
		})
	}
}

// Over real sockets: the first query for a listed name takes the slow path,
// later ones (any spelling) the readers; the answers are NXDOMAIN for each,
// every one is recorded, nothing goes upstream.
func TestFastBlockOverUDP(t *testing.T) {
	f := startFilter(t, nil)
	f.intel.Add("domain", "evil.test", "c2")
	c := &mdns.Client{Net: "udp", Timeout: 3 * time.Second}
	for i, name := range []string{"a.evil.test.", "A.Evil.Test.", "a.EVIL.test.", "a.evil.TEST."} {
		q := new(mdns.Msg)
		q.SetQuestion(name, mdns.TypeA)
		r, _, err := c.Exchange(q, f.addr)
		if err != nil || r.Rcode != mdns.RcodeNameError || r.Question[0].Name != name || len(r.Ns) != 1 || r.Ns[0].Header().Name != name {
			t.Fatalf("query %d: %v %v", i, r, err)
		}
	}
	if n := len(f.rec.Blocks()); n != 4 {
		t.Errorf("%d blocks recorded, want 4", n)
	}
	if f.up.queries.Load() != 0 {
		t.Error("a blocked name was forwarded")
	}
}

// A kept block answer belongs to its matcher snapshot: once intel swaps (a
// name delisted, say), the readers no longer send it, and the next query is
// forwarded, within a second of the swap as issue 9 asks.
func TestFastBlockMatcherSwap(t *testing.T) {
	ind, err := intel.Normalize(intel.Indicator{Type: intel.TypeDomain, Value: "swap.example", Category: "c2", Source: "manual"})
	if err != nil {
		t.Fatal(err)
	}
	live := intel.NewLive()
	live.Swap(intel.Build([]intel.Indicator{ind}, time.Now()))
	up := startUpstream(t)
	cfg := gateway.DefaultConfig()
	cfg.Upstreams = []string{up.addr}
	chain, err := gateway.NewChain(&cfg, &gateway.LiveIntel{Live: live})
	if err != nil {
		t.Fatal(err)
	}
	rec := &gatewaytest.Recorder{}
	srv, err := New(Options{Chain: chain, Recorder: rec, Log: slog.New(slog.DiscardHandler), Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	q := queryVariant{name: "Swap.Example.", rd: true, id: 3}.pack(t, mdns.TypeA)
	from := netip.MustParseAddrPort("127.0.0.1:5353")
	if r := slowBytes(t, srv, q); r[3]&0xF != mdns.RcodeNameError {
		t.Fatalf("listed name answered rcode %d", r[3]&0xF)
	}
	if _, ok := srv.fastAnswer(q, from, new(reader), make([]byte, 0, 4096)); !ok {
		t.Fatal("kept block not used")
	}
	live.Swap(intel.Build(nil, time.Now())) // delisted
	swapped := time.Now()
	if _, ok := srv.fastAnswer(q, from, new(reader), make([]byte, 0, 4096)); ok {
		t.Fatal("block answer of the old snapshot sent after the swap")
	}
	r := new(mdns.Msg)
	if err := r.Unpack(slowBytes(t, srv, q)); err != nil || r.Rcode != mdns.RcodeSuccess || len(r.Answer) != 1 {
		t.Fatalf("delisted name: %v %v", r, err)
	}
	if d := time.Since(swapped); d > time.Second {
		t.Errorf("delisted name answered %v after the swap", d)
	}
	if n := len(rec.Blocks()); n != 2 {
		t.Errorf("%d blocks recorded, want 2", n)
	}
	// Listed again under a new snapshot: blocked again, and kept again.
	live.Swap(intel.Build([]intel.Indicator{ind}, time.Now()))
	if _, ok := srv.fastAnswer(q, from, new(reader), make([]byte, 0, 4096)); ok {
		t.Fatal("cached answer of a listed name sent")
	}
	if r := slowBytes(t, srv, q); r[3]&0xF != mdns.RcodeNameError {
		t.Fatal("relisted name not blocked")
	}
	if _, ok := srv.fastAnswer(q, from, new(reader), make([]byte, 0, 4096)); !ok {
		t.Fatal("block answer not kept under the new snapshot")
	}
}

// The readers decide per client: a network whose policy allowlists the
// name, or does not block its category, is not sent another network's kept
// block; a client outside client_cidrs is refused by the slow path.
func TestFastBlockPerClientPolicy(t *testing.T) {
	f := startFilter(t, func(c *gateway.Config) {
		c.ClientCIDRs = []string{"127.0.0.0/8", "::1/128"}
		c.Policies = []gateway.PolicyConfig{
			{Name: "allow", Networks: []string{"127.0.0.2/32"}, Allow: []string{"evil.test"}},
			{Name: "miners-ok", Networks: []string{"127.0.0.3/32"}, Categories: []string{"c2"}},
		}
	})
	f.intel.Add("domain", "evil.test", "miner")
	q := queryVariant{name: "x.evil.test.", rd: true, id: 5}.pack(t, mdns.TypeA)
	slowBytes(t, f.srv, q)
	if _, ok := f.srv.fastAnswer(q, netip.MustParseAddrPort("127.0.0.1:1"), new(reader), make([]byte, 0, 4096)); !ok {
		t.Fatal("default network: kept block not used")
	}
	for _, c := range []string{"127.0.0.2:1", "127.0.0.3:1", "10.0.0.1:1"} {
		if _, ok := f.srv.fastAnswer(q, netip.MustParseAddrPort(c), new(reader), make([]byte, 0, 4096)); ok {
			t.Errorf("client %s sent the kept block", c)
		}
	}
	// DecideListed agrees with Decide for each client.
	hit, _ := f.intel.Current().MatchHost("x.evil.test")
	for _, c := range []string{"127.0.0.1", "127.0.0.2", "127.0.0.3", "10.0.0.1"} {
		a := netip.MustParseAddr(c)
		want := f.srv.opt.Chain.Decide(&gateway.Query{Client: a, Host: "x.evil.test"})
		if got := f.srv.opt.Chain.DecideListed(a, "x.evil.test", hit); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("client %s: DecideListed %+v, Decide %+v", c, got, want)
		}
	}
}

// A kept block answer larger than the client takes over UDP goes to the
// slow path, which truncates it.
func TestFastBlockTooLargeForClient(t *testing.T) {
	f := startFilter(t, nil)
	long := ""
	for len(long) < 220 { // an answer of about 560 bytes uncompressed
		long += "abcdefghijklmnopqrstuvwxyz012."
	}
	f.intel.Add("domain", "evil.test", "c2")
	v := queryVariant{name: long + "evil.test.", rd: true, id: 8}
	q := v.pack(t, mdns.TypeA)
	slow := slowBytes(t, f.srv, q)
	if len(slow) > 512 {
		t.Fatalf("slow path sent %d bytes to a 512-byte client", len(slow))
	}
	// (It fits compressed, as the slow path sends it then.)
	if r := new(mdns.Msg); r.Unpack(slow) != nil || r.Rcode != mdns.RcodeNameError {
		t.Fatalf("slow answer: %x", slow)
	}
	if _, ok := f.srv.fastAnswer(q, netip.MustParseAddrPort("127.0.0.1:5353"), new(reader), make([]byte, 0, 4096)); ok {
		t.Fatal("fast path sent a block answer larger than the client takes")
	}
	// A client that takes it gets it from the readers, whole.
	v.edns, v.udpSize = true, 1232
	q = v.pack(t, mdns.TypeA)
	slow = slowBytes(t, f.srv, q)
	fast, ok := f.srv.fastAnswer(q, netip.MustParseAddrPort("127.0.0.1:5353"), new(reader), make([]byte, 0, 4096))
	if !ok || !bytes.Equal(fast, slow) || len(fast) <= 512 {
		t.Fatalf("EDNS client: fast %v %d bytes, slow %d bytes", ok, len(fast), len(slow))
	}
}

// spelledAs is name with the letter case of pattern (of the same length).
func spelledAs(name, pattern string) string {
	b := []byte(name)
	for i := range b {
		if i < len(pattern) && pattern[i] >= 'A' && pattern[i] <= 'Z' && b[i] >= 'a' && b[i] <= 'z' {
			b[i] -= 'a' - 'A'
		}
	}
	return string(b)
}

// The readers count their decisions in a tally of their own and add it to
// the shared counters once a batch: every answer is still counted, slow or
// fast, allowed or blocked.
func TestReadersCountDecisions(t *testing.T) {
	f := startFilter(t, nil)
	f.intel.Add("domain", "evil.test", "c2")
	for range 3 {
		if r := f.query(t, "udp", "count.example", mdns.TypeA); r.Rcode != mdns.RcodeSuccess {
			t.Fatalf("allowed: %v", r)
		}
		if r := f.query(t, "udp", "x.evil.test", mdns.TypeA); r.Rcode != mdns.RcodeNameError {
			t.Fatalf("blocked: %v", r)
		}
	}
	// Keys: enforcer/reason/verdict (labels in name order).
	want := map[string]float64{"dns/no-match/allow/": 3, "dns/intel/block/": 3}
	deadline := time.Now().Add(2 * time.Second)
	for {
		got := map[string]float64{}
		mfs, err := f.reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() != "honeygate_gateway_decisions_total" {
				continue
			}
			for _, mt := range mf.Metric {
				key := ""
				for _, l := range mt.Label {
					key += l.GetValue() + "/"
				}
				if v := mt.Counter.GetValue(); v != 0 {
					got[key] = v
				}
			}
		}
		if fmt.Sprint(got) == fmt.Sprint(want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("decisions counted %v, want %v", got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
