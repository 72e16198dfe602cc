package ssh

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	xssh "golang.org/x/crypto/ssh"

	"github.com/honeygate/honeygate/internal/attrib"
	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/sensor"
)

// Per-connection bounds on what a client can make the sensor record or
// hold: real clients open one channel and offer a few keys; a bot using the
// sensor as a proxy may ask for thousands of tunnels.
const (
	maxChannels     = 4  // session channels open at once
	maxKeyEvents    = 8  // client.fingerprint events
	maxTunnelEvents = 64 // direct-tcpip.request events; the rest are refused unrecorded
	maxSizeEvents   = 4  // client.size events
	publishTimeout  = 5 * time.Second
)

// session is one SSH connection. Its channels run in goroutines of their
// own; mu serialises what they share (attribution, counters, the order of
// events).
type session struct {
	s     *Sensor
	ctx   context.Context
	conn  *sensor.Conn
	info  sensor.ConnInfo
	id    string
	start time.Time
	sniff *sniffConn

	wg sync.WaitGroup // channel goroutines

	mu         sync.Mutex
	tr         *attrib.Tracker
	attributed bool
	user       string // the user that logged in
	failures   int
	keys       int
	tunnels    int
	sizes      int
	commands   int
	channels   int
	reason     string
	panicVal   any // the first panic of a session goroutine, raised again by Handle
}

func (s *Sensor) newSession(ctx context.Context, c *sensor.Conn, info sensor.ConnInfo) *session {
	start := info.Start
	if start.IsZero() {
		start = time.Now()
	}
	return &session{s: s, ctx: ctx, conn: c, info: info, id: info.Session, start: start, tr: s.rules.NewTracker()}
}

func (ss *session) event(kind event.Kind) *event.Event {
	return ss.info.Event(kind, ss.s.name, "ssh")
}

// emit publishes e with the session's current family; the caller holds mu.
// Publishing does not use the session's context: a server stop or the
// session time limit cancels that, and what the attacker sent just before
// must still be recorded.
func (ss *session) emit(e *event.Event) {
	e.Family = ss.tr.Family()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ss.ctx), publishTimeout)
	defer cancel()
	ss.s.publish(ctx, e)
}

// observe feeds attribution; the caller holds mu.
func (ss *session) observe(o attrib.Observation) {
	if ss.tr.Observe(o) {
		ss.attributed = true
	}
}

// flushAttribution publishes session.attributed if the family changed;
// the caller holds mu.
func (ss *session) flushAttribution() {
	if !ss.attributed {
		return
	}
	ss.attributed = false
	e := ss.event(event.SessionAttributed)
	e.Reasons = slices.Clone(ss.tr.Reasons())
	ss.emit(e)
}

// end records why the session ends; the first reason wins, except that a
// cancelled session context is the real reason behind the error it caused.
func (ss *session) end(reason string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.reason != "" {
		return
	}
	switch {
	case errors.Is(ss.ctx.Err(), context.DeadlineExceeded):
		reason = "session time limit"
	case ss.ctx.Err() != nil:
		reason = "server stop"
	}
	ss.reason = reason
}

// stop ends the session for reason and closes the connection, which ends
// every channel.
func (ss *session) stop(reason string) {
	ss.end(reason)
	ss.conn.Close()
}

// stopGrace is how long a session that hit a limit after answering stays
// open for the client to read the answer.
const stopGrace = time.Second

// stopSoon ends the session for reason after the client had a moment to
// read what was sent last (a command's output and exit status): closing a
// socket that still has unread input makes the kernel reset it, and the
// client may lose what it had not read yet. A client that leaves first
// ends it sooner.
func (ss *session) stopSoon(reason string) {
	ss.end(reason)
	time.AfterFunc(stopGrace, func() { ss.conn.Close() })
}

func (ss *session) serverConfig() *xssh.ServerConfig {
	conf := &xssh.ServerConfig{
		Config: xssh.Config{KeyExchanges: serverKex, Ciphers: serverCiphers, MACs: serverMACs},
		// The login policy counts failures itself (password and
		// keyboard-interactive, as telnet counts them); offered keys are
		// bounded by the library's own cap on attempts.
		MaxAuthTries: -1,
		// Dropbear's server has two methods, publickey and password; the
		// keyboard-interactive method is offered too unless the config
		// turns it off (Config.KeyboardInteractive says why). x/crypto
		// lists them as "password,publickey", Dropbear as
		// "publickey,password"; the order is the library's.
		PasswordCallback:  ss.password,
		PublicKeyCallback: ss.publicKey,
		ServerVersion:     ss.s.cfg.ServerVersion,
	}
	if ss.s.cfg.KeyboardInteractive {
		conf.KeyboardInteractiveCallback = ss.keyboardInteractive
	}
	for _, k := range ss.s.hostKeys {
		conf.AddHostKey(k)
	}
	return conf
}

func (ss *session) serve() {
	ss.mu.Lock()
	ss.observe(attrib.Observation{Port: ss.info.DstPort, Proto: "ssh"})
	ss.mu.Unlock()
	ss.sniff = &sniffConn{Conn: ss.conn, onHello: ss.connected, onPanic: ss.panicked}
	sconn, chans, reqs, err := xssh.NewServerConn(ss.sniff, ss.serverConfig())
	if err != nil {
		ss.sniff.report()
		ss.repanic()
		ss.end(ss.errReason(err))
		ss.close()
		return
	}
	ss.sniff.report()
	// One loop for both, rather than a goroutine for the requests: a held
	// session costs its goroutines' stacks. Global requests (tcpip-forward,
	// keepalives) are refused: remote forwarding would make the sensor
	// listen for the attacker. Both channels close when the connection
	// ends.
	for chans != nil || reqs != nil {
		select {
		case nc, ok := <-chans:
			if !ok {
				chans = nil
				continue
			}
			ss.channel(nc)
		case r, ok := <-reqs:
			if !ok {
				reqs = nil
				continue
			}
			if r.WantReply {
				_ = r.Reply(false, nil)
			}
		}
	}
	err = sconn.Wait()
	ss.wg.Wait()
	ss.repanic()
	ss.end(ss.errReason(err))
	sconn.Close()
	ss.close()
}

// errReason names why the connection ended from the error that ended it.
func (ss *session) errReason(err error) string {
	var ne net.Error
	switch {
	case errors.Is(ss.ctx.Err(), context.DeadlineExceeded):
		return "session time limit"
	case ss.ctx.Err() != nil:
		return "server stop"
	case err == nil:
		return "client closed"
	case errors.Is(err, sensor.ErrTooMuchInput):
		return "input limit"
	case errors.Is(err, errIncompatibleVersion):
		return "incompatible version"
	case errors.As(err, &ne) && ne.Timeout():
		return "idle timeout"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrClosedPipe), errors.Is(err, net.ErrClosed),
		strings.HasPrefix(err.Error(), "ssh: disconnect"):
		return "client closed"
	}
	return event.Truncate("ssh error: "+err.Error(), 256)
}

// connected publishes session.connect with what the client's hello showed;
// it runs once, from the reading goroutine or at the end of a session that
// never completed its hello.
func (ss *session) connected(h *hello) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.emit(connectEvent(ss.event(event.SessionConnect), h))
	ss.flushAttribution()
}

func (ss *session) close() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	e := ss.event(event.SessionClosed)
	e.Duration = time.Since(ss.start).Seconds()
	e.Bytes = ss.conn.BytesRead()
	e.Reasons = slices.Clone(ss.tr.Reasons())
	e.Message = event.Text(ss.reason)
	ss.emit(e)
}

// guard runs f in a goroutine of the session. A panic there would bypass
// the sensor.Server's recovery (which covers only Handle's goroutine) and
// kill the process: it is caught, ends the connection, and is raised again
// from Handle once the session's goroutines are done, so the server records
// it as it records every other.
func (ss *session) guard(f func()) {
	ss.wg.Add(1)
	go func() {
		defer ss.wg.Done()
		defer func() {
			if v := recover(); v != nil {
				ss.panicked(v, debug.Stack())
			}
		}()
		f()
	}()
}

// panicked keeps the first panic of a session goroutine and ends the
// connection.
func (ss *session) panicked(v any, stack []byte) {
	ss.mu.Lock()
	if ss.panicVal == nil {
		ss.panicVal = v
		ss.s.log.Error("ssh goroutine panicked", "session", ss.id, "panic", fmt.Sprint(v), "stack", string(stack))
	}
	ss.mu.Unlock()
	ss.stop("panic")
}

// repanic raises a session goroutine's panic in Handle's goroutine.
func (ss *session) repanic() {
	ss.mu.Lock()
	v := ss.panicVal
	ss.mu.Unlock()
	if v != nil {
		panic(fmt.Sprintf("ssh session goroutine: %v", v))
	}
}
