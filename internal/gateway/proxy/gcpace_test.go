package proxy

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

func TestGCPercentFor(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live, headroom uint64
		want           int
	}{
		{45 * mib, 256 * mib, 569},  // a million indicators: the goal is live + 256 MiB
		{512 * mib, 256 * mib, 100}, // never below Go's default
		{1 * mib, 256 * mib, 10000}, // capped
		{0, 256 * mib, 10000},
	} {
		if got := gcPercentFor(c.live, c.headroom); got != c.want {
			t.Errorf("gcPercentFor(%d MiB, %d MiB) = %d, want %d", c.live/mib, c.headroom/mib, got, c.want)
		}
	}
}

// TestGCPacerSetsAndRestores: a Server with a headroom paces the collector
// while it serves (GOGC above 100 with a small live heap) and gives Go's
// default back when it shuts down.
func TestGCPacerSetsAndRestores(t *testing.T) {
	if os.Getenv("GOGC") != "" {
		t.Skip("GOGC is set: the pacer leaves it alone")
	}
	gogc := func() uint64 {
		s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	srv := New(Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), GCHeadroom: 256 << 20})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	deadline := time.Now().Add(5 * time.Second)
	for gogc() <= 100 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := gogc(); g <= 100 {
		t.Errorf("GOGC %d while serving with a 256 MiB headroom, want more than 100", g)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
	if g := gogc(); g != 100 {
		t.Errorf("GOGC %d after shutdown, want 100", g)
	}
}

// TestGCPacerFollowsLiveHeap: the pacer re-arms after every collection and
// sets GOGC from what that collection found live: a live heap that grows
// past the headroom brings GOGC down to 100, and back up once it is gone.
func TestGCPacerFollowsLiveHeap(t *testing.T) {
	if os.Getenv("GOGC") != "" {
		t.Skip("GOGC is set: the pacer leaves it alone")
	}
	gogc := func() uint64 {
		s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	waitFor := func(ok func(uint64) bool) uint64 {
		deadline := time.Now().Add(10 * time.Second)
		for {
			runtime.GC() // the finalizer runs after a cycle
			time.Sleep(20 * time.Millisecond)
			if g := gogc(); ok(g) || time.Now().After(deadline) {
				return g
			}
		}
	}
	p := newGCPacer(16<<20, slog.New(slog.NewTextHandler(io.Discard, nil)))
	p.start()
	defer p.close()
	if g := waitFor(func(g uint64) bool { return g > 100 }); g <= 100 {
		t.Fatalf("GOGC %d with a small live heap and 16 MiB of headroom, want more", g)
	}
	func() {
		big := make([]byte, 64<<20)
		for i := range big {
			big[i] = byte(i)
		}
		if g := waitFor(func(g uint64) bool { return g == 100 }); g != 100 {
			t.Errorf("GOGC %d with 64 MiB live, want 100", g)
		}
		runtime.KeepAlive(big)
	}()
	if g := waitFor(func(g uint64) bool { return g > 100 }); g <= 100 {
		t.Errorf("GOGC %d after the live heap shrank, want more than 100", g)
	}
}
