package sensor

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

// recordKind says what a packetRecord reports.
type recordKind uint8

const (
	recAttackStart recordKind = iota
	recAttackEnd
	recScan
)

// packetRecord is one source's traffic, copied out of the table under its
// lock and published after the lock is released.
type packetRecord struct {
	kind      recordKind
	id        string // the attack's id; start and end carry the same
	src       netip.AddrPort
	first     int64
	last      int64
	requests  int64
	bytesIn   int64
	bytesOut  int64
	peak      int32
	reason    string // why an attack ended: "idle" or "stopped"
	sampleLen uint8
	sample    [maxSample]byte
}

// recorder turns the table's entries into records: it finds attacks that
// started or ended and scans that finished, and publishes them. It runs in
// its own goroutine so that a slow or failing bus never stalls the read loop:
// the loop only counts, and the recorder takes the table's lock for one pass
// per tick.
type recorder struct {
	l        *loop
	pub      event.Publisher
	describe PacketDescriber

	recs     []packetRecord
	scanTok  float64
	lastScan int64
	active   int
	lastErr  int64
}

// publishTimeout bounds one Publish, and finalTimeout the publishing of the
// last records after the server stopped.
const (
	publishTimeout = 5 * time.Second
	finalTimeout   = 5 * time.Second
)

// sweepEvery is how often the recorder passes over the table: often enough
// that records are timely against the shortest window, and at most once a
// second.
func (l PacketLimits) sweepEvery() time.Duration {
	d := min(l.AttackWindow, l.AttackIdle) / 10
	return min(max(d, 10*time.Millisecond), time.Second)
}

// run sweeps on every tick until done is closed (the read loop has stopped),
// then ends every open attack and publishes what is left. Publishing uses a
// context that outlives ctx: the last records of a stopping sensor must
// still reach the bus, as producers stop first for that reason.
func (r *recorder) run(ctx context.Context, done <-chan struct{}) {
	pubCtx := context.WithoutCancel(ctx)
	tick := time.NewTicker(r.l.s.Limits.sweepEvery())
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			r.sweep(time.Now().UnixNano(), false)
			r.publish(pubCtx, time.Time{})
		case <-done:
			r.sweep(time.Now().UnixNano(), true)
			r.publish(pubCtx, time.Now().Add(finalTimeout))
			return
		}
	}
}

// sweep copies out the records that are due and frees the entries that
// ended. final ends everything.
func (r *recorder) sweep(now int64, final bool) {
	lim := &r.l.s.Limits
	r.recs = r.recs[:0]
	if r.lastScan == 0 {
		r.lastScan = now
	}
	r.scanTok = min(float64(lim.ScanEvents), r.scanTok+float64(lim.ScanEvents)*float64(now-r.lastScan)/1e9)
	r.lastScan = now
	var started, suppressed, scans int64

	t := r.l.table
	t.mu.Lock()
	evicted := t.evicted
	t.evicted = 0
	for i := range t.ents[:t.high] {
		e := &t.ents[i]
		if !e.live {
			continue
		}
		if e.attack && !e.announced {
			e.announced = true
			e.attackID = event.NewSessionID()
			r.add(e, recAttackStart, "")
			started++
		}
		idle := now - e.last
		switch {
		case e.attack && (final || idle >= int64(lim.AttackIdle)):
			reason := "idle"
			if final && idle < int64(lim.AttackIdle) {
				reason = "stopped"
			}
			r.add(e, recAttackEnd, reason)
			t.remove(i)
		case !e.attack && (final || idle >= int64(lim.AttackWindow)):
			if r.scanTok >= 1 {
				r.scanTok--
				r.add(e, recScan, "")
				scans++
			} else {
				suppressed++
			}
			t.remove(i)
		}
	}
	size := t.size()
	t.mu.Unlock()

	r.active += int(started)
	for i := range r.recs {
		if r.recs[i].kind == recAttackEnd {
			r.active--
		}
	}
	st := r.l.stats
	addInt64(&st.Attacks, started)
	addInt64(&st.Scans, scans)
	if m := &r.l.m; m.ok {
		m.attacks.Add(float64(started))
		m.active.Set(float64(r.active))
		m.sources.Set(float64(size))
		m.scans.Add(float64(scans))
		m.suppressed.Add(float64(suppressed))
		m.evicted.Add(float64(evicted))
	}
}

func (r *recorder) add(e *srcEntry, k recordKind, reason string) {
	r.recs = append(r.recs, packetRecord{
		kind: k, id: e.attackID, src: e.src, first: e.first, last: e.last,
		requests: e.requests, bytesIn: e.bytesIn, bytesOut: e.bytesOut,
		peak: e.peakRate(), reason: reason, sampleLen: e.sampleLen, sample: e.sample,
	})
}

// publish sends the swept records; deadline, when set, bounds the whole.
func (r *recorder) publish(ctx context.Context, deadline time.Time) {
	if r.pub == nil {
		return
	}
	for i := range r.recs {
		if !deadline.IsZero() && time.Now().After(deadline) {
			r.l.log.Warn("records not published: stop deadline", "proto", r.l.proto, "left", len(r.recs)-i)
			return
		}
		ev := r.event(&r.recs[i])
		pctx, cancel := context.WithTimeout(ctx, publishTimeout)
		err := r.pub.Publish(pctx, ev)
		cancel()
		if err != nil {
			// One warning a minute: a bus that is down fails every record.
			if now := time.Now().UnixNano(); now-r.lastErr > int64(time.Minute) {
				r.lastErr = now
				r.l.log.Warn("publish failed", "proto", r.l.proto, "kind", ev.Kind, "err", err)
			}
		}
	}
}

// request summarises a record's first request with the handler's Describe.
func (r *recorder) request(rec *packetRecord) (s string) {
	if r.describe == nil || rec.sampleLen == 0 {
		return ""
	}
	defer func() {
		if v := recover(); v != nil {
			s = ""
			r.l.log.Error("describe panicked", "proto", r.l.proto, "panic", fmt.Sprint(v))
		}
	}()
	return r.describe.Describe(rec.sample[:rec.sampleLen])
}
