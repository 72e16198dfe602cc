package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime/pprof"
	"sync/atomic"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/sensor"
	"github.com/honeygate/honeygate/internal/sensor/reflect"
)

// discard counts the events it is given: the bus is not what is measured.
type discard struct{ n atomic.Int64 }

func (d *discard) Publish(context.Context, *event.Event) error { d.n.Add(1); return nil }

// serve runs one reflector with the default configuration on
// 127.0.0.1:0, prints its port, and on "start" and "stop" lines on stdin
// takes its counters and CPU time; after "stop" it prints the difference
// as JSON. It ends when stdin closes.
func serve(args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("usage: serve PROTO batch|single")
	}
	cfg := reflect.DefaultConfig()
	var h sensor.PacketHandler
	for _, p := range reflect.Protocols {
		if p.Listener == "reflect-"+args[0] {
			h = p.New(cfg, "bench")
		}
	}
	if h == nil {
		return fmt.Errorf("unknown reflector %q", args[0])
	}
	pc, err := sensor.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		return err
	}
	budget := sensor.NewSendBudget(cfg.Limits.SendBudget)
	s := &sensor.PacketServer{
		Handler: h, Limits: cfg.Limits, Budget: budget, Publisher: &discard{},
		Sensor: "bench", Log: slog.New(slog.NewTextHandler(os.Stderr, nil)), OnePerRead: args[1] == "single",
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.ServePacket(ctx, pc) }()
	fmt.Printf("PORT %d\n", pc.LocalAddr().(*net.UDPAddr).Port)
	// REFLECT_CPUPROFILE=FILE profiles the child between start and stop.
	var prof *os.File
	var start sensor.PacketStats
	var cpu0 float64
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		switch in.Text() {
		case "start":
			start, cpu0 = s.Stats(), cpuSeconds()
			if path := os.Getenv("REFLECT_CPUPROFILE"); path != "" {
				if prof, err = os.Create(path); err == nil {
					err = pprof.StartCPUProfile(prof)
				}
				if err != nil {
					return err
				}
			}
		case "stop":
			if prof != nil {
				pprof.StopCPUProfile()
				prof.Close()
			}
			cpu := cpuSeconds() - cpu0
			now := s.Stats()
			lin, lout := budget.Totals()
			b, _ := json.Marshal(stats{
				Packets: now.Packets - start.Packets, BytesIn: now.BytesIn - start.BytesIn,
				Replies: now.Replies - start.Replies, BytesOut: now.BytesOut - start.BytesOut,
				Attacks: now.Attacks, Scans: now.Scans, CPU: cpu, Budget: cfg.Limits.SendBudget,
				LedgerIn: lin, LedgerOut: lout,
			})
			fmt.Println(string(b))
		}
	}
	cancel()
	return <-done
}
