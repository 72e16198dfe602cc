package intel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Manager keeps the Live snapshot in step with the Store: every change made
// through it (the API, a feed refresh, an indicator from the bus) triggers a
// rebuild and an atomic swap, debounced so a burst of changes costs one
// rebuild, and a rebuild happens at the next expiry too. Readers of Live are
// never blocked: a rebuild runs beside them and swaps when done.
//
// A few changes (an API call, indicators from the bus) do not rebuild the
// whole set: they are built into a small delta laid over the last full
// snapshot (Overlay), so they are enforced within the debounce whatever the
// store holds. A feed refresh, an expiry, or more than maxPending changes
// since the last full build rebuild everything from the store.
type Manager struct {
	store    Store
	live     *Live
	log      *slog.Logger
	debounce time.Duration
	now      func() time.Time
	feeds    []*feedState
	fetch    Fetcher
	limits   Limits

	kick    chan struct{}
	stop    context.CancelFunc
	done    chan struct{}
	startMu sync.Mutex

	rebuildMu sync.Mutex // one swap at a time (a full build's scan runs outside it)
	scanMu    sync.Mutex // one full scan at a time
	fullBusy  atomic.Bool
	bg        sync.WaitGroup // background full builds
	mu        sync.Mutex
	stats     RebuildStats

	// Changes since the last full build, under pmu: the new record of an
	// id, or nil for an id removed; keys whose other indicators must be
	// looked up again (a removed entry may have stood for them in the
	// base's tables); gen numbers the changes so a full build knows which
	// it already read.
	pmu     sync.Mutex
	pending map[int64]pendingChange
	keys    map[indKey]uint64
	gen     uint64
	full    bool
	base    *Snapshot
	baseMax int64 // the largest id in base: a larger one is new since
}

type pendingChange struct {
	ind *Indicator
	gen uint64
}

// maxPending is how many changes a delta carries before a full rebuild
// folds them into the base.
const maxPending = 20000

// ManagerOptions configure a Manager.
type ManagerOptions struct {
	Store Store
	Live  *Live // nil: a new one
	Log   *slog.Logger
	// Debounce is how long a change waits for more before the rebuild;
	// default 100ms (the bound is one second from change to swap).
	Debounce time.Duration
	Feeds    []FeedConfig
	Fetch    Fetcher // how feeds are read; default: a file path, or HTTP(S)
	Now      func() time.Time
	// Limits refuse over-broad indicators in Add and in feeds.
	Limits Limits
}

// RebuildStats describes the last rebuild.
type RebuildStats struct {
	Kind       string        `json:"kind"` // full, or delta (changes laid over the last full build)
	At         time.Time     `json:"at"`
	Indicators int           `json:"indicators"`
	Bytes      int           `json:"bytes"`
	Took       time.Duration `json:"took_ns"`
	Err        string        `json:"error,omitempty"`
}

// NewManager returns a Manager; Start begins its work.
func NewManager(o ManagerOptions) *Manager {
	if o.Live == nil {
		o.Live = NewLive()
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Debounce <= 0 {
		o.Debounce = 100 * time.Millisecond
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Fetch == nil {
		o.Fetch = DefaultFetcher(0)
	}
	m := &Manager{store: o.Store, live: o.Live, log: o.Log, debounce: o.Debounce, now: o.Now, fetch: o.Fetch, limits: o.Limits,
		kick: make(chan struct{}, 1), pending: map[int64]pendingChange{}, keys: map[indKey]uint64{}}
	for _, f := range o.Feeds {
		m.feeds = append(m.feeds, &feedState{cfg: f.withDefaults()})
	}
	return m
}

// Live is the snapshot holder the enforcement points read.
func (m *Manager) Live() *Live { return m.live }

// Stats returns what the last rebuild did.
func (m *Manager) Stats() RebuildStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stats
}

// Start builds the first snapshot (so enforcement starts with what is
// stored; an error here is returned) and starts the rebuild loop and the
// feed schedule. Stop ends them.
func (m *Manager) Start(ctx context.Context) error {
	m.startMu.Lock()
	defer m.startMu.Unlock()
	if m.done != nil {
		return errors.New("intel: manager already started")
	}
	if err := m.Rebuild(ctx); err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.stop = cancel
	m.done = make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); m.loop(runCtx) }()
	for _, f := range m.feeds {
		wg.Add(1)
		go func() { defer wg.Done(); m.feedLoop(runCtx, f) }()
	}
	go func() { wg.Wait(); m.bg.Wait(); close(m.done) }()
	return nil
}

// Stop ends the loops and waits for them (at most until ctx ends). It is
// idempotent.
func (m *Manager) Stop(ctx context.Context) error {
	m.startMu.Lock()
	stop, done := m.stop, m.done
	m.startMu.Unlock()
	if stop == nil {
		return nil
	}
	stop()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("intel: stopping: %w", ctx.Err())
	}
}

// Changed asks for a rebuild; it never blocks.
func (m *Manager) Changed() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

func (m *Manager) loop(ctx context.Context) {
	var expiry *time.Timer
	expiryC := func() <-chan time.Time {
		if expiry == nil {
			return nil
		}
		return expiry.C
	}
	arm := func() {
		if expiry != nil {
			expiry.Stop()
			expiry = nil
		}
		if next := m.live.Snapshot().NextExpiry(); !next.IsZero() {
			expiry = time.NewTimer(max(next.Sub(m.now()), 0) + time.Millisecond)
		}
	}
	arm()
	for {
		select {
		case <-ctx.Done():
			if expiry != nil {
				expiry.Stop()
			}
			return
		case <-m.kick:
			// Let a burst of changes settle, then rebuild once.
			t := time.NewTimer(m.debounce)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			select {
			case <-m.kick:
			default:
			}
		case <-expiryC():
			m.needFull()
		}
		// A full build reads the whole store and may take seconds: it runs
		// beside this loop, and meanwhile changes go on being enforced as
		// deltas over the previous base.
		if m.wantFull() {
			m.startFull(ctx)
		}
		if err := m.rebuildDelta(ctx); err != nil && ctx.Err() == nil {
			m.log.Error("intel: rebuild failed; the previous snapshot stays", "err", err)
		}
		arm()
	}
}

// startFull runs a full rebuild in the background unless one runs; when it
// is done it kicks the loop (to re-arm the expiry timer, and to run another
// if more was asked for meanwhile).
func (m *Manager) startFull(ctx context.Context) {
	if !m.fullBusy.CompareAndSwap(false, true) {
		return
	}
	m.bg.Add(1)
	go func() {
		defer m.bg.Done()
		err := m.Rebuild(ctx)
		m.fullBusy.Store(false)
		if err != nil && ctx.Err() == nil {
			m.log.Error("intel: full rebuild failed; the previous snapshot stays", "err", err)
		}
		if ctx.Err() == nil {
			m.Changed()
		}
	}()
}

// Rebuild builds a snapshot of everything from the store and swaps it in
// (with the changes noted since the build began laid over it).
func (m *Manager) Rebuild(ctx context.Context) error {
	m.scanMu.Lock()
	defer m.scanMu.Unlock()
	start := time.Now()
	now := m.now()
	m.pmu.Lock()
	mark := m.gen
	m.full = false
	m.pmu.Unlock()
	b := NewBuilder(now)
	b.SetLimits(m.limits)
	var maxID int64
	err := m.store.EachIndicator(ctx, now, func(ind *Indicator) error {
		b.Add(ind)
		maxID = max(maxID, ind.ID)
		return nil
	})
	if n, why := b.Refused(); n > 0 {
		m.log.Warn("intel: stored indicators too broad to enforce are skipped (remove them with honeygate intel rm)", "skipped", n, "first", why)
	}
	if err != nil {
		m.needFull()
		m.record(RebuildStats{Kind: "full", At: now, Took: time.Since(start), Err: err.Error()})
		return fmt.Errorf("intel: rebuild: %w", err)
	}
	base := b.Snapshot()
	m.rebuildMu.Lock()
	defer m.rebuildMu.Unlock()
	// Changes committed before the scan began are in base now; later ones
	// stay pending and go into the delta.
	m.pmu.Lock()
	m.base, m.baseMax = base, maxID
	for id, c := range m.pending {
		if c.gen <= mark {
			delete(m.pending, id)
		}
	}
	for k, g := range m.keys {
		if g <= mark {
			delete(m.keys, k)
		}
	}
	m.pmu.Unlock()
	s, err := m.overlay(ctx, now)
	if err != nil {
		m.needFull()
		return err
	}
	m.live.Swap(s)
	m.record(RebuildStats{Kind: "full", At: now, Took: time.Since(start), Indicators: s.Len(), Bytes: s.Bytes()})
	return nil
}

// rebuildDelta builds the pending changes into a delta over the last full
// build and swaps that in.
func (m *Manager) rebuildDelta(ctx context.Context) error {
	m.rebuildMu.Lock()
	defer m.rebuildMu.Unlock()
	start := time.Now()
	now := m.now()
	s, err := m.overlay(ctx, now)
	if err != nil {
		m.record(RebuildStats{Kind: "delta", At: now, Took: time.Since(start), Err: err.Error()})
		return err
	}
	m.live.Swap(s)
	m.record(RebuildStats{Kind: "delta", At: now, Took: time.Since(start), Indicators: s.Len(), Bytes: s.Bytes()})
	return nil
}

// overlay lays the pending changes over the base: the changed records,
// and every indicator that shares a key with a removed one (looked up
// again), with the changed and removed ids skipped in the base.
func (m *Manager) overlay(ctx context.Context, now time.Time) (*Snapshot, error) {
	m.pmu.Lock()
	base := m.base
	if len(m.pending) == 0 && len(m.keys) == 0 {
		m.pmu.Unlock()
		return base, nil
	}
	skip := make(map[int64]struct{}, len(m.pending))
	recs := make(map[int64]Indicator, len(m.pending))
	n := base.Len() // indicators: the base's, and what the changes add or remove
	for id, c := range m.pending {
		skip[id] = struct{}{}
		switch {
		case c.ind != nil && id > m.baseMax:
			n++
		case c.ind == nil && id <= m.baseMax:
			n--
		}
		if c.ind != nil {
			recs[id] = *c.ind
		}
	}
	keys := make([]indKey, 0, len(m.keys))
	for k := range m.keys {
		keys = append(keys, k)
	}
	m.pmu.Unlock()
	for _, k := range keys {
		others, err := m.store.ListIndicators(ctx, Filter{Type: k.t, Value: k.v, Limit: 1000})
		if err != nil {
			return nil, fmt.Errorf("intel: rebuild: %w", err)
		}
		for _, o := range others {
			if _, changed := skip[o.ID]; !changed {
				recs[o.ID] = o
			}
		}
	}
	b := NewBuilder(now)
	b.SetLimits(m.limits)
	for _, r := range recs {
		b.Add(&r)
	}
	o := Overlay(base, b.Snapshot(), skip)
	o.n = max(n, 0)
	return o, nil
}

func (m *Manager) record(st RebuildStats) {
	m.mu.Lock()
	m.stats = st
	m.mu.Unlock()
	if st.Err == "" {
		m.log.Debug("intel: snapshot swapped", "kind", st.Kind, "indicators", st.Indicators, "bytes", st.Bytes, "took", st.Took)
	}
}

// note records a change for the next delta.
func (m *Manager) note(id int64, ind *Indicator) {
	m.pmu.Lock()
	defer m.pmu.Unlock()
	m.gen++
	m.pending[id] = pendingChange{ind: ind, gen: m.gen}
	if len(m.pending) > maxPending {
		m.full = true
	}
}

func (m *Manager) noteKey(t Type, v string) {
	m.pmu.Lock()
	defer m.pmu.Unlock()
	m.gen++
	m.keys[indKey{t: t, v: v}] = m.gen
	if len(m.keys) > maxPending {
		m.full = true
	}
}

// needFull asks the next rebuild to read everything from the store.
func (m *Manager) needFull() {
	m.pmu.Lock()
	m.full = true
	m.pmu.Unlock()
}

func (m *Manager) wantFull() bool {
	m.pmu.Lock()
	defer m.pmu.Unlock()
	return m.full || m.base == nil
}

// Add normalizes and stores indicators, then asks for a rebuild. One bad
// indicator fails the whole call (with ErrInvalid) and nothing is stored.
func (m *Manager) Add(ctx context.Context, inds []Indicator) (UpsertResult, error) {
	now := m.now().UTC()
	norm := make([]Indicator, len(inds))
	for i, ind := range inds {
		n, err := NormalizeAt(ind, now, m.limits)
		if err != nil {
			if len(inds) > 1 {
				return UpsertResult{}, fmt.Errorf("item %d: %w", i, err)
			}
			return UpsertResult{}, err
		}
		if n.FirstSeen.IsZero() {
			n.FirstSeen = now
		}
		if n.LastSeen.IsZero() {
			n.LastSeen = n.FirstSeen
		}
		norm[i] = n
	}
	res, err := m.store.UpsertIndicators(ctx, norm)
	if err != nil {
		return res, fmt.Errorf("intel: add: %w", err)
	}
	for i, id := range res.IDs {
		n := norm[i]
		n.ID, n.Refs = id, nil
		m.note(id, &n)
	}
	m.Changed()
	return res, nil
}

// Delete removes what f selects and asks for a rebuild; it returns how
// many it removed.
func (m *Manager) Delete(ctx context.Context, f Filter) (int, error) {
	gone, err := m.store.DeleteIndicators(ctx, f)
	if err != nil {
		return 0, fmt.Errorf("intel: delete: %w", err)
	}
	if len(gone) > maxPending {
		m.needFull()
	} else {
		for _, g := range gone {
			m.note(g.ID, nil)
			m.noteKey(g.Type, g.Value)
		}
	}
	if len(gone) > 0 {
		m.Changed()
	}
	return len(gone), nil
}

// List returns what f selects.
func (m *Manager) List(ctx context.Context, f Filter) ([]Indicator, error) {
	out, err := m.store.ListIndicators(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("intel: list: %w", err)
	}
	return out, nil
}

// Ready reports whether a full build from the store has succeeded, i.e.
// whether the live snapshot is the stored intel rather than the empty one
// (an enforcement point fails open or closed until then, as configured).
func (m *Manager) Ready() bool {
	m.pmu.Lock()
	defer m.pmu.Unlock()
	return m.base != nil
}
