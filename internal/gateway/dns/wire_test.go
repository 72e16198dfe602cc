package dns

import (
	"net"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
)

func sampleAnswer() *mdns.Msg {
	m := new(mdns.Msg)
	m.SetQuestion("www.example.com.", mdns.TypeA)
	m.Response = true
	m.Answer = []mdns.RR{
		&mdns.CNAME{Hdr: mdns.RR_Header{Name: "www.example.com.", Rrtype: mdns.TypeCNAME, Class: mdns.ClassINET, Ttl: 300}, Target: "edge.example.net."},
		&mdns.A{Hdr: mdns.RR_Header{Name: "edge.example.net.", Rrtype: mdns.TypeA, Class: mdns.ClassINET, Ttl: 60}, A: net.IPv4(192, 0, 2, 7)},
	}
	m.SetEdns0(4096, false)
	return m
}

// The fast path answers what the slow path would: same records, TTLs aged
// the same, the client's id and spelling.
func TestWireMatchesSlowPath(t *testing.T) {
	wa, err := packWire(sampleAnswer(), true, false)
	if err != nil {
		t.Fatal(err)
	}
	b, ok := wa.render(nil, 0xBEEF, "WwW.ExAmple.COM.", 10*time.Second)
	if !ok {
		t.Fatal("render refused")
	}
	got := new(mdns.Msg)
	if err := got.Unpack(b); err != nil {
		t.Fatal(err)
	}
	if got.Id != 0xBEEF || got.Question[0].Name != "WwW.ExAmple.COM." || got.Answer[0].Header().Ttl != 290 || got.Answer[1].Header().Ttl != 50 {
		t.Fatalf("%v", got)
	}
	slow := aged(sampleAnswer(), 10*time.Second)
	for i := range slow.Answer {
		if got.Answer[i].String() != slow.Answer[i].String() {
			t.Errorf("answer %d: fast %s, slow %s", i, got.Answer[i], slow.Answer[i])
		}
	}
	if o := got.IsEdns0(); o == nil || o.UDPSize() != 1232 {
		t.Errorf("OPT: %v", got.Extra)
	}
	// A name of another length (not the cached question) is refused.
	if _, ok := wa.render(nil, 1, "other.example.", 0); ok {
		t.Error("rendered a different name")
	}
}

// FuzzTTLOffsets: on any bytes the walker never panics and every offset it
// returns leaves room for a 32-bit TTL.
func FuzzTTLOffsets(f *testing.F) {
	wa, _ := packWire(sampleAnswer(), true, true)
	f.Add(wa.b)
	f.Add([]byte{0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		qEnd, ttls, err := ttlOffsets(b)
		if err != nil {
			return
		}
		if qEnd < 13 || qEnd > len(b) {
			t.Fatalf("qEnd %d of %d", qEnd, len(b))
		}
		for _, o := range ttls {
			if o < 12 || o+4 > len(b) {
				t.Fatalf("ttl offset %d of %d", o, len(b))
			}
		}
		w := &wireAnswer{b: b, ttls: ttls, qEnd: qEnd}
		_, _ = w.render(nil, 1, "a.", time.Second)
	})
}
