package reflect

import (
	"strconv"
	"sync/atomic"

	"github.com/honeygate/honeygate/internal/schema"
	"github.com/honeygate/honeygate/internal/sensor"
)

// CharGen (RFC 864) over UDP: any datagram, whatever it holds, is answered
// with lines of the rotating 95-character printable ASCII pattern, 72
// characters and CRLF each, the next datagram starting one character later,
// as inetd's chargen does.
type CharGen struct {
	lines int
	rot   atomic.Uint32
}

var (
	_ sensor.PacketHandler   = (*CharGen)(nil)
	_ sensor.PacketDescriber = (*CharGen)(nil)
)

// CharGenConfig sizes the answer.
type CharGenConfig struct {
	// Lines per reply: inetd sends 1, xinetd and Windows' Simple TCP/IP
	// Services fill up to 512 bytes; amplification scanners look for the
	// large ones. At most 18 (1,332 bytes).
	Lines int `yaml:"lines"`
}

// DefaultCharGenConfig fills a reply up to 512 bytes, as RFC 864 allows.
func DefaultCharGenConfig() CharGenConfig { return CharGenConfig{Lines: 6} }

func (c CharGenConfig) validate(es *schema.Errors) {
	if c.Lines < 1 || c.Lines > 18 {
		es.Add("chargen.lines", "must be between 1 and 18")
	}
}

const (
	chargenLine  = 72
	chargenFirst = ' '
	chargenChars = 95 // ' ' through '~'
)

// chargenLoopPorts are source ports the service never answers, as inetd's
// check_loop does: they are other small services (echo, daytime, quote,
// chargen, time) and reflectors (DNS, NTP, SSDP, memcached), and answering
// a spoofed request "from" one starts an endless ping-pong between two
// reflectors (the Fraggle attack).
var chargenLoopPorts = [...]uint16{0, 7, 13, 17, 19, 37, 53, 123, 1900, 11211}

// NewCharGen returns the service; c must be valid.
func NewCharGen(c CharGenConfig) *CharGen { return &CharGen{lines: c.Lines} }

// Proto implements sensor.PacketHandler.
func (g *CharGen) Proto() string { return "chargen" }

// ServePacket implements sensor.PacketHandler. The request's content does
// not matter (RFC 864: "the data in the received datagram is ignored").
func (g *CharGen) ServePacket(out, _ []byte, info sensor.PacketInfo) []byte {
	p := info.Src.Port()
	for _, lp := range chargenLoopPorts {
		if p == lp {
			return out
		}
	}
	start := int(g.rot.Add(1)-1) % chargenChars
	return chargenLines(out, start, g.lines)
}

// chargenLines appends n lines of the pattern, the first one starting at
// character start, each next one a character later.
func chargenLines(out []byte, start, n int) []byte {
	for l := range n {
		s := (start + l) % chargenChars
		for i := range chargenLine {
			out = append(out, byte(chargenFirst+(s+i)%chargenChars))
		}
		out = append(out, '\r', '\n')
	}
	return out
}

// Describe implements sensor.PacketDescriber: "datagram of N bytes".
func (g *CharGen) Describe(req []byte) string {
	return "datagram of " + strconv.Itoa(len(req)) + " bytes"
}
