// Command telnetload is a load generator for honeygate's telnet sensor. It
// plays many Mirai bots at once over loopback, spread over many loopback
// source addresses (127.0.0.2 ... 127.0.0.250 by default), and measures:
//
//   - phase 1 (-hold N): server memory per idle logged-in session, with N
//     sessions open at once (VmRSS of -pid before and with N open);
//   - phase 2 (-sessions M -concurrency C): complete Mirai sessions per
//     second and session latency;
//   - phase 3: events stored per second (metrics counters), and zero-loss
//     accounting: every completed session's unique payload URL must be in
//     the store as a file.download event.
//
// It only ever connects to loopback addresses, and it stops by itself
// (-timeout). Standard library only.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/honeygate/honeygate/bench/internal/loadgen"
)

type options struct {
	addrs       []string
	apiBase     string
	token       string
	pid         int
	hold        int
	holdConc    int
	sessions    int
	concurrency int
	warmup      int
	sources     int
	timeout     time.Duration
	stepTimeout time.Duration
	settle      time.Duration
	user, pass  string
	jsonOut     bool
	maxLost     int
	pprofBase   string
	pprofSecs   int
	pprofOut    string
}

func main() {
	var o options
	var addrList, listeners string
	flag.StringVar(&listeners, "listeners", "", "honeygate's DATA/listeners.json: fills -addr and -api when they are not given")
	flag.StringVar(&addrList, "addr", "", "telnet address(es) of honeygate, comma separated (loopback only)")
	flag.StringVar(&o.apiBase, "api", "", "honeygate web base URL, e.g. http://127.0.0.1:8080 (loopback only)")
	flag.StringVar(&o.token, "token", "", "API bearer token")
	flag.IntVar(&o.pid, "pid", 0, "honeygate server PID (VmRSS is read from /proc/PID/status)")
	flag.IntVar(&o.hold, "hold", 10000, "phase 1: sessions held open at once (0 skips the phase)")
	flag.IntVar(&o.holdConc, "hold-concurrency", 500, "phase 1: logins in flight while ramping up")
	flag.IntVar(&o.sessions, "sessions", 20000, "phase 2: complete Mirai sessions (0 skips phases 2 and 3)")
	flag.IntVar(&o.concurrency, "concurrency", 500, "phase 2: sessions in flight at once")
	flag.IntVar(&o.warmup, "warmup", 200, "complete sessions run before the RSS baseline, not counted anywhere")
	flag.IntVar(&o.sources, "sources", 249, "loopback source addresses to spread connections over, from 127.0.0.2 up")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Minute, "overall time limit; the program stops by itself")
	flag.DurationVar(&o.stepTimeout, "step-timeout", 30*time.Second, "limit for each step of one session (one prompt, one command)")
	flag.DurationVar(&o.settle, "settle", 15*time.Second, "phase 3 gives up when stored events do not grow for this long")
	flag.StringVar(&o.user, "user", "root", "login user")
	flag.StringVar(&o.pass, "pass", "xc3511", "login password")
	flag.BoolVar(&o.jsonOut, "json", false, "also print the summary as JSON")
	flag.IntVar(&o.maxLost, "max-lost-list", 50, "lost URLs to list at most")
	flag.StringVar(&o.pprofBase, "pprof", "", "server pprof base URL (bench/hgprof): take a CPU profile during phase 2")
	flag.IntVar(&o.pprofSecs, "pprof-seconds", 20, "length of the phase 2 CPU profile")
	flag.StringVar(&o.pprofOut, "pprof-out", "cpu.pprof", "where to write the phase 2 CPU profile")
	flag.Parse()

	if listeners != "" {
		if err := fromListeners(listeners, &addrList, &o.apiBase); err != nil {
			fmt.Fprintln(os.Stderr, "telnetload:", err)
			os.Exit(2)
		}
	}
	for _, a := range strings.Split(addrList, ",") {
		if a = strings.TrimSpace(a); a != "" {
			o.addrs = append(o.addrs, a)
		}
	}
	if err := o.check(); err != nil {
		fmt.Fprintln(os.Stderr, "telnetload:", err)
		os.Exit(2)
	}
	nofile := loadgen.RaiseNoFile()

	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	r := &result{
		Started: time.Now().UTC(), GoMaxProcs: runtime.GOMAXPROCS(0), NoFile: nofile,
		Addrs: o.addrs, Sources: o.sources, Hold: o.hold, Sessions: o.sessions, Concurrency: o.concurrency,
	}
	b := &bench{o: o, api: newAPI(o.apiBase, o.token), r: r, srcs: loadgen.Sources(o.sources)}
	b.run(ctx)
	r.Elapsed = time.Since(r.Started).Round(time.Millisecond).String()
	r.print(os.Stdout, o.jsonOut)
	if !r.OK {
		os.Exit(1)
	}
}

// fromListeners reads the listener addresses honeygate wrote on start.
func fromListeners(path string, addrs, apiBase *string) error {
	l, err := loadgen.Listeners(path)
	if err != nil {
		return err
	}
	if *addrs == "" {
		*addrs = strings.Join(l["telnet"], ",")
	}
	if *apiBase == "" && len(l["web"]) > 0 {
		*apiBase = "http://" + l["web"][0]
	}
	return nil
}

func (o *options) check() error {
	if len(o.addrs) == 0 || o.apiBase == "" {
		return errors.New("-addr and -api are required")
	}
	for _, a := range o.addrs {
		if err := loadgen.Loopback(a); err != nil {
			return fmt.Errorf("-addr %s: %w", a, err)
		}
	}
	u, err := url.Parse(o.apiBase)
	if err != nil || u.Scheme != "http" {
		return fmt.Errorf("-api %q: want http://127.0.0.1:PORT", o.apiBase)
	}
	if err := loadgen.Loopback(u.Host); err != nil {
		return fmt.Errorf("-api: %w", err)
	}
	if o.pprofBase != "" {
		u, err := url.Parse(o.pprofBase)
		if err != nil || u.Scheme != "http" || loadgen.Loopback(u.Host) != nil {
			return fmt.Errorf("-pprof %q: want http://127.0.0.1:PORT", o.pprofBase)
		}
	}
	if o.sources < 1 || o.sources > 250*256 {
		return errors.New("-sources: want 1 to 64000")
	}
	if o.hold < 0 || o.sessions < 0 || o.warmup < 0 {
		return errors.New("-hold, -sessions and -warmup must not be negative")
	}
	if o.concurrency < 1 || o.holdConc < 1 {
		return errors.New("-concurrency and -hold-concurrency must be positive")
	}
	return nil
}

type bench struct {
	o    options
	api  *api
	r    *result
	srcs []*net.TCPAddr
	run1 string // unique prefix of this run's payload URLs
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05.000")}, args...)...)
}

func (b *bench) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	logf("PROBLEM: %s", msg)
	b.r.Problems = append(b.r.Problems, msg)
}

func (b *bench) run(ctx context.Context) {
	var rb [4]byte
	_, _ = rand.Read(rb[:])
	b.run1 = hex.EncodeToString(rb[:])
	b.r.RunID = b.run1

	if _, err := b.waitMetrics(ctx, 30*time.Second); err != nil {
		b.fail("server metrics not reachable: %v", err)
		return
	}
	if b.o.pid > 0 {
		if _, err := rssKiB(b.o.pid); err != nil {
			b.fail("cannot read server RSS: %v", err)
		}
	}
	if b.o.hold/len(b.srcs) >= 64 {
		logf("warning: %d sessions over %d sources is %d per source; honeygate's default limit is 64 (raise -sources)",
			b.o.hold, len(b.srcs), (b.o.hold+len(b.srcs)-1)/len(b.srcs))
	}

	if b.o.warmup > 0 {
		logf("warm-up: %d sessions", b.o.warmup)
		st := b.runSessions(ctx, "w", b.o.warmup, min(b.o.warmup, b.o.concurrency))
		if st.errors > 0 {
			b.fail("warm-up: %d of %d sessions failed: %v", st.errors, b.o.warmup, st.errClasses)
		}
		b.settle(ctx, 3*time.Second)
	}
	if b.o.hold > 0 && ctx.Err() == nil {
		b.phaseHold(ctx)
	}
	if b.o.sessions > 0 && ctx.Err() == nil {
		b.phaseSessions(ctx)
	}
	if ctx.Err() != nil {
		b.fail("stopped early: %v (-timeout %v)", ctx.Err(), b.o.timeout)
	}
	b.r.OK = len(b.r.Problems) == 0
}

func (b *bench) waitMetrics(ctx context.Context, d time.Duration) (metrics, error) {
	deadline := time.Now().Add(d)
	for {
		m, err := b.api.metrics(ctx)
		if err == nil {
			return m, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// settle waits until the stored-events counters have not moved for quiet
// (bounded by the step timeout and ctx), and returns the last scrape.
func (b *bench) settle(ctx context.Context, quiet time.Duration) metrics {
	deadline := time.Now().Add(max(b.o.settle, quiet) * 4)
	var last metrics
	lastTotal, since := -1.0, time.Now()
	for time.Now().Before(deadline) && ctx.Err() == nil {
		m, err := b.api.metrics(ctx)
		if err == nil {
			last = m
			if t := m.stored(""); t != lastTotal {
				lastTotal, since = t, time.Now()
			} else if time.Since(since) >= quiet {
				return m
			}
		}
		sleepCtx(ctx, 250*time.Millisecond)
	}
	return last
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (b *bench) src(i int) *net.TCPAddr { return b.srcs[i%len(b.srcs)] }
func (b *bench) target(i int) string    { return b.o.addrs[i%len(b.o.addrs)] }
func (b *bench) payloadURL(prefix string, i int) string {
	return fmt.Sprintf("http://127.0.0.1:9/bins/%s-%s-%d/mirai.arm", prefix, b.run1, i)
}

func hardDeadline(ctx context.Context) time.Time {
	if d, ok := ctx.Deadline(); ok {
		return d
	}
	return time.Now().Add(time.Hour)
}

// ---- phase 1 ----

func (b *bench) phaseHold(ctx context.Context) {
	n := b.o.hold
	p := &b.r.Phase1
	logf("phase 1: holding %d idle sessions", n)
	m0 := b.settle(ctx, 2*time.Second)
	runtime.GC()
	sleepCtx(ctx, time.Second)
	if b.o.pid > 0 {
		p.RSS0KiB, _ = rssKiB(b.o.pid)
	}
	if m0 != nil {
		p.HeapInuse0 = m0["go_memstats_heap_inuse_bytes"]
		p.Goroutines0 = m0["go_goroutines"]
		p.Open0 = m0.open()
	}
	refused0 := m0.refused()

	hard := hardDeadline(ctx)
	conns := make([]*tclient, n)
	var failed atomic.Int64
	var mu sync.Mutex
	classes := map[string]int{}
	start := time.Now()
	started := loadgen.Each(ctx, n, b.o.holdConc, func(i int) {
		t, err := dialTelnet(ctx, b.src(i), b.target(i), b.o.stepTimeout, hard)
		if err == nil {
			if err = t.login(b.o.user, b.o.pass); err != nil {
				t.Close()
			}
		}
		if err != nil {
			failed.Add(1)
			mu.Lock()
			classes[errorClass(err)]++
			mu.Unlock()
			return
		}
		t.release()
		conns[i] = t
	})
	failed.Add(int64(n - started)) // not started: the run was stopped
	p.RampSeconds = time.Since(start).Seconds()
	p.LoggedIn = n - int(failed.Load())
	p.Errors = int(failed.Load())
	p.ErrorClasses = classes
	logf("phase 1: %d logged in, %d failed, ramp %.1fs", p.LoggedIn, p.Errors, p.RampSeconds)
	if p.Errors > 0 {
		b.fail("phase 1: %d of %d sessions did not reach the shell: %v", p.Errors, n, classes)
	}
	if p.RampSeconds > 90 {
		logf("warning: the ramp took %.0fs; honeygate's default idle timeout (2m) may close early sessions", p.RampSeconds)
	}

	// The gauge should say exactly how many we hold.
	want := float64(p.LoggedIn) + p.Open0
	var m metrics
	deadline := time.Now().Add(30 * time.Second)
	for ctx.Err() == nil {
		var err error
		if m, err = b.api.metrics(ctx); err == nil && m.open() == want {
			break
		}
		if time.Now().After(deadline) {
			break
		}
		sleepCtx(ctx, 250*time.Millisecond)
	}
	m = b.settle(ctx, 2*time.Second) // the login events are stored
	runtime.GC()
	sleepCtx(ctx, 2*time.Second)
	if mm, err := b.api.metrics(ctx); err == nil {
		m = mm
	}
	if m != nil {
		p.OpenN = m.open()
		p.HeapInuseN = m["go_memstats_heap_inuse_bytes"]
		p.GoroutinesN = m["go_goroutines"]
		p.Refused = m.refused() - refused0
	}
	if b.o.pid > 0 {
		p.RSSNKiB, _ = rssKiB(b.o.pid)
	}
	p.OpenMatches = p.OpenN-p.Open0 == float64(n)
	if p.LoggedIn > 0 {
		p.KiBPerSession = float64(p.RSSNKiB-p.RSS0KiB) / float64(p.LoggedIn)
		p.HeapKiBPerSession = (p.HeapInuseN - p.HeapInuse0) / 1024 / float64(p.LoggedIn)
		p.GoroutinesPerSession = (p.GoroutinesN - p.Goroutines0) / float64(p.LoggedIn)
	}
	logf("phase 1: sessions_open=%v (want %d), RSS %d -> %d KiB, %.1f KiB/session", p.OpenN-p.Open0, n, p.RSS0KiB, p.RSSNKiB, p.KiBPerSession)
	if !p.OpenMatches {
		b.fail("phase 1: honeygate_sessions_open rose by %v, want %d", p.OpenN-p.Open0, n)
	}
	if p.Refused > 0 {
		b.fail("phase 1: %v connections refused by honeygate's limits", p.Refused)
	}

	for _, t := range conns {
		if t != nil {
			t.Close()
		}
	}
	deadline = time.Now().Add(60 * time.Second)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		if m, err := b.api.metrics(ctx); err == nil && m.open() <= p.Open0 {
			break
		}
		sleepCtx(ctx, 250*time.Millisecond)
	}
	p.CloseSeconds = time.Since(deadline.Add(-60 * time.Second)).Seconds()
	if m, err := b.api.metrics(ctx); err == nil && m.open() > p.Open0 {
		b.fail("phase 1: %v sessions still open 60s after the client closed them", m.open()-p.Open0)
	}
}

// ---- phase 2 and 3 ----

type sessionStats struct {
	attempted, connected, completed, errors int
	durations                               []time.Duration
	errClasses                              map[string]int
	completedIdx                            []int
	elapsed                                 time.Duration
}

// runSessions runs n complete Mirai sessions at concurrency c.
func (b *bench) runSessions(ctx context.Context, prefix string, n, c int) *sessionStats {
	hard := hardDeadline(ctx)
	st := &sessionStats{errClasses: map[string]int{}}
	var mu sync.Mutex
	var connected atomic.Int64
	start := time.Now()
	progress := time.NewTicker(5 * time.Second)
	defer progress.Stop()
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-progress.C:
				mu.Lock()
				logf("  %s: %d completed, %d errors, %.0f/s", prefix, st.completed, st.errors, float64(st.completed)/time.Since(start).Seconds())
				mu.Unlock()
			}
		}
	}()
	loadgen.Each(ctx, n, c, func(i int) {
		t0 := time.Now()
		t, err := dialTelnet(ctx, b.src(i+7), b.target(i), b.o.stepTimeout, hard)
		if err == nil {
			connected.Add(1)
			if err = t.login(b.o.user, b.o.pass); err == nil {
				err = t.miraiSession(b.payloadURL(prefix, i))
			}
			t.Close()
		}
		d := time.Since(t0)
		mu.Lock()
		st.attempted++
		if err != nil {
			st.errors++
			st.errClasses[errorClass(err)]++
		} else {
			st.completed++
			st.durations = append(st.durations, d)
			st.completedIdx = append(st.completedIdx, i)
		}
		mu.Unlock()
	})
	close(done)
	st.elapsed = time.Since(start)
	st.connected = int(connected.Load())
	return st
}

func (b *bench) phaseSessions(ctx context.Context) {
	p2, p3 := &b.r.Phase2, &b.r.Phase3
	m0 := b.settle(ctx, 2*time.Second)
	if m0 == nil {
		b.fail("phase 2: no metrics")
		return
	}
	base := m0.stored("")
	baseDL, baseClosed := m0.stored("file.download"), m0.stored("session.closed")
	baseKinds := m0.byKind()
	refused0 := m0.refused()
	logf("phase 2: %d sessions at concurrency %d (stored events so far: %.0f)", b.o.sessions, b.o.concurrency, base)

	// The server's CPU time from here until the store is done, per
	// session: what a session costs the server, all its events stored,
	// whatever else runs on the machine.
	cpu0, cpuErr := cpuSeconds(b.o.pid)

	// Sample the stored counter from the start of phase 2, to find when the
	// last event was stored.
	start := time.Now()
	type sample struct {
		t     time.Time
		total float64
	}
	var smu sync.Mutex
	var samples []sample
	sctx, scancel := context.WithCancel(ctx)
	var swg sync.WaitGroup
	swg.Add(1)
	go func() {
		defer swg.Done()
		for sctx.Err() == nil {
			if m, err := b.api.metrics(sctx); err == nil {
				smu.Lock()
				samples = append(samples, sample{time.Now(), m.stored("")})
				smu.Unlock()
			}
			sleepCtx(sctx, 200*time.Millisecond)
		}
	}()

	if b.o.pprofBase != "" {
		swg.Add(1)
		go func() {
			defer swg.Done()
			b.cpuProfile(ctx)
		}()
	}
	st := b.runSessions(ctx, "s", b.o.sessions, b.o.concurrency)
	p2.Attempted, p2.Connected, p2.Completed, p2.Errors = st.attempted, st.connected, st.completed, st.errors
	p2.ErrorClasses = st.errClasses
	p2.Seconds = st.elapsed.Seconds()
	if p2.Seconds > 0 {
		p2.SessionsPerSec = float64(st.completed) / p2.Seconds
	}
	slices.Sort(st.durations)
	p2.P50ms = pct(st.durations, 0.50)
	p2.P99ms = pct(st.durations, 0.99)
	p2.MaxMs = pct(st.durations, 1)
	logf("phase 2: %d completed, %d errors in %.1fs: %.0f sessions/s, p50 %.0fms p99 %.0fms",
		st.completed, st.errors, p2.Seconds, p2.SessionsPerSec, p2.P50ms, p2.P99ms)
	if st.errors > 0 {
		b.fail("phase 2: %d of %d sessions failed: %v", st.errors, st.attempted, st.errClasses)
	}

	// Phase 3: wait for the store. Every connection ends with session.closed
	// and every completed session has its file.download; then the counters
	// must stay still for a moment. Give up when nothing moves for -settle.
	logf("phase 3: waiting for the store")
	var final metrics
	lastTotal, lastMove := -1.0, time.Now()
	reached := false
	for ctx.Err() == nil {
		m, err := b.api.metrics(ctx)
		if err == nil {
			final = m
			if t := m.stored(""); t != lastTotal {
				lastTotal, lastMove = t, time.Now()
			}
			dl, closed := m.stored("file.download")-baseDL, m.stored("session.closed")-baseClosed
			if !reached && dl >= float64(st.completed) && closed >= float64(st.connected) {
				reached = true
			}
			quiet := time.Since(lastMove)
			if (reached && quiet >= 2*time.Second) || quiet >= b.o.settle {
				break
			}
		}
		sleepCtx(ctx, 100*time.Millisecond)
	}
	if cpu1, err := cpuSeconds(b.o.pid); err == nil && cpuErr == nil && st.attempted > 0 {
		p3.ServerCPUSeconds = cpu1 - cpu0
		p3.ServerCPUmsPerSession = 1000 * p3.ServerCPUSeconds / float64(st.attempted)
	}
	scancel()
	swg.Wait()
	if final == nil {
		b.fail("phase 3: no metrics")
		return
	}
	total := final.stored("")
	// The last event was stored at the first sample showing the final total.
	lastStored := time.Now()
	smu.Lock()
	samples = append(samples, sample{lastMove, lastTotal})
	for _, s := range samples {
		if s.total >= total {
			lastStored = s.t
			break
		}
	}
	smu.Unlock()
	p3.Events = int64(total - base)
	p3.StoreSeconds = lastStored.Sub(start).Seconds()
	if p3.StoreSeconds > 0 {
		p3.EventsPerSec = float64(p3.Events) / p3.StoreSeconds
	}
	p3.StoreLagSeconds = lastStored.Sub(start.Add(st.elapsed)).Seconds()
	// Store rate in the best second, and while draining the backlog after
	// the last session (the consumer alone, without sensor load).
	smu.Lock()
	end := start.Add(st.elapsed)
	for i, j := 0, 0; i < len(samples); i++ {
		for j < len(samples) && samples[j].t.Sub(samples[i].t) < time.Second {
			j++
		}
		if j == len(samples) {
			break
		}
		if r := (samples[j].total - samples[i].total) / samples[j].t.Sub(samples[i].t).Seconds(); r > p3.PeakPerSec {
			p3.PeakPerSec = r
		}
	}
	for _, s := range samples {
		if !s.t.Before(end) {
			p3.DrainBacklog = int64(total - s.total)
			if d := lastStored.Sub(s.t).Seconds(); d >= 0.5 {
				p3.DrainPerSec = (total - s.total) / d
			}
			break
		}
	}
	smu.Unlock()
	p3.ByKind = map[string]int64{}
	for k, v := range final.byKind() {
		if d := int64(v - baseKinds[k]); d != 0 {
			p3.ByKind[k] = d
		}
	}
	if st.completed > 0 {
		p3.EventsPerSession = float64(p3.Events) / float64(st.attempted)
	}
	p3.Refused = final.refused() - refused0
	p3.DeadLetters = final.sum("honeygate_events_dead_letter_total")
	logf("phase 3: %d events stored in %.1fs: %.0f events/s (store finished %.1fs after the last session)",
		p3.Events, p3.StoreSeconds, p3.EventsPerSec, p3.StoreLagSeconds)
	if !reached {
		b.fail("phase 3: the store stopped growing before it held every session's events (file.download %+.0f of %d, session.closed %+.0f of %d)",
			final.stored("file.download")-baseDL, st.completed, final.stored("session.closed")-baseClosed, st.connected)
	}
	if p3.Refused > 0 {
		b.fail("phase 2: %v connections refused by honeygate's limits", p3.Refused)
	}

	// Zero-loss accounting, through the API.
	dls, pages, err := b.api.downloads(ctx, start.Add(-5*time.Second), 10+b.o.sessions/5000)
	p3.APIPages = pages
	if err != nil {
		b.fail("phase 3: reading file.download events: %v", err)
	}
	prefix := fmt.Sprintf("/bins/s-%s-", b.run1)
	found := map[int]int{}
	for _, e := range dls {
		i := strings.Index(e.URL, prefix)
		if i < 0 {
			continue
		}
		var idx int
		rest := e.URL[i+len(prefix):]
		if _, err := fmt.Sscanf(rest, "%d/", &idx); err == nil {
			found[idx]++
		}
	}
	for _, i := range st.completedIdx {
		if found[i] == 0 {
			p3.Lost++
			if len(p3.LostURLs) < b.o.maxLost {
				p3.LostURLs = append(p3.LostURLs, b.payloadURL("s", i))
			}
		}
	}
	for _, c := range found {
		if c > 1 {
			p3.Duplicates += c - 1
		}
	}
	p3.DownloadsFound = len(found)
	sort.Strings(p3.LostURLs)
	logf("phase 3: lost: %d (of %d completed sessions; %d file.download events read in %d pages)", p3.Lost, st.completed, len(dls), pages)
	if p3.Lost > 0 {
		b.fail("phase 3: %d completed sessions have no file.download event in the store", p3.Lost)
	}
	if p3.Duplicates > 0 {
		b.fail("phase 3: %d duplicate file.download events", p3.Duplicates)
	}
}

func drain(rate float64, backlog int64) string {
	if backlog == 0 {
		return "no backlog"
	}
	return fmt.Sprintf("%.0f (%d events behind at the last session)", rate, backlog)
}

// cpuProfile fetches a CPU profile of the server from its pprof endpoint.
func (b *bench) cpuProfile(ctx context.Context) {
	pa := newAPI(b.o.pprofBase, "")
	body, err := pa.get(ctx, "/debug/pprof/profile", url.Values{"seconds": {fmt.Sprint(b.o.pprofSecs)}}, false)
	if err == nil {
		err = os.WriteFile(b.o.pprofOut, body, 0o644)
	}
	if err != nil {
		logf("cpu profile: %v", err)
		return
	}
	logf("cpu profile of the server (%ds from the start of phase 2) written to %s", b.o.pprofSecs, b.o.pprofOut)
}

func pct(d []time.Duration, q float64) float64 {
	if len(d) == 0 {
		return 0
	}
	i := int(q*float64(len(d))+0.5) - 1
	i = max(0, min(i, len(d)-1))
	return float64(d[i].Microseconds()) / 1000
}

// ---- result ----

type result struct {
	Started     time.Time `json:"started"`
	Elapsed     string    `json:"elapsed"`
	RunID       string    `json:"run_id"`
	GoMaxProcs  int       `json:"client_gomaxprocs"`
	NoFile      uint64    `json:"client_nofile"`
	Addrs       []string  `json:"telnet_addrs"`
	Sources     int       `json:"source_addrs"`
	Hold        int       `json:"hold"`
	Sessions    int       `json:"sessions"`
	Concurrency int       `json:"concurrency"`
	Phase1      struct {
		LoggedIn             int            `json:"logged_in"`
		Errors               int            `json:"errors"`
		ErrorClasses         map[string]int `json:"error_classes,omitempty"`
		RampSeconds          float64        `json:"ramp_seconds"`
		Open0                float64        `json:"sessions_open_before"`
		OpenN                float64        `json:"sessions_open_held"`
		OpenMatches          bool           `json:"sessions_open_matches"`
		Refused              float64        `json:"refused"`
		RSS0KiB              int64          `json:"rss_baseline_kib"`
		RSSNKiB              int64          `json:"rss_held_kib"`
		KiBPerSession        float64        `json:"rss_kib_per_session"`
		HeapInuse0           float64        `json:"heap_inuse_baseline_bytes"`
		HeapInuseN           float64        `json:"heap_inuse_held_bytes"`
		HeapKiBPerSession    float64        `json:"heap_kib_per_session"`
		Goroutines0          float64        `json:"goroutines_baseline"`
		GoroutinesN          float64        `json:"goroutines_held"`
		GoroutinesPerSession float64        `json:"goroutines_per_session"`
		CloseSeconds         float64        `json:"close_seconds"`
	} `json:"phase1_hold"`
	Phase2 struct {
		Attempted      int            `json:"attempted"`
		Connected      int            `json:"connected"`
		Completed      int            `json:"completed"`
		Errors         int            `json:"errors"`
		ErrorClasses   map[string]int `json:"error_classes,omitempty"`
		Seconds        float64        `json:"seconds"`
		SessionsPerSec float64        `json:"sessions_per_sec"`
		P50ms          float64        `json:"p50_ms"`
		P99ms          float64        `json:"p99_ms"`
		MaxMs          float64        `json:"max_ms"`
	} `json:"phase2_sessions"`
	Phase3 struct {
		Events           int64            `json:"events"`
		EventsPerSession float64          `json:"events_per_session"`
		ByKind           map[string]int64 `json:"events_by_kind"`
		StoreSeconds     float64          `json:"store_seconds"`
		EventsPerSec     float64          `json:"events_per_sec"`
		StoreLagSeconds  float64          `json:"store_lag_seconds"`
		PeakPerSec       float64          `json:"peak_events_per_sec_1s"`
		DrainBacklog     int64            `json:"backlog_at_last_session"`
		DrainPerSec      float64          `json:"drain_events_per_sec"`
		// The server's CPU time (user + system) from the start of phase 2
		// until the store was done, and per phase 2 session.
		ServerCPUSeconds      float64  `json:"server_cpu_seconds"`
		ServerCPUmsPerSession float64  `json:"server_cpu_ms_per_session"`
		Refused               float64  `json:"refused"`
		DeadLetters           float64  `json:"dead_letters"`
		DownloadsFound        int      `json:"downloads_found"`
		APIPages              int      `json:"api_pages"`
		Lost                  int      `json:"lost"`
		LostURLs              []string `json:"lost_urls,omitempty"`
		Duplicates            int      `json:"duplicates"`
	} `json:"phase3_store"`
	Problems []string `json:"problems"`
	OK       bool     `json:"ok"`
}

func (r *result) print(w *os.File, asJSON bool) {
	p1, p2, p3 := &r.Phase1, &r.Phase2, &r.Phase3
	row := func(k string, v any) { fmt.Fprintf(w, "| %s | %v |\n", k, v) }
	fmt.Fprintf(w, "\n## telnetload summary (run %s, %s)\n\n", r.RunID, r.Elapsed)
	fmt.Fprintln(w, "| measure | value |")
	fmt.Fprintln(w, "|---|---|")
	row("telnet listeners / source addresses", fmt.Sprintf("%d / %d", len(r.Addrs), r.Sources))
	if r.Hold > 0 {
		row("**phase 1** sessions held (logged in / errors)", fmt.Sprintf("%d (%d / %d)", r.Hold, p1.LoggedIn, p1.Errors))
		row("ramp time", fmt.Sprintf("%.1f s", p1.RampSeconds))
		row("honeygate_sessions_open while held", fmt.Sprintf("%.0f (matches: %v)", p1.OpenN-p1.Open0, p1.OpenMatches))
		row("server RSS baseline → held", fmt.Sprintf("%d → %d KiB", p1.RSS0KiB, p1.RSSNKiB))
		row("**RSS per idle session**", fmt.Sprintf("**%.1f KiB**", p1.KiBPerSession))
		row("Go heap in use per session", fmt.Sprintf("%.1f KiB", p1.HeapKiBPerSession))
		row("server goroutines per session", fmt.Sprintf("%.2f", p1.GoroutinesPerSession))
	}
	if r.Sessions > 0 {
		row("**phase 2** sessions (completed / errors)", fmt.Sprintf("%d (%d / %d) at concurrency %d", r.Sessions, p2.Completed, p2.Errors, r.Concurrency))
		row("**sessions/s**", fmt.Sprintf("**%.0f**", p2.SessionsPerSec))
		row("session time p50 / p99 / max", fmt.Sprintf("%.1f / %.1f / %.1f ms", p2.P50ms, p2.P99ms, p2.MaxMs))
		row("**phase 3** events stored", fmt.Sprintf("%d (%.1f per session)", p3.Events, p3.EventsPerSession))
		row("**events/s stored**", fmt.Sprintf("**%.0f** (%d events in %.2f s; store done %.2f s after the last session)", p3.EventsPerSec, p3.Events, p3.StoreSeconds, p3.StoreLagSeconds))
		row("store rate: best 1 s / draining the backlog", fmt.Sprintf("%.0f / %s", p3.PeakPerSec, drain(p3.DrainPerSec, p3.DrainBacklog)))
		if p3.ServerCPUSeconds > 0 {
			row("**server CPU per session** (phases 2-3, all events stored)", fmt.Sprintf("**%.2f ms** (%.1f CPU-s)", p3.ServerCPUmsPerSession, p3.ServerCPUSeconds))
		}
		row("file.download found via API", fmt.Sprintf("%d (%d pages)", p3.DownloadsFound, p3.APIPages))
		row("**lost**", fmt.Sprintf("**%d**", p3.Lost))
		row("duplicates / dead letters", fmt.Sprintf("%d / %.0f", p3.Duplicates, p3.DeadLetters))
	}
	row("result", map[bool]string{true: "OK", false: "PROBLEMS"}[r.OK])
	fmt.Fprintln(w)
	if r.Sessions > 0 {
		fmt.Fprintf(w, "lost: %d\n", p3.Lost)
		for _, u := range p3.LostURLs {
			fmt.Fprintf(w, "  lost %s\n", u)
		}
		if len(p3.ByKind) > 0 {
			kinds := make([]string, 0, len(p3.ByKind))
			for k := range p3.ByKind {
				kinds = append(kinds, k)
			}
			sort.Strings(kinds)
			fmt.Fprint(w, "events by kind:")
			for _, k := range kinds {
				fmt.Fprintf(w, " %s=%d", k, p3.ByKind[k])
			}
			fmt.Fprintln(w)
		}
	}
	for _, e := range []struct {
		name string
		m    map[string]int
	}{{"phase 1 errors", p1.ErrorClasses}, {"phase 2 errors", p2.ErrorClasses}} {
		for k, v := range e.m {
			fmt.Fprintf(w, "%s: %d × %s\n", e.name, v, k)
		}
	}
	for _, p := range r.Problems {
		fmt.Fprintln(w, "PROBLEM:", p)
	}
	if asJSON {
		if r.Problems == nil {
			r.Problems = []string{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		fmt.Fprintln(w)
		_ = enc.Encode(r)
	}
}
