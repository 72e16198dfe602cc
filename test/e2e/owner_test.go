package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A second `honeygate serve` on a data dir in use, while worms load the
// first, exits with a message naming the first's PID and addresses, and
// touches nothing of it: listeners.json stays, and every download the
// worms saw acknowledged is stored exactly once.
func TestSecondInstanceRefused(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	before, err := os.ReadFile(filepath.Join(data, "listeners.json"))
	if err != nil {
		t.Fatal(err)
	}

	worms := startWorms(srv, 4, "o")
	time.Sleep(500 * time.Millisecond)

	// Same data dir, other ports: nothing to collide on but the dir.
	for i := 0; i < 3; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cmd := exec.CommandContext(ctx, honeygateBin, "serve", "--data", data, "--token", testToken,
			"--listen", "web=127.0.0.1:0", "--listen", "telnet=127.0.0.1:0", "--listen", "ssh=off")
		out, err := cmd.CombinedOutput()
		cancel()
		if err == nil {
			t.Fatalf("second instance ran:\n%s", out)
		}
		msg := string(out)
		for _, want := range []string{"in use", "pid " + strconv.Itoa(srv.cmd.Process.Pid), srv.addrs["web"][0]} {
			if !strings.Contains(msg, want) {
				t.Errorf("second instance's message lacks %q:\n%s", want, msg)
			}
		}
	}
	after, _ := os.ReadFile(filepath.Join(data, "listeners.json"))
	if string(after) != string(before) {
		t.Errorf("listeners.json changed by the refused instance:\n%s\nwas\n%s", after, before)
	}

	time.Sleep(300 * time.Millisecond)
	acked := worms.stop()
	if len(acked) < 10 {
		t.Fatalf("only %d sessions ran under the test", len(acked))
	}
	waitFor(t, "the store to catch up", 30*time.Second, func() bool {
		st := srv.status()
		c := st.Bus.Consumers["store"]
		return c.Pending == 0 && c.AckPending == 0 && uint64(st.EventsStored) == st.Bus.Messages
	})
	storedOnce(t, srv, acked)
}
