package store_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/store"
)

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// randomSession returns the events of one session drawn from rng, with few
// distinct times and families so that ties happen.
func randomSession(rng *rand.Rand) []event.Event {
	families := []string{"", "mirai", "gafgyt"}
	kinds := []event.Kind{event.SessionConnect, event.SessionClosed, event.SessionAttributed, event.CommandInput, event.LoginFailed}
	n := 1 + rng.IntN(10)
	evs := make([]event.Event, n)
	for i := range evs {
		e := event.Event{
			ID: fmt.Sprintf("e%02d", i), Time: t0.Add(time.Duration(rng.IntN(4)) * time.Second),
			Kind: kinds[rng.IntN(len(kinds))], Sensor: "s", Proto: "telnet",
			SrcIP: fmt.Sprintf("192.0.2.%d", rng.IntN(2)), SrcPort: 1000 + rng.IntN(2), DstPort: 23 + rng.IntN(2),
			Session: "x", Family: families[rng.IntN(len(families))],
		}
		if rng.IntN(2) == 0 {
			e.Reasons = []string{fmt.Sprintf("r%d", rng.IntN(2))}
		}
		evs[i] = e
	}
	return evs
}

// fold folds evs split at the given points, merging the parts' states in
// the given order, as batches arriving in that order would be.
func fold(evs []event.Event, cuts []int) store.SessionState {
	var parts [][]event.Event
	prev := 0
	for _, c := range cuts {
		parts = append(parts, evs[prev:c])
		prev = c
	}
	parts = append(parts, evs[prev:])
	var acc *store.SessionState
	for _, p := range parts {
		states := store.FoldSessions(p)
		if len(states) == 0 {
			continue
		}
		if acc == nil {
			acc = states[0]
			continue
		}
		acc.Merge(states[0])
	}
	return *acc
}

// The state a session's events fold into does not depend on their order nor
// on how they are split into batches.
func TestFoldOrderIndependent(t *testing.T) {
	for seed := range uint64(2000) {
		rng := rand.New(rand.NewPCG(seed, 1))
		evs := randomSession(rng)
		want := fold(evs, nil)
		shuffled := slices.Clone(evs)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		var cuts []int
		for i := 1; i < len(shuffled); i++ {
			if rng.IntN(3) == 0 {
				cuts = append(cuts, i)
			}
		}
		got := fold(shuffled, cuts)
		if !got.Equal(&want) {
			t.Fatalf("seed %d: events %v in order %v cut at %v:\n got %+v\nwant %+v", seed, evs, ids(shuffled), cuts, got, want)
		}
		// Merging a state into itself changes nothing (a replayed batch).
		again := got
		again.Merge(&got)
		if !again.Equal(&got) {
			t.Fatalf("seed %d: merge with itself changed %+v into %+v", seed, got, again)
		}
	}
}

func ids(evs []event.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

func TestSessionAnswer(t *testing.T) {
	ev := func(kind event.Kind, at time.Duration, family string, reasons ...string) event.Event {
		e := event.Event{ID: fmt.Sprint(at), Time: t0.Add(at), Kind: kind, Session: "x", SrcIP: "192.0.2.1", DstPort: 23, Family: family}
		e.Reasons = reasons // a field of an embedded group: not settable in the literal
		return e
	}
	cases := []struct {
		name    string
		evs     []event.Event
		family  string
		reasons []string
		ended   bool
	}{
		{"bare", []event.Event{ev(event.SessionConnect, 0, "")}, "", []string{}, false},
		{"tagged events", []event.Event{ev(event.CommandInput, 2*time.Second, "mirai"), ev(event.CommandInput, time.Second, "gafgyt")}, "mirai", []string{}, false},
		{"verdict over tags", []event.Event{ev(event.CommandInput, 2*time.Second, "mirai"), ev(event.SessionAttributed, time.Second, "hajime", "r")}, "hajime", []string{"r"}, false},
		{"close repeats", []event.Event{ev(event.SessionAttributed, time.Second, "mirai", "r"), ev(event.SessionClosed, 2*time.Second, "mirai")}, "mirai", []string{"r"}, true},
		{"close differs", []event.Event{ev(event.SessionAttributed, time.Second, "mirai", "r"), ev(event.SessionClosed, 2*time.Second, "gafgyt")}, "gafgyt", []string{}, true},
		{"close without family", []event.Event{ev(event.SessionAttributed, time.Second, "mirai", "r"), ev(event.SessionClosed, 2*time.Second, "")}, "mirai", []string{"r"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := store.FoldSessions(c.evs)[0]
			s := st.Session()
			if s.Family != c.family || !slices.Equal(s.Reasons, c.reasons) || (s.End != nil) != c.ended {
				t.Errorf("family %q reasons %q end %v; want %q %q ended=%v", s.Family, s.Reasons, s.End, c.family, c.reasons, c.ended)
			}
			if s.Reasons == nil || s.Credentials == nil || s.Commands == nil || s.Downloads == nil || s.Transcript == nil {
				t.Errorf("nil list in %+v", s)
			}
		})
	}
}

func TestTally(t *testing.T) {
	var tl store.Tally[string]
	tl.Add("2026-03-01", "a", "m1", 1)
	tl.Add("2026-03-01", "b", "m1", 1)
	tl.Add("2026-03-01", "a", "m1", -1) // moved out again: cancels
	tl.Add("2026-03-02", "a", "m2", 2)
	tl.Add("2026-03-01", "b", "m1", 1)
	want := []store.Count[string]{
		{Day: "2026-03-01", Key: "b", Member: "m1", N: 2},
		{Day: "2026-03-02", Key: "a", Member: "m2", N: 2},
	}
	if got := tl.Counts(); !slices.Equal(got, want) {
		t.Errorf("Counts = %+v, want %+v", got, want)
	}
}

func TestCountSession(t *testing.T) {
	connect := event.Event{ID: "1", Time: t0, Kind: event.SessionConnect, Session: "x", SrcIP: "192.0.2.1", DstPort: 23}
	old := store.StateOf(&connect)
	var tl store.Tally[store.SessionBucket]
	store.CountSession(&tl, nil, &old)
	same := old
	same.End = store.At(t0.Add(time.Second)) // changes nothing the rollup sees
	store.CountSession(&tl, &old, &same)
	moved := same
	moved.Family = "mirai"
	store.CountSession(&tl, &same, &moved)
	want := []store.Count[store.SessionBucket]{
		// unknown: +1 then -1 cancels out
		{Day: "2026-03-01", Key: store.SessionBucket{Family: "mirai", DstPort: 23}, Member: "192.0.2.1", N: 1},
	}
	if got := tl.Counts(); !slices.Equal(got, want) {
		t.Errorf("Counts = %+v, want %+v", got, want)
	}
}

func TestDay(t *testing.T) {
	for _, c := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 3, 1, 23, 59, 59, 999999999, time.UTC), "2026-03-01"},
		{time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), "2026-03-02"},
		{time.Date(2026, 3, 2, 1, 0, 0, 0, time.FixedZone("x", 2*3600)), "2026-03-01"},
		{time.Date(1969, 12, 31, 23, 59, 59, 500000000, time.UTC), "1969-12-31"},
	} {
		if got := store.Day(c.t.UnixNano()); got != c.want {
			t.Errorf("Day(%v) = %s, want %s", c.t, got, c.want)
		}
	}
}

func TestChangeSessions(t *testing.T) {
	mk := func(id string, kind event.Kind, at time.Duration, family string) event.Event {
		return event.Event{ID: id + fmt.Sprint(at), Time: t0.Add(at), Kind: kind, Session: id, SrcIP: "192.0.2.1", DstPort: 23, Family: family}
	}
	stored := map[string]store.SessionState{}
	for _, st := range store.FoldSessions([]event.Event{mk("known", event.SessionConnect, 0, ""), mk("quiet", event.SessionConnect, 0, "")}) {
		stored[st.ID] = *st
	}
	batch := store.FoldSessions([]event.Event{
		mk("new", event.SessionConnect, 0, ""),
		mk("known", event.SessionClosed, time.Second, "mirai"),
		mk("quiet", event.CommandInput, time.Second, ""), // changes nothing in the row
	})
	c := store.ChangeSessions(batch, stored)
	var rows []string
	for _, r := range c.Rows {
		rows = append(rows, r.ID)
	}
	if !slices.Equal(rows, []string{"new", "known"}) {
		t.Errorf("rows to write %v, want [new known]", rows)
	}
	// In the unknown bucket, the new session's +1 and the known session's -1
	// cancel out (the same source): only the move into mirai remains.
	want := []store.Count[store.SessionBucket]{
		{Day: "2026-03-01", Key: store.SessionBucket{Family: "mirai", DstPort: 23}, Member: "192.0.2.1", N: 1},
	}
	if got := c.Rollup.Counts(); !slices.Equal(got, want) {
		t.Errorf("rollup moves %+v, want %+v", got, want)
	}
}
