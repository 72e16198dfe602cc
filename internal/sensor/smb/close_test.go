package smb

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/sensor"
	"github.com/honeygate/honeygate/internal/testkit/eventkit"
)

// closeSensor starts a sensor with the given limits on a loopback port;
// stop cancels its context as a server shutdown does.
func closeSensor(t *testing.T, lim sensor.Limits) (addr string, col *eventkit.Recorder, stop func()) {
	t.Helper()
	col = &eventkit.Recorder{Closed: make(chan string, 16)}
	s, err := New(DefaultConfig(), Options{Publisher: col, Sensor: "test", SampleDir: t.TempDir(),
		Log: slog.New(slog.DiscardHandler), Rand: rand.NewChaCha8([32]byte{2})})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := &sensor.Server{Handler: s, Limits: lim, Publisher: col, Sensor: "test"}
	done := make(chan struct{})
	go func() { _ = srv.Serve(ctx, ln); close(done) }()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	t.Cleanup(stop)
	return ln.Addr().String(), col, stop
}

// closedMessage waits for the session's session.closed and returns its message.
func closedMessage(t *testing.T, col *eventkit.Recorder) string {
	t.Helper()
	select {
	case id := <-col.Closed:
		for _, e := range col.Session(id) {
			if e.Kind == event.SessionClosed {
				return string(e.Message)
			}
		}
		t.Fatal("no session.closed event")
	case <-time.After(10 * time.Second):
		t.Fatal("the session did not end")
	}
	return ""
}

// session.closed says why in the words the telnet and SSH sensors use
// (README, Events: "client closed", "idle timeout", ...), so that one query
// on the message covers every sensor.
func TestClosedMessageWords(t *testing.T) {
	negotiate := func(c *client) {
		if r := c.negotiate(); r.Status != statusSuccess {
			t.Fatalf("negotiate: status %#x", r.Status)
		}
	}
	t.Run("client closed", func(t *testing.T) {
		addr, col, _ := closeSensor(t, testLimits())
		c := dial(t, addr)
		negotiate(c)
		c.close()
		if got := closedMessage(t, col); got != "client closed" {
			t.Errorf("message %q, want %q", got, "client closed")
		}
	})
	t.Run("idle timeout", func(t *testing.T) {
		lim := testLimits()
		lim.IdleTimeout = 200 * time.Millisecond
		addr, col, _ := closeSensor(t, lim)
		c := dial(t, addr)
		defer c.close()
		negotiate(c)
		if got := closedMessage(t, col); got != "idle timeout" {
			t.Errorf("message %q, want %q", got, "idle timeout")
		}
	})
	t.Run("session time limit", func(t *testing.T) {
		lim := testLimits()
		lim.MaxSession = 300 * time.Millisecond
		addr, col, _ := closeSensor(t, lim)
		c := dial(t, addr)
		defer c.close()
		negotiate(c)
		if got := closedMessage(t, col); got != "session time limit" {
			t.Errorf("message %q, want %q", got, "session time limit")
		}
	})
	t.Run("server stop", func(t *testing.T) {
		addr, col, stop := closeSensor(t, testLimits())
		c := dial(t, addr)
		defer c.close()
		negotiate(c)
		stop()
		if got := closedMessage(t, col); got != "server stop" {
			t.Errorf("message %q, want %q", got, "server stop")
		}
	})
}
