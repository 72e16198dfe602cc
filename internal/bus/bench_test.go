package bus

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

// BenchmarkPublishConsume measures end-to-end throughput with the embedded
// server: many goroutines Publish (each waiting for its PubAck) while one
// durable consumer hands batches of 500 to a no-op handler; the clock stops
// when the consumer has seen all b.N events. Run it with e.g.
//
//	go test -run '^$' -bench PublishConsume -benchtime 100000x ./internal/bus
//
// Sub-benchmarks compare numbers of publishers, and the default durability
// with SyncAlways. (Async publish measured faster than request/reply: see
// publishOnce.)
func BenchmarkPublishConsume(b *testing.B) {
	for _, c := range []struct {
		name       string
		syncAlways bool
		publishers int
	}{
		{"async/pub=1000", false, 1000},
		{"async/pub=100", false, 100},
		{"async/pub=1", false, 1},
		{"async/pub=1000/SyncAlways", true, 1000},
	} {
		b.Run(c.name, func(b *testing.B) {
			o := testOptions(b.TempDir())
			o.MaxBytes = 4 << 30
			o.SyncAlways = c.syncAlways
			bus := openBus(b, o)
			benchPublishConsume(b, bus, c.publishers)
		})
	}
}

func benchPublishConsume(b *testing.B, bus *Bus, publishers int) {
	// Events are prepared up front so the benchmark measures the bus, not
	// UUID generation.
	evs := make([]event.Event, b.N)
	for i := range evs {
		evs[i] = newEvent(i)
	}
	var got atomic.Int64
	done := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		_ = bus.Consume(ctx, "bench", 500, Handler{Events: func(_ context.Context, batch []event.Event) error {
			if got.Add(int64(len(batch))) == int64(b.N) {
				close(done)
			}
			return nil
		}})
	}()

	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	var errOnce sync.Once
	for range publishers {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				if err := bus.Publish(ctx, &evs[i]); err != nil {
					errOnce.Do(func() { b.Error(fmt.Errorf("Publish: %w", err)) })
					return
				}
			}
		})
	}
	wg.Wait()
	pubElapsed := time.Since(start)
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		b.Fatalf("consumer saw %d of %d events", got.Load(), b.N)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(b.N)/pubElapsed.Seconds(), "acked-pub/s")
}
