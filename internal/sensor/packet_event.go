package sensor

import (
	"sync/atomic"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

// event turns a record into the event published for it. An attack's two
// events share its id (attack_id); neither has a session, which would make
// the store keep an attack as a session that never closes.
func (r *recorder) event(rec *packetRecord) *event.Event {
	e := &event.Event{
		ID:      event.NewID(),
		Time:    time.Now().UTC(),
		Kind:    event.ReflectAttack,
		Sensor:  r.l.s.Sensor,
		Proto:   r.l.proto,
		SrcIP:   rec.src.Addr().String(),
		SrcPort: int(rec.src.Port()),
		DstPort: r.l.dstPort,
	}
	e.Reflection = event.Reflection{
		Packets:   rec.requests,
		BytesIn:   rec.bytesIn,
		BytesOut:  rec.bytesOut,
		FirstSeen: time.Unix(0, rec.first).UTC(),
		LastSeen:  time.Unix(0, rec.last).UTC(),
		PeakPPS:   int64(rec.peak),
		AttackID:  rec.id,
		Request:   event.Text(r.request(rec)),
	}
	switch rec.kind {
	case recAttackStart:
		e.Phase = event.PhaseStart
	case recAttackEnd:
		e.Phase, e.EndReason = event.PhaseEnd, rec.reason
	case recScan:
		e.Kind = event.ReflectScan
	}
	return e
}

func addInt64(p *int64, n int64) {
	if n != 0 {
		atomic.AddInt64(p, n)
	}
}
