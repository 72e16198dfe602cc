package reflect

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/miekg/dns"

	"github.com/honeygate/honeygate/internal/sensor"
)

// The fuzz targets share these invariants, for any datagram:
//   - parsing, answering and describing never panic;
//   - a reply is appended to the buffer given (its prefix is kept) and is at
//     most maxFuzzReply bytes (the packet server's default max_reply), so a
//     handler can never propose a datagram the server must refuse;
//   - a reply is well-formed for its protocol (checked per target), and a
//     response is never answered (no loops between reflectors).

const maxFuzzReply = 1400

var fuzzPrefix = []byte("prefix")

// fuzzServe answers req after a prefix and checks the shared invariants.
func fuzzServe(t *testing.T, h sensor.PacketHandler, req []byte) []byte {
	out := append(make([]byte, 0, 2048), fuzzPrefix...)
	r := h.ServePacket(out, req, sensor.PacketInfo{Src: testSrc, DstPort: 1})
	if len(r) < len(fuzzPrefix) || !bytes.Equal(r[:len(fuzzPrefix)], fuzzPrefix) {
		t.Fatalf("the reply lost the buffer's prefix: %q", r)
	}
	r = r[len(fuzzPrefix):]
	if len(r) > maxFuzzReply {
		t.Fatalf("reply of %d bytes", len(r))
	}
	_ = h.(sensor.PacketDescriber).Describe(req)
	return r
}

func seeds(f *testing.F, proto string) {
	for _, g := range goldenRequests {
		if g.proto == proto {
			f.Add(g.req)
		}
	}
}

func FuzzDNS(f *testing.F) {
	seeds(f, "dns")
	d := NewDNS(DefaultDNSConfig())
	f.Fuzz(func(t *testing.T, req []byte) {
		q, perr := ParseDNSQuery(req)
		r := fuzzServe(t, d, req)
		if len(r) == 0 {
			return
		}
		if perr == ErrDNSShort || perr == ErrDNSResponse {
			t.Fatalf("answered a non-query (%v)", perr)
		}
		var m dns.Msg
		if err := m.Unpack(r); err != nil {
			t.Fatalf("reply does not decode: %v\n%x", err, r)
		}
		if m.Id != q.ID || !m.Response {
			t.Fatalf("reply header %+v for query id %d", m.MsgHdr, q.ID)
		}
		limit := 512
		if q.EDNS {
			limit = max(int(q.UDPSize), 512)
		}
		if perr == nil && len(r) > limit {
			t.Fatalf("reply of %d bytes over the client's %d", len(r), limit)
		}
	})
}

func FuzzNTP(f *testing.F) {
	seeds(f, "ntp")
	n := testHandlers()["ntp"]
	f.Fuzz(func(t *testing.T, req []byte) {
		_, perr := ParseNTP(req)
		r := fuzzServe(t, n, req)
		if len(r) == 0 {
			return
		}
		if perr != nil {
			t.Fatalf("answered a request that does not parse (%v)", perr)
		}
		switch mode := req[0] & 7; mode {
		case ntpModeClient:
			if len(r) != 48 || r[0]&7 != ntpModeServer {
				t.Fatalf("client reply % x", r)
			}
		case ntpModeControl:
			if len(r) < 12 || r[0]&7 != mode || r[1]&0x80 == 0 || len(r) != 12+pad4(int(binary.BigEndian.Uint16(r[10:]))) {
				t.Fatalf("control reply % x", r)
			}
		case ntpModePrivate:
			items, size := int(binary.BigEndian.Uint16(r[4:])&0xfff), int(binary.BigEndian.Uint16(r[6:])&0xfff)
			if r[0]&7 != mode || r[0]&0x80 == 0 || len(r) != 8+items*size {
				t.Fatalf("private reply % x", r)
			}
		default:
			t.Fatalf("answered mode %d", mode)
		}
		if _, err := ParseNTP(r); err == nil {
			t.Fatalf("the reply parses as a request: it would loop between reflectors")
		}
	})
}

func FuzzSSDP(f *testing.F) {
	seeds(f, "ssdp")
	s := NewSSDP(DefaultSSDPConfig(), "fuzz")
	f.Fuzz(func(t *testing.T, req []byte) {
		r := fuzzServe(t, s, req)
		if len(r) == 0 {
			return
		}
		if !bytes.HasPrefix(req, []byte("M-SEARCH * HTTP/1.1")) {
			t.Fatalf("answered %q", req)
		}
		if !bytes.HasPrefix(r, []byte("HTTP/1.1 200 OK\r\n")) || !bytes.HasSuffix(r, []byte("\r\n\r\n")) {
			t.Fatalf("reply %q", r)
		}
		// Nothing the request carried reaches the reply: no header injection.
		if bytes.Count(r, []byte("\r\n")) != 12 {
			t.Fatalf("reply has %d lines: %q", bytes.Count(r, []byte("\r\n")), r)
		}
	})
}

func FuzzCharGen(f *testing.F) {
	seeds(f, "chargen")
	g := NewCharGen(DefaultCharGenConfig())
	f.Fuzz(func(t *testing.T, req []byte) {
		r := fuzzServe(t, g, req)
		if len(r) != 74*6 {
			t.Fatalf("reply of %d bytes", len(r))
		}
		for i := 0; i < len(r); i += 74 {
			line := r[i : i+74]
			if line[72] != '\r' || line[73] != '\n' {
				t.Fatalf("line %q", line)
			}
			for _, c := range line[:72] {
				if c < ' ' || c > '~' {
					t.Fatalf("byte %#x in %q", c, line)
				}
			}
		}
	})
}

func FuzzMemcached(f *testing.F) {
	seeds(f, "memcached")
	m := testHandlers()["memcached"]
	f.Fuzz(func(t *testing.T, req []byte) {
		fr, perr := ParseMemcachedFrame(req)
		r := fuzzServe(t, m, req)
		if len(r) == 0 {
			return
		}
		if perr != nil {
			t.Fatalf("answered a bad frame (%v)", perr)
		}
		if len(r) < 10 || binary.BigEndian.Uint16(r) != fr.RequestID || binary.BigEndian.Uint16(r[2:]) != 0 ||
			binary.BigEndian.Uint16(r[4:]) != 1 || !bytes.HasSuffix(r, []byte("\r\n")) {
			t.Fatalf("reply %q", r)
		}
		// Every reply line is one of the server's own: attacker bytes are
		// never echoed (a reflector that echoes is an amplifier of choice).
		for line := range bytes.SplitSeq(r[8:len(r)-2], []byte("\r\n")) {
			if !mcKnownLine(line) {
				t.Fatalf("unexpected reply line %q", line)
			}
		}
	})
}

func mcKnownLine(l []byte) bool {
	for _, p := range []string{"STAT ", "END", "ERROR", "CLIENT_ERROR bad ", "VERSION ", "STORED", "NOT_STORED", "NOT_FOUND", "OK"} {
		if bytes.HasPrefix(l, []byte(p)) {
			return true
		}
	}
	return false
}
