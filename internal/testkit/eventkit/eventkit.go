// Package eventkit builds the events of honeypot sessions for tests and
// benchmarks: a connect, logins, commands, downloads, an attribution and a
// close, with the common fields (sensor, protocol, addresses, session id)
// filled in the way a sensor fills them. Ids are deterministic by default
// ("<session>-0001", "<session>-0002", ...) so tests can name and order
// events; a benchmark that must never repeat an id asks for RandomIDs.
// On the other side, Recorder is the event.Publisher a sensor test hands
// its sensor, to read back what it published.
//
// It is for tests only: the program never imports it, and it says nothing
// about what a sensor really sends (the sensors' own tests and golden
// transcripts do).
package eventkit

import (
	"fmt"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

// Defaults of a Session; options change them.
const (
	DefaultSensor  = "hp-edge-01"
	DefaultProto   = "telnet"
	DefaultSrcPort = 40000
	// ClosedBytes is the byte count of every session.closed built here.
	ClosedBytes = 4096
)

// Session builds the events of one session, in the order its methods are
// called (Go evaluates the calls in a composite literal left to right, so
// []event.Event{s.Connect(0), s.Login(...)} numbers them in order). Every
// method returns a fresh event; the caller may change it before use.
type Session struct {
	ID               string // the session id, and the prefix of event ids
	Sensor, Proto    string
	SrcIP            string
	SrcPort, DstPort int
	Start            time.Time // events are at Start plus their offset
	// Family is the family Attributed last set; with CarryFamily every
	// event built after it carries it, as the sensors send them.
	Family string

	carry     bool
	randomIDs bool
	seq       int
}

// Option changes a Session's defaults.
type Option func(*Session)

// SrcPort sets the attacker's source port (DefaultSrcPort otherwise).
func SrcPort(p int) Option { return func(s *Session) { s.SrcPort = p } }

// Sensor sets the sensor name (DefaultSensor otherwise).
func Sensor(name string) Option { return func(s *Session) { s.Sensor = name } }

// Proto sets the protocol (DefaultProto otherwise).
func Proto(p string) Option { return func(s *Session) { s.Proto = p } }

// CarryFamily makes every event after Attributed carry its family, as the
// sensors do; without it only session.attributed and session.closed have
// one, which is how a store must cope with events from older sensors.
func CarryFamily() Option { return func(s *Session) { s.carry = true } }

// RandomIDs gives events fresh event.NewID ids instead of "<session>-NNNN",
// for benchmarks whose runs must never share an id.
func RandomIDs() Option { return func(s *Session) { s.randomIDs = true } }

// New starts a session from srcIP to dstPort at start.
func New(id, srcIP string, dstPort int, start time.Time, opts ...Option) *Session {
	s := &Session{ID: id, Sensor: DefaultSensor, Proto: DefaultProto, SrcIP: srcIP,
		SrcPort: DefaultSrcPort, DstPort: dstPort, Start: start}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Event returns the next event of the session: kind, at Start+at, with the
// session's common fields and nothing else.
func (s *Session) Event(kind event.Kind, at time.Duration) event.Event {
	s.seq++
	id := fmt.Sprintf("%s-%04d", s.ID, s.seq)
	if s.randomIDs {
		id = event.NewID()
	}
	e := event.Event{
		ID: id, Time: s.Start.Add(at), Kind: kind,
		Sensor: s.Sensor, Proto: s.Proto, SrcIP: s.SrcIP, SrcPort: s.SrcPort, DstPort: s.DstPort,
		Session: s.ID,
	}
	if s.carry {
		e.Family = s.Family
	}
	return e
}

// Connect is session.connect.
func (s *Session) Connect(at time.Duration) event.Event { return s.Event(event.SessionConnect, at) }

// Size is client.size, the window size a telnet client announces.
func (s *Session) Size(at time.Duration, width, height int) event.Event {
	e := s.Event(event.ClientSize, at)
	e.Width, e.Height = width, height
	return e
}

// Login is login.success or login.failed with a password (which may be
// empty: present, not absent).
func (s *Session) Login(at time.Duration, user, pass string, ok bool) event.Event {
	e := s.LoginNoPassword(at, user, ok)
	e.Password = event.TextPtr(pass)
	return e
}

// LoginNoPassword is a login in which no password was asked or sent.
func (s *Session) LoginNoPassword(at time.Duration, user string, ok bool) event.Event {
	kind := event.LoginFailed
	if ok {
		kind = event.LoginSuccess
	}
	e := s.Event(kind, at)
	e.Username = event.Text(user)
	return e
}

// Command is command.input with the shell's output.
func (s *Session) Command(at time.Duration, input, output string) event.Event {
	e := s.Event(event.CommandInput, at)
	e.Input, e.Output = event.Text(input), event.Text(output)
	return e
}

// Download is file.download.
func (s *Session) Download(at time.Duration, url, tool, filename string) event.Event {
	e := s.Event(event.FileDownload, at)
	e.URL, e.Tool, e.Filename = event.Text(url), event.Text(tool), event.Text(filename)
	return e
}

// Attributed is session.attributed; it sets the session's Family.
func (s *Session) Attributed(at time.Duration, family string, reasons ...string) event.Event {
	s.Family = family
	e := s.Event(event.SessionAttributed, at)
	e.Family, e.Reasons = family, reasons
	return e
}

// Closed is session.closed, at seconds after the start, with the family
// the sensor reports at the close (which may differ from the last
// attribution, or be empty, when a test needs it so).
func (s *Session) Closed(at time.Duration, family string) event.Event {
	e := s.Event(event.SessionClosed, at)
	e.Family, e.Duration, e.Bytes, e.Message = family, at.Seconds(), ClosedBytes, "client closed"
	return e
}
