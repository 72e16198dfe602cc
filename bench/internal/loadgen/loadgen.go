// Package loadgen is what honeygate's load generators (bench/telnetload,
// bench/ssh) share: the guard that keeps them on loopback, the spread of
// loopback source addresses, the file-descriptor limit, honeygate's
// listeners.json, and the client loop that runs many sessions on a bounded
// number of goroutines.
//
// It knows no protocol: each generator brings its own client and says what
// one session is.
package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
)

// Loopback accepts only 127.0.0.0/8 IP:PORT addresses, literally (no names:
// a name could resolve anywhere).
func Loopback(hostport string) error {
	ap, err := netip.ParseAddrPort(hostport)
	if err != nil {
		return fmt.Errorf("want IP:PORT: %w", err)
	}
	if !ap.Addr().Is4() || !netip.MustParsePrefix("127.0.0.0/8").Contains(ap.Addr()) {
		return fmt.Errorf("%s is not in 127.0.0.0/8: this tool only talks to loopback", ap.Addr())
	}
	return nil
}

// Sources lists n loopback source addresses from 127.0.0.2, skipping .0,
// .1 and .255 of each /24 (127.0.0.2 ... 127.0.0.250 for 249), so that
// connections spread as an Internet-facing sensor sees them and no source
// reaches the server's per-source limit.
func Sources(n int) []*net.TCPAddr {
	out := make([]*net.TCPAddr, 0, n)
	for hi := 0; len(out) < n && hi < 256; hi++ {
		for lo := 2; lo <= 250 && len(out) < n; lo++ {
			out = append(out, &net.TCPAddr{IP: net.IPv4(127, 0, byte(hi), byte(lo)).To4()})
		}
	}
	return out
}

// RaiseNoFile lifts the soft RLIMIT_NOFILE to the hard limit and returns
// the soft limit now in force (0 when it cannot be read).
func RaiseNoFile() uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
		_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	return lim.Cur
}

// Listeners reads the listener addresses honeygate wrote on start
// (DATA/listeners.json: listener name to addresses).
func Listeners(path string) (map[string][]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var l map[string][]string
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return l, nil
}

// Each is the client loop: it runs session(i) for every i in [0, n) on at
// most c goroutines, each taking the next index as soon as its last session
// returns, and returns when all have returned. Once ctx ends no session
// starts; it returns how many did, so that callers count the rest as not
// run. session keeps its own results (by index, or under its own lock).
func Each(ctx context.Context, n, c int, session func(i int)) (started int) {
	var next, ran atomic.Int64
	var wg sync.WaitGroup
	for range min(n, max(c, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				ran.Add(1)
				session(i)
			}
		}()
	}
	wg.Wait()
	return int(ran.Load())
}
