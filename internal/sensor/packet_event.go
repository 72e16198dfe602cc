package sensor

import (
	"sync/atomic"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

// event turns a record into the event published for it.
// TODO(reflect): the reflect field group lands with internal/event/reflect.go.
func (r *recorder) event(rec *packetRecord) *event.Event {
	kind := event.Kind("reflect.attack")
	if rec.kind == recScan {
		kind = "reflect.scan"
	}
	return &event.Event{
		ID:      event.NewID(),
		Time:    time.Now().UTC(),
		Kind:    kind,
		Sensor:  r.l.s.Sensor,
		Proto:   r.l.proto,
		SrcIP:   rec.src.Addr().String(),
		SrcPort: int(rec.src.Port()),
		DstPort: r.l.dstPort,
		Session: rec.id,
		Input:   r.request(rec),
		Message: rec.reason,
		Bytes:   rec.bytesIn,
	}
}

func addInt64(p *int64, n int64) {
	if n != 0 {
		atomic.AddInt64(p, n)
	}
}
