package intel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Manager keeps the Live snapshot in step with the Store: every change made
// through it (the API, a feed refresh, an indicator from the bus) triggers a
// rebuild and an atomic swap, debounced so a burst of changes costs one
// rebuild, and a rebuild happens at the next expiry too. Readers of Live are
// never blocked: a rebuild runs beside them and swaps when done.
type Manager struct {
	store    Store
	live     *Live
	log      *slog.Logger
	debounce time.Duration
	now      func() time.Time
	feeds    []*feedState
	fetch    Fetcher

	kick    chan struct{}
	stop    context.CancelFunc
	done    chan struct{}
	startMu sync.Mutex

	rebuildMu sync.Mutex // one rebuild at a time
	mu        sync.Mutex
	stats     RebuildStats
}

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
}

// RebuildStats describes the last rebuild.
type RebuildStats struct {
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
	m := &Manager{store: o.Store, live: o.Live, log: o.Log, debounce: o.Debounce, now: o.Now, fetch: o.Fetch,
		kick: make(chan struct{}, 1)}
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
	go func() { wg.Wait(); close(m.done) }()
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
		}
		if err := m.Rebuild(ctx); err != nil && ctx.Err() == nil {
			m.log.Error("intel: rebuild failed; the previous snapshot stays", "err", err)
		}
		arm()
	}
}

// Rebuild builds a snapshot from the store and swaps it in.
func (m *Manager) Rebuild(ctx context.Context) error {
	m.rebuildMu.Lock()
	defer m.rebuildMu.Unlock()
	start := time.Now()
	now := m.now()
	b := NewBuilder(now)
	err := m.store.EachIndicator(ctx, now, func(ind *Indicator) error {
		b.Add(ind)
		return nil
	})
	st := RebuildStats{At: now, Took: time.Since(start)}
	if err != nil {
		st.Err = err.Error()
		m.mu.Lock()
		m.stats = st
		m.mu.Unlock()
		return fmt.Errorf("intel: rebuild: %w", err)
	}
	s := b.Snapshot()
	m.live.Swap(s)
	st.Took, st.Indicators, st.Bytes = time.Since(start), s.Len(), s.Bytes()
	m.mu.Lock()
	m.stats = st
	m.mu.Unlock()
	m.log.Debug("intel: snapshot swapped", "indicators", st.Indicators, "bytes", st.Bytes, "took", st.Took)
	return nil
}

// Add normalizes and stores indicators, then asks for a rebuild. One bad
// indicator fails the whole call (with ErrInvalid) and nothing is stored.
func (m *Manager) Add(ctx context.Context, inds []Indicator) (UpsertResult, error) {
	now := m.now().UTC()
	norm := make([]Indicator, len(inds))
	for i, ind := range inds {
		n, err := Normalize(ind)
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
	m.Changed()
	return res, nil
}

// Delete removes what f selects and asks for a rebuild.
func (m *Manager) Delete(ctx context.Context, f Filter) (int, error) {
	n, err := m.store.DeleteIndicators(ctx, f)
	if err != nil {
		return 0, fmt.Errorf("intel: delete: %w", err)
	}
	if n > 0 {
		m.Changed()
	}
	return n, nil
}

// List returns what f selects.
func (m *Manager) List(ctx context.Context, f Filter) ([]Indicator, error) {
	out, err := m.store.ListIndicators(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("intel: list: %w", err)
	}
	return out, nil
}
