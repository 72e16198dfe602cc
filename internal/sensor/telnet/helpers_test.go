package telnet

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/sensor"
	"github.com/honeygate/honeygate/internal/testkit/eventkit"
)

// client is the attacker's end of a net.Pipe; a goroutine drains it because
// net.Pipe writes block until read.
type client struct {
	t    *testing.T
	conn net.Conn
	mu   sync.Mutex
	buf  []byte
	seen int // expect consumes up to here
	done chan struct{}
}

func newClient(t *testing.T, c net.Conn) *client {
	cl := &client{t: t, conn: c, done: make(chan struct{})}
	go func() {
		defer close(cl.done)
		b := make([]byte, 4096)
		for {
			n, err := c.Read(b)
			cl.mu.Lock()
			cl.buf = append(cl.buf, b[:n]...)
			cl.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return cl
}

func (c *client) send(s string) {
	c.t.Helper()
	if _, err := c.conn.Write([]byte(s)); err != nil {
		c.t.Fatalf("send %q: %v", s, err)
	}
}

// expect waits until s appears after what earlier expects consumed and
// returns the output up to and including it.
func (c *client) expect(s string) string {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		if i := bytes.Index(c.buf[c.seen:], []byte(s)); i >= 0 {
			out := string(c.buf[c.seen : c.seen+i+len(s)])
			c.seen += i + len(s)
			c.mu.Unlock()
			return out
		}
		c.mu.Unlock()
		time.Sleep(time.Millisecond)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t.Fatalf("timed out waiting for %q; unread output: %q", s, c.buf[c.seen:])
	return ""
}

// cmd sends a command line and returns its output (without the echo and the
// prompt that follows).
func (c *client) cmd(line string) string {
	c.t.Helper()
	c.send(line + "\r\n")
	c.expect(line + "\r\n")
	out := c.expect("# ")
	if i := strings.LastIndex(out, "\r\n"); i >= 0 {
		return out[:i+2]
	}
	return ""
}

// waitClosed waits for the server to end the session.
func (c *client) waitClosed() {
	c.t.Helper()
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		c.t.Fatal("session did not end")
	}
}

type harness struct {
	s    *Sensor
	pub  *eventkit.Recorder
	cl   *client
	done chan struct{}
}

func testInfo() sensor.ConnInfo {
	return sensor.ConnInfo{SrcIP: netip.MustParseAddr("203.0.113.7"), SrcPort: 40123, DstPort: 23, Start: time.Now()}
}

// start runs a session over net.Pipe.
func start(t *testing.T, cfg Config, limits sensor.Limits) *harness {
	t.Helper()
	pub := &eventkit.Recorder{}
	s, err := New(cfg, Options{Publisher: pub, Sensor: "test-sensor", Limits: limits})
	if err != nil {
		t.Fatal(err)
	}
	return startWith(t, s, pub)
}

func startWith(t *testing.T, s *Sensor, pub *eventkit.Recorder) *harness {
	t.Helper()
	srv, cli := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{s: s, pub: pub, done: make(chan struct{})}
	go func() {
		defer close(h.done)
		s.Handle(ctx, sensor.NewConn(srv, 5*time.Second, 1<<20), testInfo())
		srv.Close()
	}()
	h.cl = newClient(t, cli)
	t.Cleanup(func() {
		cancel()
		cli.Close()
		srv.Close()
		<-h.done
	})
	return h
}

// finish closes the client and waits for session.closed.
func (h *harness) finish(t *testing.T) {
	t.Helper()
	h.cl.conn.Close()
	select {
	case <-h.done:
	case <-time.After(5 * time.Second):
		t.Fatal("Handle did not return")
	}
}

func defaultLimits() sensor.Limits { return sensor.DefaultLimits() }

// login performs a Mirai-style login and waits for the shell prompt.
func (h *harness) login(t *testing.T, user, pass string) {
	t.Helper()
	h.cl.expect("login: ")
	h.cl.send(user + "\r\n")
	h.cl.expect("Password: ")
	h.cl.send(pass + "\r\n")
	h.cl.expect("# ")
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func hexVal(c byte) int {
	switch {
	case c <= '9':
		return int(c - '0')
	case c >= 'a':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}
