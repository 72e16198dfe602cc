// Package iothttp is an HTTP honeypot that looks like the home routers the
// IoT worms exploit over HTTP: the Huawei HG532 UPnP endpoint
// (POST /ctrlt/DeviceUpgrade_1, CVE-2017-17215, command injection in
// NewStatusURL), the Realtek SDK miniigd SOAP endpoint (POST /picsdesc.xml
// AddPortMapping, CVE-2014-8361, injection in NewInternalClient) and a
// generic router login page. It extracts the injected shell commands, runs
// them on the emulated BusyBox device the telnet sensor uses, and records
// each request, exploit, command and payload URL as events.
//
// It is not a web server: nothing an attacker sends is run on the host or
// fetched, and the only files it serves are the pages it was built with.
package iothttp

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/honeygate/honeygate/internal/attrib"
	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/sensor"
	"github.com/honeygate/honeygate/internal/sensor/busybox"
)

// Proto names the sensor in events and metrics.
const Proto = "iot-http"

// Options are the Sensor's collaborators.
type Options struct {
	Publisher event.Publisher
	Rules     *attrib.Rules // nil means attrib.Default()
	Sensor    string        // sensor instance name, copied into every event
	// Shell bounds the device's shells; zero fields take busybox's
	// defaults (MaxCommands from Limits when zero).
	Shell  busybox.Limits
	Limits sensor.Limits // IdleTimeout and MaxSession bound connections
	Log    *slog.Logger  // nil discards
}

// Sensor serves the router endpoints. It is safe for concurrent use.
type Sensor struct {
	cfg    Config
	pub    event.Publisher
	rules  *attrib.Rules
	name   string
	dev    *busybox.Device
	limits sensor.Limits
	log    *slog.Logger
	conns  sync.Map // net.Conn -> *conn
	// headTimeout overrides mini_httpd's 60 s wait for a request's head
	// (front.go); tests shorten it.
	headTimeout time.Duration
}

// New validates cfg and returns a sensor.
func New(cfg Config, o Options) (*Sensor, error) {
	if err := cfg.Validate().Err(); err != nil {
		return nil, fmt.Errorf("iothttp: invalid config: %w", err)
	}
	if o.Publisher == nil {
		return nil, fmt.Errorf("iothttp: Options.Publisher is required")
	}
	lim := o.Shell
	if lim.MaxCommands == 0 {
		lim.MaxCommands = o.Limits.MaxCommands
	}
	p := cfg.Profile
	if p.Seed == "" {
		p.Seed = o.Sensor
	}
	dev, err := busybox.NewDevice(p, lim)
	if err != nil {
		return nil, fmt.Errorf("iothttp: %w", err)
	}
	s := &Sensor{cfg: cfg, pub: o.Publisher, rules: o.Rules, name: o.Sensor, dev: dev, limits: o.Limits, log: o.Log}
	if s.rules == nil {
		s.rules = attrib.Default()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = s.log.With("proto", Proto)
	if s.limits.IdleTimeout <= 0 {
		s.limits = sensor.DefaultLimits()
	}
	return s, nil
}

// NewServer returns the http.Server to serve the sensor on listeners
// behind the sensor gate (sensor.GateListener) and the front door
// (WrapListener, which answers malformed requests as the device would): its
// hooks turn each connection into a session. ctx bounds every session.
//
// One request per connection, as mini_httpd (a process per connection)
// serves: every answer says "Connection: close".
func (s *Sensor) NewServer(ctx context.Context) *http.Server {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       s.limits.IdleTimeout,
		MaxHeaderBytes:    maxRewrittenHead, // the front door bounds the head, in mini_httpd's way
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ConnContext:       s.connContext,
		ConnState:         s.connState,
		// net/http's own complaints (bad requests, TLS on a plain port)
		// are the attackers' noise, not ours.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	srv.SetKeepAlivesEnabled(false)
	return srv
}

type connKey struct{}

// conn is one connection's session.
type conn struct {
	mu      sync.Mutex
	id      string
	info    sensor.ConnInfo
	start   time.Time
	tracker *attrib.Tracker
	shell   *busybox.Shell // nil until a request injects commands
	ctx     context.Context
	cancel  context.CancelFunc
	bytes   int64
	reqs    int
	closed  bool
	// protocol is what the client's request line said (front.go); raw is
	// an answer to write on the bare connection (writeRaw), which sets
	// hijacked while it holds the connection.
	protocol string
	raw      []byte
	hijacked bool
	// reason, when set, is why the front door dropped the connection: the
	// session.closed message instead of "client closed".
	reason string
}

func (s *Sensor) connContext(ctx context.Context, c net.Conn) context.Context {
	inner := c
	if fc, ok := c.(*frontConn); ok {
		inner = fc.Conn
	}
	info, ok := sensor.InfoOf(inner)
	if !ok { // a listener without the gate (tests): name the session here
		info = ungatedInfo(inner)
	}
	cc := &conn{id: info.Session, info: info, start: time.Now(), tracker: s.rules.NewTracker()}
	// The session outlives each request but not the server, nor its
	// allotted time: then the connection is closed under the client, as
	// sensor.Server does for the other sensors.
	cc.ctx, cc.cancel = context.WithTimeout(ctx, s.limits.MaxSession)
	context.AfterFunc(cc.ctx, func() { c.Close() })
	s.conns.Store(c, cc)
	s.emit(cc, cc.event(s, event.SessionConnect))
	s.observe(cc, attrib.Observation{Port: info.DstPort, Proto: Proto}) // port 0 matches no rule
	return context.WithValue(ctx, connKey{}, cc)
}

func (s *Sensor) connState(c net.Conn, st http.ConnState) {
	if st != http.StateClosed && st != http.StateHijacked {
		return
	}
	if st == http.StateHijacked {
		if v, ok := s.conns.Load(c); ok {
			cc := v.(*conn)
			cc.mu.Lock()
			mine := cc.hijacked
			cc.mu.Unlock()
			if mine { // writeRaw answers, then ends the session itself
				return
			}
		}
	}
	s.endSession(c)
}

// endSession records the end of c's session, once, and releases it.
func (s *Sensor) endSession(c net.Conn) {
	v, ok := s.conns.LoadAndDelete(c)
	if !ok {
		return
	}
	cc := v.(*conn)
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.closed {
		return
	}
	cc.closed = true
	if cc.shell != nil {
		cc.shell.Close()
	}
	cc.cancel()
	e := cc.event(s, event.SessionClosed)
	e.Duration = time.Since(cc.start).Seconds()
	e.Bytes = cc.bytes
	e.Message = "client closed" // the words of the telnet and SSH sensors
	if cc.reason != "" {
		e.Message = event.Text(cc.reason)
	}
	if cc.tracker.Family() != attrib.Unknown {
		e.Reasons = cc.tracker.Reasons()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.publish(ctx, e)
}

// event returns an event of kind for the session.
func (cc *conn) event(s *Sensor, kind event.Kind) *event.Event {
	e := cc.info.Event(kind, s.name, Proto)
	if f := cc.tracker.Family(); f != attrib.Unknown {
		e.Family = f
	}
	return e
}

// ungatedInfo describes a connection accepted without sensor.GateListener.
func ungatedInfo(c net.Conn) sensor.ConnInfo {
	info := sensor.ConnInfo{Session: event.NewSessionID(), Start: time.Now().UTC()}
	if ra, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		ap := ra.AddrPort()
		info.SrcIP, info.SrcPort = ap.Addr().Unmap(), int(ap.Port())
	}
	if la, ok := c.LocalAddr().(*net.TCPAddr); ok {
		info.DstPort = la.Port
	}
	return info
}

// observe feeds attribution and records a change of family.
func (s *Sensor) observe(cc *conn, o attrib.Observation) {
	if cc.tracker.Observe(o) {
		e := cc.event(s, event.SessionAttributed)
		e.Reasons = cc.tracker.Reasons()
		s.emit(cc, e)
	}
}

// emit publishes e before the answer to what caused it is written.
func (s *Sensor) emit(cc *conn, e *event.Event) { s.publish(cc.ctx, e) }

// publish hands e to the bus, which retries within ctx on its own; an event
// that still cannot be published is logged, not fatal: the honeypot keeps
// answering.
func (s *Sensor) publish(ctx context.Context, e *event.Event) {
	if err := s.pub.Publish(ctx, e); err != nil {
		s.log.Error("iothttp: event lost", "kind", e.Kind, "session", e.Session, "id", e.ID, "err", err)
	}
}
