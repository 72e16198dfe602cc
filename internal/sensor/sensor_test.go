package sensor

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/honeygate/honeygate/internal/event"
)

func TestGate(t *testing.T) {
	g := NewGate(2, 3)
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	for i := 0; i < 2; i++ {
		if r := g.Enter(a); r != "" {
			t.Fatalf("enter %d: %s", i, r)
		}
	}
	if r := g.Enter(a); r != "per_source" {
		t.Errorf("third from one source: %q", r)
	}
	if r := g.Enter(b); r != "" {
		t.Errorf("other source: %q", r)
	}
	if r := g.Enter(b); r != "concurrent" {
		t.Errorf("over the total: %q", r)
	}
	g.Leave(a)
	if r := g.Enter(b); r != "" {
		t.Errorf("after a leave: %q", r)
	}
	g.Leave(a)
	g.Leave(b)
	g.Leave(b)
	if g.total != 0 || len(g.perSource) != 0 {
		t.Errorf("gate not empty: %d %v", g.total, g.perSource)
	}
}

func TestGateCountsIPv6ByPrefix(t *testing.T) {
	g := NewGate(2, 100)
	if g.Enter(netip.MustParseAddr("2001:db8:1:2::1")) != "" || g.Enter(netip.MustParseAddr("2001:db8:1:2:ffff::9")) != "" {
		t.Fatal("first two from one /64 refused")
	}
	if r := g.Enter(netip.MustParseAddr("2001:db8:1:2:abcd::7")); r != "per_source" {
		t.Errorf("third from the same /64: %q", r)
	}
	if r := g.Enter(netip.MustParseAddr("2001:db8:1:3::1")); r != "" {
		t.Errorf("another /64: %q", r)
	}
	if r := g.Enter(netip.MustParseAddr("::ffff:192.0.2.1")); r != "" {
		t.Errorf("IPv4-mapped: %q", r)
	}
}

func TestConnByteCap(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	c := NewConn(b, time.Second, 10)
	go a.Write([]byte("0123456789abcdef"))
	buf := make([]byte, 64)
	n, err := io.ReadAtLeast(c, buf, 10)
	if n != 10 || err != nil {
		t.Fatalf("read %d %v", n, err)
	}
	if _, err := c.Read(buf); !errors.Is(err, ErrTooMuchInput) {
		t.Errorf("after the cap: %v", err)
	}
	if c.BytesRead() != 10 {
		t.Errorf("BytesRead %d", c.BytesRead())
	}
}

func TestConnIdleTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	sc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c := NewConn(sc, 50*time.Millisecond, 1<<20)
	start := time.Now()
	_, err = c.Read(make([]byte, 1))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("want a timeout, got %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("idle deadline not applied")
	}
}

// handlerFunc adapts functions to Handler for tests.
type handlerFunc struct {
	handle func(ctx context.Context, c *Conn, info ConnInfo)
}

func (h handlerFunc) Proto() string { return "test" }
func (h handlerFunc) Handle(ctx context.Context, c *Conn, info ConnInfo) {
	h.handle(ctx, c, info)
}

// chanPub publishes events into a channel.
type chanPub chan *event.Event

func (p chanPub) Publish(_ context.Context, e *event.Event) error { p <- e; return nil }

func TestServerLimitsAndPanics(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	sessions := make(chan string, 8)
	h := handlerFunc{handle: func(ctx context.Context, c *Conn, info ConnInfo) {
		sessions <- info.Session
		line := make([]byte, 1)
		if _, err := c.Read(line); err != nil {
			return
		}
		if line[0] == 'p' {
			panic("boom")
		}
		c.Write([]byte("hi"))
		select {
		case <-release:
		case <-ctx.Done():
		}
	}}
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	lim := DefaultLimits()
	lim.MaxPerSource = 2
	pub := make(chanPub, 4)
	srv := &Server{Handler: h, Limits: lim, Metrics: m, Publisher: pub, Sensor: "s1"}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); srv.Serve(ctx, ln) }()

	dial := func() net.Conn {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	// Two sessions from 127.0.0.1 are held open...
	for i := 0; i < 2; i++ {
		c := dial()
		c.Write([]byte("x"))
		if _, err := io.ReadFull(c, make([]byte, 2)); err != nil {
			t.Fatal(err)
		}
	}
	// ...so a third is refused and counted.
	c := dial()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Error("third connection from one source was served")
	}
	if got := testutil.ToFloat64(m.Refused.WithLabelValues("test", "per_source")); got != 1 {
		t.Errorf("refused per_source = %v", got)
	}
	close(release)
	// A panicking session is reported and the server keeps serving.
	time.Sleep(100 * time.Millisecond)
	for len(sessions) > 0 {
		<-sessions
	}
	p := dial()
	p.Write([]byte("p"))
	select {
	case e := <-pub:
		sid := <-sessions
		if e.Kind != event.SessionPanic || e.Message != "boom" || e.Session != sid || e.Sensor != "s1" || e.Proto != "test" {
			t.Errorf("panic event %+v, want session.panic of session %s", e, sid)
		}
		if len(sid) != 32 {
			t.Errorf("session id %q: want 128 random bits as 32 hex digits", sid)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("panic not reported")
	}
	ok := dial()
	ok.Write([]byte("x"))
	ok.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(ok, make([]byte, 2)); err != nil {
		t.Errorf("server stopped serving after a panic: %v", err)
	}
	cancel()
	wg.Wait()
	if got := testutil.ToFloat64(m.Open.WithLabelValues("test")); got != 0 {
		t.Errorf("sessions open after stop = %v", got)
	}
}
