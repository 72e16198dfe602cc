package reflect

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"strconv"
	"time"

	"github.com/honeygate/honeygate/internal/schema"
	"github.com/honeygate/honeygate/internal/sensor"
)

// NTP modes (RFC 5905) and the private (mode 7, ntpd's ntp_request.h) and
// control (mode 6, RFC 9327) request codes the sensor knows.
const (
	ntpModeSymActive = 1
	ntpModeClient    = 3
	ntpModeServer    = 4
	ntpModeControl   = 6
	ntpModePrivate   = 7

	implUniv      = 0
	implXNTPDOld  = 2
	implXNTPD     = 3
	reqMonGetlist = 20
	reqMonGetlst1 = 42

	infoErrImpl = 1
	infoErrReq  = 2

	ctlReadStat = 1
	ctlReadVar  = 2

	cerrBadOp    = 3
	cerrBadAssoc = 4

	// ntpMode7Data is ntpd's request data area (the items of a request).
	ntpMode7Data = 40
	// ntpCtlMaxData is how much data one mode 6 response carries (ntpd's
	// CTL_MAX_DATA_LEN); longer answers are fragmented, which the sensor
	// does not do.
	ntpCtlMaxData = 468
)

// Errors of ParseNTP: none of these is answered.
var (
	ErrNTPShort    = errors.New("ntp: too short for its mode")
	ErrNTPResponse = errors.New("ntp: a response, not a request")
	ErrNTPFormat   = errors.New("ntp: malformed request")
)

// NTPRequest is a parsed request of mode 3 (client), 6 (control) or 7
// (private). Fields are those of its mode.
type NTPRequest struct {
	Mode, Version uint8

	// Mode 3.
	Poll     int8
	Transmit [8]byte // the client's transmit timestamp, echoed as origin

	// Mode 6.
	Opcode   uint8
	Sequence uint16
	Assoc    uint16
	Data     []byte // the request's variable list, a slice of the request

	// Mode 7.
	Seq7     uint8
	Impl     uint8
	ReqCode  uint8
	NItems   uint16
	ItemSize uint16
}

// ParseNTP parses a request. Responses (mode 4, or the R bit set in modes 6
// and 7) are ErrNTPResponse: answering them would let two reflectors
// bounce packets at each other forever.
func ParseNTP(b []byte) (r NTPRequest, err error) {
	if len(b) < 1 {
		return r, ErrNTPShort
	}
	r.Mode, r.Version = b[0]&7, (b[0]>>3)&7
	switch r.Mode {
	case ntpModeClient:
		if len(b) < 48 {
			return r, ErrNTPShort
		}
		r.Poll = int8(b[2])
		copy(r.Transmit[:], b[40:48])
	case ntpModeControl:
		if len(b) < 12 {
			return r, ErrNTPShort
		}
		if b[1]&0x80 != 0 {
			return r, ErrNTPResponse
		}
		r.Opcode = b[1] & 0x1f
		r.Sequence = binary.BigEndian.Uint16(b[2:])
		r.Assoc = binary.BigEndian.Uint16(b[6:])
		count := int(binary.BigEndian.Uint16(b[10:]))
		if count > len(b)-12 || count > ntpCtlMaxData {
			return r, ErrNTPFormat
		}
		r.Data = b[12 : 12+count]
	case ntpModePrivate:
		if len(b) < 8 {
			return r, ErrNTPShort
		}
		if b[0]&0x80 != 0 {
			return r, ErrNTPResponse
		}
		r.Seq7 = b[1] & 0x7f
		r.Impl = b[2]
		r.ReqCode = b[3]
		r.NItems = binary.BigEndian.Uint16(b[4:]) & 0x0fff
		r.ItemSize = binary.BigEndian.Uint16(b[6:]) & 0x0fff
		if b[4]&0xf0 != 0 || b[6]&0xf0 != 0 {
			return r, ErrNTPFormat // err and mbz nibbles must be zero in a request
		}
		if int(r.NItems)*int(r.ItemSize) > ntpMode7Data {
			return r, ErrNTPFormat
		}
	case ntpModeServer:
		return r, ErrNTPResponse
	default:
		// Symmetric and broadcast modes: a peer, not a client; ntpd with
		// default restrictions ignores them.
		if len(b) < 48 {
			return r, ErrNTPShort
		}
	}
	return r, nil
}

// NTPConfig is what the NTP server says about itself.
type NTPConfig struct {
	// Version is the daemon's version string in mode 6 system variables:
	// monlist was removed in 4.2.7p26, so an amplifier is older.
	Version string `yaml:"version"`
	System  string `yaml:"system"`
	// RefID is the upstream server the clock follows (stratum 2).
	RefID string `yaml:"refid"`
}

// DefaultNTPConfig is a Debian 8 server with ntpd 4.2.6p5, the era of the
// monlist amplifiers still found today.
func DefaultNTPConfig() NTPConfig {
	return NTPConfig{
		Version: "ntpd 4.2.6p5@1.2349-o Mon Nov 27 20:52:57 UTC 2017 (1)",
		System:  "Linux/3.16.0-4-amd64",
		RefID:   "192.0.2.123",
	}
}

func (c NTPConfig) validate(es *schema.Errors) {
	if len(c.Version) == 0 || len(c.Version) > 120 {
		es.Add("ntp.version", "must be 1 to 120 characters")
	}
	if len(c.System) == 0 || len(c.System) > 60 {
		es.Add("ntp.system", "must be 1 to 60 characters")
	}
	if a, err := netip.ParseAddr(c.RefID); err != nil || !a.Is4() {
		es.Add("ntp.refid", "%q is not an IPv4 address", c.RefID)
	}
}

// NTP is an ntpd 4.2.6 server: time for clients (mode 3), system variables
// and peer status over mode 6, and the monlist of mode 7 that made NTP an
// amplifier (CVE-2013-5211).
type NTP struct {
	version, system string
	refid           [4]byte
	now             func() time.Time
	start           time.Time
}

var (
	_ sensor.PacketHandler   = (*NTP)(nil)
	_ sensor.PacketDescriber = (*NTP)(nil)
)

// NewNTP returns the server; c must be valid.
func NewNTP(c NTPConfig) *NTP {
	n := &NTP{version: c.Version, system: c.System, now: time.Now}
	if a, err := netip.ParseAddr(c.RefID); err == nil && a.Is4() {
		n.refid = a.As4()
	}
	n.start = n.now()
	return n
}

// Proto implements sensor.PacketHandler.
func (n *NTP) Proto() string { return "ntp" }

// ServePacket implements sensor.PacketHandler.
func (n *NTP) ServePacket(out, req []byte, info sensor.PacketInfo) []byte {
	r, err := ParseNTP(req)
	if err != nil {
		return out
	}
	switch r.Mode {
	case ntpModeClient:
		return n.serverReply(out, r)
	case ntpModeControl:
		return n.control(out, r)
	case ntpModePrivate:
		return n.private(out, r, info)
	}
	return out
}

// ntpTime appends t as an NTP timestamp (seconds since 1900, 32.32 fixed).
func ntpTime(out []byte, t time.Time) []byte {
	const epoch = 2208988800 // 1900 to 1970
	sec := uint64(t.Unix() + epoch)
	frac := uint64(t.Nanosecond()) << 32 / 1e9
	return binary.BigEndian.AppendUint64(out, sec<<32|frac)
}

// serverReply is the mode 4 answer to a client: stratum 2, synchronised.
func (n *NTP) serverReply(out []byte, r NTPRequest) []byte {
	now := n.now()
	v := r.Version
	if v < 1 || v > 4 {
		v = 4
	}
	poll := r.Poll
	if poll < 4 || poll > 17 {
		poll = 6
	}
	out = append(out, v<<3|ntpModeServer, 2, byte(poll), 0xe9) // LI 0, stratum 2, precision 2^-23
	out = binary.BigEndian.AppendUint32(out, 0x0000_0a3d)      // root delay 0.04 s
	out = binary.BigEndian.AppendUint32(out, 0x0000_0831)      // root dispersion 0.032 s
	out = append(out, n.refid[:]...)
	out = ntpTime(out, now.Add(-97*time.Second).Truncate(time.Second/64))
	out = append(out, r.Transmit[:]...)
	out = ntpTime(out, now)
	return ntpTime(out, now.Add(23*time.Microsecond))
}

// private answers mode 7, as ntpd's ntp_request.c does.
func (n *NTP) private(out []byte, r NTPRequest, info sensor.PacketInfo) []byte {
	if r.Impl != implUniv && r.Impl != implXNTPDOld && r.Impl != implXNTPD {
		return n.privErr(out, r, infoErrImpl)
	}
	switch r.ReqCode {
	case reqMonGetlst1:
		return n.monlist(out, r, info, 72)
	case reqMonGetlist:
		return n.monlist(out, r, info, 48)
	}
	// Other requests need more emulation than a reflector does; ntpd with
	// "restrict noquery" on them answers the same way.
	return n.privErr(out, r, infoErrReq)
}

func (n *NTP) privHeader(out []byte, r NTPRequest, errCode uint8, items, itemSize int, more bool) []byte {
	b0 := byte(0x80) | r.Version<<3 | ntpModePrivate
	if more {
		b0 |= 0x40
	}
	out = append(out, b0, r.Seq7, r.Impl, r.ReqCode)
	out = binary.BigEndian.AppendUint16(out, uint16(errCode)<<12|uint16(items))
	return binary.BigEndian.AppendUint16(out, uint16(itemSize))
}

func (n *NTP) privErr(out []byte, r NTPRequest, code uint8) []byte {
	return n.privHeader(out, r, code, 0, 0, false)
}

// monClients are the other clients in the monitor list: NTP clients from
// documentation networks, with how long ago they were last and first seen,
// their packet count, and their mode and version.
var monClients = [...]struct {
	addr            [4]byte
	port            uint16
	last, first     uint32
	count           uint32
	mode, version   uint8
	restrict, flags uint32
}{
	{[4]byte{198, 51, 100, 17}, 123, 12, 1209611, 18722, 3, 4, 0x0, 0},
	{[4]byte{203, 0, 113, 201}, 37022, 41, 512345, 7941, 3, 4, 0x0, 0},
	{[4]byte{192, 0, 2, 77}, 123, 64, 1209597, 18870, 4, 4, 0x0, 0},
	{[4]byte{198, 51, 100, 230}, 52811, 301, 88213, 1290, 3, 3, 0x0, 0},
	{[4]byte{203, 0, 113, 5}, 123, 1024, 1209600, 1177, 3, 2, 0x0, 0},
}

// monlist answers MON_GETLIST(_1) with one datagram of the monitor list:
// the requester first (it is the most recent client, as ntpd lists it),
// then the others. itemSize is 72 (info_monitor_1) or 48 (info_monitor).
func (n *NTP) monlist(out []byte, r NTPRequest, info sensor.PacketInfo, itemSize int) []byte {
	items := 1 + len(monClients)
	out = n.privHeader(out, r, 0, items, itemSize, false)
	src := info.Src.Addr().Unmap()
	out = monItem(out, itemSize, src, info.Src.Port(), 0, 0, 1, r.Mode, r.Version, 0)
	for _, c := range monClients {
		out = monItem(out, itemSize, netip.AddrFrom4(c.addr), c.port, c.last, c.first, c.count, c.mode, c.version, c.restrict)
	}
	return out
}

func monItem(out []byte, size int, a netip.Addr, port uint16, last, first, count uint32, mode, version uint8, restrict uint32) []byte {
	var v4 [4]byte
	v6 := a.Is6()
	if !v6 {
		v4 = a.As4()
	}
	out = binary.BigEndian.AppendUint32(out, last)
	out = binary.BigEndian.AppendUint32(out, first)
	out = binary.BigEndian.AppendUint32(out, restrict)
	out = binary.BigEndian.AppendUint32(out, count)
	out = append(out, v4[:]...)
	if size == 72 {
		out = append(out, 0, 0, 0, 0)                  // daddr: the local address, unknown here
		out = binary.BigEndian.AppendUint32(out, 0)    // flags
		out = binary.BigEndian.AppendUint16(out, port) // the port as ntpd stores it (network order)
		out = append(out, mode, version)
	} else {
		out = binary.BigEndian.AppendUint16(out, port)
		out = append(out, mode, version)
	}
	if v6 {
		out = binary.BigEndian.AppendUint32(out, 1)
	} else {
		out = binary.BigEndian.AppendUint32(out, 0)
	}
	out = binary.BigEndian.AppendUint32(out, 0) // unused1
	var a6 [16]byte
	if v6 {
		a6 = a.As16()
	}
	out = append(out, a6[:]...)
	if size == 72 {
		out = append(out, make([]byte, 16)...) // daddr6
	}
	return out
}

// control answers mode 6 (what ntpq asks).
func (n *NTP) control(out []byte, r NTPRequest) []byte {
	switch {
	case r.Opcode == ctlReadStat && r.Assoc == 0:
		h := len(out)
		out = n.ctlHeader(out, r, 0x0615, 0)
		for i, st := range [...]uint16{0x961a, 0x9424, 0x9424} { // sys.peer, two candidates
			out = binary.BigEndian.AppendUint16(out, uint16(38541+i))
			out = binary.BigEndian.AppendUint16(out, st)
		}
		return n.ctlEnd(out, len(out)-h-12)
	case r.Opcode == ctlReadVar && r.Assoc == 0:
		h := len(out)
		out = n.ctlHeader(out, r, 0x0615, 0)
		out = n.sysVars(out, r.Data)
		return n.ctlEnd(out, len(out)-h-12)
	case r.Opcode == ctlReadVar || r.Opcode == ctlReadStat:
		return n.ctlEnd(n.ctlError(out, r, cerrBadAssoc), 0)
	}
	return n.ctlEnd(n.ctlError(out, r, cerrBadOp), 0)
}

func pad4(n int) int { return (n + 3) &^ 3 }

// ctlHeader appends a response header with a zero count, fixed by ctlEnd.
func (n *NTP) ctlHeader(out []byte, r NTPRequest, status uint16, errBit byte) []byte {
	v := r.Version
	if v < 1 || v > 4 {
		v = 2
	}
	out = append(out, v<<3|ntpModeControl, 0x80|errBit|r.Opcode)
	out = binary.BigEndian.AppendUint16(out, r.Sequence)
	out = binary.BigEndian.AppendUint16(out, status)
	out = binary.BigEndian.AppendUint16(out, r.Assoc)
	out = binary.BigEndian.AppendUint16(out, 0) // offset
	return binary.BigEndian.AppendUint16(out, 0)
}

func (n *NTP) ctlError(out []byte, r NTPRequest, code uint16) []byte {
	return n.ctlHeader(out, r, code<<8, 0x40)
}

// ctlEnd sets the count of the response that ends out (header at
// len(out)-12-count) and pads the data to 32 bits.
func (n *NTP) ctlEnd(out []byte, count int) []byte {
	h := len(out) - 12 - count
	binary.BigEndian.PutUint16(out[h+10:], uint16(count))
	for (len(out)-h)%4 != 0 {
		out = append(out, 0)
	}
	return out
}

// sysVars appends the system variables ntpq's "rv" shows, all of them or
// the ones named in the request's comma-separated list, cut to one
// response's data length.
func (n *NTP) sysVars(out []byte, want []byte) []byte {
	now := n.now()
	start := len(out)
	add := func(name string, value func([]byte) []byte) {
		if len(want) > 0 && !listHas(want, name) {
			return
		}
		mark := len(out)
		if len(out) > start {
			out = append(out, ", "...)
		}
		out = append(out, name...)
		out = append(out, '=')
		out = value(out)
		if len(out)-start > ntpCtlMaxData {
			out = out[:mark]
		}
	}
	str := func(s string) func([]byte) []byte {
		return func(b []byte) []byte { b = append(b, '"'); b = append(b, s...); return append(b, '"') }
	}
	lit := func(s string) func([]byte) []byte { return func(b []byte) []byte { return append(b, s...) } }
	hexTime := func(t time.Time) func([]byte) []byte {
		return func(b []byte) []byte {
			var buf [8]byte
			ts := ntpTime(buf[:0], t)
			b = append(b, "0x"...)
			b = appendHex(b, ts[:4])
			b = append(b, '.')
			return appendHex(b, ts[4:])
		}
	}
	add("version", str(n.version))
	add("processor", str("x86_64"))
	add("system", str(n.system))
	add("leap", lit("00"))
	add("stratum", lit("2"))
	add("precision", lit("-23"))
	add("rootdelay", lit("40.125"))
	add("rootdisp", lit("32.811"))
	add("refid", func(b []byte) []byte {
		for i, x := range n.refid {
			if i > 0 {
				b = append(b, '.')
			}
			b = strconv.AppendUint(b, uint64(x), 10)
		}
		return b
	})
	add("reftime", hexTime(now.Add(-97*time.Second)))
	add("clock", hexTime(now))
	add("peer", lit("38541"))
	add("tc", lit("10"))
	add("mintc", lit("3"))
	add("offset", lit("-0.412"))
	add("frequency", lit("-11.084"))
	add("sys_jitter", lit("0.623"))
	add("clk_jitter", lit("0.301"))
	add("clk_wander", lit("0.008"))
	return out
}

// listHas reports whether a mode 6 variable list ("a,b=1, c") names name.
func listHas(list []byte, name string) bool {
	for len(list) > 0 {
		i := 0
		for i < len(list) && list[i] != ',' {
			i++
		}
		item := list[:i]
		if j := indexByte(item, '='); j >= 0 {
			item = item[:j]
		}
		if string(trimSpace(item)) == name {
			return true
		}
		if i == len(list) {
			break
		}
		list = list[i+1:]
	}
	return false
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r' || b[len(b)-1] == '\n') {
		b = b[:len(b)-1]
	}
	return b
}

func appendHex(b, x []byte) []byte {
	const digits = "0123456789abcdef"
	for _, c := range x {
		b = append(b, digits[c>>4], digits[c&0xf])
	}
	return b
}

// Describe implements sensor.PacketDescriber: "monlist", "mode6 READVAR".
func (n *NTP) Describe(req []byte) string {
	r, err := ParseNTP(req)
	if err != nil {
		return "malformed"
	}
	switch r.Mode {
	case ntpModeClient:
		return "client"
	case ntpModeControl:
		switch r.Opcode {
		case ctlReadStat:
			return "mode6 READSTAT"
		case ctlReadVar:
			return "mode6 READVAR"
		}
		return "mode6 opcode " + strconv.Itoa(int(r.Opcode))
	case ntpModePrivate:
		switch r.ReqCode {
		case reqMonGetlst1:
			return "monlist"
		case reqMonGetlist:
			return "monlist (MON_GETLIST)"
		}
		return "mode7 request " + strconv.Itoa(int(r.ReqCode))
	}
	return "mode " + strconv.Itoa(int(r.Mode))
}
