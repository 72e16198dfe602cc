package gateway_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/gateway"
	"github.com/honeygate/honeygate/internal/intel"
)

// collector is the Recorder behind a Folder: it keeps what comes out.
type collector struct {
	mu  sync.Mutex
	got []*gateway.Block
}

func (c *collector) Record(b *gateway.Block) {
	c.mu.Lock()
	c.got = append(c.got, b)
	c.mu.Unlock()
}

func (c *collector) records() []*gateway.Block {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*gateway.Block(nil), c.got...)
}

// total sums the blocks the records stand for, as the store does.
func (c *collector) total() int64 {
	var n int64
	for _, b := range c.records() {
		n += b.Event("test").Block.Blocks()
	}
	return n
}

// foldClock is a settable clock for the Folder.
type foldClock struct{ ns atomic.Int64 }

func (c *foldClock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *foldClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

func newFoldClock() *foldClock {
	c := &foldClock{}
	c.ns.Store(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func dnsBlock(at time.Time, client, host string, port uint16) *gateway.Block {
	return &gateway.Block{
		Time: at, Kind: gateway.KindBlock, Client: netip.AddrPortFrom(netip.MustParseAddr(client), port), Host: host,
		Hit: gateway.Hit{ID: 7, Type: intel.TypeDomain, Value: "evil.test", Category: "c2", Source: "manual"},
		Ref: gateway.NewRef(), Enforcer: "dns", Action: gateway.ActionNXDomain, Reason: gateway.ReasonIntel,
	}
}

// A flood of one name from one client: the first block goes on at once
// (with its ref), the rest as one counted record a window; the total is
// exact.
func TestFoldFlood(t *testing.T) {
	clk := newFoldClock()
	var c collector
	f := gateway.NewFolder(&c, gateway.FoldOptions{Window: time.Hour, Now: clk.now}) // the sweep never fires by itself
	defer f.Close()
	first := dnsBlock(clk.now(), "10.0.0.1", "beacon.evil.test", 40000)
	f.Record(first)
	if got := c.records(); len(got) != 1 || got[0] != first || got[0].Count != 0 {
		t.Fatalf("after the first block: %v, want it handed on at once, unfolded", got)
	}
	const n = 10000
	t0 := clk.now()
	for i := 1; i < n; i++ {
		clk.advance(time.Millisecond / 10)
		f.Record(dnsBlock(clk.now(), "10.0.0.1", "beacon.evil.test", uint16(40000+i%1000)))
	}
	if got := len(c.records()); got != 1 {
		t.Fatalf("%d records within the window, want 1", got)
	}
	clk.advance(time.Hour)
	// The next block after the window hands on the folded record and, the
	// group being busy, is folded into the next window itself.
	f.Record(dnsBlock(clk.now(), "10.0.0.1", "beacon.evil.test", 41000))
	got := c.records()
	if len(got) != 2 {
		t.Fatalf("%d records, want 2 (first, folded)", len(got))
	}
	folded := got[1]
	if folded.Count != n-1 || !folded.First.Equal(t0.Add(time.Millisecond/10)) || !folded.Time.After(folded.First) {
		t.Errorf("folded record: count %d first %v time %v, want %d from %v", folded.Count, folded.First, folded.Time, n-1, t0.Add(time.Millisecond/10))
	}
	f.Close()
	if got := c.records(); len(got) != 3 || got[2].Count != 0 {
		t.Fatalf("after Close: %d records (counts %v), want the last window's single block as itself", len(got), counts(got))
	}
	if got := c.total(); got != n+1 {
		t.Errorf("total %d blocks, want %d", got, n+1)
	}
	if f.Folded() != n {
		t.Errorf("Folded() = %d, want %d", f.Folded(), n)
	}
}

// Blocks that differ in client address, name, action, category or
// indicator are never merged; only the port may differ within a group.
func TestFoldDistinct(t *testing.T) {
	clk := newFoldClock()
	var c collector
	f := gateway.NewFolder(&c, gateway.FoldOptions{Window: time.Hour, Now: clk.now})
	base := func() *gateway.Block { return dnsBlock(clk.now(), "10.0.0.1", "a.evil.test", 1) }
	variants := []func(b *gateway.Block){
		func(b *gateway.Block) {},
		func(b *gateway.Block) { b.Client = netip.MustParseAddrPort("10.0.0.2:1") },
		func(b *gateway.Block) { b.Client = netip.MustParseAddrPort("[2001:db8::1]:1") },
		func(b *gateway.Block) { b.Host = "b.evil.test" },
		func(b *gateway.Block) { b.Action = gateway.ActionSinkhole },
		func(b *gateway.Block) { b.Hit.Category = "phishing" },
		func(b *gateway.Block) { b.Hit.Value = "a.evil.test" },
		func(b *gateway.Block) { b.Enforcer = "proxy" },
	}
	const reps = 5
	for range reps {
		for _, v := range variants {
			b := base()
			v(b)
			f.Record(b)
		}
	}
	if got := len(c.records()); got != len(variants) {
		t.Fatalf("%d records before the flush, want one per group (%d)", got, len(variants))
	}
	f.Close()
	got := c.records()
	if len(got) != 2*len(variants) {
		t.Fatalf("%d records, want %d", len(got), 2*len(variants))
	}
	seen := map[string]bool{}
	for _, b := range got[len(variants):] {
		if b.Count != reps-1 {
			t.Errorf("%s %s %s %s: count %d, want %d", b.Client, b.Host, b.Action, b.Hit.Category, b.Count, reps-1)
		}
		seen[fmt.Sprint(b.Enforcer, b.Client.Addr(), b.Host, b.Action, b.Hit.Category, b.Hit.Value)] = true
	}
	if len(seen) != len(variants) {
		t.Errorf("%d distinct folded groups, want %d", len(seen), len(variants))
	}
	if c.total() != reps*int64(len(variants)) {
		t.Errorf("total %d, want %d", c.total(), reps*len(variants))
	}
}

// The sweep hands a group on once its window has passed, without a new
// block to push it; infected-host reports are never folded.
func TestFoldSweepAndKinds(t *testing.T) {
	var c collector
	f := gateway.NewFolder(&c, gateway.FoldOptions{Window: 20 * time.Millisecond})
	defer f.Close()
	for range 50 {
		f.Record(dnsBlock(time.Now(), "10.0.0.1", "x.evil.test", 1))
		inf := dnsBlock(time.Now(), "10.0.0.1", "kill.test", 1)
		inf.Kind = gateway.KindInfected
		f.Record(inf)
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.total() != 100 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if c.total() != 100 {
		t.Fatalf("total %d after the window, want 100", c.total())
	}
	inf := 0
	for _, b := range c.records() {
		if b.Kind == gateway.KindInfected {
			inf++
		}
	}
	if inf != 50 {
		t.Errorf("%d infected-host records, want 50 (never folded)", inf)
	}
	// The busy group stays one more window, then, quiet, is forgotten.
	for f.Len() != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if f.Len() != 0 {
		t.Errorf("%d groups held after two quiet windows, want 0", f.Len())
	}
}

// A full table lets blocks through on their own: fewer folded, none lost.
func TestFoldBounded(t *testing.T) {
	clk := newFoldClock()
	var c collector
	f := gateway.NewFolder(&c, gateway.FoldOptions{Window: time.Hour, MaxGroups: 10, Now: clk.now})
	for i := range 1000 {
		f.Record(dnsBlock(clk.now(), fmt.Sprintf("10.0.0.%d", i%50), "x.evil.test", 1))
	}
	if f.Len() > 10 {
		t.Errorf("%d groups held, want at most 10", f.Len())
	}
	f.Close()
	if c.total() != 1000 {
		t.Errorf("total %d, want 1000", c.total())
	}
}

// Close hands on what is pending; blocks after it go straight on.
func TestFoldClose(t *testing.T) {
	clk := newFoldClock()
	var c collector
	f := gateway.NewFolder(&c, gateway.FoldOptions{Window: time.Hour, Now: clk.now})
	for range 3 {
		f.Record(dnsBlock(clk.now(), "10.0.0.1", "x.evil.test", 1))
	}
	f.Close()
	f.Close()
	f.Record(dnsBlock(clk.now(), "10.0.0.1", "x.evil.test", 1))
	got := c.records()
	if len(got) != 3 || got[1].Count != 2 || got[2].Count != 0 || c.total() != 4 {
		t.Fatalf("records %d (counts %v), total %d; want first, folded 2, then one straight through", len(got), counts(got), c.total())
	}
}

// Many goroutines recording at once: the total is exact (run with -race).
func TestFoldConcurrent(t *testing.T) {
	var c collector
	f := gateway.NewFolder(&c, gateway.FoldOptions{Window: 5 * time.Millisecond})
	var wg sync.WaitGroup
	const workers, each = 8, 2000
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				f.Record(dnsBlock(time.Now(), fmt.Sprintf("10.0.0.%d", w%3), fmt.Sprintf("h%d.evil.test", i%4), 1))
			}
		})
	}
	wg.Wait()
	f.Close()
	if c.total() != workers*each {
		t.Fatalf("total %d, want %d", c.total(), workers*each)
	}
	if n := len(c.records()); n >= workers*each/2 {
		t.Errorf("%d records for %d blocks in 12 groups: little folded", n, workers*each)
	}
}

// An unfolded block's event has no count or first (old events stay byte
// for byte the same); a folded one carries both through the JSON.
func TestFoldEventJSON(t *testing.T) {
	b := dnsBlock(time.Date(2026, 11, 30, 12, 0, 1, 0, time.UTC), "10.0.0.1", "x.evil.test", 1)
	raw, err := event.Marshal(b.Event("test"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(`"count"`)) || bytes.Contains(raw, []byte(`"first"`)) {
		t.Errorf("unfolded event has count or first: %s", raw)
	}
	b.Count, b.First = 42, b.Time.Add(-time.Second)
	raw, err = event.Marshal(b.Event("test"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := event.Unmarshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	if e.Block.Count != 42 || e.Block.Blocks() != 42 || !e.Block.First.Equal(b.First) || gateway.Weight(&e) != 42 {
		t.Errorf("round trip: count %d first %v, want 42 from %v (%s)", e.Block.Count, e.Block.First, b.First, raw)
	}
	e.Block.Count = -5
	if e.Block.Blocks() != 1 {
		t.Errorf("a negative count stands for %d blocks, want 1", e.Block.Blocks())
	}
	e.Block.Count = 1 << 62
	if e.Block.Blocks() != event.MaxBlockCount {
		t.Errorf("a huge count stands for %d blocks, want the bound", e.Block.Blocks())
	}
}

func counts(bs []*gateway.Block) []int {
	var out []int
	for _, b := range bs {
		out = append(out, b.Count)
	}
	return out
}

// A steady flood over many windows is one record a window, not two: the
// group stays while busy, so only its very first block goes on by itself.
func TestFoldSteadyFlood(t *testing.T) {
	clk := newFoldClock()
	var c collector
	f := gateway.NewFolder(&c, gateway.FoldOptions{Window: time.Second, Now: clk.now})
	const windows, each = 10, 100
	for range windows {
		for range each {
			f.Record(dnsBlock(clk.now(), "10.0.0.1", "x.evil.test", 1))
			clk.advance(time.Second / each)
		}
	}
	f.Close()
	got := c.records()
	if len(got) > windows+1 || c.total() != windows*each {
		t.Errorf("%d records (counts %v) standing for %d blocks, want at most %d for %d", len(got), counts(got), c.total(), windows+1, windows*each)
	}
	if got[0].Count != 0 {
		t.Errorf("the first block went on folded (count %d)", got[0].Count)
	}
}
