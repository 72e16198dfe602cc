package dns

import (
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/honeygate/honeygate/internal/gateway"
	"github.com/honeygate/honeygate/internal/gateway/gatewaytest"
)

// recordingWriter is a mdns.ResponseWriter that keeps what was written.
type recordingWriter struct {
	remote net.Addr
	msgs   []*mdns.Msg
}

func (w *recordingWriter) LocalAddr() net.Addr {
	return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53}
}
func (w *recordingWriter) RemoteAddr() net.Addr       { return w.remote }
func (w *recordingWriter) WriteMsg(m *mdns.Msg) error { w.msgs = append(w.msgs, m); return nil }
func (w *recordingWriter) Write(b []byte) (int, error) {
	m := new(mdns.Msg)
	if err := m.Unpack(b); err != nil {
		return 0, err
	}
	w.msgs = append(w.msgs, m)
	return len(b), nil
}
func (w *recordingWriter) Close() error        { return nil }
func (w *recordingWriter) TsigStatus() error   { return nil }
func (w *recordingWriter) TsigTimersOnly(bool) {}
func (w *recordingWriter) Hijack()             {}
func (w *recordingWriter) Network() string     { return "udp" }

// FuzzServeDNS feeds arbitrary packets through the same acceptance check
// and handler the server uses (no upstream: it answers from policy, kill
// switches or SERVFAIL). Invariants: no panic escapes or is recovered from;
// every accepted query gets exactly one answer with the query's id, QR set,
// the question echoed, that packs, and fits the client's UDP size.
func FuzzServeDNS(f *testing.F) {
	for _, seed := range []struct {
		name  string
		qtype uint16
		edns  bool
	}{
		{"www.example.com.", mdns.TypeA, false},
		{"evil.test.", mdns.TypeAAAA, true},
		{"www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com.", mdns.TypeA, true},
		{".", mdns.TypeANY, false},
	} {
		m := new(mdns.Msg)
		m.SetQuestion(seed.name, seed.qtype)
		if seed.edns {
			m.SetEdns0(4096, true)
		}
		b, _ := m.Pack()
		f.Add(b)
	}
	f.Add([]byte{0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1})
	for _, versions := range [][]uint8{{1}, {0, 0}, {255, 0}} { // BADVERS, FORMERR
		m := new(mdns.Msg)
		m.SetQuestion("evil.test.", mdns.TypeA)
		for _, v := range versions {
			o := &mdns.OPT{Hdr: mdns.RR_Header{Name: ".", Rrtype: mdns.TypeOPT}}
			o.SetUDPSize(1232)
			o.SetVersion(v)
			m.Extra = append(m.Extra, o)
		}
		b, _ := m.Pack()
		f.Add(b)
	}

	cfg := gateway.DefaultConfig()
	cfg.Sinkhole = []string{"192.0.2.53"}
	cfg.KillSwitchAddress = "192.0.2.80"
	in := gatewaytest.NewIntel()
	in.Add("domain", "evil.test", "malware")
	chain, _ := gateway.NewChain(&cfg, in)
	srv, err := New(Options{Chain: chain, Recorder: &gatewaytest.Recorder{}, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Config: cfg})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 12 {
			return
		}
		var dh mdns.Header
		r := new(mdns.Msg)
		if err := r.Unpack(data); err != nil {
			return
		}
		dh.Bits = uint16(data[2])<<8 | uint16(data[3])
		dh.Qdcount, dh.Ancount, dh.Nscount, dh.Arcount = uint16(len(r.Question)), uint16(len(r.Answer)), uint16(len(r.Ns)), uint16(len(r.Extra))
		if acceptQuery(dh) != mdns.MsgAccept {
			return
		}
		w := &recordingWriter{remote: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5353}}
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("panic escaped: %v", p)
				}
			}()
			srv.ServeDNS(w, r)
		}()
		if len(w.msgs) != 1 {
			t.Fatalf("%d answers", len(w.msgs))
		}
		a := w.msgs[0]
		if a.Id != r.Id || !a.Response || len(a.Question) != 1 || a.Question[0] != r.Question[0] {
			t.Fatalf("answer does not match query: %v / %v", a, r)
		}
		b, err := a.Pack()
		if err != nil {
			t.Fatalf("answer does not pack: %v", err)
		}
		limit := mdns.MinMsgSize
		if o := r.IsEdns0(); o != nil {
			limit = max(int(o.UDPSize()), mdns.MinMsgSize)
		}
		if len(b) > min(limit, 4096) {
			t.Fatalf("answer %d bytes over the client's %d", len(b), limit)
		}
	})
}

// FuzzFormErrUDP feeds arbitrary packets to the answer for UDP queries
// that do not unpack. Invariants: no panic; no answer to a packet shorter
// than a header or with QR set; otherwise at most one answer, which
// unpacks, has the packet's id, QR set, FORMERR or NOTIMP, and is never
// larger than the packet (or a bare header): no amplification.
func FuzzFormErrUDP(f *testing.F) {
	f.Add([]byte{0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0x12, 0x34, 0x81, 0, 0, 1, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0x12, 0x34, 0x28, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'a'})
	f.Add([]byte{0x12, 0x34, 1})
	srv := &Server{}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	defer pc.Close()
	rx, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	defer rx.Close()
	to := rx.LocalAddr().(*net.UDPAddr)
	buf := make([]byte, 65536)
	f.Fuzz(func(t *testing.T, q []byte) {
		srv.formErrUDP(pc, q, to)
		_ = rx.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		n, _, err := rx.ReadFrom(buf)
		silent := len(q) < 12 || q[2]&0x80 != 0
		if err != nil {
			if !silent {
				t.Fatalf("no answer to % x", q)
			}
			return
		}
		if silent {
			t.Fatalf("answered % x", q)
		}
		var a mdns.Msg
		if err := a.Unpack(buf[:n]); err != nil {
			t.Fatalf("answer does not unpack: %v", err)
		}
		if a.Id != uint16(q[0])<<8|uint16(q[1]) || !a.Response || (a.Rcode != mdns.RcodeFormatError && a.Rcode != mdns.RcodeNotImplemented) || n > max(len(q), 12) {
			t.Fatalf("answer %v (%d bytes) to % x", a.MsgHdr, n, q)
		}
	})
}
