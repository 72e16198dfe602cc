package telnet

import (
	"context"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/sensor"
	"github.com/honeygate/honeygate/internal/testkit/eventkit"
)

// TestMemoryPerSession holds many logged-in sessions open at once and
// checks what each costs (heap and goroutine stack of the session, plus the
// test's own client side, which a real deployment does not have).
func TestMemoryPerSession(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a few hundred sessions")
	}
	const n = 500
	pub := &eventkit.Recorder{}
	s, err := New(DefaultConfig(), Options{Publisher: pub})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	conns := make([]net.Conn, 0, n)
	done := make(chan struct{}, n)
	buf := make([]byte, 4096)
	for i := 0; i < n; i++ {
		srv, cli := net.Pipe()
		go func() {
			s.Handle(ctx, sensor.NewConn(srv, time.Minute, 1<<20), testInfo())
			srv.Close()
			done <- struct{}{}
		}()
		readUntil(t, cli, buf, "login: ")
		cli.Write([]byte("root\r\nxc3511\r\n"))
		readUntil(t, cli, buf, "# ")
		conns = append(conns, cli)
	}
	pub.Reset() // the recorder is not part of a session's cost
	runtime.GC()
	runtime.ReadMemStats(&ms1)
	per := (int64(ms1.HeapAlloc+ms1.StackInuse) - int64(ms0.HeapAlloc+ms0.StackInuse)) / n
	t.Logf("%d bytes per idle logged-in session", per)
	if per > 40<<10 {
		t.Errorf("%d bytes per session, over the 40 KiB budget", per)
	}
	for _, c := range conns {
		c.Close()
	}
	for range conns {
		<-done
	}
}

func readUntil(t *testing.T, c net.Conn, buf []byte, s string) {
	t.Helper()
	var got []byte
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if len(got) >= len(s) && string(got[len(got)-len(s):]) == s {
			return
		}
		if err != nil {
			t.Fatalf("waiting for %q: %v (got %q)", s, err, got)
		}
	}
}
