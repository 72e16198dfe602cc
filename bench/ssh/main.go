// Command ssh (built as sshload by run.sh) measures honeygate's SSH sensor
// beside its telnet sensor, in one run against one server, so that the two
// doors are compared on the same machine under the same conditions:
//
//   - hold (-hold N): server memory per idle logged-in session (a shell
//     with a pty, as an SSH bot that logged in and waits), with N sessions
//     open at once, for SSH and then for telnet (VmRSS of -pid before and
//     with N open; honeygate_sessions_open must rise by N);
//   - logins (-logins M -concurrency C): complete short sessions (connect,
//     log in, run the Mirai loader's first command, hang up), per second,
//     with latency percentiles, for SSH and then for telnet.
//
// It only ever connects to loopback addresses and stops by itself
// (-timeout).
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/honeygate/honeygate/bench/internal/loadgen"
)

type options struct {
	ssh, telnet, api string
	proto            string
	pid              int
	hold             int
	holdConc         int
	logins           int
	concurrency      int
	sources          int
	timeout          time.Duration
	step             time.Duration
	user, pass       string
}

func main() {
	var o options
	var listeners string
	flag.StringVar(&listeners, "listeners", "", "honeygate's DATA/listeners.json (ssh, telnet and web addresses)")
	flag.StringVar(&o.proto, "proto", "", "measure only ssh or only telnet (run.sh gives each a fresh server, so one's freed memory does not hide the other's)")
	flag.IntVar(&o.pid, "pid", 0, "honeygate server PID (VmRSS is read from /proc/PID/status)")
	flag.IntVar(&o.hold, "hold", 2000, "idle logged-in sessions held at once, per protocol (0 skips)")
	flag.IntVar(&o.holdConc, "hold-concurrency", 100, "logins in flight while ramping up the held sessions")
	flag.IntVar(&o.logins, "logins", 2000, "short complete sessions per protocol (0 skips)")
	flag.IntVar(&o.concurrency, "concurrency", 50, "short sessions in flight at once")
	flag.IntVar(&o.sources, "sources", 249, "loopback source addresses to spread connections over, from 127.0.0.2 up")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Minute, "overall time limit")
	flag.DurationVar(&o.step, "step-timeout", 30*time.Second, "limit for one session step")
	flag.StringVar(&o.user, "user", "root", "login user")
	flag.StringVar(&o.pass, "pass", "xc3511", "login password")
	flag.Parse()
	if err := o.fromListeners(listeners); err != nil {
		fmt.Fprintln(os.Stderr, "sshload:", err)
		os.Exit(2)
	}
	loadgen.RaiseNoFile()
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()

	b := &bench{o: o, srcs: loadgen.Sources(o.sources)}
	fmt.Printf("sshload: GOMAXPROCS=%d ssh=%s telnet=%s hold=%d logins=%d concurrency=%d sources=%d\n\n",
		runtime.GOMAXPROCS(0), o.ssh, o.telnet, o.hold, o.logins, o.concurrency, o.sources)
	ok := true
	for _, p := range b.protos() {
		if o.hold > 0 {
			ok = b.hold(ctx, p) && ok
		}
	}
	for _, p := range b.protos() {
		if o.logins > 0 {
			ok = b.loginRate(ctx, p) && ok
		}
	}
	if !ok {
		os.Exit(1)
	}
}

func (o *options) fromListeners(path string) error {
	if path == "" {
		return errors.New("-listeners is required")
	}
	l, err := loadgen.Listeners(path)
	if err != nil {
		return err
	}
	first := func(k string) string {
		if len(l[k]) > 0 {
			return l[k][0]
		}
		return ""
	}
	o.ssh, o.telnet, o.api = first("ssh"), first("telnet"), first("web")
	if o.api == "" || (o.ssh == "" && o.telnet == "") {
		return errors.New("listeners.json has no web listener, or neither ssh nor telnet")
	}
	for _, a := range []string{o.ssh, o.telnet, o.api} {
		if a == "" {
			continue
		}
		if err := loadgen.Loopback(a); err != nil {
			return err
		}
	}
	return nil
}

type bench struct {
	o    options
	srcs []*net.TCPAddr
	next atomic.Int64
}

func (b *bench) src() *net.TCPAddr { return b.srcs[int(b.next.Add(1))%len(b.srcs)] }

// proto is one door of the device.
type proto struct {
	name string
	// open logs in and leaves a shell waiting at its prompt; close ends it.
	open func(ctx context.Context) (io.Closer, error)
	// short runs one complete short session.
	short func(ctx context.Context) error
}

func (b *bench) protos() []proto {
	var ps []proto
	if b.o.proto != "telnet" {
		ps = append(ps, proto{name: "ssh", open: b.sshHold, short: b.sshShort})
	}
	if b.o.telnet != "" && b.o.proto != "ssh" {
		ps = append(ps, proto{name: "telnet", open: b.telnetHold, short: b.telnetShort})
	}
	return ps
}

// hold measures memory per idle logged-in session.
func (b *bench) hold(ctx context.Context, p proto) bool {
	// Warm up: the bus, the store and the runtime reach their working size
	// before the baseline.
	for range 50 {
		if err := p.short(ctx); err != nil {
			fmt.Println("warm-up:", err)
			return false
		}
	}
	time.Sleep(2 * time.Second)
	base, err := rssKiB(b.o.pid)
	heap0 := b.metric("go_memstats_heap_inuse_bytes") + b.metric("go_memstats_stack_inuse_bytes")
	if err != nil {
		fmt.Println("hold:", err)
		return false
	}
	open0 := b.openGauge(p.name)
	start := time.Now()
	conns := make([]io.Closer, b.o.hold)
	var failed atomic.Int64
	var firstErr atomic.Value
	started := loadgen.Each(ctx, b.o.hold, b.o.holdConc, func(i int) {
		c, err := p.open(ctx)
		if err != nil {
			failed.Add(1)
			firstErr.CompareAndSwap(nil, err.Error())
			return
		}
		conns[i] = c
	})
	failed.Add(int64(b.o.hold - started)) // not started: the run was stopped
	ramp := time.Since(start)
	time.Sleep(3 * time.Second) // events of the logins reach the store
	held, _ := rssKiB(b.o.pid)
	heap1 := b.metric("go_memstats_heap_inuse_bytes") + b.metric("go_memstats_stack_inuse_bytes")
	open1 := b.openGauge(p.name)
	n := b.o.hold - int(failed.Load())
	fmt.Printf("%-6s hold: %d sessions logged in and idle in %.1fs (%d failed%s); server RSS %d -> %d KiB: %.1f KiB per session (Go heap+stacks in use: %.1f KiB per session); sessions_open %+.0f\n",
		p.name, n, ramp.Seconds(), failed.Load(), errText(&firstErr), base, held, float64(held-base)/float64(max(n, 1)),
		(heap1-heap0)/1024/float64(max(n, 1)), open1-open0)
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
	// Wait for the server to see them all closed.
	deadline := time.Now().Add(60 * time.Second)
	for b.openGauge(p.name) > open0 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	return failed.Load() == 0 && int(open1-open0) == n
}

// loginRate measures complete short sessions per second.
func (b *bench) loginRate(ctx context.Context, p proto) bool {
	lat := make([]time.Duration, b.o.logins)
	var failed atomic.Int64
	var firstErr atomic.Value
	for i := range lat {
		lat[i] = -1 // until the session succeeds
	}
	start := time.Now()
	started := loadgen.Each(ctx, b.o.logins, b.o.concurrency, func(i int) {
		t0 := time.Now()
		if err := p.short(ctx); err != nil {
			failed.Add(1)
			firstErr.CompareAndSwap(nil, err.Error())
			return
		}
		lat[i] = time.Since(t0)
	})
	failed.Add(int64(b.o.logins - started)) // not started: the run was stopped
	el := time.Since(start)
	var ok []time.Duration
	for _, d := range lat {
		if d >= 0 {
			ok = append(ok, d)
		}
	}
	sort.Slice(ok, func(i, j int) bool { return ok[i] < ok[j] })
	pc := func(q float64) float64 {
		if len(ok) == 0 {
			return 0
		}
		return float64(ok[min(len(ok)-1, int(q*float64(len(ok))))].Microseconds()) / 1000
	}
	fmt.Printf("%-6s logins: %d sessions (login + one command + hang up) in %.1fs at concurrency %d: %.0f per second; latency p50 %.1f ms, p99 %.1f ms; %d failed%s\n",
		p.name, len(ok), el.Seconds(), b.o.concurrency, float64(len(ok))/el.Seconds(), pc(0.5), pc(0.99), failed.Load(), errText(&firstErr))
	return failed.Load() == 0
}

func errText(v *atomic.Value) string {
	if s, ok := v.Load().(string); ok {
		return ", first: " + s
	}
	return ""
}

// openGauge reads honeygate_sessions_open{proto=...} from /metrics.
func (b *bench) openGauge(p string) float64 {
	return b.metric(`honeygate_sessions_open{proto="` + p + `"}`)
}

// metric reads one series from /metrics (0 when absent, -1 on error).
func (b *bench) metric(series string) float64 {
	resp, err := http.Get("http://" + b.o.api + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	key := series + " "
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}

// rssKiB reads VmRSS of pid from /proc.
func rssKiB(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.ParseInt(strings.Fields(v)[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("VmRSS not found for pid %d", pid)
}
