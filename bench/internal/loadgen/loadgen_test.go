package loadgen

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

func TestLoopbackOnly(t *testing.T) {
	for _, a := range []string{"198.51.100.1:23", "[::1]:23", "localhost:23", "192.0.2.1:80"} {
		if Loopback(a) == nil {
			t.Errorf("%s accepted", a)
		}
	}
	if err := Loopback("127.3.2.1:2323"); err != nil {
		t.Error(err)
	}
	if n := len(Sources(249)); n != 249 {
		t.Error(n)
	}
	if s := Sources(300); s[248].IP.String() != "127.0.0.250" || s[249].IP.String() != "127.0.1.2" {
		t.Error(s[248], s[249])
	}
}

func TestListeners(t *testing.T) {
	p := filepath.Join(t.TempDir(), "listeners.json")
	if err := os.WriteFile(p, []byte(`{"telnet":["127.0.0.1:2323","127.0.0.1:2324"],"web":["127.0.0.1:8080"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := Listeners(p)
	if err != nil || len(l["telnet"]) != 2 || l["web"][0] != "127.0.0.1:8080" {
		t.Errorf("%v %v", l, err)
	}
}

// Each runs every index once, never more than c at a time, and starts
// nothing after its context ends.
func TestEach(t *testing.T) {
	const n, c = 200, 7
	var ran [n]atomic.Int32
	var now, peak atomic.Int32
	started := Each(context.Background(), n, c, func(i int) {
		k := now.Add(1)
		for {
			p := peak.Load()
			if k <= p || peak.CompareAndSwap(p, k) {
				break
			}
		}
		time.Sleep(100 * time.Microsecond)
		ran[i].Add(1)
		now.Add(-1)
	})
	if started != n || peak.Load() > c {
		t.Errorf("started %d, peak %d", started, peak.Load())
	}
	for i := range ran {
		if ran[i].Load() != 1 {
			t.Fatalf("session %d ran %d times", i, ran[i].Load())
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	started = Each(ctx, n, c, func(i int) {
		if i == 10 {
			cancel()
		}
	})
	if started >= n || started < 11 {
		t.Errorf("after cancel: started %d of %d", started, n)
	}
}
