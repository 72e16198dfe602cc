package attack

import "github.com/honeygate/honeygate/internal/event"

// FromEvent returns what a reflect.attack event reports about its attack;
// ok is false for any other event, and for one without an attack id.
func FromEvent(e *event.Event) (a Attack, ok bool) {
	if e.Kind != event.ReflectAttack || e.AttackID == "" {
		return a, false
	}
	return Attack{
		ID: e.AttackID, Sensor: e.Sensor, Proto: e.Proto, Victim: e.SrcIP, VictimPort: e.SrcPort, DstPort: e.DstPort,
		FirstSeen: e.FirstSeen.UTC(), LastSeen: e.LastSeen.UTC(), Requests: e.Packets, BytesIn: e.BytesIn,
		BytesOut: e.BytesOut, PeakPPS: e.PeakPPS, Request: string(e.Request),
		Ended: e.Phase == event.PhaseEnd, EndReason: e.EndReason,
	}, true
}

// FromEvents returns the attacks that evs report, in order.
func FromEvents(evs []event.Event) []Attack {
	var out []Attack
	for i := range evs {
		if a, ok := FromEvent(&evs[i]); ok {
			out = append(out, a)
		}
	}
	return out
}
