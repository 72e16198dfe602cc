package reflect

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strconv"
	"time"

	"github.com/honeygate/honeygate/internal/schema"
	"github.com/honeygate/honeygate/internal/sensor"
)

// memcached over UDP (protocol.txt, "UDP protocol"): an 8-byte frame header
// (request id, sequence number, datagram count, reserved) before the text
// protocol.
const (
	mcFrameLen   = 8
	mcMaxKey     = 250 // memcached's KEY_MAX_LENGTH
	mcMaxKeys    = 24  // keys answered in one get; more are still parsed
	mcMaxCmds    = 8   // commands answered in one datagram
	mcMaxLineLen = 2048
)

// Errors of ParseMemcachedFrame; none is answered.
var (
	ErrMCShort = errors.New("memcached: shorter than a frame header")
	ErrMCMulti = errors.New("memcached: multi-datagram request")
)

// MCFrame is a UDP frame header and its payload (a slice of the request).
type MCFrame struct {
	RequestID uint16
	Seq       uint16
	Total     uint16
	Payload   []byte
}

// ParseMemcachedFrame parses the frame header. memcached answers a request
// that spans several datagrams with an error and serves none; the sensor
// does not answer it at all (the error would still be a reflection).
func ParseMemcachedFrame(b []byte) (f MCFrame, err error) {
	if len(b) < mcFrameLen {
		return f, ErrMCShort
	}
	f.RequestID = binary.BigEndian.Uint16(b)
	f.Seq = binary.BigEndian.Uint16(b[2:])
	f.Total = binary.BigEndian.Uint16(b[4:])
	if f.Total != 1 {
		return f, ErrMCMulti
	}
	f.Payload = b[mcFrameLen:]
	return f, nil
}

// MCCommand is one text-protocol command: its name, arguments (slices of the
// request) and, for storage commands, the data block.
type MCCommand struct {
	Name    []byte
	Args    [mcMaxKeys + 1][]byte
	NArgs   int // arguments found (may exceed len(Args); the rest are not kept)
	Data    []byte
	BadData bool // a storage command whose data block is missing or of the wrong length
}

// NextMemcachedCommand parses the first command of p and returns the rest.
// ok is false when p holds no complete command line.
func NextMemcachedCommand(p []byte) (c MCCommand, rest []byte, ok bool) {
	i := bytes.IndexByte(p, '\n')
	if i < 0 || i > mcMaxLineLen {
		return c, nil, false
	}
	line := p[:i]
	rest = p[i+1:]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	for f := range bytes.FieldsSeq(line) {
		if c.Name == nil {
			c.Name = f
			continue
		}
		if c.NArgs < len(c.Args) {
			c.Args[c.NArgs] = f
		}
		c.NArgs++
	}
	if c.Name == nil {
		return c, rest, true
	}
	if isStorage(c.Name) {
		// <cmd> <key> <flags> <exptime> <bytes> [noreply], then the data.
		n := -1
		if c.NArgs >= 4 {
			if v, err := strconv.Atoi(string(c.Args[3])); err == nil && v >= 0 {
				n = v
			}
		}
		if n < 0 || n+2 > len(rest) || rest[n] != '\r' || rest[n+1] != '\n' {
			c.BadData = true
			return c, nil, true // the rest is data that cannot be parsed as commands
		}
		c.Data = rest[:n]
		rest = rest[n+2:]
	}
	return c, rest, true
}

func isStorage(name []byte) bool {
	switch string(name) {
	case "set", "add", "replace", "append", "prepend", "cas":
		return true
	}
	return false
}

// MemcachedConfig is what the server says about itself.
type MemcachedConfig struct {
	// Version is the server's version: UDP was on by default until 1.5.6,
	// so every amplifier is older.
	Version string `yaml:"version"`
}

// DefaultMemcachedConfig is Debian 9's memcached, common among the exposed.
func DefaultMemcachedConfig() MemcachedConfig { return MemcachedConfig{Version: "1.4.33"} }

func (c MemcachedConfig) validate(es *schema.Errors) {
	if len(c.Version) == 0 || len(c.Version) > 40 || bytes.ContainsAny([]byte(c.Version), " \r\n") {
		es.Add("memcached.version", "must be 1 to 40 characters without spaces")
	}
}

// Memcached is a memcached 1.4 server with UDP on and an empty cache: stats
// answer with the server's statistics (the amplification scanners ask),
// gets miss, storage commands say STORED and store nothing (memory for
// attackers' 1 MB values is what the sensor must not give).
type Memcached struct {
	version string
	pid     int
	start   time.Time
	now     func() time.Time
}

var (
	_ sensor.PacketHandler   = (*Memcached)(nil)
	_ sensor.PacketDescriber = (*Memcached)(nil)
)

// NewMemcached returns the server; c must be valid.
func NewMemcached(c MemcachedConfig) *Memcached {
	now := time.Now
	// A process id and uptime that look like a long-running daemon.
	return &Memcached{version: c.Version, pid: 781, start: now().Add(-41*24*time.Hour - 5*time.Hour), now: now}
}

// Proto implements sensor.PacketHandler.
func (m *Memcached) Proto() string { return "memcached" }

// ServePacket implements sensor.PacketHandler.
func (m *Memcached) ServePacket(out, req []byte, _ sensor.PacketInfo) []byte {
	f, err := ParseMemcachedFrame(req)
	if err != nil {
		return out
	}
	start := len(out)
	out = binary.BigEndian.AppendUint16(out, f.RequestID)
	out = append(out, 0, 0, 0, 1, 0, 0) // sequence 0 of 1 datagram
	body := len(out)
	p := f.Payload
	for n := 0; n < mcMaxCmds && len(p) > 0; n++ {
		c, rest, ok := NextMemcachedCommand(p)
		if !ok {
			break
		}
		p = rest
		out = m.command(out, &c)
	}
	if len(out) == body {
		return out[:start]
	}
	return out
}

// command appends the answer to one command.
func (m *Memcached) command(out []byte, c *MCCommand) []byte {
	switch string(c.Name) {
	case "":
		return append(out, "ERROR\r\n"...)
	case "get", "gets":
		if c.NArgs == 0 {
			return append(out, "ERROR\r\n"...)
		}
		for _, k := range c.Args[:min(c.NArgs, len(c.Args))] {
			if len(k) > mcMaxKey {
				return append(out, "CLIENT_ERROR bad command line format\r\n"...)
			}
		}
		return append(out, "END\r\n"...) // every key misses
	case "stats":
		if c.NArgs == 0 {
			return m.stats(out)
		}
		switch string(c.Args[0]) {
		case "items", "slabs", "sizes", "conns":
			return append(out, "END\r\n"...)
		case "settings":
			return m.settings(out)
		}
		return append(out, "ERROR\r\n"...)
	case "version":
		out = append(out, "VERSION "...)
		out = append(out, m.version...)
		return append(out, "\r\n"...)
	case "set", "add", "replace", "append", "prepend", "cas":
		if c.BadData || c.NArgs < 4 {
			return append(out, "CLIENT_ERROR bad data chunk\r\n"...)
		}
		if c.NArgs > 4 && string(c.Args[min(c.NArgs, len(c.Args))-1]) == "noreply" {
			return out
		}
		switch string(c.Name) {
		case "set":
			return append(out, "STORED\r\n"...)
		case "cas":
			return append(out, "NOT_FOUND\r\n"...)
		}
		return append(out, "NOT_STORED\r\n"...)
	case "delete", "incr", "decr", "touch":
		return append(out, "NOT_FOUND\r\n"...)
	case "flush_all":
		return append(out, "OK\r\n"...)
	}
	return append(out, "ERROR\r\n"...)
}

// stats appends "stats" output, the first lines of memcached 1.4's (it
// fills several datagrams in full; the sensor sends one).
func (m *Memcached) stats(out []byte) []byte {
	now := m.now()
	up := int64(now.Sub(m.start) / time.Second)
	stat := func(name string, v int64) {
		out = append(out, "STAT "...)
		out = append(out, name...)
		out = append(out, ' ')
		out = strconv.AppendInt(out, v, 10)
		out = append(out, "\r\n"...)
	}
	stat("pid", int64(m.pid))
	stat("uptime", up)
	stat("time", now.Unix())
	out = append(out, "STAT version "...)
	out = append(out, m.version...)
	out = append(out, "\r\nSTAT libevent 2.0.21-stable\r\nSTAT pointer_size 64\r\n"...)
	out = append(out, "STAT rusage_user 1402.118000\r\nSTAT rusage_system 2977.301000\r\n"...)
	stat("curr_connections", 10)
	stat("total_connections", 48211+up/97)
	stat("connection_structures", 12)
	stat("reserved_fds", 20)
	stat("cmd_get", 9112004+up/3)
	stat("cmd_set", 1204117+up/29)
	stat("cmd_flush", 0)
	stat("cmd_touch", 0)
	stat("get_hits", 7820145+up/4)
	stat("get_misses", 1291859+up/17)
	stat("delete_misses", 112)
	stat("delete_hits", 20871)
	stat("incr_misses", 0)
	stat("incr_hits", 0)
	stat("bytes_read", 1817209332+up*211)
	stat("bytes_written", 9912201455+up*1043)
	stat("limit_maxbytes", 67108864)
	stat("threads", 4)
	stat("bytes", 52114771)
	stat("curr_items", 61744)
	stat("total_items", 1204117+up/29)
	stat("evictions", 0)
	return append(out, "END\r\n"...)
}

func (m *Memcached) settings(out []byte) []byte {
	return append(out, "STAT maxbytes 67108864\r\nSTAT maxconns 1024\r\nSTAT tcpport 11211\r\nSTAT udpport 11211\r\n"+
		"STAT inter NULL\r\nSTAT verbosity 0\r\nSTAT evictions on\r\nSTAT growth_factor 1.25\r\nSTAT chunk_size 48\r\n"+
		"STAT num_threads 4\r\nSTAT item_size_max 1048576\r\nEND\r\n"...)
}

// Describe implements sensor.PacketDescriber: "stats", "get <key>",
// "set <key> <bytes>".
func (m *Memcached) Describe(req []byte) string {
	f, err := ParseMemcachedFrame(req)
	if err != nil {
		return "malformed"
	}
	c, _, ok := NextMemcachedCommand(f.Payload)
	if !ok || c.Name == nil {
		return "malformed"
	}
	s := printable(c.Name)
	if c.NArgs > 0 {
		s += " " + printable(c.Args[0])
	}
	if isStorage(c.Name) && c.NArgs >= 4 {
		s += " " + printable(c.Args[3])
	}
	return s
}
