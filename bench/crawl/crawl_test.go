// Package crawl benchmarks the client honeypot's engines against a local
// web server on loopback: pages visited per second by the static engine
// (with and without judging, beside a plain net/http fetch of the same page
// and its scripts as the floor), and by the browser engine with its tab
// pool, with the memory the browser takes per tab.
//
//	go test -run='^$' -bench=. -benchtime=2000x ./bench/crawl          # static
//	go test -run='^$' -bench=Browser -benchtime=60x ./bench/crawl      # browser
package crawl

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/crawl"
	"github.com/honeygate/honeygate/internal/detect"
)

// site serves a realistic page: about 30 KB of HTML with inline scripts and
// three external scripts (jQuery from Debian when installed, else
// generated code of the same size), each page URL distinct.
func site(b *testing.B) *httptest.Server {
	lib, err := os.ReadFile("/usr/share/javascript/jquery/jquery.min.js")
	if err != nil {
		lib = []byte(strings.Repeat("function f(a,b){return a.concat(b).map(function(x){return x*2})};\n", 1300))
	}
	app := []byte(strings.Repeat("document.addEventListener('click',function(e){console.log(e.target.id)});\n", 100))
	var page strings.Builder
	page.WriteString(`<!DOCTYPE html><html><head><title>Shop</title><script src="/js/jquery.min.js"></script><script src="/js/app.js"></script><script src="/js/app2.js"></script>
<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}gtag('js',new Date());</script></head><body>`)
	for i := 0; page.Len() < 30000; i++ {
		fmt.Fprintf(&page, `<div class="product"><h2>Product %d</h2><p>A fine thing, in stock, ships tomorrow.</p><a href="/p/%d">details</a><img src="/img/%d.jpg"></div>`, i, i, i)
	}
	page.WriteString(`</body></html>`)
	html := []byte(page.String())
	mux := http.NewServeMux()
	mux.HandleFunc("/js/jquery.min.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/javascript")
		w.Write(lib)
	})
	mux.HandleFunc("/js/app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/javascript")
		w.Write(app)
	})
	mux.HandleFunc("/js/app2.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/javascript")
		w.Write(app)
	})
	mux.HandleFunc("/img/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write([]byte("\xff\xd8\xff"))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(html)
	})
	srv := httptest.NewServer(mux)
	b.Cleanup(srv.Close)
	return srv
}

// parallel runs visit b.N times over conc goroutines and reports pages/s.
func parallel(b *testing.B, conc int, visit func(i int)) {
	var n atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range conc {
		wg.Go(func() {
			for {
				i := n.Add(1)
				if i > int64(b.N) {
					return
				}
				visit(int(i))
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "pages/s")
}

func profile() crawl.Profile { p, _ := crawl.LookupProfile(""); return p }

// BenchmarkPlainGet is the floor: the page and its three scripts fetched
// with net/http, bodies read, nothing parsed.
func BenchmarkPlainGet(b *testing.B) {
	srv := site(b)
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	cl := &http.Client{Transport: tr}
	get := func(u string) {
		resp, err := cl.Get(u)
		if err != nil {
			b.Error(err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	parallel(b, 16, func(i int) {
		get(srv.URL + "/page/" + strconv.Itoa(i))
		for _, s := range []string{"/js/jquery.min.js", "/js/app.js", "/js/app2.js"} {
			get(srv.URL + s)
		}
	})
}

// BenchmarkStaticVisit is the static engine alone: fetch, parse, follow.
func BenchmarkStaticVisit(b *testing.B) {
	srv := site(b)
	e := crawl.NewStatic(crawl.StaticOptions{Guard: &crawl.Guard{AllowPrivate: true, LoopbackOnly: true}})
	b.Cleanup(func() { e.Close() })
	parallel(b, 16, func(i int) {
		if c := e.Visit(context.Background(), crawl.Request{URL: srv.URL + "/page/" + strconv.Itoa(i), Profile: profile()}); c.Error != "" {
			b.Error(c.Error)
		}
	})
}

// BenchmarkStaticJudged is a scan as `honeygate scan --engine static` does
// it: the visit and every detector, YARA included.
func BenchmarkStaticJudged(b *testing.B) {
	srv := site(b)
	y, err := detect.CompileYara(detect.BuiltinRules())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(y.Close)
	cr := &crawl.Crawler{Static: crawl.NewStatic(crawl.StaticOptions{Guard: &crawl.Guard{AllowPrivate: true, LoopbackOnly: true}}), Judge: detect.New(nil, y)}
	b.Cleanup(func() { cr.Static.Close() })
	parallel(b, 16, func(i int) {
		v := cr.Scan(context.Background(), crawl.Request{URL: srv.URL + "/page/" + strconv.Itoa(i), Profile: profile()}, crawl.EngineStatic, nil)
		if v.Verdict.Verdict != crawl.Clean {
			b.Errorf("benign page judged %s: %+v", v.Verdict.Verdict, v.Verdict.Reasons)
		}
	})
}

// BenchmarkBrowser visits with the browser engine, a tab per visit in the
// pool, and reports the browser's memory per tab (the peak proportional set
// size of all its processes, sampled while the pool is busy, divided by the
// tabs: the browser process's share is spread over them).
func BenchmarkBrowser(b *testing.B) {
	if _, err := crawl.FindChromium(); err != nil {
		b.Skip(err)
	}
	srv := site(b)
	tabs := 4
	if s := os.Getenv("CRAWL_TABS"); s != "" {
		tabs, _ = strconv.Atoi(s)
	}
	o := crawl.BrowserOptions{Tabs: tabs, Guard: &crawl.Guard{AllowPrivate: true, LoopbackOnly: true}, Settle: 300 * time.Millisecond}
	o.NoScreenshot = os.Getenv("CRAWL_NOSHOT") != "" // to measure what the screenshot costs
	e, err := crawl.NewBrowser(o)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Close() })
	// One visit to start the browser before timing.
	e.Visit(context.Background(), crawl.Request{URL: srv.URL + "/warm", Profile: profile()})
	var peak atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan time.Duration) // the CPU the sampling itself took
	go func() {
		// Reading smaps_rollup walks every page table of the browser: it
		// is not cheap (it once made a third of this process's CPU). The
		// sampler runs on its own thread so that its CPU can be taken out
		// of the visits' figure.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		t0 := threadCPU()
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				sampled <- threadCPU() - t0
				return
			case <-t.C:
				if m := chromiumRSS(); m > peak.Load() {
					peak.Store(m)
				}
			}
		}
	}()
	cpu0, by0 := treeCPU(), treeCPUBy()
	parallel(b, tabs, func(i int) {
		if c := e.Visit(context.Background(), crawl.Request{URL: srv.URL + "/page/" + strconv.Itoa(i), Profile: profile()}); c.Error != "" {
			b.Error(c.Error)
		}
	})
	close(stop)
	sampling := <-sampled
	cpu := treeCPU() - cpu0 - sampling
	by := treeCPUBy()
	by["go"] -= sampling
	for k, d := range by {
		if ms := (d - by0[k]).Seconds() * 1000 / float64(b.N); ms >= 1 {
			b.ReportMetric(ms, "cpu-ms/page-"+k)
		}
	}
	b.ReportMetric(float64(peak.Load())/float64(tabs)/(1<<20), "MiB/tab")
	// On a machine shared with other work, pages/s says how much CPU this
	// run was given; the CPU a visit costs (this process and every
	// Chromium process, the exited renderers included) says what 2 idle
	// cores would do.
	b.ReportMetric(cpu.Seconds()*1000/float64(b.N), "cpu-ms/page")
	b.ReportMetric(2/(cpu.Seconds()/float64(b.N)), "pages/s-on-2-idle-cores")
}

// treeCPU is the CPU time used by this process and its descendants: the
// children it waited for (cutime, cstime) and those still running.
func treeCPU() time.Duration {
	tick := time.Second / 100 // USER_HZ
	self := os.Getpid()
	type proc struct {
		ppid       int
		own, child int64
	}
	procs := map[int]proc{}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, _ := strconv.Atoi(filepath.Base(d))
		st, err := os.ReadFile(filepath.Join(d, "stat"))
		if err != nil {
			continue
		}
		s := string(st)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 15 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		stt, _ := strconv.ParseInt(f[12], 10, 64)
		cut, _ := strconv.ParseInt(f[13], 10, 64)
		cst, _ := strconv.ParseInt(f[14], 10, 64)
		procs[pid] = proc{ppid: ppid, own: ut + stt, child: cut + cst}
	}
	var ticks int64
	for pid, p := range procs {
		for q, n := pid, 0; q > 1 && n < 64; n++ {
			if q == self {
				ticks += p.own + p.child
				break
			}
			q = procs[q].ppid
		}
	}
	return time.Duration(ticks) * tick
}

// chromiumRSS sums the proportional set size (shared pages divided among
// the processes sharing them) of the chromium processes this benchmark
// started: its descendants only, not another user's browser.
func chromiumRSS() int64 {
	self := os.Getpid()
	parent := map[int]int{}
	comm := map[int]string{}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, _ := strconv.Atoi(filepath.Base(d))
		st, err := os.ReadFile(filepath.Join(d, "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut at the last ')'.
		s := string(st)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 2 {
			continue
		}
		parent[pid], _ = strconv.Atoi(f[1])
		if j := strings.IndexByte(s, '('); j >= 0 {
			comm[pid] = s[j+1 : i]
		}
	}
	mine := func(pid int) bool {
		for n := 0; pid > 1 && n < 64; n++ {
			if pid == self {
				return true
			}
			pid = parent[pid]
		}
		return false
	}
	var total int64
	for pid, c := range comm {
		if !strings.HasPrefix(c, "chrom") || !mine(pid) {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "smaps_rollup"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "Pss:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				total += kb << 10
			}
		}
	}
	return total
}

// threadCPU is the CPU time of the calling OS thread.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
