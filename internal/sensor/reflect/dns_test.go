package reflect

import (
	"testing"

	"github.com/miekg/dns"

	"github.com/honeygate/honeygate/internal/sensor"
)

// ask sends a query built by miekg/dns (an independent implementation) and
// decodes the reply with it.
func ask(t *testing.T, d *DNS, q *dns.Msg) *dns.Msg {
	t.Helper()
	req, err := q.Pack()
	if err != nil {
		t.Fatal(err)
	}
	reply := d.ServePacket(nil, req, sensor.PacketInfo{Src: testSrc})
	if len(reply) == 0 {
		return nil
	}
	var m dns.Msg
	if err := m.Unpack(reply); err != nil {
		t.Fatalf("reply does not decode: %v\n%x", err, reply)
	}
	if m.Id != q.Id || !m.Response || !m.RecursionAvailable || m.RecursionDesired != q.RecursionDesired {
		t.Errorf("header: %+v", m.MsgHdr)
	}
	return &m
}

func TestDNSAnswersLikeAResolver(t *testing.T) {
	d := NewDNS(DefaultDNSConfig())
	types := func(rrs []dns.RR) map[uint16]int {
		m := map[uint16]int{}
		for _, rr := range rrs {
			m[rr.Header().Rrtype]++
		}
		return m
	}
	for _, tc := range []struct {
		name     string
		qtype    uint16
		want     map[uint16]int // answer types
		wantAuth int
	}{
		{"ANY", dns.TypeANY, map[uint16]int{dns.TypeSOA: 1, dns.TypeNS: 2, dns.TypeA: 1, dns.TypeAAAA: 1, dns.TypeMX: 1, dns.TypeTXT: 2}, 0},
		{"A", dns.TypeA, map[uint16]int{dns.TypeA: 1}, 0},
		{"AAAA", dns.TypeAAAA, map[uint16]int{dns.TypeAAAA: 1}, 0},
		{"NS", dns.TypeNS, map[uint16]int{dns.TypeNS: 2}, 0},
		{"SOA", dns.TypeSOA, map[uint16]int{dns.TypeSOA: 1}, 0},
		{"MX", dns.TypeMX, map[uint16]int{dns.TypeMX: 1}, 0},
		{"TXT", dns.TypeTXT, map[uint16]int{dns.TypeTXT: 2}, 0},
		{"DNSKEY no data", dns.TypeDNSKEY, map[uint16]int{}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := new(dns.Msg)
			q.SetQuestion("Amp.Example.COM.", tc.qtype)
			m := ask(t, d, q)
			if m.Rcode != dns.RcodeSuccess || m.Truncated || m.Authoritative {
				t.Errorf("rcode %d tc %v aa %v", m.Rcode, m.Truncated, m.Authoritative)
			}
			if len(m.Question) != 1 || m.Question[0] != q.Question[0] {
				t.Errorf("question %v, want %v (case kept)", m.Question, q.Question)
			}
			got := types(m.Answer)
			if len(got) != len(tc.want) {
				t.Errorf("answer types %v, want %v", got, tc.want)
			}
			for typ, n := range tc.want {
				if got[typ] != n {
					t.Errorf("%d records of type %d, want %d", got[typ], typ, n)
				}
			}
			for _, rr := range m.Answer {
				if rr.Header().Name != q.Question[0].Name {
					t.Errorf("owner %q", rr.Header().Name)
				}
			}
			if len(m.Ns) != tc.wantAuth {
				t.Errorf("authority %v", m.Ns)
			}
		})
	}
}

func TestDNSAddressesFromConfig(t *testing.T) {
	c := DefaultDNSConfig()
	c.A, c.AAAA = "192.0.2.99", "2001:db8::99"
	d := NewDNS(c)
	q := new(dns.Msg)
	q.SetQuestion("x.example.", dns.TypeANY)
	m := ask(t, d, q)
	var a, aaaa string
	for _, rr := range m.Answer {
		switch r := rr.(type) {
		case *dns.A:
			a = r.A.String()
		case *dns.AAAA:
			aaaa = r.AAAA.String()
		}
	}
	if a != c.A || aaaa != c.AAAA {
		t.Errorf("A %s AAAA %s", a, aaaa)
	}
}

func TestDNSEDNS(t *testing.T) {
	d := NewDNS(DefaultDNSConfig())
	q := new(dns.Msg)
	q.SetQuestion("example.com.", dns.TypeANY)
	q.SetEdns0(4096, true)
	m := ask(t, d, q)
	opt := m.IsEdns0()
	if opt == nil || opt.UDPSize() != 1232 || opt.Version() != 0 {
		t.Fatalf("OPT %v", opt)
	}
	// Version 1 is BADVERS (extended rcode 16).
	q.IsEdns0().SetVersion(1)
	m = ask(t, d, q)
	if m.Rcode != dns.RcodeBadVers || len(m.Answer) != 0 {
		t.Errorf("EDNS1: rcode %d answers %d", m.Rcode, len(m.Answer))
	}
}

func TestDNSTruncatesToTheClientsBuffer(t *testing.T) {
	d := NewDNS(DefaultDNSConfig())
	long := ""
	for range 4 {
		long += "a123456789012345678901234567890123456789012345678901234567." // 4 x 59
	}
	q := new(dns.Msg)
	q.SetQuestion(long, dns.TypeANY)
	m := ask(t, d, q)
	if !m.Truncated || len(m.Answer) != 0 {
		t.Errorf("no EDNS, long ANY: tc %v, %d answers", m.Truncated, len(m.Answer))
	}
	q.SetEdns0(1232, false)
	m = ask(t, d, q)
	if m.Truncated || len(m.Answer) != 8 {
		t.Errorf("EDNS 1232: tc %v, %d answers", m.Truncated, len(m.Answer))
	}
}

func TestDNSRefusesAndRejects(t *testing.T) {
	d := NewDNS(DefaultDNSConfig())
	q := new(dns.Msg)
	q.SetQuestion("example.com.", dns.TypeAXFR)
	if m := ask(t, d, q); m.Rcode != dns.RcodeRefused {
		t.Errorf("AXFR: rcode %d", m.Rcode)
	}
	q.SetQuestion("example.com.", dns.TypeA)
	q.Question[0].Qclass = dns.ClassHESIOD
	if m := ask(t, d, q); m.Rcode != dns.RcodeRefused {
		t.Errorf("class HS: rcode %d", m.Rcode)
	}
	q = new(dns.Msg)
	q.SetQuestion("version.bind.", dns.TypeTXT)
	q.Question[0].Qclass = dns.ClassCHAOS
	m := ask(t, d, q)
	if len(m.Answer) != 1 || m.Answer[0].(*dns.TXT).Txt[0] != DefaultDNSConfig().Version || !m.Authoritative {
		t.Errorf("version.bind: %v", m)
	}
	q = new(dns.Msg)
	q.SetNotify("example.com.")
	if m := ask(t, d, q); m.Rcode != dns.RcodeNotImplemented {
		t.Errorf("NOTIFY: rcode %d", m.Rcode)
	}
	// A response is never answered (two reflectors would bounce forever).
	r := new(dns.Msg)
	r.SetQuestion("example.com.", dns.TypeA)
	r.Response = true
	if m := ask(t, d, r); m != nil {
		t.Errorf("answered a response: %v", m)
	}
}

func TestDNSNameString(t *testing.T) {
	for wire, want := range map[string]string{
		"\x00":                          ".",
		"\x03ISC\x03org\x00":            "isc.org.",
		"\x03a.b\x01\\\x02\x00\xff\x00": `a\046b.\092.\000\255.`,
	} {
		if got := DNSNameString([]byte(wire)); got != want {
			t.Errorf("%q: %q, want %q", wire, got, want)
		}
	}
}
