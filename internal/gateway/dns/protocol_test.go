package dns

import (
	"io"
	"net"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
)

// An HTTPS or SVCB answer whose ipv4hint or ipv6hint is a listed address
// is blocked as an A or AAAA answer with it would be (a client may connect
// to a hint without asking for A at all); so is one whose target is a
// listed name, as a CNAME to it is. Unlisted hints pass.
func TestSVCBHintsJudged(t *testing.T) {
	for _, tc := range []struct {
		listType, listed string
		name             string
		target           string
	}{
		{"ip", "198.51.100.66", "svcb.ok.test", "198.51.100.66"},
		{"ip", "2001:db8::66", "svcb.ok.test", "2001:db8::66"},
		{"domain", "evil.test", "svcb.alias.test", "hidden.evil.test"},
	} {
		for _, qtype := range []uint16{mdns.TypeHTTPS, mdns.TypeSVCB} {
			for _, network := range []string{"udp", "tcp"} {
				f := startFilter(t, nil)
				if r := f.query(t, network, tc.name, qtype); r.Rcode != mdns.RcodeSuccess || len(r.Answer) != 1 {
					t.Fatalf("%s %s before listing: %s with %d answers", tc.name, mdns.TypeToString[qtype], mdns.RcodeToString[r.Rcode], len(r.Answer))
				}
				f.intel.Add(tc.listType, tc.listed, "malware")
				// Asked again: the cached answer is judged under the new
				// list (twice: once by the slow path, once by the readers).
				for i := range 2 {
					r := f.query(t, network, tc.name, qtype)
					if r.Rcode != mdns.RcodeNameError || len(r.Answer) != 0 {
						t.Fatalf("%s %s %s with %s listed (ask %d): %s with %d answers", network, tc.name, mdns.TypeToString[qtype], tc.listed, i, mdns.RcodeToString[r.Rcode], len(r.Answer))
					}
				}
				if b := f.rec.Blocks(); len(b) == 0 || b[0].Host != tc.target {
					t.Fatalf("%s %s: blocks recorded %+v, want host %s", tc.name, mdns.TypeToString[qtype], b, tc.target)
				}
			}
		}
	}
}

// exchangeRaw sends q over network and returns the answer, or nil when
// none came within wait.
func exchangeRaw(t *testing.T, network, addr string, q []byte, wait time.Duration) []byte {
	t.Helper()
	conn, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(wait))
	if network == "tcp" {
		q = append([]byte{byte(len(q) >> 8), byte(len(q))}, q...)
	}
	if _, err := conn.Write(q); err != nil {
		t.Fatal(err)
	}
	if network == "tcp" {
		var n [2]byte
		if _, err := io.ReadFull(conn, n[:]); err != nil {
			return nil
		}
		b := make([]byte, int(n[0])<<8|int(n[1]))
		if _, err := io.ReadFull(conn, b); err != nil {
			return nil
		}
		return b
	}
	b := make([]byte, 4096)
	n, err := conn.Read(b)
	if err != nil {
		return nil
	}
	return b[:n]
}

// ednsQuery packs a query for name with OPT records of the given versions.
func ednsQuery(t *testing.T, name string, id uint16, versions ...uint8) []byte {
	t.Helper()
	q := new(mdns.Msg)
	q.SetQuestion(name, mdns.TypeA)
	q.Id = id
	for _, v := range versions {
		o := &mdns.OPT{Hdr: mdns.RR_Header{Name: ".", Rrtype: mdns.TypeOPT}}
		o.SetUDPSize(1232)
		o.SetVersion(v)
		q.Extra = append(q.Extra, o)
	}
	b, err := q.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// RFC 6891: a query with EDNS version above 0 gets BADVERS (6.1.3) and
// one with two OPT records FORMERR (6.1.1), for a blocked name too, over
// UDP (the readers and the slow path alike) and TCP; a version-0 query
// for the same name is still blocked.
func TestEDNSVersionAndOPTCount(t *testing.T) {
	f := startFilter(t, nil)
	f.intel.Add("domain", "evil.example", "malware")
	f.query(t, "udp", "warm.example", mdns.TypeA)
	for round := range 2 { // the second round: the block answer is kept for the readers
		if r := f.query(t, "udp", "evil.example", mdns.TypeA); r.Rcode != mdns.RcodeNameError {
			t.Fatalf("round %d: plain query for a blocked name: %s", round, mdns.RcodeToString[r.Rcode])
		}
		for _, tc := range []struct {
			what     string
			versions []uint8
			rcode    int
		}{
			{"EDNS version 1", []uint8{1}, mdns.RcodeBadVers},
			{"two OPT records", []uint8{0, 0}, mdns.RcodeFormatError},
			{"EDNS version 0", []uint8{0}, mdns.RcodeNameError},
		} {
			q := ednsQuery(t, "evil.example.", 0x4242, tc.versions...)
			answers := map[string][]byte{"slow path": slowBytes(t, f.srv, q)}
			for _, network := range []string{"udp", "tcp"} {
				answers[network] = exchangeRaw(t, network, f.addr, q, 3*time.Second)
			}
			for how, b := range answers {
				var r mdns.Msg
				if err := r.Unpack(b); err != nil {
					t.Fatalf("round %d, %s over %s: %v", round, tc.what, how, err)
				}
				if r.Rcode != tc.rcode || r.Id != 0x4242 {
					t.Errorf("round %d, %s over %s: %s id %#x, want %s", round, tc.what, how, mdns.RcodeToString[r.Rcode], r.Id, mdns.RcodeToString[tc.rcode])
				}
				if o := r.IsEdns0(); o == nil || o.Version() != 0 {
					t.Errorf("round %d, %s over %s: answer's OPT %v, want one of version 0", round, tc.what, how, o)
				}
			}
		}
	}
}

// A malformed query whose header is readable gets FORMERR over UDP as over
// TCP, with its ID; a packet too short for a header, or a response (QR
// set), gets no answer over UDP.
func TestMalformedUDPAnsweredLikeTCP(t *testing.T) {
	f := startFilter(t, nil)
	f.query(t, "udp", "warm.example", mdns.TypeA)
	good := ednsQuery(t, "warm.example.", 0x1234)
	for _, tc := range []struct {
		what  string
		q     []byte
		rcode int
	}{
		{"a header promising a question it lacks", []byte{0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0}, mdns.RcodeFormatError},
		{"a question cut short", good[:len(good)-3], mdns.RcodeFormatError},
		{"a label running past the end", append([]byte{0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0}, 40, 'a', 'b'), mdns.RcodeFormatError},
		{"an opcode we do not serve, cut short", []byte{0x12, 0x34, 0x28, 0, 0, 1, 0, 0, 0, 0, 0, 0}, mdns.RcodeNotImplemented},
	} {
		var tcpCode, udpCode int = -1, -1
		for _, network := range []string{"tcp", "udp"} {
			b := exchangeRaw(t, network, f.addr, tc.q, 3*time.Second)
			if len(b) < 12 {
				t.Fatalf("%s over %s: no answer", tc.what, network)
			}
			var r mdns.Msg
			if err := r.Unpack(b); err != nil {
				t.Fatalf("%s over %s: answer does not unpack: %v", tc.what, network, err)
			}
			if r.Id != 0x1234 || !r.Response || len(b) > max(len(tc.q), 12) {
				t.Errorf("%s over %s: id %#x response %v, %d bytes for %d", tc.what, network, r.Id, r.Response, len(b), len(tc.q))
			}
			if network == "tcp" {
				tcpCode = r.Rcode
			} else {
				udpCode = r.Rcode
			}
		}
		if tcpCode != tc.rcode || udpCode != tc.rcode {
			t.Errorf("%s: TCP %s, UDP %s, want %s for both", tc.what, mdns.RcodeToString[tcpCode], mdns.RcodeToString[udpCode], mdns.RcodeToString[tc.rcode])
		}
	}
	for _, tc := range []struct {
		what string
		q    []byte
	}{
		{"a packet shorter than a header", []byte{0x12, 0x34, 1, 0, 0, 1}},
		{"a malformed response (QR set)", []byte{0x12, 0x34, 0x81, 0, 0, 1, 0, 0, 0, 0, 0, 0}},
	} {
		if b := exchangeRaw(t, "udp", f.addr, tc.q, 300*time.Millisecond); b != nil {
			t.Errorf("%s over UDP got an answer: % x", tc.what, b)
		}
	}
}
