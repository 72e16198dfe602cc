package proxy

import (
	"log/slog"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// GC headroom: the proxy allocates about 2 KiB a request (net/http's
// header maps, mostly), so at 50,000 requests a second it makes 100 MB of
// garbage a second. With GOGC=100 the collector runs each time the heap
// doubles over what is live, and what is live in a gateway is mostly the
// intel snapshot (about 45 MiB with a million indicators; pointer-free, so
// cheap to mark, but it sets the pace): two collections a second, each with
// two stop-the-world phases. On a machine whose cores are all busy (the
// load generator and the origin beside the proxy, or any busy gateway), a
// stop-the-world waits for every one of the process's threads to reach a
// safe point, and a thread the kernel has just descheduled makes everyone
// wait a scheduler slice: milliseconds added to every request in flight,
// which is what a p99 sees.
//
// The pacer gives the collector a fixed headroom instead: the heap may grow
// by Options.GCHeadroom (256 MiB in honeygate serve) past what is live
// before a collection, whatever the live heap is, so collections are
// several times rarer. It sets GOGC from the live heap after each
// collection (never below 100, so a large live heap is collected as Go
// would anyway). A GOGC set in the environment is the operator's and is
// left alone; GOMEMLIMIT still bounds the heap when set (the runtime then
// collects earlier).
type gcPacer struct {
	headroom uint64
	log      *slog.Logger
	mu       sync.Mutex
	started  bool
	stopped  bool
	percent  int
}

func newGCPacer(headroom int64, log *slog.Logger) *gcPacer {
	if headroom <= 0 || os.Getenv("GOGC") != "" {
		return nil
	}
	return &gcPacer{headroom: uint64(headroom), log: log, percent: 100}
}

// start paces the collector until close (nil: no pacer). GOGC is set once
// now and then after every collection, from the heap that collection found
// live: a sentinel object's finalizer runs once per cycle and re-arms
// itself. Set per cycle rather than on a timer, the goal is always what
// was just found live plus the headroom: a GOGC computed from an older,
// smaller live heap would multiply a heap that grew (a new snapshot) by a
// factor meant for a small one.
func (p *gcPacer) start() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started || p.stopped {
		return
	}
	p.started = true
	p.adjust()
	p.arm()
}

type gcSentinel struct{ _ [16]byte }

func (p *gcPacer) arm() {
	runtime.SetFinalizer(&gcSentinel{}, func(*gcSentinel) {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.stopped {
			return
		}
		p.adjust()
		p.arm()
	})
}

// adjust sets GOGC for the live heap; p.mu is held.
func (p *gcPacer) adjust() {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	live := sample[0].Value.Uint64()
	// Moved only by more than a tenth: the live heap wobbles.
	if pct := gcPercentFor(live, p.headroom); pct*10 > p.percent*11 || pct*10 < p.percent*9 {
		debug.SetGCPercent(pct)
		p.log.Debug("proxy: GC paced", "live_bytes", live, "gogc", pct)
		p.percent = pct
	}
}

// close stops pacing and gives Go's default back.
func (p *gcPacer) close() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.stopped {
		p.stopped = true
		if p.started {
			debug.SetGCPercent(100)
		}
	}
}

// gcPercentFor is the GOGC that lets a heap with live bytes grow by
// headroom before the next collection: at least 100, at most 10,000 (a
// live heap of a few MiB would otherwise ask for absurd values).
func gcPercentFor(live, headroom uint64) int {
	if live == 0 {
		return 10000
	}
	pct := math.Ceil(100 * float64(headroom) / float64(live))
	return int(min(max(pct, 100), 10000))
}
