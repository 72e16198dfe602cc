package attack

import (
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

// TestMergeOrderFree: any order and any repetition of an attack's reports
// folds into the same attack.
func TestMergeOrderFree(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	start := Attack{ID: "a", Sensor: "s", Proto: "ntp", Victim: "192.0.2.1", VictimPort: 80, DstPort: 123,
		FirstSeen: t0, LastSeen: t0.Add(time.Second), Requests: 100, BytesIn: 800, BytesOut: 440, PeakPPS: 100, Request: "monlist"}
	end := start
	end.LastSeen, end.Requests, end.BytesIn, end.PeakPPS, end.Ended, end.EndReason = t0.Add(time.Hour), 9000, 72000, 900, true, "idle"
	stop := end
	stop.EndReason = "stopped"
	orders := [][]Attack{
		{start, end, stop}, {stop, end, start}, {end, start, stop, end}, {start, stop, end, start, stop},
	}
	var first Attack
	for i, o := range orders {
		var got Attack
		for _, r := range o {
			got = Merge(got, r)
		}
		if i == 0 {
			first = got
		} else if got != first {
			t.Errorf("order %d: %+v\nwant %+v", i, got, first)
		}
	}
	if first.Requests != 9000 || !first.Ended || first.EndReason != "idle" || !first.LastSeen.Equal(t0.Add(time.Hour)) {
		t.Errorf("merged %+v", first)
	}
}

func TestFromEvent(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	e := event.Event{Kind: event.ReflectAttack, Sensor: "s", Proto: "dns", SrcIP: "192.0.2.9", SrcPort: 443, DstPort: 53}
	e.Reflection = event.Reflection{AttackID: "abc", Phase: event.PhaseEnd, Packets: 10, BytesIn: 400, BytesOut: 300, FirstSeen: t0,
		LastSeen: t0.Add(time.Minute), PeakPPS: 7, Request: "ANY isc.org.", EndReason: "idle"}
	a, ok := FromEvent(&e)
	want := Attack{ID: "abc", Sensor: "s", Proto: "dns", Victim: "192.0.2.9", VictimPort: 443, DstPort: 53, FirstSeen: t0,
		LastSeen: t0.Add(time.Minute), Requests: 10, BytesIn: 400, BytesOut: 300, PeakPPS: 7, Request: "ANY isc.org.", Ended: true, EndReason: "idle"}
	if !ok || a != want {
		t.Errorf("got %+v %v\nwant %+v", a, ok, want)
	}
	scan := event.Event{Kind: event.ReflectScan, SrcIP: "192.0.2.9"}
	if _, ok := FromEvent(&scan); ok {
		t.Error("a scan is not an attack")
	}
	if got := FromEvents([]event.Event{scan, e, {Kind: event.CommandInput, Session: "x"}}); len(got) != 1 || got[0] != want {
		t.Errorf("FromEvents: %+v", got)
	}
}
