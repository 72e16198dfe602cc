// Command matcher measures honeygate's intel matcher beside AdGuard's
// urlfilter (the peer) on the same indicators and the same lookups: 1,000,000
// domains and 1,000,000 URL expressions, generated in the shape of real feeds
// (URLhaus payload URLs, phishing kits, DGA-like names) plus real payload
// URLs that bots typed into a honeypot (testdata/real-urls.txt).
//
// It reports, for each matcher: build time, bytes per indicator (heap growth
// over the input, after a GC), and lookups per second on one core
// (GOMAXPROCS=1 unless -procs) for host lookups and for URL lookups, with
// the hit rate so that both engines are seen to answer alike. For honeygate
// it also swaps a rebuilt snapshot while readers run and reports the build
// plus swap time and how many lookups were served meanwhile.
//
// It runs in memory only; nothing is fetched or dialled.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/AdguardTeam/urlfilter"

	"github.com/honeygate/honeygate/internal/intel"
)

func main() {
	nDomains := flag.Int("domains", 1_000_000, "domain indicators")
	nURLs := flag.Int("urls", 1_000_000, "URL expressions (url and url-prefix)")
	nLookups := flag.Int("lookups", 1_000_000, "lookups per measurement")
	procs := flag.Int("procs", 1, "GOMAXPROCS for the lookup loops (per-core figures at 1)")
	peer := flag.Bool("peer", true, "also measure AdGuard urlfilter")
	peerLookups := flag.Int("peer-lookups", 100_000, "lookups per measurement for the peer (it is slow)")
	realPath := flag.String("real", "testdata/real-urls.txt", "real payload URLs mixed into the URL set")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the URL lookups here")
	hotprofile := flag.String("cpuprofile-hot", "", "write a CPU profile of the URL lookups with hot queries here")
	flag.Parse()
	runtime.GOMAXPROCS(max(*procs, 1))

	rng := rand.New(rand.NewPCG(1, 2))
	real := readLines(*realPath)
	domains := genDomains(rng, *nDomains)
	urls := genURLs(rng, *nURLs, real)
	hostQ, urlQ := genQueries(rng, domains, urls, *nLookups)
	fmt.Printf("indicators: %d domains, %d URL expressions (%d real); lookups: %d hosts, %d URLs, half of them listed\n",
		len(domains), len(urls), len(real), len(hostQ), len(urlQ))

	inds := make([]intel.Indicator, 0, len(domains)+len(urls))
	for _, d := range domains {
		inds = append(inds, intel.Indicator{Type: intel.TypeDomain, Value: d, Category: "malware", Source: "bench"})
	}
	for i, u := range urls {
		t := intel.TypeURL
		if i%4 == 0 {
			t = intel.TypeURLPrefix
		}
		v, err := intel.CanonicalValue(t, u)
		if err != nil {
			panic(fmt.Sprint(u, err))
		}
		inds = append(inds, intel.Indicator{Type: t, Value: v, Category: "malware-download", Source: "bench"})
	}
	parsed := make([]*url.URL, len(urlQ))
	for i, q := range urlQ {
		parsed[i], _ = url.Parse(q)
	}
	// What most of a gateway's traffic is: URLs on hosts no list names.
	fresh := make([]*url.URL, len(urlQ))
	for i := range fresh {
		fresh[i], _ = url.Parse(fmt.Sprintf("https://www.%s.%s/%s/%s?id=%d", name(rng), tlds[rng.IntN(len(tlds))], words[rng.IntN(len(words))], bins[rng.IntN(len(bins))], i))
	}

	// honeygate
	before := heap()
	start := time.Now()
	cpu0 := processCPU()
	snap := intel.Build(inds, time.Now())
	build := time.Since(start)
	buildCPU := processCPU() - cpu0
	after := heap()
	runtime.KeepAlive(inds)
	fmt.Printf("\nhoneygate intel: build %v wall (%v CPU), %d indicators, heap %.1f MB = %.1f bytes/indicator (tables %.1f bytes/indicator)\n",
		build.Round(time.Millisecond), buildCPU.Round(time.Millisecond), snap.Len(), mb(after-before), float64(after-before)/float64(snap.Len()), float64(snap.Bytes())/float64(snap.Len()))
	hostRate, hostHits := rate(len(hostQ), func(i int) bool { _, ok := snap.MatchHost(hostQ[i]); return ok })
	stop := profile(*cpuprofile)
	urlRate, urlHits := rate(len(urlQ), func(i int) bool { _, ok := snap.MatchURL(parsed[i]); return ok })
	stop()
	freshRate, freshHits := rate(len(fresh), func(i int) bool { _, ok := snap.MatchURL(fresh[i]); return ok })
	fmt.Printf("honeygate intel: MatchHost %.0f lookups/s/core (hits %d), MatchURL %.0f lookups/s/core (hits %d), MatchURL on unlisted hosts %.0f lookups/s/core (hits %d)\n",
		hostRate, hostHits, urlRate, urlHits, freshRate, freshHits)
	// The same URLs against an empty snapshot: what canonicalization and
	// the first touch of each (cold) query cost without any table.
	empty := intel.Build(nil, time.Now())
	emptyRate, _ := rate(len(urlQ), func(i int) bool { _, ok := empty.MatchURL(parsed[i]); return ok })
	fmt.Printf("honeygate intel: MatchURL of the same URLs on an empty snapshot (canonicalization and the queries' own cache misses) %.0f lookups/s/core\n", emptyRate)
	swapUnderLoad(inds, snap, hostQ)

	// A change through the API or from the bus: one indicator built into a
	// delta laid over the 2,000,000 (what intel.Manager does between full
	// builds), and the lookup rate through that overlay.
	start = time.Now()
	delta := intel.Build([]intel.Indicator{{ID: 1 << 40, Type: intel.TypeDomain, Value: "fresh-change.example", Category: "phishing", Source: "manual"}}, time.Now())
	over := intel.Overlay(snap, delta, map[int64]struct{}{1 << 40: {}})
	fmt.Printf("honeygate intel: one change as a delta over the full set: built and laid over in %v\n", time.Since(start).Round(time.Microsecond))
	if _, ok := over.MatchHost("www.fresh-change.example"); !ok {
		panic("the delta is not enforced")
	}
	oHost, _ := rate(len(hostQ), func(i int) bool { _, ok := over.MatchHost(hostQ[i]); return ok })
	oURL, _ := rate(len(urlQ), func(i int) bool { _, ok := over.MatchURL(parsed[i]); return ok })
	fmt.Printf("honeygate intel: through the overlay: MatchHost %.0f lookups/s/core, MatchURL %.0f lookups/s/core\n", oHost, oURL)

	// Hot queries: the same lookups, each query brought into the cache
	// just before its lookup (a parsed URL copied into a reused url.URL and
	// its strings read; a host name read), as a proxy has just parsed a
	// request off the socket when it asks the matcher; only the lookups
	// are timed. The rows above, with 2,000,000 queries parsed ahead and
	// long cold, also time a cache miss on each query's own bytes that a
	// proxy does not have. The tables are as cold either way: the queries
	// are as many and as spread. (Parsing anew, url.Parse's garbage would
	// have the collector run on the measuring core between batches.)
	hb := make([]url.URL, hotBatch)
	copyInto := func(us []*url.URL) func(i, k int) {
		return func(i, k int) {
			hb[k] = *us[i]
			touched += touch(hb[k].Host) + touch(hb[k].Path) + touch(hb[k].RawPath) + touch(hb[k].RawQuery)
		}
	}
	hotHost, _ := rateHot(len(hostQ), func(i, _ int) { touched += touch(hostQ[i]) }, func(i, _ int) bool { _, ok := snap.MatchHost(hostQ[i]); return ok })
	stop = profile(*hotprofile)
	hotURL, hotHits := rateHot(len(urlQ), copyInto(parsed), func(_, k int) bool { _, ok := snap.MatchURL(&hb[k]); return ok })
	stop()
	hotFresh, hotFreshHits := rateHot(len(fresh), copyInto(fresh), func(_, k int) bool { _, ok := snap.MatchURL(&hb[k]); return ok })
	hotOver, _ := rateHot(len(urlQ), copyInto(parsed), func(_, k int) bool { _, ok := over.MatchURL(&hb[k]); return ok })
	fmt.Printf("honeygate intel: hot queries (each read into the cache just before its lookup): MatchHost %.0f lookups/s/core, MatchURL %.0f lookups/s/core (hits %d), MatchURL on unlisted hosts %.0f lookups/s/core (hits %d), overlay MatchURL %.0f lookups/s/core\n",
		hotHost, hotURL, hotHits, hotFresh, hotFreshHits, hotOver)

	if !*peer {
		return
	}
	inds = nil
	snap = nil
	runtime.GC()

	// AdGuard urlfilter: "||domain^" rules in a DNS engine, "||host/path"
	// rules (with a trailing "|" for exact URLs) in a network engine.
	before = heap()
	start = time.Now()
	cpu0 = processCPU()
	var db, ub strings.Builder
	for _, d := range domains {
		db.WriteString("||")
		db.WriteString(d)
		db.WriteString("^\n")
	}
	for i, u := range urls {
		c, _ := intel.CanonicalURL(u)
		c = strings.TrimPrefix(strings.TrimPrefix(c, "http://"), "https://")
		ub.WriteString("||")
		ub.WriteString(c)
		if i%4 != 0 {
			ub.WriteString("|")
		}
		ub.WriteString("\n")
	}
	dstore, err := urlfilter.NewRuleStorage([]urlfilter.RuleList{&urlfilter.StringRuleList{ID: 1, RulesText: db.String(), IgnoreCosmetic: true}})
	if err != nil {
		panic(err)
	}
	dns := urlfilter.NewDNSEngine(dstore)
	ustore, err := urlfilter.NewRuleStorage([]urlfilter.RuleList{&urlfilter.StringRuleList{ID: 2, RulesText: ub.String(), IgnoreCosmetic: true}})
	if err != nil {
		panic(err)
	}
	net := urlfilter.NewNetworkEngine(ustore)
	build = time.Since(start)
	buildCPU = processCPU() - cpu0
	after = heap()
	n := dns.RulesCount + net.RulesCount
	fmt.Printf("\nAdGuard urlfilter v0.5.0: build %v wall (%v CPU), %d rules, heap %.1f MB = %.1f bytes/rule (rule text kept: it is the engine's storage)\n",
		build.Round(time.Millisecond), buildCPU.Round(time.Millisecond), n, mb(after-before), float64(after-before)/float64(n))
	pn := min(*peerLookups, len(hostQ))
	hostRate, hostHits = rate(pn, func(i int) bool { _, ok := dns.Match(hostQ[i]); return ok })
	urlRate, urlHits = rate(pn, func(i int) bool {
		_, ok := net.Match(urlfilter.NewRequest(urlQ[i], "", urlfilter.TypeOther))
		return ok
	})
	fmt.Printf("AdGuard urlfilter: DNSEngine.Match %.0f lookups/s/core (hits %d of %d), NetworkEngine.Match %.0f lookups/s/core (hits %d of %d)\n", hostRate, hostHits, pn, urlRate, urlHits, pn)
	// Hot queries, as for honeygate: the query's text read just before
	// the timed lookup (urlfilter takes a URL as text and parses it inside
	// NewRequest, which is its lookup's cost).
	hotHost, _ = rateHot(pn, func(i, _ int) { touched += touch(hostQ[i]) }, func(i, _ int) bool { _, ok := dns.Match(hostQ[i]); return ok })
	hotURL, hotHits = rateHot(pn, func(i, _ int) { touched += touch(urlQ[i]) }, func(i, _ int) bool {
		_, ok := net.Match(urlfilter.NewRequest(urlQ[i], "", urlfilter.TypeOther))
		return ok
	})
	fmt.Printf("AdGuard urlfilter: hot queries (each read into the cache just before its lookup): DNSEngine.Match %.0f lookups/s/core, NetworkEngine.Match %.0f lookups/s/core (hits %d of %d)\n", hotHost, hotURL, hotHits, pn)
	runtime.KeepAlive(dns)
	runtime.KeepAlive(net)
}

// profile starts a CPU profile into path (none if it is empty) and returns
// what stops it.
func profile(path string) func() {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		panic(err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

// swapUnderLoad rebuilds the snapshot while a reader keeps matching through
// a Live, and reports the build+swap time (wall and process CPU), the
// lookups served meanwhile and the longest the reader went between two
// samples of 1,000 lookups (a lock or a stop-the-world would show there).
func swapUnderLoad(inds []intel.Indicator, first *intel.Snapshot, q []string) {
	// The reader gets its own core, as the proxy's goroutines would.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	live := intel.NewLive()
	live.Swap(first)
	var stop atomic.Bool
	var served atomic.Int64
	var maxGap atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		n := int64(0)
		last := time.Now()
		var gap time.Duration
		for i := 0; !stop.Load(); i++ {
			live.Snapshot().MatchHost(q[i%len(q)])
			n++
			if n%1000 == 0 {
				now := time.Now()
				gap = max(gap, now.Sub(last))
				last = now
			}
		}
		served.Store(n)
		maxGap.Store(int64(gap))
	}()
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	cpu0 := processCPU()
	live.Swap(intel.Build(inds, time.Now()))
	took := time.Since(start)
	cpu := processCPU() - cpu0
	stop.Store(true)
	wg.Wait()
	fmt.Printf("honeygate intel: build+swap beside a reader %v wall (%v CPU, the reader's included); the reader served %d lookups meanwhile, longest gap per 1,000 lookups %v\n",
		took.Round(time.Millisecond), cpu.Round(time.Millisecond), served.Load(), time.Duration(maxGap.Load()).Round(time.Microsecond))
}

// rate runs f over n lookups on one locked OS thread and returns lookups
// per second of that thread's CPU time: the machine is shared, so wall time
// would count the other tenants' load against the matcher. It runs three
// passes and keeps the best, the one least disturbed by the neighbours
// (they still share the caches and the memory bus).
func rate(n int, f func(i int) bool) (float64, int) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for i := 0; i < n/10; i++ { // warm-up
		f(i)
	}
	best, hits := 0.0, 0
	for range 3 {
		hits = 0
		start := threadCPU()
		wall := time.Now()
		for i := 0; i < n; i++ {
			if f(i) {
				hits++
			}
		}
		cpu := threadCPU() - start
		fmt.Printf("  (%d lookups: %v CPU, %v wall)\n", n, cpu.Round(time.Millisecond), time.Since(wall).Round(time.Millisecond))
		best = max(best, float64(n)/cpu.Seconds())
	}
	return best, hits
}

// hotBatch is how many queries rateHot readies before timing their
// lookups: enough that the clock's cost (two system calls a batch) is
// under 1% of the time, few enough that the batch's queries stay in the
// nearest caches (256 URLs: about 60 KB with their strings).
const hotBatch = 256

// rateHot is rate with hot queries: for each batch of hotBatch queries,
// prep(i, k) readies query i in the batch's place k, untimed, then f(i, k)
// runs over the batch, timed by the thread's CPU time (the clock read once
// a batch). Best of three passes.
func rateHot(n int, prep func(i, k int), f func(i, k int) bool) (float64, int) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	best, hits := 0.0, 0
	for range 3 {
		hits = 0
		var cpu time.Duration
		for lo := 0; lo < n; lo += hotBatch {
			hi := min(lo+hotBatch, n)
			for i := lo; i < hi; i++ {
				prep(i, i-lo)
			}
			start := threadCPU()
			for i := lo; i < hi; i++ {
				if f(i, i-lo) {
					hits++
				}
			}
			cpu += threadCPU() - start
		}
		fmt.Printf("  (%d hot lookups: %v CPU)\n", n, cpu.Round(time.Millisecond))
		best = max(best, float64(n)/cpu.Seconds())
	}
	return best, hits
}

// touch reads s's bytes (their sum), to bring them into the cache.
func touch(s string) int {
	var sum byte
	for j := 0; j < len(s); j++ {
		sum += s[j]
	}
	return int(sum)
}

// touched keeps touch's reads from being optimized away.
var touched int

// threadCPU is the calling thread's CPU time (user + system).
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func heap() uint64 {
	runtime.GC()
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }

func readLines(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "no real URLs:", err)
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

var (
	syll  = []string{"ka", "zu", "mi", "ro", "te", "shi", "na", "po", "lex", "tor", "vin", "qua", "bel", "dra", "fo", "gri", "xo", "ny", "up", "sec"}
	tlds  = []string{"com", "net", "org", "ru", "cn", "top", "xyz", "info", "jp", "co.uk", "com.br", "online", "site", "club"}
	words = []string{"login", "secure", "update", "account", "verify", "paypal", "bank", "apple", "office365", "wp-content", "uploads", "bins", "files", "download", "invoice", "doc", "img", "admin", "cgi-bin", "x"}
	bins  = []string{"mirai.arm7", "mirai.mips", "bins.sh", "i", "Mozi.m", "Mozi.a", "x86_64", "sh", "8UsA.sh", "jaws", "t8UsA.sh", "arm7", "mpsl", "update.exe", "invoice.doc", "setup.msi", "payload.ps1"}
)

func name(rng *rand.Rand) string {
	var b strings.Builder
	for k := 2 + rng.IntN(3); k > 0; k-- {
		b.WriteString(syll[rng.IntN(len(syll))])
	}
	fmt.Fprintf(&b, "%d", rng.IntN(100000))
	return b.String()
}

func genDomains(rng *rand.Rand, n int) []string {
	seen := make(map[string]bool, n)
	out := make([]string, 0, n)
	for len(out) < n {
		d := name(rng) + "." + tlds[rng.IntN(len(tlds))]
		if rng.IntN(4) == 0 {
			d = name(rng) + "." + d
		}
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}

func ip(rng *rand.Rand) string {
	return fmt.Sprintf("%d.%d.%d.%d", 1+rng.IntN(222), rng.IntN(256), rng.IntN(256), 1+rng.IntN(254))
}

// genURLs makes URLhaus- and PhishTank-shaped URLs, with the real ones first.
func genURLs(rng *rand.Rand, n int, real []string) []string {
	seen := make(map[string]bool, n)
	out := make([]string, 0, n)
	add := func(u string) {
		c, err := intel.CanonicalURL(u)
		if err != nil || seen[c] {
			return
		}
		seen[c] = true
		out = append(out, u)
	}
	for _, u := range real {
		add(u)
	}
	for len(out) < n {
		switch rng.IntN(4) {
		case 0: // Mozi/Mirai payload on a compromised box
			add(fmt.Sprintf("http://%s:%d/%s", ip(rng), 1024+rng.IntN(60000), bins[rng.IntN(len(bins))]))
		case 1:
			add(fmt.Sprintf("http://%s/%s/%s", ip(rng), words[rng.IntN(len(words))], bins[rng.IntN(len(bins))]))
		case 2: // phishing kit on a hacked site
			add(fmt.Sprintf("https://%s.%s/%s/%s/%s.php?id=%d", name(rng), tlds[rng.IntN(len(tlds))], words[rng.IntN(len(words))], words[rng.IntN(len(words))], words[rng.IntN(len(words))], rng.IntN(1000)))
		default: // malware drop on a compromised WordPress
			add(fmt.Sprintf("http://www.%s.%s/wp-content/uploads/%d/%02d/%s", name(rng), tlds[rng.IntN(len(tlds))], 2019+rng.IntN(7), 1+rng.IntN(12), bins[rng.IntN(len(bins))]))
		}
	}
	return out
}

// genQueries: half listed (a domain's subdomain, or a listed URL spelled
// differently), half not listed (fresh names, URLs on the listed hosts with
// other paths).
func genQueries(rng *rand.Rand, domains, urls []string, n int) (hosts, us []string) {
	hosts = make([]string, n)
	us = make([]string, n)
	for i := range n {
		if i%2 == 0 {
			d := domains[rng.IntN(len(domains))]
			if rng.IntN(2) == 0 {
				d = "www." + d
			}
			hosts[i] = d
			u := urls[rng.IntN(len(urls))]
			if rng.IntN(2) == 0 {
				u = strings.Replace(u, "http://", "HTTP://", 1) + "#frag"
			}
			us[i] = u
		} else {
			hosts[i] = name(rng) + ".example." + tlds[rng.IntN(len(tlds))]
			u := urls[rng.IntN(len(urls))]
			if j := strings.LastIndexByte(u, '/'); j > 8 {
				u = u[:j] + "/other-" + name(rng)
			}
			us[i] = u
		}
	}
	return hosts, us
}

// processCPU is the process's CPU time (all threads, GC included).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
