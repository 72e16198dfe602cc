package app

import (
	"context"
	"time"

	"github.com/honeygate/honeygate/internal/bus"
	"github.com/honeygate/honeygate/internal/intel"
)

// Intel for the gateway's enforcement points and the API: the manager over
// the SQLite intel store, started (first snapshot built) on first use.
//
// Interim wiring by the gateway (proxy/DNS) work so that its enforcement
// points and end-to-end tests run; the intel work's own wiring (config
// section, feeds) replaces it.
func (e *env) Intel() (*intel.Manager, error) {
	if e.intel != nil {
		return e.intel, nil
	}
	db, err := e.Store()
	if err != nil {
		return nil, err
	}
	m := intel.NewManager(intel.ManagerOptions{Store: db, Log: e.log.With("component", "intel")})
	if err := m.Start(e.ctx); err != nil {
		return nil, err
	}
	e.onClose(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return m.Stop(ctx)
	})
	e.intel = m
	return m, nil
}

// buildIntelConsumer turns honeygate's own observations on the bus
// (file.download) into indicators.
func buildIntelConsumer(e *env) ([]Component, error) {
	m, err := e.Intel()
	if err != nil {
		return nil, err
	}
	c := intel.NewConsumer(m, intel.HostsIP, e.log.With("component", "intel"))
	return consumer(e, "intel", bus.Handler{Events: c.Events})
}
