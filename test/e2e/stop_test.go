package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/store"
	"github.com/honeygate/honeygate/internal/store/sqlite"
)

// TestGracefulStop: SIGTERM with worm sessions open ends them, and the store
// holds their session.closed events when the process has exited: the
// consumers drain the bus before the server stops.
func TestGracefulStop(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	var ports []int
	for i := 0; i < 3; i++ {
		w := dialWorm(t, srv.telnet(i%2))
		w.login("root", "xc3511")
		w.expect("#")
		ports = append(ports, w.localPort())
	}
	for _, p := range ports {
		srv.sessionOf(p)
	}
	start := time.Now()
	srv.stop()
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("stopping took %v", d)
	}
	if code := srv.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code %d after SIGTERM", code)
	}

	db, err := sqlite.Open(filepath.Join(data, "honeygate.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	closed, err := db.Events(ctx, store.EventFilter{Kind: event.SessionClosed, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	ended := map[int]string{}
	for _, e := range closed {
		ended[e.SrcPort] = string(e.Message)
	}
	for _, p := range ports {
		msg, ok := ended[p]
		if !ok {
			t.Errorf("session from port %d has no session.closed in the store after a clean stop", p)
		} else if !strings.Contains(msg, "stop") {
			t.Errorf("session from port %d closed with %q, want a server stop", p, msg)
		}
	}
}
