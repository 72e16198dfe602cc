// Package telnet is a telnet honeypot that emulates a BusyBox-based IoT
// device (a DVR or home router) well enough that Mirai and its descendants
// (Satori/Okiru, ...), Hajime and their loaders go through login, their
// shell probes and the download step, which is what we want to record.
//
// Nothing an attacker sends is ever run or fetched: the shell is the
// emulated device of package busybox, over a per-session in-memory
// filesystem, and wget, tftp, ftpget, nc and curl only record the URL they
// were given. This package keeps what is telnet's own: option parsing, the
// login dialogue and the session.
//
// Every session step is published as an event before the answer to it is
// written, so whatever an attacker saw answered is already durable.
package telnet

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/honeygate/honeygate/internal/attrib"
	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/sensor"
	"github.com/honeygate/honeygate/internal/sensor/busybox"
	"github.com/honeygate/honeygate/internal/sensor/login"
)

// Options are the Sensor's collaborators.
type Options struct {
	Publisher event.Publisher
	Rules     *attrib.Rules // nil means attrib.Default()
	Sensor    string        // sensor instance name, copied into every event
	// Shell bounds the device's shells; zero fields take busybox's
	// defaults.
	Shell busybox.Limits
	// Limits: only MaxCommands is read, when Shell.MaxCommands is zero (the
	// YAML key limits.max_commands stays where it was); the rest is
	// sensor.Server's.
	Limits sensor.Limits
	Log    *slog.Logger // nil discards
}

// Sensor serves telnet sessions. It is safe for concurrent use; all its
// state is immutable after New.
type Sensor struct {
	cfg   Config
	dev   *busybox.Device
	login *login.Checker
	pub   event.Publisher
	rules *attrib.Rules
	name  string
	log   *slog.Logger

	// hook, when set (by tests), is called with each shell line before it
	// runs.
	hook func(line string)
}

var _ sensor.Handler = (*Sensor)(nil)

// New validates cfg and builds the device it describes.
func New(cfg Config, o Options) (*Sensor, error) {
	if err := cfg.Validate().Err(); err != nil {
		return nil, fmt.Errorf("telnet: invalid config: %w", err)
	}
	if o.Publisher == nil {
		return nil, fmt.Errorf("telnet: Options.Publisher is required")
	}
	rules := o.Rules
	if rules == nil {
		rules = attrib.Default()
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	lim := o.Shell
	if lim.MaxCommands == 0 {
		lim.MaxCommands = o.Limits.MaxCommands
	}
	p := cfg.Profile
	if p.Seed == "" {
		// Two deployments with the same profile still differ in their
		// device facts (MAC, addresses, sizes).
		p.Seed = o.Sensor
	}
	dev, err := busybox.NewDevice(p, lim)
	if err != nil {
		return nil, fmt.Errorf("telnet: %w", err)
	}
	return &Sensor{
		cfg:   cfg,
		dev:   dev,
		login: login.NewChecker(cfg.Login),
		pub:   o.Publisher,
		rules: rules,
		name:  o.Sensor,
		log:   log.With("proto", "telnet"),
	}, nil
}

// Proto implements sensor.Handler.
func (s *Sensor) Proto() string { return "telnet" }

// Handle implements sensor.Handler: it serves one session until the client
// leaves, a limit is hit or ctx is done.
func (s *Sensor) Handle(ctx context.Context, c *sensor.Conn, info sensor.ConnInfo) {
	s.newSession(ctx, c, info).serve()
}

// event returns an event of kind with the common fields set.
func (s *Sensor) event(kind event.Kind, info sensor.ConnInfo) *event.Event {
	return info.Event(kind, s.name, "telnet")
}

// publish hands e to the bus, which retries within ctx on its own; an event
// that still cannot be published is logged, not fatal: the honeypot keeps
// answering.
func (s *Sensor) publish(ctx context.Context, e *event.Event) {
	if err := s.pub.Publish(ctx, e); err != nil {
		s.log.Error("telnet: event lost", "kind", e.Kind, "session", e.Session, "id", e.ID, "err", err)
	}
}
