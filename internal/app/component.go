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

// serveComponent runs serve until ctx is done, then stops it with shutdown
// (within shutdownGrace) and waits for it to return. serve returning first
// is the component's failure, named by what; what it returns once shut down
// is the expected end of its listeners (the proxy and the DNS filter
// return the closed listener's error), not a failure.
type serveComponent struct {
	what     string
	serve    func() error
	shutdown func(context.Context) error
}

var (
	_ Component = serveComponent{}
	_ Component = httpComponent{}
)

func (s serveComponent) Run(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- s.serve() }()
	select {
	case err := <-errc:
		return fmt.Errorf("%s: %w", s.what, err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	_ = s.shutdown(sctx)
	<-errc
	return nil
}

// shutdownGrace bounds a server's graceful shutdown.
const shutdownGrace = 5 * time.Second

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
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	_ = h.srv.Shutdown(sctx)
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
