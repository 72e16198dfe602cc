// Package app wires honeygate together: it builds the parts of a role from
// the table in roles.go, runs them, and stops them in the order that keeps
// every event. It holds no protocol or storage logic of its own.
package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/honeygate/honeygate/internal/buildinfo"
	"github.com/honeygate/honeygate/internal/bus"
	"github.com/honeygate/honeygate/internal/config"
)

// App is one running honeygate process.
type App struct {
	cfg  config.Config
	log  *slog.Logger
	out  io.Writer
	role role

	env    *env
	stages [numStages]struct {
		cancel context.CancelFunc
		wg     sync.WaitGroup
	}
	errs    chan error
	once    sync.Once
	running bool // the consumers were started: only then is there a bus to drain
}

// New returns an App that runs every part (`honeygate serve`); nothing is
// opened until Start.
func New(cfg config.Config, log *slog.Logger, out io.Writer) *App {
	return &App{cfg: cfg, log: log, out: out, role: roleServe, errs: make(chan error, 16)}
}

// Start builds every part of the role, listening on every enabled listener,
// before it runs any, so start-up errors (a port in use, a bad data dir)
// surface here. On error, what was opened is closed again.
func (a *App) Start(ctx context.Context) (err error) {
	if err := os.MkdirAll(a.cfg.Data, 0o750); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if err := tightenDataDir(a.cfg.Data, a.log); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	// Own the data dir before opening anything in it.
	unlock, err := lockDataDir(a.cfg.Data)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	bi := buildinfo.Get()
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "honeygate_build_info", Help: "Always 1; the labels say which honeygate runs.",
		ConstLabels: prometheus.Labels{"version": bi.Version, "commit": bi.Commit, "go": bi.Go},
	}, func() float64 { return 1 }))
	a.env = &env{ctx: ctx, cfg: &a.cfg, log: a.log, out: a.out, reg: reg, addrs: map[string][]string{}}
	a.env.onClose(unlock) // released last
	defer func() {
		if err != nil {
			a.env.forgetToken()
			a.Close()
		}
	}()

	var built [numStages][]Component
	for _, p := range parts {
		if p.roles&a.role == 0 {
			continue
		}
		cs, err := p.build(a.env)
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		built[p.stage] = append(built[p.stage], cs...)
	}

	// Each stage has its own lifetime, so Close can stop them in order.
	for st := range built {
		s := &a.stages[st]
		var runCtx context.Context
		runCtx, s.cancel = context.WithCancel(context.Background())
		for _, c := range built[st] {
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				if err := c.Run(runCtx); err != nil {
					select {
					case a.errs <- err:
					default:
					}
				}
			}()
		}
	}
	a.running = true

	names := make([]string, 0, len(a.env.addrs))
	for name := range a.env.addrs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, addr := range a.env.addrs[name] {
			a.log.Info("listening", "name", name, "addr", addr)
		}
	}
	if err := a.writeListeners(); err != nil {
		return err
	}
	a.env.announceToken()
	return nil
}

// Err delivers a fatal error from a running component.
func (a *App) Err() <-chan error { return a.errs }

// writeListeners records the actual listener addresses in DATA/listeners.json
// for scripts and tests that start the server on port 0.
func (a *App) writeListeners() error {
	b, err := json.MarshalIndent(a.env.addrs, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(a.cfg.Data, "listeners.json")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o640); err != nil {
		return fmt.Errorf("listeners file: %w", err)
	}
	return os.Rename(tmp, path)
}

// Close stops everything in the order of the stages (see roles.go):
// producers first, then the web server, then the consumers once the bus has
// delivered what it has; then the resources (bus, store) close. It is
// idempotent and bounded in time.
func (a *App) Close() error {
	var err error
	a.once.Do(func() {
		for st := range a.stages {
			s := &a.stages[st]
			// A start that failed while building never ran a consumer:
			// nothing will drain, and waiting would only delay the error.
			if stage(st) == consumers && a.running && a.env.bus != nil && len(a.env.durables) > 0 {
				a.drain(5 * time.Second)
			}
			if s.cancel != nil {
				s.cancel()
			}
			s.wg.Wait()
		}
		if a.env != nil {
			err = a.env.close()
		}
	})
	return err
}

// drain waits, at most d, until the consumers have handled everything on
// the bus, so a clean stop leaves the store complete. What is left after d
// stays on the bus and is stored at the next start.
func (a *App) drain(d time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		st, err := a.env.bus.Stats(ctx)
		if err == nil && caughtUp(st, a.env.durables...) {
			return
		}
		select {
		case <-ctx.Done():
			a.log.Warn("stopping with events still on the bus; they will be stored at the next start", "err", err)
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func caughtUp(st bus.Stats, durables ...string) bool {
	for _, d := range durables {
		c, ok := st.Consumers[d]
		if !ok || c.Pending > 0 || c.AckPending > 0 {
			return false
		}
	}
	return true
}

// NewRole returns an App that runs the parts of one role ("serve",
// "sensor", "gateway", "hub"; see roles.go).
func NewRole(name string, cfg config.Config, log *slog.Logger, out io.Writer) (*App, error) {
	r, ok := roleNames[name]
	if !ok {
		return nil, fmt.Errorf("unknown role %q", name)
	}
	a := New(cfg, log, out)
	a.role = r
	return a, nil
}
