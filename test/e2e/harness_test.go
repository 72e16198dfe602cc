// Package e2e tests honeygate from the outside: it builds the real binary,
// starts it on port 0 with a temp data dir, plays attackers and users
// against it over loopback, and checks what was stored and shown.
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/testkit"
)

var honeygateBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "honeygate-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	honeygateBin = filepath.Join(dir, "honeygate")
	build := exec.Command("go", "build", "-o", honeygateBin, "../../cmd/honeygate")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build honeygate:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const testToken = "e2e-test-token-0123456789abcdef"

// server is one running honeygate process.
type server struct {
	t     *testing.T
	data  string
	cmd   *exec.Cmd
	logs  *testkit.SyncBuffer
	addrs map[string][]string
	done  chan struct{}
}

// defaultListen is one web listener and two telnet listeners, all on port 0.
var defaultListen = []string{"--listen", "web=127.0.0.1:0", "--listen", "telnet=127.0.0.1:0", "--listen", "telnet=127.0.0.1:0"}

// startServer starts `honeygate serve` on data and waits for its listeners.
func startServer(t *testing.T, data string, args ...string) *server {
	t.Helper()
	return startServerWith(t, nil, data, args...)
}

// startServerWith starts the server under a command prefix (e.g. `ip netns
// exec NAME`), which must exec the server so that signals reach it.
func startServerWith(t *testing.T, prefix []string, data string, args ...string) *server {
	t.Helper()
	if len(args) == 0 {
		args = defaultListen
	}
	// A listener a test does not name keeps its default address: for ssh
	// that is 0.0.0.0:2222, which concurrent test runs would fight over.
	if !slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "ssh=") }) {
		args = append(slices.Clone(args), "--listen", "ssh=off")
	}
	_ = os.Remove(filepath.Join(data, "listeners.json"))
	full := append([]string{"serve", "--data", data, "--token", testToken}, args...)
	s := &server{t: t, data: data, logs: &testkit.SyncBuffer{}, done: make(chan struct{})}
	argv := append(append(append([]string{}, prefix...), honeygateBin), full...)
	s.cmd = exec.Command(argv[0], argv[1:]...)
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("server log:\n%s", s.logs.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		b, err := os.ReadFile(filepath.Join(data, "listeners.json"))
		if err == nil && json.Unmarshal(b, &s.addrs) == nil {
			return s
		}
		select {
		case <-s.done:
			t.Fatalf("server exited during start:\n%s", s.logs.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start:\n%s", s.logs.String())
		}
	}
}

// stop ends the server gracefully (SIGTERM), then forcibly.
func (s *server) stop() {
	if s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.t.Errorf("server did not stop within 30s of SIGTERM")
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// kill ends the server with SIGKILL, as a crash or the OOM killer would.
func (s *server) kill() {
	_ = s.cmd.Process.Kill()
	<-s.done
}

// with returns the server bound to another (sub)test, so its helpers fail
// that test and not the parent.
func (s *server) with(t *testing.T) *server {
	c := *s
	c.t = t
	return &c
}

func (s *server) telnet(i int) string { return s.addrs["telnet"][i] }

func (s *server) apiURL(path string, q url.Values) string {
	u := "http://" + s.addrs["web"][0] + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// get fetches an API path into out and returns the status code.
func (s *server) get(path string, q url.Values, token string, out any) int {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.apiURL(path, q), nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, out); err != nil {
			s.t.Fatalf("GET %s: %v: %s", path, err, body)
		}
	}
	return resp.StatusCode
}

// apiEvent is the subset of an event the tests read.
type apiEvent struct {
	ID       string   `json:"id"`
	Time     string   `json:"time"`
	Kind     string   `json:"kind"`
	Sensor   string   `json:"sensor"`
	Proto    string   `json:"proto"`
	SrcIP    string   `json:"src_ip"`
	SrcPort  int      `json:"src_port"`
	DstPort  int      `json:"dst_port"`
	Session  string   `json:"session"`
	Family   string   `json:"family"`
	Username string   `json:"username"`
	Password *string  `json:"password"`
	Input    string   `json:"input"`
	URL      string   `json:"url"`
	Reasons  []string `json:"reasons"`
	Message  string   `json:"message"`
}

func (s *server) events(q url.Values) []apiEvent {
	s.t.Helper()
	var resp struct{ Events []apiEvent }
	if code := s.get("/api/v1/events", q, testToken, &resp); code != http.StatusOK {
		s.t.Fatalf("events: status %d", code)
	}
	return resp.Events
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sessionOf finds the session id of the connection from local port srcPort.
func (s *server) sessionOf(srcPort int) string {
	s.t.Helper()
	var id string
	waitFor(s.t, fmt.Sprintf("session.connect from port %d", srcPort), 20*time.Second, func() bool {
		for _, e := range s.events(url.Values{"kind": {"session.connect"}, "limit": {"10000"}}) {
			if e.SrcPort == srcPort {
				id = e.Session
				return true
			}
		}
		return false
	})
	return id
}
