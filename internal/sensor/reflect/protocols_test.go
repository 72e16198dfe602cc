package reflect

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/sensor"
)

func serve(h sensor.PacketHandler, req []byte) []byte {
	return h.ServePacket(nil, req, sensor.PacketInfo{Src: testSrc, DstPort: 1})
}

func TestNTPMonlistLayout(t *testing.T) {
	n := testHandlers()["ntp"]
	for _, tc := range []struct {
		req      []byte
		itemSize int
	}{{ntpMonlist(), 72}, {ntpMonlistShort(), 72}, {[]byte{0x17, 0x80, 0x03, 0x14, 0, 0, 0, 0}, 48}} {
		r := serve(n, tc.req)
		if len(r) < 8 {
			t.Fatalf("reply %x", r)
		}
		if r[0] != 0x97 || r[1] != tc.req[1]&0x7f || r[2] != 3 || r[3] != tc.req[3] {
			t.Errorf("header % x", r[:4])
		}
		items := int(binary.BigEndian.Uint16(r[4:]) & 0x0fff)
		size := int(binary.BigEndian.Uint16(r[6:]) & 0x0fff)
		if r[4]>>4 != 0 || size != tc.itemSize || len(r) != 8+items*size || items < 2 {
			t.Errorf("err %d, %d items of %d in %d bytes", r[4]>>4, items, size, len(r))
		}
		// The requester is the first entry, with its address and port.
		if !bytes.Equal(r[8+16:8+20], testSrc.Addr().AsSlice()) {
			t.Errorf("first entry's address % x", r[8+16:8+20])
		}
	}
}

func TestNTPClientGetsTime(t *testing.T) {
	n := testHandlers()["ntp"]
	req := ntpClient(testNow.Add(-time.Second))
	r := serve(n, req)
	if len(r) != 48 || r[0]&7 != ntpModeServer || (r[0]>>3)&7 != 4 || r[1] != 2 {
		t.Fatalf("reply % x", r)
	}
	if !bytes.Equal(r[24:32], req[40:48]) {
		t.Error("origin timestamp is not the client's transmit timestamp")
	}
	sec := int64(binary.BigEndian.Uint32(r[40:])) - 2208988800
	if sec != testNow.Unix() {
		t.Errorf("transmit %d, want %d", sec, testNow.Unix())
	}
}

func TestNTPControlReadVar(t *testing.T) {
	n := testHandlers()["ntp"]
	r := serve(n, ntpReadVar(""))
	if len(r) < 12 || r[1] != 0x82 || binary.BigEndian.Uint16(r[2:]) != 1 {
		t.Fatalf("header % x", r[:12])
	}
	count := int(binary.BigEndian.Uint16(r[10:]))
	if count > ntpCtlMaxData || len(r) != 12+pad4(count) || len(r)%4 != 0 {
		t.Errorf("count %d in %d bytes", count, len(r))
	}
	data := string(r[12 : 12+count])
	for _, want := range []string{`version="ntpd 4.2.6p5`, "stratum=2", "refid=192.0.2.123", "clock=0x"} {
		if !bytes.Contains([]byte(data), []byte(want)) {
			t.Errorf("system variables lack %q: %s", want, data)
		}
	}
	r = serve(n, ntpReadVar("stratum,refid"))
	if got := string(r[12 : 12+binary.BigEndian.Uint16(r[10:])]); got != "stratum=2, refid=192.0.2.123" {
		t.Errorf("named variables: %q", got)
	}
}

func TestNTPNeverAnswersResponses(t *testing.T) {
	n := testHandlers()["ntp"]
	// A monlist response, a mode 6 response, a server reply: sent back at
	// a reflector, each would start a loop between the two.
	for _, req := range [][]byte{serve(n, ntpMonlist()), serve(n, ntpReadVar("")), serve(n, ntpClient(testNow))} {
		if r := serve(n, req); len(r) != 0 {
			t.Errorf("answered its own reply % x", req[:8])
		}
	}
}

func TestSSDPReply(t *testing.T) {
	s := NewSSDP(DefaultSSDPConfig(), "a")
	r := string(serve(s, ssdpSearch("upnp:rootdevice")))
	for _, want := range []string{"HTTP/1.1 200 OK\r\n", "\r\nST: upnp:rootdevice\r\n", "\r\nUSN: uuid:" + s.uuid + "::upnp:rootdevice\r\n",
		"\r\nLOCATION: http://192.168.1.1:5000/rootDesc.xml\r\n", "\r\nEXT:\r\n"} {
		if !bytes.Contains([]byte(r), []byte(want)) {
			t.Errorf("reply lacks %q:\n%s", want, r)
		}
	}
	if !bytes.HasSuffix([]byte(r), []byte("\r\n\r\n")) {
		t.Error("reply does not end the headers")
	}
	if other := NewSSDP(DefaultSSDPConfig(), "b"); other.uuid == s.uuid || !validUUID(s.uuid) {
		t.Errorf("uuids %s %s", s.uuid, other.uuid)
	}
	if r := string(serve(s, ssdpSearch("uuid:"+s.uuid))); !bytes.Contains([]byte(r), []byte("\r\nUSN: uuid:"+s.uuid+"\r\n")) {
		t.Errorf("uuid search:\n%s", r)
	}
}

func TestCharGenPattern(t *testing.T) {
	g := NewCharGen(CharGenConfig{Lines: 2})
	a, b := serve(g, []byte("x")), serve(g, nil)
	if len(a) != 148 || string(a[:4]) != ` !"#` || string(a[70:74]) != "fg\r\n" || string(a[74:77]) != `!"#` {
		t.Errorf("first reply %q", a)
	}
	if !bytes.Equal(b[:72], a[74:146]) {
		t.Error("the next datagram does not start one character later")
	}
	for _, port := range []uint16{7, 19, 53, 123} {
		src := netip.AddrPortFrom(testSrc.Addr(), port)
		if r := g.ServePacket(nil, []byte("x"), sensor.PacketInfo{Src: src}); len(r) != 0 {
			t.Errorf("answered source port %d (a loop with another service)", port)
		}
	}
}

func TestMemcachedFrames(t *testing.T) {
	m := testHandlers()["memcached"]
	r := serve(m, mcRequest(0xbeef, "stats\r\n"))
	if len(r) < 8 || binary.BigEndian.Uint16(r) != 0xbeef || binary.BigEndian.Uint16(r[2:]) != 0 || binary.BigEndian.Uint16(r[4:]) != 1 {
		t.Fatalf("frame % x", r[:8])
	}
	body := string(r[8:])
	if !bytes.HasPrefix([]byte(body), []byte("STAT pid ")) || !bytes.HasSuffix([]byte(body), []byte("END\r\n")) {
		t.Errorf("stats body:\n%s", body)
	}
	if !bytes.Contains(r, []byte("STAT version 1.4.33\r\n")) {
		t.Error("no version stat")
	}
	// Commands of one datagram are answered in order; a data block is not
	// taken for a command.
	r = serve(m, mcRequest(1, "set k 0 0 7\r\nversion\r\nversion\r\n"))
	if got := string(r[8:]); got != "STORED\r\nVERSION 1.4.33\r\n" {
		t.Errorf("set then version: %q", got)
	}
	// Keys are never stored: memory for attackers' values is what the
	// sensor must not give.
	if got := string(serve(m, mcRequest(2, "get k\r\n"))[8:]); got != "END\r\n" {
		t.Errorf("get after set: %q", got)
	}
	long := bytes.Repeat([]byte("k"), 251)
	if got := string(serve(m, mcRequest(3, "get "+string(long)+"\r\n"))[8:]); got != "CLIENT_ERROR bad command line format\r\n" {
		t.Errorf("long key: %q", got)
	}
}

func TestConfigValidate(t *testing.T) {
	if es := DefaultConfig().Validate(); len(es) != 0 {
		t.Fatalf("defaults: %v", es)
	}
	c := DefaultConfig()
	c.Limits.AttackIdle = 0
	c.DNS.A = "2001:db8::1"
	c.NTP.RefID = "x"
	c.SSDP.Location = "ftp://x"
	c.SSDP.UUID = "not-a-uuid"
	c.CharGen.Lines = 0
	c.Memcached.Version = "1 4"
	var paths []string
	for _, e := range c.Validate() {
		paths = append(paths, e.Path)
	}
	want := []string{"limits.attack_idle", "dns.a", "ntp.refid", "ssdp.location", "ssdp.uuid", "chargen.lines", "memcached.version"}
	if fmt.Sprint(paths) != fmt.Sprint(want) {
		t.Errorf("paths %v, want %v", paths, want)
	}
	ls := c.Listeners()
	if len(ls) != 5 || ls[0].Name != "reflect-dns" || ls[0].Net != "udp" || len(ls[0].Default) != 0 {
		t.Errorf("listeners %+v", ls)
	}
}
