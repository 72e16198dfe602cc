package app

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/honeygate/honeygate/internal/attrib"
	"github.com/honeygate/honeygate/internal/bus"
	"github.com/honeygate/honeygate/internal/config"
	"github.com/honeygate/honeygate/internal/crawl"
	"github.com/honeygate/honeygate/internal/intel"
	"github.com/honeygate/honeygate/internal/sensor"
	"github.com/honeygate/honeygate/internal/store/sqlite"
)

// env is what the parts are built from: the configuration, and the shared
// resources (bus, store, token, sensor gate, metrics, intel), each opened on first
// use so that a role opens only what its parts need. Whatever is opened is
// released by close, in reverse order, also after a failed start.
type env struct {
	ctx context.Context // the start's context: bounds opening, not running
	cfg *config.Config
	log *slog.Logger
	out io.Writer // where the first-start token is printed
	reg *prometheus.Registry

	addrs    map[string][]string // actual listener addresses, after port 0
	durables []string            // bus consumers to drain before they stop
	closers  []func() error

	token         string
	tokenNew      string // DATA/token when this start generated it, until shown
	crawler       *crawl.Crawler
	bus           *bus.Bus
	db            *sqlite.DB
	rules         *attrib.Rules
	gate          *sensor.Gate
	sensorMetrics *sensor.Metrics
	intel         *intel.Manager
	gateway       *gatewayShared
}

// onClose registers a release to run at close, before those registered
// earlier.
func (e *env) onClose(f func() error) { e.closers = append(e.closers, f) }

// close releases everything opened, newest first.
func (e *env) close() error {
	var errs []error
	for i := len(e.closers) - 1; i >= 0; i-- {
		errs = append(errs, e.closers[i]())
	}
	e.closers = nil
	return errors.Join(errs...)
}

// listen opens every configured address of a TCP listener and records the
// actual addresses. None when the listener is off.
func (e *env) listen(name string) ([]net.Listener, error) {
	var lns []net.Listener
	for _, addr := range e.cfg.Addrs(name) {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("listen %s %s: %w", name, addr, err)
		}
		e.onClose(func() error { ln.Close(); return nil }) // also closed by its server; closing twice is harmless
		lns = append(lns, ln)
		e.addrs[name] = append(e.addrs[name], ln.Addr().String())
	}
	return lns, nil
}

// listenPacket opens every configured address of a UDP listener.
func (e *env) listenPacket(name string) ([]net.PacketConn, error) {
	var pcs []net.PacketConn
	for _, addr := range e.cfg.Addrs(name) {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, fmt.Errorf("listen %s %s: %w", name, addr, err)
		}
		e.onClose(func() error { pc.Close(); return nil })
		pcs = append(pcs, pc)
		e.addrs[name] = append(e.addrs[name], pc.LocalAddr().String())
	}
	return pcs, nil
}

// Store opens the SQLite store under the data dir.
func (e *env) Store() (*sqlite.DB, error) {
	if e.db != nil {
		return e.db, nil
	}
	db, err := sqlite.Open(filepath.Join(e.cfg.Data, "honeygate.db"))
	if err != nil {
		return nil, err
	}
	for _, f := range db.Tightened() {
		e.log.Warn("a database file was open to others; its mode is tightened to the owner only", "file", f)
	}
	e.db = db
	e.onClose(db.Close)
	return db, nil
}

// Bus opens the bus: an embedded NATS JetStream server under the data dir,
// or a connection to the external one configured.
func (e *env) Bus() (*bus.Bus, error) {
	if e.bus != nil {
		return e.bus, nil
	}
	natsListen := ""
	if addrs := e.cfg.Addrs("nats"); len(addrs) > 0 {
		natsListen = addrs[0]
	}
	var (
		accounts *bus.Accounts
		tlsCfg   *tls.Config
		err      error
	)
	if natsListen != "" {
		// Remote sensors get their own least-privilege credential over TLS,
		// never the API token.
		if accounts, err = bus.LoadOrCreateAccounts(filepath.Join(e.cfg.Data, "credentials", "nats.json")); err != nil {
			return nil, err
		}
		if e.cfg.Bus.TLSCert != "" {
			tlsCfg, err = bus.LoadTLS(e.cfg.Bus.TLSCert, e.cfg.Bus.TLSKey)
		} else {
			host, _, _ := net.SplitHostPort(natsListen)
			tlsCfg, err = bus.LoadOrCreateTLS(filepath.Join(e.cfg.Data, "tls"), []string{host})
		}
		if err != nil {
			return nil, err
		}
	}
	b, err := bus.Open(e.ctx, bus.Options{
		URL:      e.cfg.NATS,
		StoreDir: filepath.Join(e.cfg.Data, "nats"),
		Listen:   natsListen,
		Accounts: accounts,
		TLS:      tlsCfg,
		Replicas: e.cfg.Bus.Replicas,
		MaxAge:   e.cfg.Bus.MaxAge,
		MaxBytes: e.cfg.Bus.MaxBytes,
	}, e.log.With("component", "bus"))
	if err != nil {
		return nil, err
	}
	e.bus = b
	e.onClose(b.Close)
	e.reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "honeygate_events_lost_total", Help: "Events that could not be published to the bus, and are lost.",
		}, func() float64 { return float64(b.Lost()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "honeygate_bus_stream_recreated_total", Help: "Times the event stream was found missing and recreated.",
		}, func() float64 { return float64(b.Recreated()) }),
	)
	if natsListen != "" {
		u := strings.Replace(b.ClientURL(), "nats://", "tls://", 1)
		e.addrs["nats"] = []string{u}
		e.log.Info("remote sensors connect to the bus over TLS as user \"sensor\"",
			"url", u, "password_in", filepath.Join(e.cfg.Data, "credentials", "nats.json"),
			"ca", filepath.Join(e.cfg.Data, "tls", bus.CAFile))
	}
	return b, nil
}

// Rules returns the family attribution rules: the configured file, or the
// embedded rules.
func (e *env) Rules() (*attrib.Rules, error) {
	if e.rules != nil {
		return e.rules, nil
	}
	r := attrib.Default()
	if e.cfg.Rules != "" {
		var err error
		if r, err = attrib.Load(e.cfg.Rules); err != nil {
			return nil, err
		}
	}
	e.rules = r
	return r, nil
}

// Gate is the one gate of every sensor listener: the per-source and
// overall limits hold across ports and protocols, as an attacker may hit
// 23, 2323 and 445 at once.
func (e *env) Gate() *sensor.Gate {
	if e.gate == nil {
		e.gate = sensor.NewGate(e.cfg.Limits.MaxPerSource, e.cfg.Limits.MaxConcurrent)
	}
	return e.gate
}

// SensorMetrics are the collectors every sensor reports to.
func (e *env) SensorMetrics() *sensor.Metrics {
	if e.sensorMetrics == nil {
		e.sensorMetrics = sensor.NewMetrics(e.reg)
	}
	return e.sensorMetrics
}

// Token returns the configured API token, or the one kept in DATA/token,
// generating it on the very first start (App.Start prints it once the
// start succeeded).
func (e *env) Token() (string, error) {
	if e.token != "" {
		return e.token, nil
	}
	path := filepath.Join(e.cfg.Data, "token")
	if e.cfg.Token != "" {
		// A configured token (--token or the config file) is written to
		// DATA/token too: the client subcommands read it there, and one
		// left from an earlier token would get them 401s and soon their
		// own address limited.
		if err := keepToken(path, e.cfg.Token); err != nil {
			return "", err
		}
		e.token = e.cfg.Token
		return e.token, nil
	}
	if b, err := os.ReadFile(path); err == nil {
		if t := strings.TrimSpace(string(b)); len(t) >= 16 {
			e.token = t
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
	e.token, e.tokenNew = t, path
	return t, nil
}

// keepToken makes path hold t, readable by the owner only. It writes a
// temporary file and renames it over path, so that a client never reads a
// half-written token and an old file's looser mode goes with it.
func keepToken(path, t string) error {
	if b, err := os.ReadFile(path); err == nil && strings.TrimSpace(string(b)) == t {
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm() == 0o600 {
			return nil
		}
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".token-*")
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	defer os.Remove(f.Name()) // a no-op once renamed
	if _, err := f.WriteString(t + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("token: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("token: %w", err)
	}
	// CreateTemp makes the file 0600 already; say so for the reader.
	if err := os.Chmod(f.Name(), 0o600); err != nil {
		return fmt.Errorf("token: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("token: %w", err)
	}
	return nil
}

// announceToken prints a token generated in this start, once the start
// succeeded: shown only once, it must not scroll past with a start error.
func (e *env) announceToken() {
	if e.tokenNew != "" {
		fmt.Fprintf(e.out, "Generated API token (kept in %s, shown only now): %s\n", e.tokenNew, e.token)
		e.tokenNew = ""
	}
}

// forgetToken removes a token generated by a start that failed, so the
// next start generates and shows one instead of keeping one nobody saw.
func (e *env) forgetToken() {
	if e.tokenNew != "" {
		_ = os.Remove(e.tokenNew)
		e.tokenNew = ""
	}
}
