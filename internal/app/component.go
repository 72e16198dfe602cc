package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Component is one running part of honeygate: a sensor listener, a bus
// consumer, the web server, later the crawl scheduler or a gateway
// listener.
//
// Its build function (in parts.go) does everything that can fail at start,
// listening included, so that start-up errors surface before anything
// serves; whatever it opened is released through the env if a later part
// fails. Run then serves until ctx is done and returns nil on a clean stop;
// an error from Run is fatal to the process.
type Component interface {
	Run(ctx context.Context) error
}

// RunFunc adapts a function to Component.
type RunFunc func(ctx context.Context) error

// Run calls f.
func (f RunFunc) Run(ctx context.Context) error { return f(ctx) }

// httpComponent serves an http.Server on a listener until ctx is done, then
// shuts it down gracefully within a bound.
type httpComponent struct {
	srv *http.Server
	ln  net.Listener
}

func (h httpComponent) Run(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- h.srv.Serve(h.ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http %s: %w", h.ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = h.srv.Shutdown(sctx)
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
