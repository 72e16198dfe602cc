package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/honeygate/honeygate/internal/attack"
	"github.com/honeygate/honeygate/internal/attrib"
	"github.com/honeygate/honeygate/internal/bus"
	"github.com/honeygate/honeygate/internal/config"
	"github.com/honeygate/honeygate/internal/crawl"
	"github.com/honeygate/honeygate/internal/detect"
	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/gateway"
	gdns "github.com/honeygate/honeygate/internal/gateway/dns"
	"github.com/honeygate/honeygate/internal/gateway/proxy"
	"github.com/honeygate/honeygate/internal/jsonlog"
	"github.com/honeygate/honeygate/internal/sensor"
	"github.com/honeygate/honeygate/internal/sensor/iothttp"
	"github.com/honeygate/honeygate/internal/sensor/reflect"
	"github.com/honeygate/honeygate/internal/sensor/smb"
	"github.com/honeygate/honeygate/internal/sensor/ssh"
	"github.com/honeygate/honeygate/internal/sensor/telnet"
	"github.com/honeygate/honeygate/internal/web"
)

// One build function per part of the table in roles.go.

// consumeBatch is how many events a consumer takes from the bus at once:
// one store transaction per batch keeps the store ahead of the sensors.
const consumeBatch = 4000

// consumer runs a durable bus consumer, and has it drained before it stops.
func consumer(e *env, durable string, h bus.Handler) ([]Component, error) {
	b, err := e.Bus()
	if err != nil {
		return nil, err
	}
	e.durables = append(e.durables, durable)
	return []Component{RunFunc(func(ctx context.Context) error {
		return b.Consume(ctx, durable, consumeBatch, h)
	})}, nil
}

func buildStoreConsumer(e *env) ([]Component, error) {
	st, err := e.Store()
	if err != nil {
		return nil, err
	}
	stored := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "honeygate_events_stored_total", Help: "Events written to the store, by kind.",
	}, []string{"kind"})
	dead := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "honeygate_events_dead_letter_total", Help: "Bus messages that were not valid events, kept aside.",
	})
	e.reg.MustRegister(stored, dead)
	refused := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "honeygate_events_refused_total", Help: "Events refused by the store (kept as dead letters), by reason.",
	}, []string{"reason"})
	e.reg.MustRegister(refused)
	log := e.log.With("component", "store")
	maxPast := e.cfg.Bus.MaxAge + 24*time.Hour
	return consumer(e, "store", bus.Handler{
		Events: func(ctx context.Context, evs []event.Event) error {
			// A remote sensor's clock (or a forger) is not trusted: an event
			// dated in the future would sort first forever. Such events
			// are kept aside as dead letters, not stored as observations.
			now := time.Now()
			kept := evs[:0:0]
			for i := range evs {
				if why := implausibleTime(evs[i].Time, now, maxPast); why != "" {
					refused.WithLabelValues("time").Inc()
					log.Warn("event refused", "id", evs[i].ID, "sensor", evs[i].Sensor, "reason", why)
					if err := st.DeadLetter(ctx, bus.SubjectPrefix+string(evs[i].Kind), evs[i].Raw, why); err != nil {
						return err
					}
					continue
				}
				kept = append(kept, evs[i])
			}
			evs = kept
			inserted, err := st.AppendEvents(ctx, evs)
			if err != nil {
				return err
			}
			for i := range inserted {
				stored.WithLabelValues(string(inserted[i].Kind)).Inc()
			}
			// reflect.attack events also fold into the attacks the API
			// lists. From the whole batch, not only the new events: if
			// this fails after the events were stored, the batch comes
			// again, its events are then not new, and attack.Merge makes
			// applying them twice harmless.
			return st.PutAttacks(ctx, attack.FromEvents(evs))
		},
		Bad: func(ctx context.Context, subject string, data []byte, err error) error {
			dead.Inc()
			log.Warn("bad event on the bus, kept as dead letter", "subject", subject, "err", err)
			return st.DeadLetter(ctx, subject, data, err.Error())
		},
	})
}

func buildJSONLogConsumer(e *env) ([]Component, error) {
	w, err := jsonlog.Open(filepath.Join(e.cfg.Data, "log"), e.cfg.EventLog.MaxBytes, e.cfg.EventLog.Keep)
	if err != nil {
		return nil, err
	}
	e.onClose(w.Close)
	return consumer(e, "jsonlog", bus.Handler{
		Events: func(ctx context.Context, evs []event.Event) error { return w.Write(evs) },
		Bad:    func(context.Context, string, []byte, error) error { return nil }, // the store consumer keeps it
	})
}

func buildWeb(e *env) ([]Component, error) {
	st, err := e.Store()
	if err != nil {
		return nil, err
	}
	b, err := e.Bus()
	if err != nil {
		return nil, err
	}
	token, err := e.Token()
	if err != nil {
		return nil, err
	}
	in, err := e.Intel()
	if err != nil {
		return nil, err
	}
	lns, err := e.listen("web")
	if err != nil {
		return nil, err
	}
	var crawlAPI *web.CrawlOptions
	if c := e.cfg.Crawl; c.Enabled {
		cr, err := e.Crawler()
		if err != nil {
			return nil, err
		}
		crawlAPI = &web.CrawlOptions{Store: st, Crawler: cr, Matrix: crawl.MatrixOptions{PersistDays: c.PersistDays, CampaignSize: c.CampaignSites}}
	}
	h := web.New(web.Options{
		Store: st, Attacks: st, Token: token, Gatherer: e.reg, Log: e.log.With("component", "web"), Intel: in, Crawl: crawlAPI,
		BusStats: func(ctx context.Context) (any, error) { return b.Stats(ctx) },
		Blocks:   st,
		Health:   func(ctx context.Context) []string { return health(ctx, b) },
		Users:    e.cfg.Web.Users, Audit: st, Signins: st,
	})
	var cs []Component
	for _, ln := range lns {
		srv := &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      60 * time.Second,
			IdleTimeout:       120 * time.Second,
			MaxHeaderBytes:    64 << 10,
		}
		srv.RegisterOnShutdown(h.Shutdown) // ends the dashboard's live streams
		cs = append(cs, httpComponent{ln: ln, srv: srv})
	}
	return cs, nil
}

// Crawler returns the client honeypot, shared by its part (the daily round)
// and the web API (rounds on request, rejudge, the matrix). Chromium starts
// only when a visit needs it.
func (e *env) Crawler() (*crawl.Crawler, error) {
	if e.crawler != nil {
		return e.crawler, nil
	}
	c := e.cfg.Crawl
	st, err := e.Store()
	if err != nil {
		return nil, err
	}
	pub, err := e.Bus()
	if err != nil {
		return nil, err
	}
	rules := c.RulesDir
	if rules == "" {
		rules = filepath.Join(e.cfg.Data, "rules")
	}
	judge, err := detect.Load(rules, c.Weights)
	if err != nil {
		return nil, err
	}
	e.onClose(func() error { judge.Close(); return nil })
	log := e.log.With("component", "crawl")
	// The crawler never dials honeygate's own listeners, whatever a page asks.
	guard := &crawl.Guard{AllowPrivate: c.AllowPrivateUpstream, Own: e.ownAddrs()}
	lim := c.Limits()
	// One connection per host across all visits: the crawl is polite.
	static := crawl.NewStatic(crawl.StaticOptions{Limits: lim, Guard: guard, MaxConnsPerHost: 1, Log: log})
	e.onClose(static.Close)
	cr := &crawl.Crawler{
		Store: st, Blobs: &crawl.Blobs{Dir: filepath.Join(e.cfg.Data, "captures")},
		Static: static, Judge: judge.Judge, Notify: crawl.EventNotifier{Publisher: pub, Sensor: e.cfg.Sensor},
		Mode: c.Engine, Concurrency: c.Concurrency, HostDelay: c.HostDelay, Log: log,
	}
	if c.Engine != crawl.EngineStatic {
		b := &crawl.LazyBrowser{Options: crawl.BrowserOptions{Limits: lim, Exec: c.Chromium, Tabs: c.Tabs, Guard: guard, JSHeapMB: c.BrowserHeapMB, Log: log}}
		e.onClose(b.Close)
		cr.Browser = b
	}
	e.crawler = cr
	return cr, nil
}

func buildCrawler(e *env) ([]Component, error) {
	c := e.cfg.Crawl
	at, on, _ := c.ScheduleOffset()
	if !c.Enabled || !on {
		return nil, nil
	}
	cr, err := e.Crawler()
	if err != nil {
		return nil, err
	}
	return []Component{RunFunc(func(ctx context.Context) error { return cr.Daily(ctx, at, c.RetentionDays) })}, nil
}

func buildTelnet(e *env) ([]Component, error) {
	k, err := e.sensorKit("telnet")
	if k == nil {
		return nil, err
	}
	h, err := telnet.New(e.cfg.Telnet, telnet.Options{
		Publisher: k.pub, Rules: k.rules, Sensor: e.cfg.Sensor, Limits: e.cfg.Limits, Log: k.log,
	})
	if err != nil {
		return nil, err
	}
	return sensorServers(e, "telnet", h)
}

func buildSSH(e *env) ([]Component, error) {
	k, err := e.sensorKit("ssh")
	if k == nil {
		return nil, err
	}
	// Host keys and uploaded samples are kept in the data dir.
	h, err := ssh.New(e.cfg.SSH, ssh.Options{
		Publisher: k.pub, Rules: k.rules, Sensor: e.cfg.Sensor, Limits: e.cfg.Limits, Log: k.log, DataDir: e.cfg.Data,
	})
	if err != nil {
		return nil, err
	}
	return sensorServers(e, "ssh", h)
}

func buildSMB(e *env) ([]Component, error) {
	k, err := e.sensorKit("smb")
	if k == nil {
		return nil, err
	}
	h, err := smb.New(e.cfg.SMB, smb.Options{
		Publisher: k.pub, Rules: k.rules, Sensor: e.cfg.Sensor, Log: k.log,
		// Samples are evidence: kept beside the database, never run.
		SampleDir: filepath.Join(e.cfg.Data, "samples"),
	})
	if err != nil {
		return nil, err
	}
	// A worm's payload upload (WannaCry's DLL through DoublePulsar is
	// about 5 MiB) needs more input than a shell session; smb.max_bytes_in
	// allows it, and smb.max_held_bytes bounds what all sessions hold.
	lim := e.cfg.Limits
	lim.MaxBytesIn = e.cfg.SMB.MaxBytesIn
	return sensorServersWith(e, "smb", h, lim)
}

// buildIoTHTTP serves the router endpoints on every iot-http address,
// behind the sensor gate.
func buildIoTHTTP(e *env) ([]Component, error) {
	k, err := e.sensorKit("iot-http")
	if k == nil {
		return nil, err
	}
	s, err := iothttp.New(e.cfg.IoTHTTP, iothttp.Options{
		Publisher: k.pub, Rules: k.rules, Sensor: e.cfg.Sensor, Limits: e.cfg.Limits, Log: k.log,
	})
	if err != nil {
		return nil, err
	}
	lns, err := e.listen("iot-http")
	if err != nil {
		return nil, err
	}
	var cs []Component
	for _, ln := range lns {
		gated := sensor.GateListener(ln, e.Gate(), e.SensorMetrics(), iothttp.Proto)
		cs = append(cs, httpComponent{srv: s.NewServer(context.Background()), ln: s.WrapListener(gated)})
	}
	return cs, nil
}

// sensorKit is what every sensor is built with: the bus to publish to, the
// attribution rules, and a logger named for it.
type sensorKit struct {
	pub   *bus.Bus
	rules *attrib.Rules
	log   *slog.Logger
}

// sensorKit returns the kit of the sensor behind listener name, or nil
// (and no error) when none of its addresses is configured: the sensor is
// off.
func (e *env) sensorKit(name string) (*sensorKit, error) {
	if len(e.cfg.Addrs(name)) == 0 {
		return nil, nil
	}
	pub, err := e.Bus()
	if err != nil {
		return nil, err
	}
	rules, err := e.Rules()
	if err != nil {
		return nil, err
	}
	return &sensorKit{pub: pub, rules: rules, log: e.log.With("component", name)}, nil
}

// sensorServers serves a TCP sensor on each address of its listener, behind
// the shared gate, with the shared limits.
func sensorServers(e *env, name string, h sensor.Handler) ([]Component, error) {
	return sensorServersWith(e, name, h, e.cfg.Limits)
}

// sensorServersWith is sensorServers with limits of the sensor's own.
func sensorServersWith(e *env, name string, h sensor.Handler, lim sensor.Limits) ([]Component, error) {
	pub, err := e.Bus()
	if err != nil {
		return nil, err
	}
	lns, err := e.listen(name)
	if err != nil {
		return nil, err
	}
	var cs []Component
	for _, ln := range lns {
		srv := &sensor.Server{
			Handler: h, Limits: lim, Metrics: e.SensorMetrics(), Gate: e.Gate(),
			Publisher: pub, Sensor: e.cfg.Sensor,
			Log: e.log.With("component", name, "addr", ln.Addr().String()),
		}
		cs = append(cs, RunFunc(func(ctx context.Context) error { return srv.Serve(ctx, ln) }))
	}
	return cs, nil
}

// buildReflectors serves each amplification reflector on every address of
// its listener. They share one send budget, so the bytes-per-second cap and
// the bytes-out-below-bytes-in rule hold for the process, not per port.
func buildReflectors(e *env) ([]Component, error) {
	cfg := e.cfg.Reflect
	var (
		cs      []Component
		budget  *sensor.SendBudget
		metrics *sensor.PacketMetrics
	)
	for _, p := range reflect.Protocols {
		if len(e.cfg.Addrs(p.Listener)) == 0 {
			continue
		}
		pub, err := e.Bus()
		if err != nil {
			return nil, err
		}
		pcs, err := e.listenPacket(p.Listener)
		if err != nil {
			return nil, err
		}
		if budget == nil {
			budget, metrics = sensor.NewSendBudget(cfg.Limits.SendBudget), sensor.NewPacketMetrics(e.reg)
		}
		h := p.New(cfg, e.cfg.Sensor)
		for _, pc := range pcs {
			srv := &sensor.PacketServer{
				Handler: h, Limits: cfg.Limits, Budget: budget, Metrics: metrics,
				Publisher: pub, Sensor: e.cfg.Sensor,
				Log: e.log.With("component", p.Listener, "addr", pc.LocalAddr().String()),
			}
			cs = append(cs, RunFunc(func(ctx context.Context) error { return srv.ServePacket(ctx, pc) }))
		}
	}
	return cs, nil
}

// maxFuture is how far ahead of this clock an event's time may be (clock
// skew between sensors and the hub).
const maxFuture = 5 * time.Minute

// implausibleTime says why an event's time cannot be an observation: in the
// future, or older than the bus keeps events.
func implausibleTime(t, now time.Time, maxPast time.Duration) string {
	switch {
	case t.After(now.Add(maxFuture)):
		return fmt.Sprintf("time %s is in the future (more than %s ahead of the hub's clock)", t.Format(time.RFC3339), maxFuture)
	case t.Before(now.Add(-maxPast)):
		return fmt.Sprintf("time %s is older than the bus keeps events (%s)", t.Format(time.RFC3339), maxPast)
	}
	return ""
}

// Health thresholds: a loss within lossWindow, or a store consumer this far
// behind the bus, makes /healthz answer 503.
const (
	lossWindow = time.Minute
	maxLag     = 100_000
)

// health says why the process is degraded: events lost recently, or the
// store lagging behind the bus.
func health(ctx context.Context, b *bus.Bus) []string {
	var reasons []string
	if t := b.LastLoss(); !t.IsZero() && time.Since(t) < lossWindow {
		reasons = append(reasons, fmt.Sprintf("events are being lost: %d since start, the last %s ago", b.Lost(), time.Since(t).Round(time.Second)))
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	st, err := b.Stats(ctx)
	if err != nil {
		return append(reasons, "bus: "+err.Error())
	}
	if c, ok := st.Consumers["store"]; ok {
		if lag := c.Pending + uint64(c.AckPending); lag > maxLag {
			reasons = append(reasons, fmt.Sprintf("the store lags the bus by %d events", lag))
		}
	}
	return reasons
}

// gatewayShared is what the proxy and the DNS filter share: one policy
// chain over the live intel snapshot, and one recorder that publishes their
// blocks as events off the request path.
type gatewayShared struct {
	chain   *gateway.Chain
	rec     *gateway.AsyncRecorder
	dnsRec  gateway.Recorder // rec, behind a Folder unless fold_window < 0
	metrics *gateway.Metrics
}

func (e *env) gatewayParts() (*gatewayShared, error) {
	if e.gateway != nil {
		return e.gateway, nil
	}
	m, err := e.Intel()
	if err != nil {
		return nil, err
	}
	pub, err := e.Bus()
	if err != nil {
		return nil, err
	}
	chain, err := gateway.NewChain(&e.cfg.Gateway, &gateway.LiveIntel{Live: m.Live(), Ready: m.Ready})
	if err != nil {
		return nil, err
	}
	rec := gateway.NewAsyncRecorder(gateway.PublishSink(pub, e.cfg.Sensor), 65536, 4, e.log.With("component", "gateway"))
	// Closed after the proxy and DNS parts stopped, before the bus closes:
	// the last blocks are published.
	e.onClose(func() error { rec.Close(); return nil })
	e.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "honeygate_gateway_block_records_dropped_total", Help: "Block records dropped because the queue to the bus was full.",
	}, func() float64 { return float64(rec.Dropped()) }))
	e.gateway = &gatewayShared{chain: chain, rec: rec, dnsRec: rec, metrics: gateway.NewMetrics(e.reg)}
	if e.cfg.Gateway.FoldWindow >= 0 {
		// The DNS filter's repeated blocks fold into counted events; the
		// proxy's do not (each block page's reference id finds its event).
		// Closed before rec (closers run newest first): the pending
		// counts are handed on before the queue drains.
		f := gateway.NewFolder(rec, gateway.FoldOptions{Window: e.cfg.Gateway.FoldWindow, MaxGroups: e.cfg.Gateway.FoldGroups})
		e.onClose(func() error { f.Close(); return nil })
		e.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "honeygate_gateway_blocks_folded_total", Help: "DNS blocks held back and handed on inside a counted (folded) gateway.block event.",
		}, func() float64 { return float64(f.Folded()) }))
		e.gateway.dnsRec = f
	}
	return e.gateway, nil
}

// ownAddrs are honeygate's own listener addresses, which the proxy never
// dials. Read on first dial, when every part has listened.
func (e *env) ownAddrs() func() []netip.AddrPort {
	var once sync.Once
	var own []netip.AddrPort
	return func() []netip.AddrPort {
		once.Do(func() {
			for _, addrs := range e.addrs {
				for _, a := range addrs {
					// The bus's listener is kept as a URL (tls://host:port).
					if u, err := url.Parse(a); err == nil && u.Host != "" {
						a = u.Host
					}
					if ap, err := netip.ParseAddrPort(a); err == nil {
						own = append(own, ap)
					}
				}
			}
		})
		return own
	}
}

func buildProxy(e *env) ([]Component, error) {
	if len(e.cfg.Addrs("proxy")) == 0 {
		return nil, nil
	}
	gw, err := e.gatewayParts()
	if err != nil {
		return nil, err
	}
	lns, err := e.listen("proxy")
	if err != nil {
		return nil, err
	}
	var ca *proxy.CA
	if e.cfg.Gateway.Decrypts() {
		dir := e.cfg.Gateway.CADir
		if dir == "" {
			dir = filepath.Join(e.cfg.Data, "gateway-ca")
		}
		if ca, err = proxy.LoadOrCreateCA(dir); err != nil {
			return nil, err
		}
		e.log.Info("the gateway shows block pages inside HTTPS to users who install its CA", "ca", filepath.Join(dir, proxy.CACertFile))
	}
	srv := proxy.New(proxy.Options{
		Chain: gw.chain, Recorder: gw.rec, Log: e.log.With("component", "proxy"),
		AllowPrivateUpstream: e.cfg.Gateway.AllowPrivateUpstream, Own: e.ownAddrs(), CA: ca, Metrics: gw.metrics,
		KillSwitches: e.cfg.Gateway.KillSwitches,
		ReadTimeout:  e.cfg.Gateway.ProxyReadTimeout, WriteTimeout: e.cfg.Gateway.ProxyWriteTimeout,
		GCHeadroom: proxyGCHeadroom, ConnectPorts: e.cfg.Gateway.ConnectPorts,
	})
	var cs []Component
	for _, ln := range lns {
		cs = append(cs, serveComponent{what: fmt.Sprintf("proxy %s", ln.Addr()),
			serve: func() error { return srv.Serve(ln) }, shutdown: srv.Shutdown})
	}
	return cs, nil
}

// proxyGCHeadroom lets the heap grow this far past what is live before a
// collection while the proxy serves (proxy/gcpace.go: fewer stop-the-world
// pauses under load; GOGC in the environment overrides it).
const proxyGCHeadroom = 256 << 20

func buildDNS(e *env) ([]Component, error) {
	addrs := e.cfg.Addrs("dns")
	if len(addrs) == 0 {
		return nil, nil
	}
	if len(e.cfg.Gateway.Upstreams) == 0 {
		e.log.Warn(config.NoUpstreams, "component", "dns")
	}
	gw, err := e.gatewayParts()
	if err != nil {
		return nil, err
	}
	srv, err := gdns.New(gdns.Options{Chain: gw.chain, Recorder: gw.dnsRec, Log: e.log.With("component", "dns"), Config: e.cfg.Gateway, Metrics: gw.metrics})
	if err != nil {
		return nil, err
	}
	var cs []Component
	for _, addr := range addrs {
		pc, ln, err := gdns.Listen(addr)
		if err != nil {
			return nil, fmt.Errorf("listen dns %s: %w", addr, err)
		}
		e.onClose(func() error { pc.Close(); ln.Close(); return nil })
		e.addrs["dns"] = append(e.addrs["dns"], pc.LocalAddr().String())
		cs = append(cs, serveComponent{what: "dns " + addr,
			serve: func() error { return srv.Serve(pc, ln) }, shutdown: srv.Shutdown})
	}
	return cs, nil
}

// buildCrashRecovery closes the sessions of this sensor that a killed
// process left open, at their last event and with reason
// event.CloseCrashRecovered, then ends its open reflection attacks at their
// last packet with reason attack.EndRecovered (crash.go). It waits until the store has
// caught up with what the bus held (including what the dead process had
// received but not acknowledged, redelivered after the bus's ack wait), so
// that a session whose close is still on the bus is not closed twice.
func buildCrashRecovery(e *env) ([]Component, error) {
	st, err := e.Store()
	if err != nil {
		return nil, err
	}
	b, err := e.Bus()
	if err != nil {
		return nil, err
	}
	started := time.Now()
	log := e.log.With("component", "crash-recovery")
	// caughtUp waits until the store has everything the bus holds; false
	// when ctx ended first.
	caughtUp := func(ctx context.Context) bool {
		for {
			s, err := b.Stats(ctx)
			if err == nil {
				if c, ok := s.Consumers["store"]; ok && c.Pending == 0 && c.AckPending == 0 {
					return true
				}
			}
			select {
			case <-ctx.Done():
				return false
			case <-time.After(250 * time.Millisecond):
			}
		}
	}
	return []Component{RunFunc(func(ctx context.Context) error {
		closed, err := closeCrashed(ctx, st, b, e.cfg.Sensor, started, caughtUp)
		if err != nil && ctx.Err() == nil {
			log.Error("closing the sessions a crash left open", "closed", closed, "err", err)
		}
		if closed > 0 {
			log.Warn("closed the sessions a crash left open", "sessions", closed)
		}
		ended, err := closeCrashedAttacks(ctx, st, b, e.cfg.Sensor, started, caughtUp)
		if err != nil && ctx.Err() == nil {
			log.Error("ending the reflection attacks a crash left open", "ended", ended, "err", err)
		}
		if ended > 0 {
			log.Warn("ended the reflection attacks a crash left open", "attacks", ended)
		}
		<-ctx.Done()
		return nil
	})}, nil
}
