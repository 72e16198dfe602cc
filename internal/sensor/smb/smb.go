// Package smb is an SMB honeypot that looks like an unpatched Windows 7
// host, so that the worms and tools exploiting MS17-010 (EternalBlue,
// EternalRomance, DoublePulsar; WannaCry and its descendants) go far enough
// to be recognised: it answers SMBv1 (and SMB2 negotiation and logon) over
// direct TCP, records logons with their NTLM responses in crackable form,
// names each exploit step as an exploit.attempt, and keeps the bytes of
// exploiting sessions and the payloads they upload as samples.
//
// It is not a file server: no share but IPC$ opens, pipes accept and
// discard, and nothing an attacker sends is run or fetched. Samples are
// written read-only under the data directory, named by their SHA-256.
package smb

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/honeygate/honeygate/internal/attrib"
	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/sensor"
)

// Options are the Sensor's collaborators.
type Options struct {
	Publisher event.Publisher
	Rules     *attrib.Rules // nil means attrib.Default()
	Sensor    string        // sensor instance name, copied into every event
	// SampleDir is where samples are written (DATA/samples); "" records
	// their hashes without keeping them.
	SampleDir string
	Log       *slog.Logger // nil discards

	// Rand and Now, when set (by tests), replace crypto/rand and the clock
	// so that challenges and timestamps in answers are reproducible.
	Rand io.Reader
	Now  func() time.Time
}

// Sensor serves SMB sessions. It is safe for concurrent use; its state is
// immutable after New.
type Sensor struct {
	cfg     Config
	pub     event.Publisher
	rules   *attrib.Rules
	name    string
	samples *samples
	held    *budget // bytes all sessions hold in memory
	log     *slog.Logger
	rand    io.Reader
	now     func() time.Time
	guid    [16]byte
	started time.Time
}

var _ sensor.Handler = (*Sensor)(nil)

// New validates cfg and returns a sensor.
func New(cfg Config, o Options) (*Sensor, error) {
	if err := cfg.Validate().Err(); err != nil {
		return nil, fmt.Errorf("smb: invalid config: %w", err)
	}
	if o.Publisher == nil {
		return nil, fmt.Errorf("smb: Options.Publisher is required")
	}
	s := &Sensor{
		cfg:   cfg,
		pub:   o.Publisher,
		rules: o.Rules,
		name:  o.Sensor,
		log:   o.Log,
		rand:  o.Rand,
		now:   o.Now,
	}
	s.held = &budget{max: cfg.MaxHeldBytes}
	var err error
	if s.samples, err = openSamples(o.SampleDir, cfg.MaxSamplesBytes); err != nil {
		return nil, err
	}
	if s.rules == nil {
		s.rules = attrib.Default()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = s.log.With("proto", "smb")
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if s.now == nil {
		s.now = func() time.Time { return time.Now().UTC() }
	}
	if _, err := io.ReadFull(s.rand, s.guid[:]); err != nil {
		return nil, fmt.Errorf("smb: server guid: %w", err)
	}
	// A host that booted a while ago, as SMB2's ServerStartTime shows.
	s.started = s.now().Add(-73 * time.Hour).Truncate(time.Second)
	return s, nil
}

// Proto implements sensor.Handler.
func (s *Sensor) Proto() string { return "smb" }

// Handle implements sensor.Handler: it serves one session until the client
// leaves, a limit is hit or ctx is done.
func (s *Sensor) Handle(ctx context.Context, c *sensor.Conn, info sensor.ConnInfo) {
	if info.Session == "" { // served outside sensor.Server (tests, benchmarks)
		info.Session = event.NewSessionID()
	}
	ss := s.newSession(ctx, c, info)
	// Deferred: a session that panics must give back what it held too.
	defer ss.release()
	ss.serve()
}

// publish hands e to the bus, which retries within ctx on its own; an event
// that still cannot be published is logged, not fatal: the honeypot keeps
// answering.
func (s *Sensor) publish(ctx context.Context, e *event.Event) {
	if err := s.pub.Publish(ctx, e); err != nil {
		s.log.Error("smb: event lost", "kind", e.Kind, "session", e.Session, "id", e.ID, "err", err)
	}
}
