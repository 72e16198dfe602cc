package sensor

import (
	"net/netip"
	"runtime"
	"testing"
	"time"
	"unsafe"
)

// newTestLoop is a loop that is not reading, for measuring handle alone;
// its few budgeted replies go to loopback addresses nobody listens on.
func newTestLoop(tb testing.TB, h PacketHandler, lim PacketLimits) *loop {
	pc, err := ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { pc.Close() })
	s := &PacketServer{Handler: h, Limits: lim, Budget: NewSendBudget(lim.SendBudget)}
	l := &loop{s: s, proto: h.Proto(), table: newSourceTable(lim.MaxSources), stats: &PacketStats{}, pc: pc, udp: pc}
	l.out = make([]byte, 0, lim.MaxReply+512)
	return l
}

// floodBatch is a batch of requests from n sources in 127.1.0.0/16.
func floodBatch(req []byte, sources int, i int) *batch {
	b := new(batch)
	for j := range b.bufs {
		b.bufs[j] = make([]byte, maxDatagram)
		b.n[j] = copy(b.bufs[j], req)
		k := (i*batchSize + j) % sources
		b.addrs[j] = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 1, byte(k >> 8), byte(k)}), 80)
	}
	return b
}

// TestPacketHandleAllocatesNothing: the read loop's per-packet work, under a
// flood from victims it already tracks, allocates nothing.
func TestPacketHandleAllocatesNothing(t *testing.T) {
	lim := DefaultPacketLimits()
	l := newTestLoop(t, doubler{}, lim)
	b := floodBatch([]byte("Qrequest"), 500, 0)
	now := time.Now()
	for range 20 { // past the attack threshold of every source
		l.handle(b, batchSize, now)
	}
	if n := testing.AllocsPerRun(100, func() { l.handle(b, batchSize, now) }); n != 0 {
		t.Errorf("%v allocations per batch", n)
	}
}

// BenchmarkPacketHandle is the read loop without the socket: a flood from a
// thousand victims, most requests unanswered.
func BenchmarkPacketHandle(b *testing.B) {
	lim := DefaultPacketLimits()
	l := newTestLoop(b, doubler{}, lim)
	batches := make([]*batch, 16)
	for i := range batches {
		batches[i] = floodBatch([]byte("Q-request-of-forty-bytes-or-so-........."), 1000, i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		l.handle(batches[i%len(batches)], batchSize, time.Now())
	}
	b.ReportMetric(float64(b.N*batchSize)/b.Elapsed().Seconds(), "packets/s")
}

// TestPacketSpoofedMillionBoundedMemory: a million requests, each from a
// different spoofed source, leave the table at its bound and the heap
// where it was (the table's memory is taken at start).
func TestPacketSpoofedMillionBoundedMemory(t *testing.T) {
	lim := DefaultPacketLimits()
	lim.SendBudget = 1 << 30 // not what is measured; keep the handler in the path
	l := newTestLoop(t, doubler{}, lim)
	req := []byte("Q-request")
	b := floodBatch(req, 1, 0)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	now := time.Now()
	const total = 1 << 20
	for i := 0; i < total/batchSize; i++ {
		for j := range batchSize {
			k := uint32(i*batchSize + j)
			b.addrs[j] = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(k >> 16), byte(k >> 8), byte(k)}), 80)
		}
		l.handle(b, batchSize, now)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if n := l.table.size(); n > lim.MaxSources {
		t.Errorf("table holds %d sources, bound %d", n, lim.MaxSources)
	}
	if l.table.evicted < total-int64(lim.MaxSources) {
		t.Errorf("evicted %d of %d", l.table.evicted, total)
	}
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if grew > 1<<20 {
		t.Errorf("heap grew by %d bytes over a million spoofed sources", grew)
	}
	t.Logf("entry %d bytes, table of %d: %.1f MiB; heap grew %d bytes", unsafe.Sizeof(srcEntry{}), lim.MaxSources,
		float64(unsafe.Sizeof(srcEntry{}))*float64(lim.MaxSources)/(1<<20), grew)
}
