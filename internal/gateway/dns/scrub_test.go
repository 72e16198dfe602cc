package dns

import (
	"net"
	"strings"
	"testing"

	mdns "github.com/miekg/dns"

	"github.com/honeygate/honeygate/internal/gateway"
)

// startUpstreamWith runs a fake upstream on loopback whose answers come
// from answer (the reply to r, already SetReply'd).
func startUpstreamWith(t *testing.T, answer func(r, m *mdns.Msg)) string {
	t.Helper()
	pc, l, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := mdns.HandlerFunc(func(w mdns.ResponseWriter, r *mdns.Msg) {
		m := new(mdns.Msg)
		m.SetReply(r)
		answer(r, m)
		_ = w.WriteMsg(m)
	})
	us := &mdns.Server{PacketConn: pc, Handler: h}
	ts := &mdns.Server{Listener: l, Handler: h}
	go func() { _ = us.ActivateAndServe() }()
	go func() { _ = ts.ActivateAndServe() }()
	t.Cleanup(func() { _ = us.Shutdown(); _ = ts.Shutdown() })
	return pc.LocalAddr().String()
}

func rr(t *testing.T, s string) mdns.RR {
	t.Helper()
	r, err := mdns.NewRR(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func rrs(t *testing.T, ss ...string) []mdns.RR {
	var out []mdns.RR
	for _, s := range ss {
		out = append(out, rr(t, s))
	}
	return out
}

// names lists a section as "owner type" strings.
func names(sec []mdns.RR) []string {
	var out []string
	for _, r := range sec {
		if r.Header().Rrtype == mdns.TypeOPT {
			continue
		}
		out = append(out, strings.ToLower(r.Header().Name)+" "+mdns.TypeToString[r.Header().Rrtype])
	}
	return out
}

// A poisoning upstream: beside the answer it sends an address for another
// name (with a listed one among them), a referral for another zone and
// glue. The client gets only the answer, over the slow and the fast path,
// and the extra listed name blocks nothing.
func TestUpstreamExtrasStripped(t *testing.T) {
	up := startUpstreamWith(t, func(r, m *mdns.Msg) {
		q := r.Question[0]
		switch strings.ToLower(q.Name) {
		case "innocent.example.":
			m.Answer = rrs(t, q.Name+" 300 IN A 192.0.2.7",
				"www.bank.example. 300 IN A 198.51.100.66",
				"c2.evil.test. 300 IN A 198.51.100.67",
				"other.example. 300 IN CNAME c2.evil.test.")
			m.Ns = rrs(t, "bank.example. 300 IN NS ns.attacker.example.", "example. 300 IN NS ns.attacker.example.")
			m.Extra = rrs(t, "ns.attacker.example. 300 IN A 198.51.100.68", "c2.evil.test. 300 IN AAAA 2001:db8::66")
		case "gone.example.":
			m.Rcode = mdns.RcodeNameError
			m.Ns = rrs(t, "example. 60 IN SOA ns.example. h.example. 1 2 3 4 30",
				"bank.example. 60 IN SOA ns.attacker.example. h.example. 1 2 3 4 3000",
				"bank.example. 60 IN NS ns.attacker.example.")
			m.Extra = rrs(t, "ns.attacker.example. 300 IN A 198.51.100.68")
		}
	})
	f := startFilter(t, func(c *gateway.Config) { c.Upstreams = []string{up} })
	f.intel.Add("domain", "evil.test", "malware")
	for pass := range 3 { // a miss, then cache hits (slow path marks clean, then fast path)
		r := f.query(t, "udp", "innocent.example", mdns.TypeA)
		if r.Rcode != mdns.RcodeSuccess || strings.Join(names(r.Answer), ",") != "innocent.example. A" || len(r.Ns) != 0 || len(names(r.Extra)) != 0 {
			t.Fatalf("pass %d: %v", pass, r)
		}
		if a := r.Answer[0].(*mdns.A).A; !a.Equal(net.IPv4(192, 0, 2, 7)) {
			t.Fatalf("pass %d: address %v", pass, a)
		}
		r = f.query(t, "tcp", "gone.example", mdns.TypeA)
		if r.Rcode != mdns.RcodeNameError || strings.Join(names(r.Ns), ",") != "example. SOA" || len(names(r.Extra)) != 0 {
			t.Fatalf("pass %d: negative answer %v", pass, r)
		}
	}
	if b := f.rec.Blocks(); len(b) != 0 {
		t.Fatalf("a listed name outside the answer blocked it: %+v", b)
	}
}

// A listed name in the middle of a CNAME chain (the records in any order)
// blocks the whole answer, on every later hit too; the same chain without
// the listed hop passes.
func TestCNAMEChainWithListedHopBlocked(t *testing.T) {
	up := startUpstreamWith(t, func(r, m *mdns.Msg) {
		q := r.Question[0]
		switch strings.ToLower(q.Name) {
		case "start.example.":
			m.Answer = rrs(t, "edge.example. 300 IN A 192.0.2.9",
				"cdn.evil.test. 300 IN CNAME edge.example.",
				q.Name+" 300 IN CNAME mid.example.",
				"mid.example. 300 IN CNAME cdn.evil.test.")
		case "clean.example.":
			m.Answer = rrs(t, q.Name+" 300 IN CNAME mid2.example.",
				"mid2.example. 300 IN CNAME edge.example.",
				"edge.example. 300 IN A 192.0.2.9")
		}
	})
	f := startFilter(t, func(c *gateway.Config) { c.Upstreams = []string{up} })
	f.intel.Add("domain", "evil.test", "malware")
	for pass := range 3 {
		r := f.query(t, "udp", "start.example", mdns.TypeA)
		if r.Rcode != mdns.RcodeNameError || len(r.Answer) != 0 {
			t.Fatalf("pass %d: chain through a listed name: %v", pass, r)
		}
		r = f.query(t, "udp", "clean.example", mdns.TypeA)
		if r.Rcode != mdns.RcodeSuccess || len(r.Answer) != 3 {
			t.Fatalf("pass %d: clean chain: %v", pass, r)
		}
	}
	b := f.rec.Blocks()
	if len(b) != 3 {
		t.Fatalf("%d block records, want 3: %+v", len(b), b)
	}
	for _, x := range b {
		if x.Host != "cdn.evil.test" || x.Hit.Value != "evil.test" || x.Action != gateway.ActionNXDomain {
			t.Fatalf("record %+v", x)
		}
	}
}

func TestScrub(t *testing.T) {
	for _, tc := range []struct {
		name           string
		qname          string
		qtype          uint16
		answer, ns, ex []string
		wantAnswer     []string
		wantNs         []string
	}{
		{
			name: "chain kept, strays dropped", qname: "a.example.", qtype: mdns.TypeA,
			answer: []string{"a.example. 1 IN CNAME b.example.", "b.example. 1 IN A 192.0.2.1", "b.example. 1 IN MX 1 mx.example.",
				"x.example. 1 IN A 192.0.2.2", "A.EXAMPLE. 1 IN A 192.0.2.3"},
			ns:         []string{"example. 1 IN NS ns.example."},
			ex:         []string{"ns.example. 1 IN A 192.0.2.53"},
			wantAnswer: []string{"a.example. CNAME", "b.example. A", "a.example. A"},
		},
		{
			name: "DNAME and its synthesized CNAME", qname: "www.old.example.", qtype: mdns.TypeAAAA,
			answer: []string{"old.example. 1 IN DNAME new.example.", "www.old.example. 1 IN CNAME www.new.example.",
				"www.new.example. 1 IN AAAA 2001:db8::1", "other.example. 1 IN DNAME evil.test."},
			wantAnswer: []string{"old.example. DNAME", "www.old.example. CNAME", "www.new.example. AAAA"},
		},
		{
			name: "CNAME loop ends", qname: "l1.example.", qtype: mdns.TypeA,
			answer:     []string{"l1.example. 1 IN CNAME l2.example.", "l2.example. 1 IN CNAME l1.example."},
			wantAnswer: []string{"l1.example. CNAME", "l2.example. CNAME"},
		},
		{
			name: "signed NODATA: SOA, NSEC and signatures of the zone kept", qname: "a.example.", qtype: mdns.TypeTXT,
			ns: []string{"example. 1 IN SOA ns.example. h.example. 1 2 3 4 5",
				"a.example. 1 IN NSEC b.example. A RRSIG NSEC",
				"a.example. 1 IN RRSIG NSEC 8 2 1 20300101000000 20200101000000 1 example. AAAA",
				"evil.test. 1 IN NSEC z.evil.test. A",
				"evil.test. 1 IN SOA ns.evil.test. h.evil.test. 1 2 3 4 5"},
			wantNs: []string{"example. SOA", "a.example. NSEC", "a.example. RRSIG"},
		},
		{
			name: "signed wildcard answer: its NSEC kept within the signer's zone", qname: "x.w.example.", qtype: mdns.TypeA,
			answer: []string{"x.w.example. 1 IN A 192.0.2.1",
				"x.w.example. 1 IN RRSIG A 8 3 1 20300101000000 20200101000000 1 example. AAAA",
				"y.example. 1 IN RRSIG A 8 3 1 20300101000000 20200101000000 1 example. AAAA"},
			ns:         []string{"w.example. 1 IN NSEC z.example. A", "w.example. 1 IN NS ns.example.", "q.other. 1 IN NSEC z.other. A"},
			wantAnswer: []string{"x.w.example. A", "x.w.example. RRSIG"},
			wantNs:     []string{"w.example. NSEC"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := new(mdns.Msg)
			m.SetQuestion(tc.qname, tc.qtype)
			m.Answer, m.Ns, m.Extra = rrs(t, tc.answer...), rrs(t, tc.ns...), rrs(t, tc.ex...)
			m.SetEdns0(1232, false)
			scrub(m, tc.qname, tc.qtype)
			if got, want := strings.Join(names(m.Answer), ","), strings.Join(tc.wantAnswer, ","); got != want {
				t.Errorf("answer %q, want %q", got, want)
			}
			if got, want := strings.Join(names(m.Ns), ","), strings.Join(tc.wantNs, ","); got != want {
				t.Errorf("authority %q, want %q", got, want)
			}
			if len(m.Extra) != 1 || m.Extra[0].Header().Rrtype != mdns.TypeOPT {
				t.Errorf("additional %v, want the OPT alone", m.Extra)
			}
		})
	}
}

// FuzzScrub feeds arbitrary upstream answers to scrub. Invariants: it never
// panics, everything it keeps in the answer section is owned by a name of
// the chain (or is a DNAME or signature above one), the additional section
// keeps only OPT, and a second scrub changes nothing (it is idempotent).
func FuzzScrub(f *testing.F) {
	seed := new(mdns.Msg)
	seed.SetQuestion("a.example.", mdns.TypeA)
	seed.Answer = []mdns.RR{
		&mdns.CNAME{Hdr: mdns.RR_Header{Name: "a.example.", Rrtype: mdns.TypeCNAME, Class: mdns.ClassINET, Ttl: 1}, Target: "b.evil.test."},
		&mdns.A{Hdr: mdns.RR_Header{Name: "b.evil.test.", Rrtype: mdns.TypeA, Class: mdns.ClassINET, Ttl: 1}, A: net.IPv4(192, 0, 2, 1)},
		&mdns.A{Hdr: mdns.RR_Header{Name: "x.example.", Rrtype: mdns.TypeA, Class: mdns.ClassINET, Ttl: 1}, A: net.IPv4(192, 0, 2, 2)},
	}
	seed.Ns = []mdns.RR{&mdns.NS{Hdr: mdns.RR_Header{Name: "example.", Rrtype: mdns.TypeNS, Class: mdns.ClassINET, Ttl: 1}, Ns: "ns.example."}}
	seed.Extra = []mdns.RR{&mdns.A{Hdr: mdns.RR_Header{Name: "ns.example.", Rrtype: mdns.TypeA, Class: mdns.ClassINET, Ttl: 1}, A: net.IPv4(192, 0, 2, 53)}}
	if b, err := seed.Pack(); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 4096 {
			return
		}
		m := new(mdns.Msg)
		if m.Unpack(b) != nil || len(m.Question) != 1 {
			return
		}
		q := m.Question[0]
		scrub(m, q.Name, q.Qtype)
		chain := chainOf(m.Answer, q.Name)
		for _, r := range m.Answer {
			h := r.Header()
			owned := false
			for _, c := range chain {
				if mdns.IsSubDomain(h.Name, c) {
					owned = true
				}
			}
			if !owned {
				t.Fatalf("kept %v outside the chain %v", r, chain)
			}
		}
		for _, r := range m.Extra {
			if r.Header().Rrtype != mdns.TypeOPT {
				t.Fatalf("kept additional %v", r)
			}
		}
		before := m.String()
		scrub(m, q.Name, q.Qtype)
		if after := m.String(); after != before {
			t.Fatalf("not idempotent:\n%s\n%s", before, after)
		}
	})
}
