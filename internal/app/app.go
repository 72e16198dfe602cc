// Package app wires honeygate together: it opens the store and the bus,
// starts the consumers that move events from the bus into the store and the
// JSON log, starts the sensors and the web API, and stops them in order.
// It holds no protocol or storage logic of its own.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/honeygate/honeygate/internal/attrib"
	"github.com/honeygate/honeygate/internal/bus"
	"github.com/honeygate/honeygate/internal/config"
	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/jsonlog"
	"github.com/honeygate/honeygate/internal/sensor"
	"github.com/honeygate/honeygate/internal/sensor/telnet"
	"github.com/honeygate/honeygate/internal/store"
	"github.com/honeygate/honeygate/internal/store/sqlite"
	"github.com/honeygate/honeygate/internal/web"
)

// Durable consumer names on the bus.
const (
	consumerStore   = "store"
	consumerJSONLog = "jsonlog"
	consumeBatch    = 4000
)

// App is one running honeygate process.
type App struct {
	cfg config.Config
	log *slog.Logger
	out io.Writer // where the first-start token is printed

	reg    *prometheus.Registry
	st     store.Store
	bus    *bus.Bus
	elog   *jsonlog.Writer
	web    *http.Server
	addrs  map[string][]string
	cancel context.CancelFunc // stops the sensors
	// stopConsumers stops the bus consumers, after the sensors.
	stopConsumers context.CancelFunc
	sensors       sync.WaitGroup // sensor servers
	workers       sync.WaitGroup // consumers and web
	errs          chan error
	once          sync.Once
}

// New returns an App for cfg; nothing is opened until Start.
func New(cfg config.Config, log *slog.Logger, out io.Writer) *App {
	return &App{cfg: cfg, log: log, out: out, addrs: map[string][]string{}, errs: make(chan error, 16)}
}

// Start opens everything and listens on every enabled listener before it
// returns, so start-up errors (a port in use, a bad data dir) surface here.
// On error, what was opened is closed again.
func (a *App) Start(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	cfg := &a.cfg
	if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	token, err := a.token()
	if err != nil {
		return err
	}
	rules := attrib.Default()
	if cfg.Rules != "" {
		if rules, err = attrib.Load(cfg.Rules); err != nil {
			return err
		}
	}

	a.reg = prometheus.NewRegistry()
	a.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	eventsStored := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "honeygate_events_stored_total", Help: "Events written to the store, by kind.",
	}, []string{"kind"})
	deadLetters := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "honeygate_events_dead_letter_total", Help: "Bus messages that were not valid events, kept aside.",
	})
	a.reg.MustRegister(eventsStored, deadLetters)
	sensorMetrics := sensor.NewMetrics(a.reg)

	if a.st, err = sqlite.Open(filepath.Join(cfg.Data, "honeygate.db")); err != nil {
		return err
	}
	if a.elog, err = jsonlog.Open(filepath.Join(cfg.Data, "log"), cfg.EventLog.MaxBytes, cfg.EventLog.Keep); err != nil {
		return err
	}
	natsListen := ""
	if addrs := cfg.Addrs("nats"); len(addrs) > 0 {
		natsListen = addrs[0]
	}
	a.bus, err = bus.Open(ctx, bus.Options{
		URL:      cfg.NATS,
		StoreDir: filepath.Join(cfg.Data, "nats"),
		Listen:   natsListen,
		Token:    token, // remote sensors use the API token: nats://TOKEN@host:port
		Replicas: cfg.Bus.Replicas,
		MaxAge:   cfg.Bus.MaxAge,
		MaxBytes: cfg.Bus.MaxBytes,
	}, a.log.With("component", "bus"))
	if err != nil {
		return err
	}
	if natsListen != "" {
		a.addrs["nats"] = []string{a.bus.ClientURL()}
	}

	// Listen on everything before serving anything, so a port in use fails
	// the start instead of leaving half a honeypot running.
	webAddr := cfg.Addrs("web")[0]
	webLn, err := net.Listen("tcp", webAddr)
	if err != nil {
		return fmt.Errorf("listen web %s: %w", webAddr, err)
	}
	a.addrs["web"] = []string{webLn.Addr().String()}
	var telnetLns []net.Listener
	for _, addr := range cfg.Addrs("telnet") {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			webLn.Close()
			for _, l := range telnetLns {
				l.Close()
			}
			return fmt.Errorf("listen telnet %s: %w", addr, err)
		}
		telnetLns = append(telnetLns, ln)
		a.addrs["telnet"] = append(a.addrs["telnet"], ln.Addr().String())
	}

	// Two lifetimes: sensors stop first, consumers only once they have
	// stored what the sensors' last sessions published (see Close).
	runCtx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	consumeCtx, stopConsumers := context.WithCancel(context.Background())
	a.stopConsumers = stopConsumers

	// Consumers: bus -> store (ack after commit) and bus -> JSON log.
	a.consume(consumeCtx, consumerStore, bus.Handler{
		Events: func(ctx context.Context, evs []event.Event) error {
			inserted, err := a.st.AppendEvents(ctx, evs)
			if err != nil {
				return err
			}
			for i := range inserted {
				eventsStored.WithLabelValues(string(inserted[i].Kind)).Inc()
			}
			return nil
		},
		Bad: func(ctx context.Context, subject string, data []byte, err error) error {
			deadLetters.Inc()
			a.log.Warn("bad event on the bus, kept as dead letter", "subject", subject, "err", err)
			return a.st.DeadLetter(ctx, subject, data, err.Error())
		},
	})
	a.consume(consumeCtx, consumerJSONLog, bus.Handler{
		Events: func(ctx context.Context, evs []event.Event) error { return a.elog.Write(evs) },
		Bad:    func(context.Context, string, []byte, error) error { return nil }, // the store consumer keeps it
	})

	// Sensors.
	tel, err := telnet.New(cfg.Telnet, telnet.Options{
		Publisher: a.bus, Rules: rules, Sensor: cfg.Sensor, Limits: cfg.Limits,
		Log: a.log.With("component", "telnet"),
	})
	if err != nil {
		cancel()
		webLn.Close()
		for _, l := range telnetLns {
			l.Close()
		}
		return err
	}
	// One gate for every sensor listener: the per-source and overall limits
	// hold across ports, as an attacker may hit 23, 2323 and 5358 at once.
	gate := sensor.NewGate(cfg.Limits.MaxPerSource, cfg.Limits.MaxConcurrent)
	for _, ln := range telnetLns {
		srv := &sensor.Server{Handler: tel, Limits: cfg.Limits, Metrics: sensorMetrics, Gate: gate,
			Log: a.log.With("component", "telnet", "addr", ln.Addr().String())}
		a.sensors.Add(1)
		go func() {
			defer a.sensors.Done()
			if err := srv.Serve(runCtx, ln); err != nil {
				a.errs <- fmt.Errorf("telnet %s: %w", ln.Addr(), err)
			}
		}()
	}

	// Web API.
	a.web = &http.Server{
		Handler: web.New(web.Options{
			Store: a.st, Token: token, Gatherer: a.reg, Log: a.log.With("component", "web"),
			BusStats: func(ctx context.Context) (any, error) { return a.bus.Stats(ctx) },
		}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	a.workers.Add(1)
	go func() {
		defer a.workers.Done()
		if err := a.web.Serve(webLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.errs <- fmt.Errorf("web: %w", err)
		}
	}()

	for name, addrs := range a.addrs {
		for _, addr := range addrs {
			a.log.Info("listening", "name", name, "addr", addr)
		}
	}
	return a.writeListeners()
}

func (a *App) consume(ctx context.Context, durable string, h bus.Handler) {
	a.workers.Add(1)
	go func() {
		defer a.workers.Done()
		if err := a.bus.Consume(ctx, durable, consumeBatch, h); err != nil {
			a.errs <- fmt.Errorf("consumer %s: %w", durable, err)
		}
	}()
}

// Addrs returns the actual addresses of each listener (after port 0).
func (a *App) Addrs() map[string][]string { return a.addrs }

// Err delivers a fatal error from a running component.
func (a *App) Err() <-chan error { return a.errs }

// writeListeners records the actual listener addresses in DATA/listeners.json
// for scripts and tests that start the server on port 0.
func (a *App) writeListeners() error {
	b, err := json.MarshalIndent(a.addrs, "", "  ")
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

// token returns the configured API token, or the one kept in DATA/token,
// generating and printing it on the very first start.
func (a *App) token() (string, error) {
	if a.cfg.Token != "" {
		return a.cfg.Token, nil
	}
	path := filepath.Join(a.cfg.Data, "token")
	if b, err := os.ReadFile(path); err == nil {
		if t := strings.TrimSpace(string(b)); len(t) >= 16 {
			return t, nil
		}
		return "", fmt.Errorf("token file %s is too short; delete it to generate a new one", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("token: %w", err)
	}
	var raw [24]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	t := hex.EncodeToString(raw[:])
	if err := os.WriteFile(path, []byte(t+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	fmt.Fprintf(a.out, "Generated API token (kept in %s, shown only now): %s\n", path, t)
	return t, nil
}

// drain waits, at most d, until the consumers have handled everything on
// the bus, so a clean stop leaves the store complete. What is left after d
// stays on the bus and is stored at the next start.
func (a *App) drain(d time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		st, err := a.bus.Stats(ctx)
		if err == nil && caughtUp(st, consumerStore, consumerJSONLog) {
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

// Close stops everything in order: sensors first (their sessions end and
// publish their last events), then the web API, then the consumers once the
// bus has delivered what it has, then the bus and the store. It is
// idempotent and bounded in time.
func (a *App) Close() error {
	var errs []error
	a.once.Do(func() {
		if a.cancel != nil {
			a.cancel()
		}
		a.sensors.Wait()
		if a.web != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = a.web.Shutdown(ctx)
			cancel()
		}
		if a.stopConsumers != nil {
			a.drain(5 * time.Second)
			a.stopConsumers()
		}
		a.workers.Wait()
		if a.bus != nil {
			errs = append(errs, a.bus.Close())
		}
		if a.elog != nil {
			errs = append(errs, a.elog.Close())
		}
		if a.st != nil {
			errs = append(errs, a.st.Close())
		}
	})
	return errors.Join(errs...)
}
