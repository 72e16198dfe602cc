package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/store"
	"github.com/honeygate/honeygate/internal/store/sqlite"
)

// TestRedirectedPortKeepsOriginal checks the deployment the README gives for
// port 23: the kernel redirects 23 to honeygate's unprivileged port, and
// events still say dst_port 23 (honeygate asks conntrack for the original
// destination). It runs in a network namespace the test creates, so the
// iptables rule touches nothing else; it needs root, ip and iptables.
func TestRedirectedPortKeepsOriginal(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root for a network namespace")
	}
	for _, tool := range []string{"ip", "iptables"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s (scripts/deps.sh installs it)", tool)
		}
	}
	ns := fmt.Sprintf("hg-e2e-%d", os.Getpid())
	run := func(args ...string) error {
		out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%v: %v: %s", args, err, out)
		}
		return nil
	}
	if err := run("ip", "netns", "add", ns); err != nil {
		t.Skipf("cannot create a network namespace here: %v", err)
	}
	t.Cleanup(func() { _ = run("ip", "netns", "delete", ns) })
	in := []string{"ip", "netns", "exec", ns}
	if err := run(append(in, "ip", "link", "set", "lo", "up")...); err != nil {
		t.Fatal(err)
	}
	if err := run(append(in, "iptables", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-d", "127.0.0.1",
		"--dport", "23", "-j", "REDIRECT", "--to-port", "2223")...); err != nil {
		t.Skipf("no NAT in this kernel: %v", err)
	}

	data := t.TempDir()
	srv := startServerWith(t, in, data, "--listen", "web=127.0.0.1:0", "--listen", "telnet=127.0.0.1:2223")

	// The worm runs inside the namespace too: this test binary, re-executed.
	worm := exec.Command("ip", "netns", "exec", ns, os.Args[0], "-test.run=^TestHelperWorm$")
	worm.Env = append(os.Environ(), "HONEYGATE_E2E_WORM=127.0.0.1:23")
	if out, err := worm.CombinedOutput(); err != nil {
		t.Fatalf("worm inside the namespace: %v\n%s", err, out)
	}
	srv.stop()

	db, err := sqlite.Open(filepath.Join(data, "honeygate.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	evs, err := db.Events(context.Background(), store.EventFilter{Kind: event.SessionConnect})
	if err != nil || len(evs) != 1 {
		t.Fatalf("session.connect events: %v %+v", err, evs)
	}
	if evs[0].DstPort != 23 {
		t.Errorf("dst_port %d, want 23 (the port before the redirect)", evs[0].DstPort)
	}
}

// TestHelperWorm is not a test: TestRedirectedPortKeepsOriginal runs it in
// a network namespace to play a worm there.
func TestHelperWorm(t *testing.T) {
	addr := os.Getenv("HONEYGATE_E2E_WORM")
	if addr == "" {
		t.Skip("helper process only")
	}
	var w *worm
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if w, err = tryDial(addr); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	w.t = t
	defer w.conn.Close()
	w.login("root", "xc3511")
	w.expect("#")
	w.line("exit")
	_, _ = w.tryExpect("never printed", 5*time.Second)
}
