package proxy

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/gateway"
	"github.com/honeygate/honeygate/internal/gateway/gatewaytest"
)

type fixture struct {
	intel *gatewaytest.Intel
	rec   *gatewaytest.Recorder
	srv   *Server
	addr  string
}

// startProxy runs a proxy on a loopback port 0 with the given config edits.
func startProxy(t *testing.T, allowPrivate bool, edit func(*gateway.Config)) *fixture {
	t.Helper()
	return startProxyOpts(t, allowPrivate, edit, nil)
}

// startProxyOpts is startProxy with edits of the Server's Options too.
func startProxyOpts(t *testing.T, allowPrivate bool, edit func(*gateway.Config), editOpt func(*Options)) *fixture {
	t.Helper()
	cfg := gateway.DefaultConfig()
	if edit != nil {
		edit(&cfg)
	}
	if err := cfg.Validate().Err(); err != nil {
		t.Fatal(err)
	}
	f := &fixture{intel: gatewaytest.NewIntel(), rec: &gatewaytest.Recorder{}}
	chain, err := gateway.NewChain(&cfg, f.intel)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = l.Addr().String()
	opt := Options{Chain: chain, Recorder: f.rec, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), AllowPrivateUpstream: allowPrivate,
		KillSwitches: cfg.KillSwitches, ReadTimeout: cfg.ProxyReadTimeout, WriteTimeout: cfg.ProxyWriteTimeout}
	if editOpt != nil {
		editOpt(&opt)
	}
	f.srv = New(opt)
	go func() { _ = f.srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = f.srv.Shutdown(ctx)
	})
	return f
}

// client returns an HTTP client that uses the proxy.
func (f *fixture) client() *http.Client {
	pu, _ := url.Parse("http://" + f.addr)
	return &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(pu), DisableCompression: true}, Timeout: 30 * time.Second}
}

func (f *fixture) waitBlocks(t *testing.T, n int) []gateway.Block {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		b := f.rec.Blocks()
		if len(b) >= n || time.Now().After(deadline) {
			return b
		}
		time.Sleep(10 * time.Millisecond)
	}
}
