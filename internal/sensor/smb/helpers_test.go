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
	"github.com/honeygate/honeygate/internal/testkit/eventkit"
)

// fixedClock is the time every answer and event carries in tests.
var fixedClock = time.Date(2017, 5, 12, 7, 44, 0, 0, time.UTC)

// testSensor starts a sensor on a loopback port; it stops with the test.
func testSensor(t testing.TB, sampleDir string) (string, *eventkit.Recorder) {
	t.Helper()
	col := &eventkit.Recorder{Closed: make(chan string, 1024)}
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
func replay(t testing.TB, addr string, col *eventkit.Recorder, b []byte) ([]byte, string) {
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
	case id := <-col.Closed:
		<-readDone
		return out.Bytes(), id
	case <-time.After(20 * time.Second):
		t.Fatal("replay: the session did not end")
	}
	return nil, ""
}

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
