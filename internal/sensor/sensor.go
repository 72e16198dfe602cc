// Package sensor holds what every network honeypot shares: the Sensor
// interface, the accept loop with its limits (per source, overall), per
// connection deadlines and byte caps, and panic recovery per connection.
//
// Protocol emulation lives in one subpackage per protocol (telnet/, ...);
// nothing here knows a protocol.
package sensor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"runtime/debug"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/schema"
)

// Handler serves one accepted connection. It must return when ctx is done.
// The connection is closed by the caller after Handler returns. A panic in
// Handle ends only that connection: the Server recovers it and records a
// session.panic event under info.Session, so handlers keep no bookkeeping
// for it.
type Handler interface {
	// Proto names the protocol for metrics and events ("telnet").
	Proto() string
	// Handle serves c; info says who connected where, and names the session.
	Handle(ctx context.Context, c *Conn, info ConnInfo)
}

// ConnInfo describes one accepted connection.
type ConnInfo struct {
	Session string // the session id, assigned by the Server (event.NewSessionID)
	SrcIP   netip.Addr
	SrcPort int
	DstPort int // the original destination port, before a local NAT redirect
	Start   time.Time
}

// Event returns a new event of kind for this connection, with the common
// fields set: a new id, the time now, the sensor instance name, the
// protocol, the addresses and the session.
func (info ConnInfo) Event(kind event.Kind, sensorName, proto string) *event.Event {
	src := ""
	if info.SrcIP.IsValid() {
		src = info.SrcIP.String()
	}
	return &event.Event{
		ID:      event.NewID(),
		Time:    time.Now().UTC(),
		Kind:    kind,
		Sensor:  sensorName,
		Proto:   proto,
		SrcIP:   src,
		SrcPort: info.SrcPort,
		DstPort: info.DstPort,
		Session: info.Session,
	}
}

// Limits bound what one client can make a sensor do. Zero means "no limit"
// only where stated; defaults come from DefaultLimits.
type Limits struct {
	IdleTimeout   time.Duration `yaml:"idle_timeout"`   // no byte received for this long ends the session
	MaxSession    time.Duration `yaml:"max_session"`    // total session time
	MaxBytesIn    int64         `yaml:"max_bytes_in"`   // bytes received per session
	MaxCommands   int           `yaml:"max_commands"`   // commands per session (used by shells)
	MaxPerSource  int           `yaml:"max_per_source"` // concurrent connections from one IPv4 address or IPv6 /64
	MaxConcurrent int           `yaml:"max_concurrent"` // concurrent connections overall
}

// DefaultLimits are sized for a sensor facing the whole Internet on a small
// machine: worms finish their dialogue in seconds, so minutes are generous.
func DefaultLimits() Limits {
	return Limits{
		IdleTimeout:   2 * time.Minute,
		MaxSession:    10 * time.Minute,
		MaxBytesIn:    1 << 20,
		MaxCommands:   1000,
		MaxPerSource:  64,
		MaxConcurrent: 20000,
	}
}

// Validate reports limits that cannot work, by their yaml names.
func (l Limits) Validate() schema.Errors {
	var errs schema.Errors
	for _, f := range []struct {
		name string
		ok   bool
	}{
		{"idle_timeout", l.IdleTimeout > 0},
		{"max_session", l.MaxSession > 0},
		{"max_bytes_in", l.MaxBytesIn > 0},
		{"max_commands", l.MaxCommands > 0},
		{"max_per_source", l.MaxPerSource > 0},
		{"max_concurrent", l.MaxConcurrent > 0},
	} {
		if !f.ok {
			errs.Add(f.name, "must be positive")
		}
	}
	return errs
}

// Metrics are the collectors every sensor reports to. One Metrics is shared
// by all sensors of a process; labels are low-cardinality (proto, reason).
type Metrics struct {
	Open    *prometheus.GaugeVec   // sessions open, by proto
	Refused *prometheus.CounterVec // connections refused by limits, by proto and reason
	Total   *prometheus.CounterVec // connections accepted, by proto
}

// NewMetrics creates the sensor metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Open: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "honeygate_sessions_open", Help: "Sessions open now, by protocol.",
		}, []string{"proto"}),
		Refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "honeygate_connections_refused_total", Help: "Connections refused by limits, by protocol and limit.",
		}, []string{"proto", "reason"}),
		Total: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "honeygate_connections_total", Help: "Connections accepted, by protocol.",
		}, []string{"proto"}),
	}
	if reg != nil {
		reg.MustRegister(m.Open, m.Refused, m.Total)
	}
	return m
}

// touch makes proto's series exist at zero before their first use, so
// that a dashboard or an alert rule sees 0, not an absent series
// (sessions only where there are sessions).
func (m *Metrics) touch(proto string, sessions bool) {
	if m == nil {
		return
	}
	if sessions {
		m.Open.WithLabelValues(proto)
	}
	m.Total.WithLabelValues(proto)
	for _, reason := range []string{"concurrent", "per_source"} {
		m.Refused.WithLabelValues(proto, reason)
	}
}

// Server runs one Handler on one listener with limits.
type Server struct {
	Handler Handler
	Limits  Limits
	Metrics *Metrics // may be nil
	Log     *slog.Logger
	// Publisher receives the session.panic event of a handler that
	// panicked; nil only logs it.
	Publisher event.Publisher
	// Sensor is the sensor instance name copied into that event.
	Sensor string
	// Gate is shared by every listener of a process so that per-source and
	// overall limits hold across ports. Nil means a private gate.
	Gate *Gate
}

// Serve accepts on ln until ctx is done or ln fails permanently; it then
// closes ln, waits for open sessions to end (they see ctx cancelled) and
// returns nil on a clean stop.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if s.Gate == nil {
		s.Gate = NewGate(s.Limits.MaxPerSource, s.Limits.MaxConcurrent)
	}
	log := s.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	proto := s.Handler.Proto()
	s.Metrics.touch(proto, true)
	var wg sync.WaitGroup
	defer wg.Wait()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			// Out of file descriptors and the like: wait and try again
			// rather than spin or die, as net/http does.
			if backoff == 0 {
				backoff = 5 * time.Millisecond
			} else if backoff *= 2; backoff > time.Second {
				backoff = time.Second
			}
			log.Warn("accept failed", "err", err, "retry_in", backoff)
			select {
			case <-time.After(backoff):
				continue
			case <-ctx.Done():
				return nil
			}
		}
		backoff = 0
		info := connInfo(c)
		if reason := s.Gate.Enter(info.SrcIP); reason != "" {
			if s.Metrics != nil {
				s.Metrics.Refused.WithLabelValues(proto, reason).Inc()
			}
			c.Close()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer s.Gate.Leave(info.SrcIP)
			s.serveConn(ctx, c, info)
		}()
	}
}

func (s *Server) serveConn(ctx context.Context, c net.Conn, info ConnInfo) {
	proto := s.Handler.Proto()
	if s.Metrics != nil {
		s.Metrics.Total.WithLabelValues(proto).Inc()
		g := s.Metrics.Open.WithLabelValues(proto)
		g.Inc()
		defer g.Dec()
	}
	ctx, cancel := context.WithTimeout(ctx, s.Limits.MaxSession)
	defer cancel()
	conn := &Conn{Conn: c, idle: s.Limits.IdleTimeout, remaining: s.Limits.MaxBytesIn}
	// Closing the connection is what unblocks a Read when the session's time
	// is up or the server stops.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	defer c.Close()
	defer func() {
		if v := recover(); v != nil {
			s.panicked(info, v, debug.Stack())
		}
	}()
	s.Handler.Handle(ctx, conn, info)
}

// panicked records a handler's panic: logged with its stack, and published
// as session.panic so that the session's record says why it ended.
func (s *Server) panicked(info ConnInfo, v any, stack []byte) {
	msg := fmt.Sprint(v)
	if s.Log != nil {
		s.Log.Error("session panicked", "session", info.Session, "panic", msg, "stack", string(stack))
	}
	if s.Publisher == nil {
		return
	}
	e := info.Event(event.SessionPanic, s.Sensor, s.Handler.Proto())
	e.Message = event.Text(event.Truncate(msg, 1024))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Publisher.Publish(ctx, e); err != nil && s.Log != nil {
		s.Log.Error("session.panic event lost", "session", info.Session, "err", err)
	}
}

// ErrTooMuchInput is returned by Conn.Read once the byte cap is reached.
var ErrTooMuchInput = errors.New("session input limit reached")

// Conn is a net.Conn with an idle deadline renewed on every read and a cap on
// the bytes read.
type Conn struct {
	net.Conn
	idle      time.Duration
	remaining int64
	read      int64
}

// Read reads with the idle deadline and byte cap applied.
func (c *Conn) Read(p []byte) (int, error) {
	if c.remaining <= 0 {
		return 0, ErrTooMuchInput
	}
	if int64(len(p)) > c.remaining {
		p = p[:c.remaining]
	}
	if c.idle > 0 {
		_ = c.Conn.SetReadDeadline(time.Now().Add(c.idle))
	}
	n, err := c.Conn.Read(p)
	c.remaining -= int64(n)
	c.read += int64(n)
	return n, err
}

// Write writes with a deadline, so a client that never reads cannot hold a
// session goroutine forever.
func (c *Conn) Write(p []byte) (int, error) {
	if c.idle > 0 {
		_ = c.Conn.SetWriteDeadline(time.Now().Add(c.idle))
	}
	return c.Conn.Write(p)
}

// BytesRead returns the number of bytes read so far.
func (c *Conn) BytesRead() int64 { return c.read }

// NewConn wraps c with the given limits; for tests and other servers.
func NewConn(c net.Conn, idle time.Duration, maxBytes int64) *Conn {
	return &Conn{Conn: c, idle: idle, remaining: maxBytes}
}

// connInfo describes an accepted TCP connection and names its session.
func connInfo(c net.Conn) ConnInfo {
	info := ConnInfo{Session: event.NewSessionID(), Start: time.Now().UTC()}
	if ra, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		ap := ra.AddrPort()
		info.SrcIP, info.SrcPort = ap.Addr().Unmap(), int(ap.Port())
	}
	info.DstPort = originalDstPort(c)
	return info
}

// Gate counts open connections per source address and overall.
type Gate struct {
	mu        sync.Mutex
	perSource map[netip.Addr]int
	total     int
	maxPer    int
	maxTotal  int
}

// NewGate returns a gate with the given limits.
func NewGate(maxPerSource, maxTotal int) *Gate {
	return &Gate{perSource: make(map[netip.Addr]int), maxPer: maxPerSource, maxTotal: maxTotal}
}

// Enter admits a connection from ip, or returns the name of the limit that
// refused it ("per_source" or "concurrent").
func (g *Gate) Enter(ip netip.Addr) string {
	src := Source(ip)
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.maxTotal > 0 && g.total >= g.maxTotal {
		return "concurrent"
	}
	if g.maxPer > 0 && g.perSource[src] >= g.maxPer {
		return "per_source"
	}
	g.total++
	g.perSource[src]++
	return ""
}

// Leave releases a connection admitted by Enter.
func (g *Gate) Leave(ip netip.Addr) {
	src := Source(ip)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.total--
	if n := g.perSource[src] - 1; n > 0 {
		g.perSource[src] = n
	} else {
		delete(g.perSource, src)
	}
}

// Source is what per-source limits count: an IPv4 address, or an IPv6
// /64, since one host on IPv6 usually has a whole /64 to draw addresses from.
func Source(ip netip.Addr) netip.Addr {
	ip = ip.Unmap()
	if ip.Is6() {
		p, err := ip.Prefix(64)
		if err == nil {
			return p.Addr()
		}
	}
	return ip
}
