// Package attacktest is the conformance suite every attack.Store
// implementation must pass.
package attacktest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/attack"
)

// base is the suite's clock: attacks happen around it.
var base = time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)

// report is one event's view of an attack.
func report(id, victim, proto string, first, last time.Duration, requests int64, ended bool) attack.Attack {
	a := attack.Attack{
		ID: id, Sensor: "s1", Proto: proto, Victim: victim, VictimPort: 80, DstPort: 123,
		FirstSeen: base.Add(first), LastSeen: base.Add(last), Requests: requests,
		BytesIn: requests * 8, BytesOut: 440, PeakPPS: requests / 10, Request: "monlist",
	}
	if ended {
		a.Ended, a.EndReason = true, "idle"
	}
	return a
}

// Run runs the suite; open returns a new, empty store.
func Run(t *testing.T, open func(t *testing.T) attack.Store) {
	ctx := context.Background()
	ids := func(as []attack.Attack) string {
		s := ""
		for _, a := range as {
			s += a.ID + " "
		}
		return s
	}

	t.Run("StartThenEnd", func(t *testing.T) {
		st := open(t)
		start := report("a1", "192.0.2.1", "ntp", 0, time.Second, 100, false)
		end := report("a1", "192.0.2.1", "ntp", 0, 5*time.Minute, 90000, true)
		put(t, st, start)
		put(t, st, end)
		got := list(t, st, attack.Filter{})
		if len(got) != 1 || !same(got[0], end) {
			t.Fatalf("got %+v\nwant %+v", got, end)
		}
	})

	t.Run("ReorderedAndRedelivered", func(t *testing.T) {
		st := open(t)
		start := report("a1", "192.0.2.1", "ntp", 0, time.Second, 100, false)
		end := report("a1", "192.0.2.1", "ntp", 0, 5*time.Minute, 90000, true)
		put(t, st, end)
		put(t, st, start)
		put(t, st, end, start) // one batch with both, again
		got := list(t, st, attack.Filter{})
		if len(got) != 1 || !same(got[0], end) {
			t.Fatalf("got %+v\nwant %+v", got, end)
		}
	})

	t.Run("Window", func(t *testing.T) {
		st := open(t)
		put(t, st,
			report("early", "192.0.2.1", "ntp", 0, 5*time.Minute, 1000, true),
			report("late", "192.0.2.2", "dns", time.Hour, 90*time.Minute, 1000, true),
			report("open", "192.0.2.3", "ssdp", 3*time.Hour, 3*time.Hour+time.Second, 100, false),
		)
		for _, tc := range []struct {
			from, to time.Duration
			want     string
		}{
			{-time.Hour, 4 * time.Hour, "open late early "},
			{30 * time.Minute, 70 * time.Minute, "late "},
			{-time.Hour, time.Minute, "early "},
			{5 * time.Minute, time.Hour, "early "}, // last seen at from: in progress then
			{6 * time.Minute, time.Hour, ""},       // first seen at to: not yet
			{80 * time.Minute, 0, "open late "},    // open end
			{0, 0, "open late early "},             // no bounds
		} {
			f := attack.Filter{}
			if tc.from != 0 {
				f.From = base.Add(tc.from)
			}
			if tc.to != 0 {
				f.To = base.Add(tc.to)
			}
			if got := ids(list(t, st, f)); got != tc.want {
				t.Errorf("[%v, %v): %q, want %q", tc.from, tc.to, got, tc.want)
			}
		}
	})

	t.Run("FiltersAndLimit", func(t *testing.T) {
		st := open(t)
		var as []attack.Attack
		for i := range 12 {
			proto := "dns"
			if i%2 == 1 {
				proto = "ntp"
			}
			as = append(as, report(fmt.Sprintf("x%02d", i), fmt.Sprintf("192.0.2.%d", i%3), proto, time.Duration(i)*time.Minute, time.Duration(i)*time.Minute+time.Second, 200, true))
		}
		put(t, st, as...)
		if got := ids(list(t, st, attack.Filter{Limit: 3})); got != "x11 x10 x09 " {
			t.Errorf("limit 3: %q", got)
		}
		if got := ids(list(t, st, attack.Filter{Proto: "ntp", Victim: "192.0.2.1"})); got != "x07 x01 " {
			t.Errorf("ntp on 192.0.2.1: %q", got)
		}
	})

	t.Run("OpenOfSensor", func(t *testing.T) {
		// Crash recovery's question: which attacks of this sensor, begun
		// before this start, are still open?
		st := open(t)
		other := report("o1", "192.0.2.9", "dns", 0, time.Second, 100, false)
		other.Sensor = "s2"
		put(t, st, report("a1", "192.0.2.1", "ntp", 0, time.Second, 100, false),
			report("a2", "192.0.2.2", "ntp", time.Minute, time.Minute+time.Second, 100, true),
			report("a3", "192.0.2.3", "ntp", time.Hour, time.Hour+time.Second, 100, false), other)
		if got := ids(list(t, st, attack.Filter{Sensor: "s1", Open: true, To: base.Add(time.Minute)})); got != "a1 " {
			t.Errorf("open attacks of s1 begun before base+1m: %q", got)
		}
		if got := ids(list(t, st, attack.Filter{Open: true})); got != "a3 o1 a1 " && got != "a3 a1 o1 " {
			t.Errorf("open attacks: %q", got)
		}
		put(t, st, report("a1", "192.0.2.1", "ntp", 0, time.Second, 100, true))
		if got := ids(list(t, st, attack.Filter{Sensor: "s1", Open: true})); got != "a3 " {
			t.Errorf("open attacks of s1 after a1 ended: %q", got)
		}
	})

	t.Run("Empty", func(t *testing.T) {
		st := open(t)
		if err := st.PutAttacks(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if got := list(t, st, attack.Filter{}); len(got) != 0 {
			t.Errorf("empty store: %+v", got)
		}
	})
}

func put(t *testing.T, st attack.Store, as ...attack.Attack) {
	t.Helper()
	if err := st.PutAttacks(context.Background(), as); err != nil {
		t.Fatal(err)
	}
}

func list(t *testing.T, st attack.Store, f attack.Filter) []attack.Attack {
	t.Helper()
	got, err := st.Attacks(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// same compares attacks, times by instant.
func same(a, b attack.Attack) bool {
	if !a.FirstSeen.Equal(b.FirstSeen) || !a.LastSeen.Equal(b.LastSeen) {
		return false
	}
	a.FirstSeen, a.LastSeen, b.FirstSeen, b.LastSeen = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return a == b
}
