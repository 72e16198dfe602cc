package reflect

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"github.com/honeygate/honeygate/internal/schema"
	"github.com/honeygate/honeygate/internal/sensor"
)

// SSDP limits: a search request is a few lines; more is not a search.
const (
	ssdpMaxHeaders = 32
	ssdpMaxST      = 256
)

// Errors of ParseSSDP; none is answered.
var (
	ErrSSDPNotSearch = errors.New("ssdp: not an M-SEARCH request")
	ErrSSDPFormat    = errors.New("ssdp: malformed request")
)

// SSDPSearch is a parsed M-SEARCH; byte fields are slices of the request.
type SSDPSearch struct {
	ST   []byte // search target: ssdp:all, upnp:rootdevice, uuid:..., urn:...
	MAN  []byte // must be "ssdp:discover" (quoted)
	MX   int    // seconds to spread replies over (-1 when absent)
	Host []byte
}

// ParseSSDP parses an M-SEARCH request (UPnP Device Architecture 1.1,
// section 1.3.2): the request line "M-SEARCH * HTTP/1.1", then headers up to
// an empty line. Lines may end in CRLF or LF, as devices accept both.
func ParseSSDP(b []byte) (s SSDPSearch, err error) {
	s.MX = -1
	line, rest, ok := cutLine(b)
	if !ok || !bytes.Equal(line, []byte("M-SEARCH * HTTP/1.1")) {
		return s, ErrSSDPNotSearch
	}
	for n := 0; len(rest) > 0; n++ {
		if n >= ssdpMaxHeaders {
			return s, ErrSSDPFormat
		}
		// The last header may end at the end of the datagram without a
		// line end: many scanners send it so, and devices answer them.
		line, rest, _ = cutLine(rest)
		if len(line) == 0 {
			break
		}
		name, value, found := bytes.Cut(line, []byte(":"))
		if !found || len(name) == 0 {
			return s, ErrSSDPFormat
		}
		value = trimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("ST")):
			if len(value) == 0 || len(value) > ssdpMaxST {
				return s, ErrSSDPFormat
			}
			s.ST = value
		case bytes.EqualFold(name, []byte("MAN")):
			s.MAN = value
		case bytes.EqualFold(name, []byte("MX")):
			mx, err := strconv.Atoi(string(value))
			if err != nil || mx < 0 {
				return s, ErrSSDPFormat
			}
			s.MX = min(mx, 120)
		case bytes.EqualFold(name, []byte("HOST")):
			s.Host = value
		}
	}
	if s.ST == nil || !bytes.Equal(s.MAN, []byte(`"ssdp:discover"`)) {
		return s, ErrSSDPFormat
	}
	return s, nil
}

// cutLine splits off the first line (without its CRLF or LF); ok is false
// when no line end was found, and line is then the rest of b.
func cutLine(b []byte) (line, rest []byte, ok bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, nil, false
	}
	line = b[:i]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line, b[i+1:], true
}

// SSDPConfig is the device the sensor presents.
type SSDPConfig struct {
	// Location is the description URL in replies. Routers that answer SSDP
	// on their WAN side advertise their LAN address, so a private address
	// is what a real one shows.
	Location string `yaml:"location"`
	Server   string `yaml:"server"`
	// UUID names the device; empty derives one from the sensor name, so
	// that two deployments do not share it.
	UUID string `yaml:"uuid"`
}

// DefaultSSDPConfig is a MiniUPnPd home router, the most common SSDP
// amplifier.
func DefaultSSDPConfig() SSDPConfig {
	return SSDPConfig{
		Location: "http://192.168.1.1:5000/rootDesc.xml",
		Server:   "Linux/2.6.36, UPnP/1.0, MiniUPnPd/1.4",
	}
}

func (c SSDPConfig) validate(es *schema.Errors) {
	if u, err := url.Parse(c.Location); err != nil || u.Scheme != "http" || u.Host == "" || len(c.Location) > 200 {
		es.Add("ssdp.location", "%q is not an http URL", c.Location)
	}
	if len(c.Server) == 0 || len(c.Server) > 120 {
		es.Add("ssdp.server", "must be 1 to 120 characters")
	}
	if c.UUID != "" && !validUUID(c.UUID) {
		es.Add("ssdp.uuid", "%q is not a UUID", c.UUID)
	}
}

func validUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range []byte(s) {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// ssdpTargets are the search targets the router answers, in the order
// MiniUPnPd announces them.
var ssdpTargets = [...]string{
	"upnp:rootdevice",
	"urn:schemas-upnp-org:device:InternetGatewayDevice:1",
	"urn:schemas-upnp-org:device:WANDevice:1",
	"urn:schemas-upnp-org:device:WANConnectionDevice:1",
	"urn:schemas-upnp-org:service:WANIPConnection:1",
	"urn:schemas-upnp-org:service:WANCommonInterfaceConfig:1",
	"urn:schemas-upnp-org:service:Layer3Forwarding:1",
}

// SSDP is a UPnP Internet gateway answering M-SEARCH.
type SSDP struct {
	location, server, uuid string
	uuidST                 string // "uuid:" + uuid, the target that names this device
}

var (
	_ sensor.PacketHandler   = (*SSDP)(nil)
	_ sensor.PacketDescriber = (*SSDP)(nil)
)

// NewSSDP returns the device; c must be valid. sensorName seeds the UUID
// when c has none.
func NewSSDP(c SSDPConfig, sensorName string) *SSDP {
	u := c.UUID
	if u == "" {
		h := sha256.Sum256([]byte("honeygate-ssdp:" + sensorName))
		h[6] = h[6]&0x0f | 0x40 // version 4 layout, as MiniUPnPd generates
		h[8] = h[8]&0x3f | 0x80
		u = fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
	}
	return &SSDP{location: c.Location, server: c.Server, uuid: u, uuidST: "uuid:" + u}
}

// Proto implements sensor.PacketHandler.
func (s *SSDP) Proto() string { return "ssdp" }

// ServePacket implements sensor.PacketHandler.
func (s *SSDP) ServePacket(out, req []byte, _ sensor.PacketInfo) []byte {
	q, err := ParseSSDP(req)
	if err != nil {
		return out
	}
	st := s.target(q.ST)
	if st == "" {
		return out // a device stays silent for targets it is not
	}
	out = append(out, "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: "...)
	out = append(out, st...)
	out = append(out, "\r\nUSN: uuid:"...)
	out = append(out, s.uuid...)
	if st != s.uuidST {
		out = append(out, "::"...)
		out = append(out, st...)
	}
	out = append(out, "\r\nEXT:\r\nSERVER: "...)
	out = append(out, s.server...)
	out = append(out, "\r\nLOCATION: "...)
	out = append(out, s.location...)
	out = append(out, "\r\nOPT: \"http://schemas.upnp.org/upnp/1/0/\"; ns=01\r\n01-NLS: 1\r\nBOOTID.UPNP.ORG: 1\r\nCONFIGID.UPNP.ORG: 1337\r\n\r\n"...)
	return out
}

// target returns the target to answer for st, or "".
func (s *SSDP) target(st []byte) string {
	switch {
	case bytes.Equal(st, []byte("ssdp:all")):
		// A real device sends one reply per target; one is all the sensor
		// proposes, and the packet server may send none.
		return ssdpTargets[0]
	case len(st) == 5+len(s.uuid) && bytes.HasPrefix(st, []byte("uuid:")) && bytes.EqualFold(st[5:], []byte(s.uuid)):
		return s.uuidST
	}
	for _, t := range ssdpTargets {
		if bytes.Equal(st, []byte(t)) {
			return t
		}
	}
	return ""
}

// Describe implements sensor.PacketDescriber: "M-SEARCH ssdp:all".
func (s *SSDP) Describe(req []byte) string {
	q, err := ParseSSDP(req)
	if err != nil {
		return "malformed"
	}
	return "M-SEARCH " + printable(q.ST)
}

// printable keeps printable ASCII and writes other bytes as \xNN.
func printable(b []byte) string {
	var out []byte
	for _, c := range b {
		if c >= ' ' && c < 0x7f && c != '\\' {
			out = append(out, c)
		} else {
			out = append(out, '\\', 'x', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xf])
		}
	}
	return string(out)
}
