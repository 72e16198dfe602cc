package gateway

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Folder folds repeated blocks into fewer records, as AdGuard Home, blocky
// and FastNetMon do: a client that asks for one blocked name many times a
// second (a retrying resolver, a beaconing implant) would otherwise cost a
// bus publish and a store append per answer, more than answering itself.
//
// Blocks are grouped by (kind, enforcer, client address, host, action,
// category, indicator). The first block of a group goes to the next
// Recorder at once, so a new infection shows immediately and keeps its
// reference id. Repeats are counted, and at the end of each window they go
// on as one record with Count and First set (the last repeat's time, port
// and reference id): a steady flood is one record a window. A group that
// was quiet for a whole window is forgotten, so its next block goes on at
// once again. Every block is counted: the consumers sum Count.
//
// The table is bounded (FoldOptions.MaxGroups); a block that finds it full
// goes on by itself. Close hands on what is pending, so nothing is lost at
// shutdown.
//
// Not for the proxy: its block page shows a reference id that must find its
// own event.
type Folder struct {
	next   Recorder
	opt    FoldOptions
	mu     sync.Mutex
	groups map[foldKey]*foldGroup
	closed bool
	folded atomic.Int64 // blocks that went on inside a folded record (not as their own)
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
}

var _ Recorder = (*Folder)(nil)

// FoldOptions configure a Folder; zero fields take the defaults.
type FoldOptions struct {
	// Window is how long a group folds after its first block (1 s).
	Window time.Duration
	// MaxGroups bounds the groups held (65,536).
	MaxGroups int
	// Now is the clock (tests); nil: time.Now.
	Now func() time.Time
}

type foldKey struct {
	kind, enforcer             string
	client                     netip.Addr
	host, action               string
	category, indicator, itype string
}

type foldGroup struct {
	start time.Time // when the group's first block was seen
	first time.Time // the first folded repeat's time
	n     int       // repeats folded since
	last  *Block    // the latest repeat
}

// NewFolder starts a Folder in front of next.
func NewFolder(next Recorder, opt FoldOptions) *Folder {
	if opt.Window <= 0 {
		opt.Window = time.Second
	}
	if opt.MaxGroups <= 0 {
		opt.MaxGroups = 65536
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	f := &Folder{next: next, opt: opt, groups: map[foldKey]*foldGroup{}, stop: make(chan struct{}), done: make(chan struct{})}
	go f.run()
	return f
}

// Record implements Recorder. It takes b over.
func (f *Folder) Record(b *Block) {
	if b.Kind != KindBlock || b.Count > 1 {
		f.next.Record(b)
		return
	}
	k := foldKey{kind: b.Kind, enforcer: b.Enforcer, client: b.Client.Addr(), host: b.Host, action: b.Action,
		category: b.Hit.Category, indicator: b.Hit.Value, itype: string(b.Hit.Type)}
	now := f.opt.Now()
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		f.next.Record(b)
		return
	}
	g := f.groups[k]
	if g != nil && now.Sub(g.start) < f.opt.Window {
		g.fold(b)
		f.mu.Unlock()
		f.folded.Add(1)
		return
	}
	if g != nil && g.n > 0 {
		// The window passed before the sweep came round, and the group
		// is still busy: its count goes on, and b opens the next window
		// as its first repeat (a flood stays one record a window).
		out := g.record()
		g.start, g.n = now, 0
		g.fold(b)
		f.mu.Unlock()
		f.folded.Add(1)
		f.next.Record(out)
		return
	}
	// A new group, or one quiet for a whole window: b goes on at once.
	if g != nil {
		g.start = now
	} else if len(f.groups) < f.opt.MaxGroups {
		f.groups[k] = &foldGroup{start: now}
	}
	f.mu.Unlock()
	f.next.Record(b)
}

func (g *foldGroup) fold(b *Block) {
	if g.n == 0 {
		g.first = b.Time
	}
	g.n++
	g.last = b
}

// record is the group's follow-up record, nil when nothing was folded.
func (g *foldGroup) record() *Block {
	if g.n == 0 {
		return nil
	}
	if g.n == 1 {
		return g.last // one repeat is just a block
	}
	b := g.last
	b.Count, b.First = g.n, g.first
	return b
}

// run hands on the groups whose window has passed, a few times a window.
func (f *Folder) run() {
	defer close(f.done)
	t := time.NewTicker(max(f.opt.Window/4, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-f.stop:
			return
		case <-t.C:
			f.flush(false)
		}
	}
}

// flush hands on expired groups' records, or every group's when all.
func (f *Folder) flush(all bool) {
	now := f.opt.Now()
	var out []*Block
	f.mu.Lock()
	for k, g := range f.groups {
		switch {
		case all || g.n == 0 && now.Sub(g.start) >= f.opt.Window:
			if b := g.record(); b != nil {
				out = append(out, b)
			}
			delete(f.groups, k)
		case now.Sub(g.start) >= f.opt.Window:
			// Busy: its count goes on and the group stays, so the next
			// repeat folds too rather than going on by itself. A group
			// goes when it has been quiet for a whole window.
			out = append(out, g.record())
			g.start, g.n, g.last = now, 0, nil
		}
	}
	f.mu.Unlock()
	for _, b := range out {
		f.next.Record(b)
	}
}

// Folded returns how many blocks went on inside a folded record rather
// than as their own.
func (f *Folder) Folded() int64 { return f.folded.Load() }

// Len returns how many groups are held (tests).
func (f *Folder) Len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.groups)
}

// Close hands on every pending record and stops folding: later blocks go
// straight on. It is idempotent; close the next Recorder after it.
func (f *Folder) Close() {
	f.once.Do(func() {
		close(f.stop)
		<-f.done
		f.mu.Lock()
		f.closed = true
		f.mu.Unlock()
		f.flush(true)
	})
}
