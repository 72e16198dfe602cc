package app

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/honeygate/honeygate/internal/bus"
	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/intel"
)

// Intel opens intel on first use: the indicators in the store, the live
// matcher snapshot the gateway reads (Intel().Live()), and the subscribed
// feeds. Its first snapshot is built from the store before it returns; it
// is stopped after every part has stopped.
func (e *env) Intel() (*intel.Manager, error) {
	if e.intel != nil {
		return e.intel, nil
	}
	st, err := e.Store()
	if err != nil {
		return nil, err
	}
	m := intel.NewManager(intel.ManagerOptions{
		Store:    st,
		Log:      e.log.With("component", "intel"),
		Debounce: e.cfg.Intel.Debounce,
		Feeds:    e.cfg.Intel.Feeds,
		Limits:   e.cfg.Intel.Limits(),
	})
	if err := m.Start(e.ctx); err != nil {
		return nil, err
	}
	e.intel = m
	e.onClose(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return m.Stop(ctx)
	})
	e.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "honeygate_intel_indicators", Help: "Indicators in the live matcher snapshot.",
		}, func() float64 { return float64(m.Live().Snapshot().Len()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "honeygate_intel_snapshot_bytes", Help: "Memory the live matcher snapshot's tables hold.",
		}, func() float64 { return float64(m.Live().Snapshot().Bytes()) }),
	)
	return m, nil
}

// buildIntel is the bus -> intel consumer: payload URLs from file.download
// and malicious crawl verdicts become indicators, enforced within a second.
func buildIntel(e *env) ([]Component, error) {
	m, err := e.Intel()
	if err != nil {
		return nil, err
	}
	log := e.log.With("component", "intel")
	c := intel.NewConsumer(m, e.cfg.Intel.DownloadHosts, log).WithHoneypot(e.cfg.Intel.Honeypot)
	return consumer(e, "intel", bus.Handler{
		Events: func(ctx context.Context, evs []event.Event) error { return c.Events(ctx, evs) },
		Bad:    func(context.Context, string, []byte, error) error { return nil }, // the store consumer keeps it
		// Only the kinds it turns into indicators: decoding every event to
		// keep two kinds cost 11% of the server's CPU under telnet load.
		Kinds: c.Kinds(),
	})
}
