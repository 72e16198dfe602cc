package main

import (
	"bufio"
	"log/slog"
	"net"
	"os"
	"time"
	"fmt"
	"net/http"
	_ "net/http/pprof"

	"github.com/honeygate/honeygate/internal/gateway"
	"github.com/honeygate/honeygate/internal/gateway/dns"
	"github.com/honeygate/honeygate/internal/gateway/proxy"
	"github.com/honeygate/honeygate/internal/intel"
)

func main() {
	f, _ := os.Open("/tmp/pdns-list/domains.txt")
	sc := bufio.NewScanner(f)
	var inds []intel.Indicator
	for sc.Scan() {
		inds = append(inds, intel.Indicator{Type: intel.TypeDomain, Value: sc.Text(), Category: "malware", Source: "bench"})
	}
	t0 := time.Now()
	live := intel.NewLive()
	live.Swap(intel.Build(inds, time.Now()))
	fmt.Println("built", live.Snapshot().Len(), time.Since(t0))
	cfg := gateway.DefaultConfig()
	cfg.Upstreams = []string{"127.0.0.1:18053"}
	chain, _ := gateway.NewChain(&cfg, &gateway.LiveIntel{Live: live})
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	p := proxy.New(proxy.Options{Chain: chain, Log: log, AllowPrivateUpstream: true, Recorder: gateway.RecorderFunc(func(*gateway.Block) {})})
	l, _ := net.Listen("tcp", "127.0.0.1:13129")
	go p.Serve(l)
	d, _ := dns.New(dns.Options{Chain: chain, Log: log, Config: cfg, Recorder: gateway.RecorderFunc(func(*gateway.Block) {})})
	pc, tl, err := dns.Listen("127.0.0.1:15354")
	if err != nil {
		panic(err)
	}
	go d.Serve(pc, tl)
	go http.ListenAndServe("127.0.0.1:16060", nil)
	select {}
}
