package iothttp

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

type collector struct {
	mu     sync.Mutex
	events []event.Event
	closed chan string
}

func (c *collector) Publish(_ context.Context, e *event.Event) error {
	c.mu.Lock()
	c.events = append(c.events, *e)
	c.mu.Unlock()
	if e.Kind == event.SessionClosed {
		c.closed <- e.Session
	}
	return nil
}

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

// start serves a sensor on a loopback port with dev; it stops with the test.
func start(t *testing.T, dev Device) (string, *collector) {
	t.Helper()
	col := &collector{closed: make(chan string, 64)}
	s, err := New(DefaultConfig(), Options{Publisher: col, Sensor: "test", Device: dev})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := s.NewServer(ctx)
	done := make(chan struct{})
	go func() { _ = srv.Serve(ln); close(done) }()
	t.Cleanup(func() {
		cancel()
		sctx, c2 := context.WithTimeout(context.Background(), 5*time.Second)
		defer c2()
		_ = srv.Shutdown(sctx)
		<-done
	})
	return ln.Addr().String(), col
}

// send makes one request on its own connection, as the worms do, and
// returns the response and the session's events once it closed.
func send(t *testing.T, addr string, col *collector, method, path string, header http.Header, body string) (*http.Response, []byte, []event.Event) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Close = true
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	select {
	case id := <-col.closed:
		return resp, b, col.session(id)
	case <-time.After(10 * time.Second):
		t.Fatal("session did not close")
	}
	return nil, nil, nil
}

func kinds(events []event.Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, string(e.Kind))
	}
	return out
}

func TestLoginPageAndAttempt(t *testing.T) {
	addr, col := start(t, nil)
	resp, body, _ := send(t, addr, col, "GET", "/", nil, "")
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(`name="password"`)) {
		t.Fatalf("login page: %d %s", resp.StatusCode, body)
	}
	_, _, events := send(t, addr, col, "POST", "/login.cgi", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, "username=admin&password=admin")
	var login *event.Event
	for i := range events {
		if events[i].Kind == event.LoginFailed {
			login = &events[i]
		}
	}
	if login == nil || login.Username != "admin" || login.Password == nil || *login.Password != "admin" {
		t.Errorf("login attempt not recorded: %v", kinds(events))
	}
	resp, _, _ = send(t, addr, col, "GET", "/cgi-bin/nothing", nil, "")
	if resp.StatusCode != 404 {
		t.Errorf("unknown path answered %d", resp.StatusCode)
	}
}
