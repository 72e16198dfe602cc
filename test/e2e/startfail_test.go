package e2e

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFailedStart: a start that cannot listen says why and nothing else
// alarming: no warning about events left on the bus (no consumer ever ran),
// and no API token shown for a server that never served (none is kept
// either, so the next start shows the one it makes).
func TestFailedStart(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	data := t.TempDir()
	// The deadline only stops a hung binary; the test asserts what it says.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, honeygateBin, "serve", "--data", data,
		"--listen", "web="+busy.Addr().String(), "--listen", "telnet=off", "--listen", "ssh=off")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() == 0 {
		t.Fatalf("serve on a busy port: %v\n%s", err, out)
	}
	s := string(out)
	if !strings.Contains(s, "address already in use") {
		t.Errorf("output does not name the bind error:\n%s", s)
	}
	for _, bad := range []string{"still on the bus", "Generated API token"} {
		if strings.Contains(s, bad) {
			t.Errorf("output says %q after a failed start:\n%s", bad, s)
		}
	}
	if _, err := os.Stat(filepath.Join(data, "token")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed start kept an unseen token: %v", err)
	}
}
