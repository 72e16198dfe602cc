// Command hgprof is honeygate with net/http/pprof on a loopback address, for
// profiling the server under bench/telnet.sh (PROFILE=1). It runs exactly
// the same code as cmd/honeygate; only the profiling endpoint is added.
//
//	HGPROF_ADDR=127.0.0.1:6060 hgprof serve ...
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"net/netip"
	"os"
	"os/signal"
	"syscall"

	"github.com/honeygate/honeygate/internal/cli"
)

func main() {
	if addr := os.Getenv("HGPROF_ADDR"); addr != "" {
		ap, err := netip.ParseAddrPort(addr)
		if err != nil || !ap.Addr().IsLoopback() {
			fmt.Fprintln(os.Stderr, "hgprof: HGPROF_ADDR must be a loopback IP:PORT")
			os.Exit(2)
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "hgprof:", err)
			os.Exit(2)
		}
		go func() { _ = http.Serve(ln, nil) }()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
