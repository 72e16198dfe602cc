package e2e

import (
	"bufio"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// TestLimitsFromConfig: limits set in the config file hold on the real
// server: a source over its concurrent-connection limit is refused and
// counted, and a session over its command limit is ended.
func TestLimitsFromConfig(t *testing.T) {
	data := t.TempDir()
	cfg := filepath.Join(data, "honeygate.yaml")
	if err := os.WriteFile(cfg, []byte("limits:\n  max_per_source: 2\n  max_commands: 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, data, append([]string{"--config", cfg}, defaultListen...)...)

	a, b := dialWorm(t, srv.telnet(0)), dialWorm(t, srv.telnet(1))
	a.expect("ogin")
	b.expect("ogin")
	// The limit holds across listeners: a third connection from 127.0.0.1
	// is closed at once.
	c, err := net.Dial("tcp", srv.telnet(0))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.Read(make([]byte, 64)); err == nil {
		t.Fatalf("third connection from one source was served (%d bytes)", n)
	}
	waitFor(t, "the refusal in /metrics", 10*time.Second, func() bool {
		return metric(t, srv, `honeygate_connections_refused_total\{proto="telnet",reason="per_source"\} 1`)
	})

	a.line("root") // the login prompt was read above
	a.expect("assword")
	a.line("xc3511")
	a.expect("#")
	for _, cmd := range []string{"id", "uname", "pwd"} {
		a.line(cmd)
	}
	if _, err := a.tryExpect("never printed", 10*time.Second); err == nil {
		t.Fatal("session still open after its command limit")
	}
	s := srv.waitClosed(srv.sessionOf(a.localPort()))
	if len(s.Commands) != 3 {
		t.Errorf("commands %q, want the 3 allowed", s.Commands)
	}
}

func metric(t *testing.T, srv *server, pattern string) bool {
	resp, err := http.Get(srv.apiURL("/metrics", nil))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	re := regexp.MustCompile("^" + pattern)
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if re.MatchString(sc.Text()) {
			return true
		}
	}
	return false
}
