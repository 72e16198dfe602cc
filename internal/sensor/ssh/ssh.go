// Package ssh is an SSH honeypot in front of the same emulated BusyBox
// device as the telnet sensor: a Dropbear server as IoT devices run it,
// with the telnet sensor's login policy, so that bots that scan port 22 get
// the same device, the same shell and the same events as on port 23.
//
// It records what SSH adds: the client's identification and key exchange
// offer (a HASSH fingerprint), public keys offered (refused), port
// forwarding requests (recorded with their target and refused: the sensor
// never connects out) and files uploaded over SCP or SFTP (hashed and kept
// as samples, never run).
//
// It is not an SSH server for people: no key ever logs in, no channel
// reaches the host, and the only "shell" is the emulation.
package ssh

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	xssh "golang.org/x/crypto/ssh"

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
	// Limits: MaxCommands bounds the lines of a whole connection (all its
	// channels), and the shells' when Shell.MaxCommands is zero; the rest
	// is sensor.Server's.
	Limits sensor.Limits
	Log    *slog.Logger // nil discards
	// DataDir holds what the sensor keeps across restarts: its host keys
	// (DataDir/ssh/) and uploaded samples (DataDir/samples/<sha256>).
	DataDir string
}

// Sensor serves SSH sessions. It is safe for concurrent use; its state is
// immutable after New except the sample budget.
type Sensor struct {
	cfg      Config
	checker  *login.Checker
	hostKeys []xssh.Signer
	dev      *busybox.Device
	samples  *samples
	pub      event.Publisher
	rules    *attrib.Rules
	name     string
	limits   sensor.Limits
	log      *slog.Logger
}

var _ sensor.Handler = (*Sensor)(nil)

// New validates cfg, loads (or on first start creates) the host keys and
// opens the sample directory.
func New(cfg Config, o Options) (*Sensor, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("ssh: invalid config: %w", errs)
	}
	if o.Publisher == nil {
		return nil, fmt.Errorf("ssh: Options.Publisher is required")
	}
	if o.DataDir == "" {
		return nil, fmt.Errorf("ssh: Options.DataDir is required")
	}
	lim := o.Shell
	if lim.MaxCommands == 0 {
		lim.MaxCommands = o.Limits.MaxCommands
	}
	p := cfg.Profile
	if p.Seed == "" {
		// As telnet does: the same sensor name gives the same device facts
		// on both doors.
		p.Seed = o.Sensor
	}
	dev, err := busybox.NewDevice(p, lim)
	if err != nil {
		return nil, fmt.Errorf("ssh: %w", err)
	}
	keys, err := loadHostKeys(filepath.Join(o.DataDir, "ssh"))
	if err != nil {
		return nil, err
	}
	smp, err := openSamples(filepath.Join(o.DataDir, "samples"), cfg.MaxSampleBytes, cfg.MaxSamplesBytes)
	if err != nil {
		return nil, err
	}
	rules := o.Rules
	if rules == nil {
		rules = attrib.Default()
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Sensor{
		cfg:      cfg,
		checker:  login.NewChecker(cfg.Login),
		hostKeys: keys,
		dev:      dev,
		samples:  smp,
		pub:      o.Publisher,
		rules:    rules,
		name:     o.Sensor,
		limits:   o.Limits,
		log:      log.With("proto", "ssh"),
	}, nil
}

// Proto implements sensor.Handler.
func (s *Sensor) Proto() string { return "ssh" }

// HostKeys returns the public host keys, for tests and operators.
func (s *Sensor) HostKeys() []xssh.PublicKey {
	out := make([]xssh.PublicKey, len(s.hostKeys))
	for i, k := range s.hostKeys {
		out[i] = k.PublicKey()
	}
	return out
}

// Handle implements sensor.Handler: it serves one connection until the
// client leaves, a limit is hit or ctx is done.
func (s *Sensor) Handle(ctx context.Context, c *sensor.Conn, info sensor.ConnInfo) {
	s.newSession(ctx, c, info).serve()
}

// publish hands e to the bus, which retries within ctx on its own; an event
// that still cannot be published is logged, not fatal: the honeypot keeps
// answering.
func (s *Sensor) publish(ctx context.Context, e *event.Event) {
	if err := s.pub.Publish(ctx, e); err != nil {
		s.log.Error("ssh: event lost", "kind", e.Kind, "session", e.Session, "id", e.ID, "err", err)
	}
}

// banner is what the login shell prints first with a pty: ash's banner.
func (s *Sensor) banner() string {
	p := s.dev.Profile()
	return "\n\nBusyBox v" + p.BusyBoxVersion + " (" + p.BusyBoxBuild + ") built-in shell (ash)\nEnter 'help' for a list of built-in commands.\n\n"
}
