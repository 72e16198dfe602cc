package attack

import (
	"testing"
	"time"
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
