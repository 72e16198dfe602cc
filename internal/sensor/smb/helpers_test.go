package smb

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/sensor"
)

// collector is an event.Publisher that keeps what it is given.
type collector struct {
	mu     sync.Mutex
	events []event.Event
	closed chan string // session ids, on session.closed
}

func newCollector() *collector { return &collector{closed: make(chan string, 1024)} }

func (c *collector) Publish(_ context.Context, e *event.Event) error {
	c.mu.Lock()
	c.events = append(c.events, *e)
	c.mu.Unlock()
	if e.Kind == event.SessionClosed {
		c.closed <- e.Session
	}
	return nil
}

// session returns the events of one session, in order.
func (c *collector) session(id string) []event.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []event.Event
	for _, e := range c.events {
		if e.Session == id {
			out = append(out, e)
		}
	}
	return out
}

func (c *collector) all() []event.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]event.Event(nil), c.events...)
}

// fixedClock is the time every answer and event carries in tests.
var fixedClock = time.Date(2017, 5, 12, 7, 44, 0, 0, time.UTC)

// testSensor starts a sensor on a loopback port; it stops with the test.
func testSensor(t testing.TB, sampleDir string) (string, *collector) {
	t.Helper()
	col := newCollector()
	s, err := New(DefaultConfig(), Options{
		Publisher: col,
		Sensor:    "test",
		SampleDir: sampleDir,
		Log:       slog.New(slog.DiscardHandler),
		Rand:      rand.NewChaCha8([32]byte{1}),
		Now:       func() time.Time { return fixedClock },
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sensors.Store(ln.Addr().String(), s)
	ctx, cancel := context.WithCancel(context.Background())
	srv := &sensor.Server{Handler: s, Limits: testLimits(), Publisher: col, Sensor: "test"}
	done := make(chan struct{})
	go func() { _ = srv.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String(), col
}

func testLimits() sensor.Limits {
	l := sensor.DefaultLimits()
	l.IdleTimeout = 10 * time.Second
	l.MaxBytesIn = 4 << 20
	l.MaxPerSource = 10000
	return l
}

// replay sends b to addr, reads everything the sensor answers until it
// closes, and returns the answers and the session id.
func replay(t testing.TB, addr string, col *collector, b []byte) ([]byte, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	var out bytes.Buffer
	readDone := make(chan struct{})
	go func() { _, _ = io.Copy(&out, c); close(readDone) }()
	if _, err := c.Write(b); err != nil {
		t.Fatalf("replay: %v", err)
	}
	_ = c.(*net.TCPConn).CloseWrite()
	select {
	case id := <-col.closed:
		<-readDone
		return out.Bytes(), id
	case <-time.After(20 * time.Second):
		t.Fatal("replay: the session did not end")
	}
	return nil, ""
}

// nopPublisher drops events.
type nopPublisher struct{}

func (nopPublisher) Publish(context.Context, *event.Event) error { return nil }

// techniqueOf, hashOf and sampleHashes read the fields tests check.
func techniqueOf(e event.Event) string { return e.Technique }

func hashOf(e event.Event) string { return string(e.Hash) }

func sampleHashes(e event.Event) []string {
	var out []string
	for _, h := range []string{e.Sample, e.Payload} {
		if h != "" {
			out = append(out, h)
		}
	}
	return out
}

// sensors maps a test sensor's address to it, for tests that look inside.
var sensors sync.Map

func sensorOf(t testing.TB, addr string) *Sensor {
	s, ok := sensors.Load(addr)
	if !ok {
		t.Fatalf("no sensor at %s", addr)
	}
	return s.(*Sensor)
}
