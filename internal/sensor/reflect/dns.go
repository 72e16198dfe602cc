package reflect

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"strconv"
	"strings"

	"github.com/honeygate/honeygate/internal/schema"
	"github.com/honeygate/honeygate/internal/sensor"
)

// DNS message constants (RFC 1035, RFC 6891).
const (
	dnsHeaderLen = 12
	dnsMaxName   = 255
	dnsMaxLabel  = 63
	// dnsMaxRRs bounds the records a query may carry beyond its question
	// (an OPT, a TSIG, a cookie): a query with more is malformed.
	dnsMaxRRs = 8

	typeA     = 1
	typeNS    = 2
	typeSOA   = 6
	typeMX    = 15
	typeTXT   = 16
	typeAAAA  = 28
	typeOPT   = 41
	typeIXFR  = 251
	typeAXFR  = 252
	typeANY   = 255
	classIN   = 1
	classCH   = 3
	classANY  = 255
	rcodeOK   = 0
	rcodeFORM = 1
	rcodeFAIL = 2
	rcodeNXD  = 3
	rcodeIMP  = 4
	rcodeREF  = 5
)

// Errors of ParseDNSQuery. A message that is not a query at all (too short
// for a header, or a response) gets no answer; a malformed query gets
// FORMERR, as a resolver answers it.
var (
	ErrDNSShort    = errors.New("dns: shorter than a header")
	ErrDNSResponse = errors.New("dns: a response, not a query")
	ErrDNSFormat   = errors.New("dns: malformed query")
)

// DNSQuery is a parsed query. Name is the question's name in wire form
// (length-prefixed labels, ending with the root label), a slice of the
// request it was parsed from.
type DNSQuery struct {
	ID       uint16
	Opcode   uint8
	RD, CD   bool
	QDCount  uint16
	Name     []byte
	Type     uint16
	Class    uint16
	qEnd     int    // offset just past the question
	EDNS     bool   // the query carried an OPT record
	UDPSize  uint16 // the OPT record's payload size
	EDNSVer  uint8
	DO       bool
	Question []byte // the question as sent (name, type, class), echoed in replies
}

// ParseDNSQuery parses a query. When it returns ErrDNSFormat, q.ID and
// q.Opcode are set and the error can be answered.
func ParseDNSQuery(b []byte) (q DNSQuery, err error) {
	if len(b) < dnsHeaderLen {
		return q, ErrDNSShort
	}
	q.ID = binary.BigEndian.Uint16(b)
	flags := binary.BigEndian.Uint16(b[2:])
	if flags&0x8000 != 0 {
		return q, ErrDNSResponse
	}
	q.Opcode = uint8(flags>>11) & 0xf
	q.RD = flags&0x0100 != 0
	q.CD = flags&0x0010 != 0
	q.QDCount = binary.BigEndian.Uint16(b[4:])
	an, ns, ar := binary.BigEndian.Uint16(b[6:]), binary.BigEndian.Uint16(b[8:]), binary.BigEndian.Uint16(b[10:])
	if q.QDCount != 1 {
		return q, ErrDNSFormat
	}
	if int(an)+int(ns)+int(ar) > dnsMaxRRs {
		return q, ErrDNSFormat
	}
	off, ok := dnsName(b, dnsHeaderLen)
	if !ok || off+4 > len(b) {
		return q, ErrDNSFormat
	}
	q.Name = b[dnsHeaderLen:off]
	q.Type = binary.BigEndian.Uint16(b[off:])
	q.Class = binary.BigEndian.Uint16(b[off+2:])
	q.qEnd = off + 4
	q.Question = b[dnsHeaderLen:q.qEnd]
	off = q.qEnd
	for i := 0; i < int(an)+int(ns)+int(ar); i++ {
		var rrType, rrClass uint16
		var ttl uint32
		var ok bool
		off, rrType, rrClass, ttl, ok = dnsSkipRR(b, off)
		if !ok {
			return q, ErrDNSFormat
		}
		if rrType == typeOPT {
			if q.EDNS || i < int(an)+int(ns) {
				return q, ErrDNSFormat // two OPTs, or one outside the additional section
			}
			q.EDNS, q.UDPSize = true, rrClass
			q.EDNSVer = uint8(ttl >> 16)
			q.DO = ttl&0x8000 != 0
		}
	}
	return q, nil
}

// dnsName walks an uncompressed name at off and returns the offset past it.
// A question has no earlier name to point at, so a compression pointer there
// is malformed.
func dnsName(b []byte, off int) (int, bool) {
	total := 0
	for {
		if off >= len(b) {
			return 0, false
		}
		l := int(b[off])
		if l == 0 {
			return off + 1, true
		}
		if l > dnsMaxLabel {
			return 0, false
		}
		total += l + 1
		if total > dnsMaxName-1 || off+1+l > len(b) {
			return 0, false
		}
		off += 1 + l
	}
}

// dnsSkipName walks a name that may end in a compression pointer.
func dnsSkipName(b []byte, off int) (int, bool) {
	total := 0
	for {
		if off >= len(b) {
			return 0, false
		}
		l := int(b[off])
		switch {
		case l == 0:
			return off + 1, true
		case l&0xc0 == 0xc0:
			if off+2 > len(b) {
				return 0, false
			}
			return off + 2, true
		case l > dnsMaxLabel:
			return 0, false
		}
		total += l + 1
		if total > dnsMaxName-1 || off+1+l > len(b) {
			return 0, false
		}
		off += 1 + l
	}
}

func dnsSkipRR(b []byte, off int) (next int, typ, class uint16, ttl uint32, ok bool) {
	off, ok = dnsSkipName(b, off)
	if !ok || off+10 > len(b) {
		return 0, 0, 0, 0, false
	}
	typ = binary.BigEndian.Uint16(b[off:])
	class = binary.BigEndian.Uint16(b[off+2:])
	ttl = binary.BigEndian.Uint32(b[off+4:])
	rdlen := int(binary.BigEndian.Uint16(b[off+8:]))
	off += 10
	if off+rdlen > len(b) {
		return 0, 0, 0, 0, false
	}
	return off + rdlen, typ, class, ttl, true
}

// DNSConfig is what the open resolver answers with.
type DNSConfig struct {
	// A and AAAA are the addresses every name resolves to (the fixed zone
	// has one host record per family).
	A    string `yaml:"a"`
	AAAA string `yaml:"aaaa"`
	// Version is the answer to "version.bind" in class CHAOS, which scanners
	// ask to fingerprint resolvers; open resolvers in the wild are old BINDs.
	Version string `yaml:"version"`
	// MaxUDP caps a reply without EDNS at 512 bytes, as RFC 1035 does, and
	// with EDNS at the lesser of the client's size and this.
	MaxUDP int `yaml:"max_udp"`
}

// DefaultDNSConfig answers with documentation addresses: whatever a scanner
// resolves through the sensor leads nowhere real.
func DefaultDNSConfig() DNSConfig {
	return DNSConfig{A: "203.0.113.53", AAAA: "2001:db8:53::1", Version: "9.8.2rc1-RedHat-9.8.2-0.68.rc1.el6_10.8", MaxUDP: 1232}
}

func (c DNSConfig) validate(es *schema.Errors) {
	if a, err := netip.ParseAddr(c.A); err != nil || !a.Is4() {
		es.Add("dns.a", "%q is not an IPv4 address", c.A)
	}
	if a, err := netip.ParseAddr(c.AAAA); err != nil || !a.Is6() || a.Is4In6() {
		es.Add("dns.aaaa", "%q is not an IPv6 address", c.AAAA)
	}
	if len(c.Version) == 0 || len(c.Version) > 200 {
		es.Add("dns.version", "must be 1 to 200 characters")
	}
	if c.MaxUDP < 512 || c.MaxUDP > 4096 {
		es.Add("dns.max_udp", "must be between 512 and 4096")
	}
}

// DNS is an open recursive resolver that never recurses: every name
// resolves from one fixed small zone (owner names are the name asked, so an
// ANY query gets the SOA, NS, A, AAAA, MX and TXT records a real domain
// has). It never opens a connection.
type DNS struct {
	a       [4]byte
	aaaa    [16]byte
	version string
	maxUDP  int
}

var (
	_ sensor.PacketHandler   = (*DNS)(nil)
	_ sensor.PacketDescriber = (*DNS)(nil)
)

// NewDNS returns the resolver; c must be valid.
func NewDNS(c DNSConfig) *DNS {
	d := &DNS{version: c.Version, maxUDP: c.MaxUDP}
	if a, err := netip.ParseAddr(c.A); err == nil && a.Is4() {
		d.a = a.As4()
	}
	if a, err := netip.ParseAddr(c.AAAA); err == nil {
		d.aaaa = a.As16()
	}
	return d
}

// Proto implements sensor.PacketHandler.
func (d *DNS) Proto() string { return "dns" }

// ServePacket implements sensor.PacketHandler.
func (d *DNS) ServePacket(out, req []byte, _ sensor.PacketInfo) []byte {
	q, err := ParseDNSQuery(req)
	switch {
	case errors.Is(err, ErrDNSFormat) && q.Opcode != 0:
		// STATUS, NOTIFY, UPDATE (nmap's status probe has no question):
		// NOTIMP, as BIND answers opcodes it does not serve.
		return dnsHeader(out, q, rcodeIMP, 0, 0, 0, 0)
	case errors.Is(err, ErrDNSFormat):
		// Header only: the question may be what is malformed.
		return dnsHeader(out, q, rcodeFORM, 0, 0, 0, 0)
	case err != nil:
		return out
	}
	limit := 512
	if q.EDNS {
		limit = min(max(int(q.UDPSize), 512), d.maxUDP)
	}
	switch {
	case q.Opcode != 0:
		return dnsHeader(out, q, rcodeIMP, 0, 0, 0, 0)
	case q.EDNS && q.EDNSVer != 0:
		// BADVERS is an extended rcode (16): 0 in the header, 1 in the OPT.
		return d.reply(out, q, rcodeOK, 1, limit)
	case q.Class == classCH:
		return d.chaos(out, q, limit)
	case q.Class != classIN && q.Class != classANY:
		return d.reply(out, q, rcodeREF, 0, limit)
	case q.Type == typeAXFR || q.Type == typeIXFR:
		return d.reply(out, q, rcodeREF, 0, limit)
	}
	return d.answer(out, q, limit)
}

// dnsHeader appends a reply header: the query's id, opcode, RD and CD,
// with QR and RA set.
func dnsHeader(out []byte, q DNSQuery, rcode uint8, qd, an, ns, ar uint16) []byte {
	flags := uint16(0x8000) | uint16(q.Opcode&0xf)<<11 | 0x0080 | uint16(rcode&0xf)
	if q.RD {
		flags |= 0x0100
	}
	if q.CD {
		flags |= 0x0010
	}
	out = binary.BigEndian.AppendUint16(out, q.ID)
	out = binary.BigEndian.AppendUint16(out, flags)
	out = binary.BigEndian.AppendUint16(out, qd)
	out = binary.BigEndian.AppendUint16(out, an)
	out = binary.BigEndian.AppendUint16(out, ns)
	return binary.BigEndian.AppendUint16(out, ar)
}

// reply appends a reply with the question echoed and no records but the
// OPT (extRcode in its high rcode bits) when the query had one.
func (d *DNS) reply(out []byte, q DNSQuery, rcode, extRcode uint8, limit int) []byte {
	var ar uint16
	if q.EDNS {
		ar = 1
	}
	out = dnsHeader(out, q, rcode, 1, 0, 0, ar)
	out = append(out, q.Question...)
	if q.EDNS {
		out = d.opt(out, extRcode)
	}
	return out
}

// opt appends our OPT record: our payload size, version 0.
func (d *DNS) opt(out []byte, extRcode uint8) []byte {
	out = append(out, 0) // root
	out = binary.BigEndian.AppendUint16(out, typeOPT)
	out = binary.BigEndian.AppendUint16(out, uint16(d.maxUDP))
	out = append(out, extRcode, 0, 0, 0)
	return binary.BigEndian.AppendUint16(out, 0)
}

// The fixed zone's records, owned by the name asked (a pointer to the
// question at offset 12). Their TTLs count down as a cache's would not, but
// a single reply cannot show that.
const (
	ttlHost = 3600
	ttlZone = 86400
	txtSPF  = "v=spf1 mx -all"
)

// txtVerify is a second TXT record, like the site-verification strings
// most real domains carry.
const txtVerify = "google-site-verification=3mTzmtwZ4dXJ0NBgR1lTq5bMvJpOz9Yk0kQ4wFWRZ8c"

// rrHead appends an owner (pointer to the question name), type, class, TTL
// and a placeholder rdlength; it returns the offset of the rdlength.
func rrHead(out []byte, typ uint16, ttl uint32) ([]byte, int) {
	out = append(out, 0xc0, dnsHeaderLen)
	out = binary.BigEndian.AppendUint16(out, typ)
	out = binary.BigEndian.AppendUint16(out, classIN)
	out = binary.BigEndian.AppendUint32(out, ttl)
	at := len(out)
	return append(out, 0, 0), at
}

func rrEnd(out []byte, at int) []byte {
	binary.BigEndian.PutUint16(out[at:], uint16(len(out)-at-2))
	return out
}

// host appends "label.<qname>" in compressed form.
func host(out []byte, label string) []byte {
	out = append(out, byte(len(label)))
	out = append(out, label...)
	return append(out, 0xc0, dnsHeaderLen)
}

func txt(out []byte, s string) []byte {
	out = append(out, byte(len(s)))
	return append(out, s...)
}

// zoneRR appends the records of type typ and returns how many.
func (d *DNS) zoneRR(out []byte, typ uint16) ([]byte, uint16) {
	var at int
	switch typ {
	case typeA:
		out, at = rrHead(out, typeA, ttlHost)
		out = append(out, d.a[:]...)
		return rrEnd(out, at), 1
	case typeAAAA:
		out, at = rrHead(out, typeAAAA, ttlHost)
		out = append(out, d.aaaa[:]...)
		return rrEnd(out, at), 1
	case typeNS:
		out, at = rrHead(out, typeNS, ttlZone)
		out = rrEnd(host(out, "ns1"), at)
		out, at = rrHead(out, typeNS, ttlZone)
		return rrEnd(host(out, "ns2"), at), 2
	case typeMX:
		out, at = rrHead(out, typeMX, ttlHost)
		out = binary.BigEndian.AppendUint16(out, 10)
		return rrEnd(host(out, "mail"), at), 1
	case typeTXT:
		out, at = rrHead(out, typeTXT, ttlHost)
		out = rrEnd(txt(out, txtSPF), at)
		out, at = rrHead(out, typeTXT, ttlHost)
		return rrEnd(txt(out, txtVerify), at), 2
	case typeSOA:
		out, at = rrHead(out, typeSOA, ttlZone)
		out = host(out, "ns1")
		out = host(out, "hostmaster")
		for _, v := range [...]uint32{2024061101, 7200, 3600, 1209600, 300} {
			out = binary.BigEndian.AppendUint32(out, v)
		}
		return rrEnd(out, at), 1
	}
	return out, 0
}

// anyOrder is what an ANY query gets, in the order BIND lists it.
var anyOrder = [...]uint16{typeSOA, typeNS, typeA, typeAAAA, typeMX, typeTXT}

// answer appends the zone's answer to an IN (or ANY class) query.
func (d *DNS) answer(out []byte, q DNSQuery, limit int) []byte {
	start := len(out)
	var ar uint16
	if q.EDNS {
		ar = 1
	}
	out = dnsHeader(out, q, rcodeOK, 1, 0, 0, ar)
	out = append(out, q.Question...)
	var an, ns uint16
	if q.Type == typeANY {
		for _, t := range anyOrder {
			var n uint16
			out, n = d.zoneRR(out, t)
			an += n
		}
	} else {
		out, an = d.zoneRR(out, q.Type)
		if an == 0 {
			// No data of this type: NOERROR with the SOA in the authority
			// section, for negative caching.
			out, ns = d.zoneRR(out, typeSOA)
		}
	}
	if q.EDNS {
		out = d.opt(out, 0)
	}
	if len(out)-start > limit {
		// Too big for the client's buffer: TC, and only the question, so it
		// would retry over TCP (which this sensor does not serve).
		out = out[:start]
		out = dnsHeader(out, q, rcodeOK, 1, 0, 0, ar)
		out[start+2] |= 0x02
		out = append(out, q.Question...)
		if q.EDNS {
			out = d.opt(out, 0)
		}
		return out
	}
	binary.BigEndian.PutUint16(out[start+6:], an)
	binary.BigEndian.PutUint16(out[start+8:], ns)
	return out
}

// chaos answers the CHAOS-class names scanners ask for a server's identity.
func (d *DNS) chaos(out []byte, q DNSQuery, limit int) []byte {
	name := q.Name
	isVersion := dnsNameIs(name, "version.bind") || dnsNameIs(name, "version.server")
	if !isVersion || (q.Type != typeTXT && q.Type != typeANY) {
		return d.reply(out, q, rcodeREF, 0, limit)
	}
	start := len(out)
	var ar uint16
	if q.EDNS {
		ar = 1
	}
	out = dnsHeader(out, q, rcodeOK, 1, 1, 0, ar)
	out[start+2] |= 0x04 // AA: the server speaks for itself
	out = append(out, q.Question...)
	out, at := rrHead(out, typeTXT, 0)
	binary.BigEndian.PutUint16(out[at-6:], classCH)
	out = rrEnd(txt(out, d.version), at)
	if q.EDNS {
		out = d.opt(out, 0)
	}
	return out
}

// dnsNameIs compares a wire-form name with a dotted one, ignoring case.
func dnsNameIs(wire []byte, dotted string) bool {
	i := 0
	for _, label := range strings.Split(dotted, ".") {
		if i >= len(wire) || int(wire[i]) != len(label) || i+1+len(label) > len(wire) {
			return false
		}
		if !strings.EqualFold(string(wire[i+1:i+1+len(label)]), label) {
			return false
		}
		i += 1 + len(label)
	}
	return i < len(wire) && wire[i] == 0
}

// Describe implements sensor.PacketDescriber: "ANY example.com".
func (d *DNS) Describe(req []byte) string {
	q, err := ParseDNSQuery(req)
	if q.Opcode != 0 && (err == nil || errors.Is(err, ErrDNSFormat)) {
		return "opcode " + strconv.Itoa(int(q.Opcode))
	}
	if err != nil {
		return "malformed"
	}
	return dnsTypeName(q.Type) + " " + DNSNameString(q.Name)
}

// DNSNameString writes a wire-form name in presentation form, lower case,
// with bytes outside printable ASCII (and dots, backslashes inside labels)
// escaped as \DDD, as dig does.
func DNSNameString(wire []byte) string {
	var b strings.Builder
	for i := 0; i < len(wire) && wire[i] != 0; {
		l := int(wire[i])
		if i+1+l > len(wire) {
			break
		}
		for _, c := range wire[i+1 : i+1+l] {
			switch {
			case c == '.' || c == '\\' || c <= ' ' || c >= 0x7f:
				b.WriteByte('\\')
				b.WriteString(strconv.Itoa(int(c) + 1000)[1:])
			case c >= 'A' && c <= 'Z':
				b.WriteByte(c + 'a' - 'A')
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte('.')
		i += 1 + l
	}
	if b.Len() == 0 {
		return "."
	}
	return b.String()
}

func dnsTypeName(t uint16) string {
	switch t {
	case typeA:
		return "A"
	case typeNS:
		return "NS"
	case typeSOA:
		return "SOA"
	case typeMX:
		return "MX"
	case typeTXT:
		return "TXT"
	case typeAAAA:
		return "AAAA"
	case typeAXFR:
		return "AXFR"
	case typeIXFR:
		return "IXFR"
	case typeANY:
		return "ANY"
	case 46:
		return "RRSIG"
	case 48:
		return "DNSKEY"
	case 12:
		return "PTR"
	case 33:
		return "SRV"
	}
	return "TYPE" + strconv.Itoa(int(t))
}
