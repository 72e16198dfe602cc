package telnet

import (
	"context"
	"errors"
	"io"
	"net"
	"slices"
	"time"

	"github.com/honeygate/honeygate/internal/attrib"
	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/sensor"
	"github.com/honeygate/honeygate/internal/sensor/busybox"
	"github.com/honeygate/honeygate/internal/sensor/shellrec"
)

// readBufSize is small on purpose: worms send short lines, and ten thousand
// idle sessions must fit in a few hundred megabytes.
const readBufSize = 512

// maxSizeEvents bounds the client.size events of one session.
const maxSizeEvents = 4

type phase uint8

const (
	phaseUser phase = iota
	phasePass
	phaseShell
)

// session is one telnet connection. Everything it allocates beyond this
// struct (the line, the shell, the overlay) is allocated when first needed.
type session struct {
	s      *Sensor
	ctx    context.Context
	conn   *sensor.Conn
	info   sensor.ConnInfo
	id     string
	start  time.Time
	tr     *attrib.Tracker
	parser optionParser
	buf    [readBufSize]byte
	data   []byte
	cmds   []telnetCmd

	line     []byte
	phase    phase
	user     string
	attempts int
	sh       *busybox.Shell
	width    int
	height   int
	sizes    int // client.size events published

	attributed bool   // the family changed since the last session.attributed
	reason     string // why the session ended; set once
}

func (s *Sensor) newSession(ctx context.Context, c *sensor.Conn, info sensor.ConnInfo) *session {
	start := info.Start
	if start.IsZero() {
		start = time.Now()
	}
	return &session{s: s, ctx: ctx, conn: c, info: info, id: info.Session, start: start, tr: s.rules.NewTracker()}
}

func (ss *session) event(kind event.Kind) *event.Event {
	return ss.s.event(kind, ss.info)
}

// publishTimeout bounds one publish. Publishing does not use the session's
// context: a server stop or the session time limit cancels that, and the
// line the attacker sent just before (often the download) must still be
// recorded.
const publishTimeout = 5 * time.Second

// publish sends e with the session's current family.
func (ss *session) publish(e *event.Event) {
	e.Family = ss.tr.Family()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ss.ctx), publishTimeout)
	defer cancel()
	ss.s.publish(ctx, e)
}

func (ss *session) observe(o attrib.Observation) {
	if ss.tr.Observe(o) {
		ss.attributed = true
	}
}

func (ss *session) flushAttribution() {
	if !ss.attributed {
		return
	}
	ss.attributed = false
	e := ss.event(event.SessionAttributed)
	e.Reasons = slices.Clone(ss.tr.Reasons())
	ss.publish(e)
}

// write sends b to the client as NVT data: LF becomes CR LF (what the pty's
// ONLCR does) and IAC is doubled.
func (ss *session) write(b []byte) {
	if ss.reason != "" || len(b) == 0 {
		return
	}
	out := make([]byte, 0, len(b)+len(b)/8+8)
	var prev byte
	for _, c := range b {
		switch {
		case c == '\n' && prev != '\r':
			out = append(out, '\r', '\n')
		case c == cmdIAC:
			out = append(out, cmdIAC, cmdIAC)
		default:
			out = append(out, c)
		}
		prev = c
	}
	ss.writeRaw(out)
}

func (ss *session) writeRaw(b []byte) {
	if ss.reason != "" || len(b) == 0 {
		return
	}
	if _, err := ss.conn.Write(b); err != nil {
		ss.end("write failed")
	}
}

// end records why the session ends; the first reason wins, except that a
// cancelled session context is the real reason behind the read or write
// error it caused.
func (ss *session) end(reason string) {
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

func (ss *session) loginPrompt() []byte {
	return []byte(ss.s.cfg.Profile.Hostname + " login: ")
}

func (ss *session) serve() {
	// Give the session's filesystem bytes back to the sensor's shared budget,
	// also when the session panics.
	defer func() {
		if ss.sh != nil {
			ss.sh.Close()
		}
	}()
	ss.observe(attrib.Observation{Port: ss.info.DstPort, Proto: "telnet"})
	ss.publish(ss.event(event.SessionConnect))
	ss.flushAttribution()

	ss.writeRaw(busyboxOpening)
	if b := ss.s.cfg.Profile.Banner; b != "" {
		ss.write([]byte(b))
	}
	ss.write(ss.loginPrompt())

	for ss.reason == "" {
		n, err := ss.conn.Read(ss.buf[:])
		if n > 0 {
			ss.feed(ss.buf[:n])
		}
		if err != nil {
			ss.end(ss.readErrReason(err))
		}
	}
	ss.close()
}

func (ss *session) readErrReason(err error) string {
	var ne net.Error
	switch {
	case errors.Is(ss.ctx.Err(), context.DeadlineExceeded):
		return "session time limit"
	case ss.ctx.Err() != nil:
		return "server stop"
	case errors.Is(err, sensor.ErrTooMuchInput):
		return "input limit"
	case errors.As(err, &ne) && ne.Timeout():
		return "idle timeout"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrClosedPipe), errors.Is(err, net.ErrClosed):
		return "client closed"
	}
	return "read error: " + err.Error()
}

func (ss *session) close() {
	e := ss.event(event.SessionClosed)
	e.Duration = time.Since(ss.start).Seconds()
	e.Bytes = ss.conn.BytesRead()
	e.Reasons = slices.Clone(ss.tr.Reasons())
	if ss.tr.Family() == attrib.Unknown {
		e.Hint = ss.tr.Hint()
	}
	e.Message = event.Text(ss.reason)
	// The session's context may be what ended it; publish does not use it.
	ss.publish(e)
}

// feed handles one read: telnet commands first, then the data bytes.
func (ss *session) feed(b []byte) {
	ss.data, ss.cmds = ss.parser.feed(b, ss.data[:0], ss.cmds[:0])
	// Option negotiation is not answered (see busyboxOpening); only the
	// window size is read.
	for _, c := range ss.cmds {
		if c.verb != cmdSB || c.opt != optNAWS {
			continue
		}
		w, h, ok := parseNAWS(c.data)
		if !ok || (w == ss.width && h == ss.height) {
			continue
		}
		ss.width, ss.height = w, h
		// A real client reports a few resizes; an attacker could report
		// millions, unauthenticated. Record the first few.
		if ss.sizes < maxSizeEvents {
			ss.sizes++
			e := ss.event(event.ClientSize)
			e.Width, e.Height = w, h
			ss.publish(e)
		}
	}
	for _, c := range ss.data {
		if ss.reason != "" {
			return
		}
		switch c {
		case '\n':
			var line string
			if ss.phase == phaseShell {
				// ash's line editor: the up arrow recalls the last line.
				var ok bool
				if line, ok = busybox.EditLine(string(ss.line), ss.sh.LastLine()); !ok {
					line = "" // ^D: nothing to run
				}
			} else {
				// login reads a plain tty line: control bytes are dropped.
				b := make([]byte, 0, len(ss.line))
				for _, c := range ss.line {
					if c >= 0x20 || c == '\t' {
						b = append(b, c)
					}
				}
				line = string(b)
			}
			ss.line = ss.line[:0]
			ss.lineDone(line)
		case 3: // ^C drops the line, as the tty would
			ss.line = ss.line[:0]
			if ss.phase == phaseShell && ss.sh.Busy() {
				// ... and stops a command still "running" (busybox.Result.Running).
				ss.write(append(ss.sh.Interrupt(), ss.sh.Prompt()...))
			}
		case 8, 0x7f:
			if ss.phase != phaseShell {
				if len(ss.line) > 0 {
					ss.line = ss.line[:len(ss.line)-1]
				}
				continue
			}
			fallthrough // the shell's line editor applies it, after an arrow key too
		default:
			// Escape sequences (arrow keys), ^U and ^D are the line
			// editor's (busybox.EditLine); other control bytes, and what
			// overflows a line, are dropped.
			if (c < 0x20 && c != '\t' && c != 0x1b && c != 0x15 && c != 4 && c != 8) || len(ss.line) >= busybox.MaxLine {
				continue
			}
			if ss.line == nil {
				ss.line = make([]byte, 0, 128)
			}
			ss.line = append(ss.line, c)
		}
	}
	if cap(ss.line) > 1024 && len(ss.line) == 0 {
		ss.line = nil // give a long line's buffer back
	}
}

func (ss *session) lineDone(line string) {
	switch ss.phase {
	case phaseUser:
		if line == "" {
			ss.write(append([]byte("\n"), ss.loginPrompt()...))
			return
		}
		ss.user = line
		ss.phase = phasePass
		ss.write([]byte(line + "\nPassword: "))
	case phasePass:
		ss.login(ss.user, line)
	case phaseShell:
		ss.runLine(line)
	}
}

func (ss *session) accepts(user, pass string) bool { return ss.s.login.Accepts(user, pass) }

func (ss *session) login(user, pass string) {
	ss.attempts++
	ok := ss.accepts(user, pass)
	ss.observe(attrib.Observation{Username: user, Password: pass, Login: true})
	kind := event.LoginFailed
	if ok {
		kind = event.LoginSuccess
	}
	e := ss.event(kind)
	p := event.Text(pass)
	e.Username = event.Text(user)
	e.Password = &p
	ss.publish(e)
	ss.flushAttribution()

	if !ok {
		ss.write([]byte("\nLogin incorrect\n"))
		if ss.attempts >= ss.s.cfg.Login.MaxAttempts {
			ss.end("too many login attempts")
			return
		}
		ss.phase = phaseUser
		ss.write(ss.loginPrompt())
		return
	}
	ss.phase = phaseShell
	ss.sh = ss.s.dev.NewShellFrom(ss.ctx, sensor.Source(ss.info.SrcIP).String())
	ss.write([]byte("\n\nBusyBox v" + ss.s.cfg.Profile.BusyBoxVersion + " (" + ss.s.cfg.Profile.BusyBoxBuild +
		") built-in shell (ash)\nEnter 'help' for a list of built-in commands.\n\n" + ss.sh.Prompt()))
}

// runLine runs one shell line and publishes what it did before the
// answer is written.
func (ss *session) runLine(line string) {
	if line == "" && !ss.sh.Waiting() {
		ss.write([]byte("\n" + ss.sh.Prompt()))
		return
	}
	if ss.s.hook != nil {
		ss.s.hook(line)
	}
	r := ss.sh.Run(line)

	for _, o := range shellrec.Evidence(line, r) {
		ss.observe(o)
	}
	for _, e := range shellrec.Events(line, r, ss.event) {
		ss.publish(e)
	}
	ss.flushAttribution()

	reply := make([]byte, 0, len(line)+len(r.Output)+32)
	if !r.Secret {
		reply = append(reply, line...)
		reply = append(reply, '\n')
	}
	reply = append(reply, r.Output...)
	switch {
	case r.Exited:
		ss.write(reply)
		ss.end("client exit")
	case r.Limited:
		ss.write(reply)
		ss.end("command limit")
	default:
		ss.write(append(reply, ss.sh.Prompt()...))
	}
}
