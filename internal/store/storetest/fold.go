package storetest

import (
	"context"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/store"
	"github.com/honeygate/honeygate/internal/testkit/eventkit"
)

// foldCase is a session whose events exercise one folding rule, with what
// the session must answer whatever order they arrive in.
type foldCase struct {
	evs     []event.Event
	start   time.Time
	end     time.Time
	family  string
	reasons []string
}

// foldCases returns sessions that exercise every folding rule.
func foldCases() map[string]foldCase {
	cases := map[string]foldCase{}

	full := eventkit.New("ro-full", "203.0.113.80", 23, t0)
	cases[full.ID] = foldCase{
		evs: []event.Event{
			full.Connect(0),
			full.Login(1*time.Second, "root", "admin", false),
			full.Login(2*time.Second, "root", "xc3511", true),
			full.Command(3*time.Second, "enable", "ok"),
			full.Download(4*time.Second, "http://198.51.100.9/m.arm7", "wget", "m"),
			full.Attributed(5*time.Second, "gafgyt", "m.arm7"),
			full.Attributed(6*time.Second, "mirai", "busybox MIRAI", "xc3511"),
			full.Closed(9*time.Second, "mirai"), // repeats the family: the reasons stay
		},
		start: t0, end: t0.Add(9 * time.Second), family: "mirai", reasons: []string{"busybox MIRAI", "xc3511"},
	}

	// Without a verdict, the latest family an ordinary event carried.
	weak := eventkit.New("ro-weak", "203.0.113.81", 2323, t0.Add(time.Hour))
	c1, c2, c3 := weak.Command(3*time.Second, "a", "ok"), weak.Command(1*time.Second, "b", "ok"), weak.Command(2*time.Second, "c", "ok")
	c1.Family, c2.Family, c3.Family = "mirai", "gafgyt", "tsunami"
	cases[weak.ID] = foldCase{
		evs:   []event.Event{weak.Connect(0), c1, c2, c3, weak.Closed(5*time.Second, "")},
		start: t0.Add(time.Hour), end: t0.Add(time.Hour + 5*time.Second), family: "mirai", reasons: []string{},
	}

	// The session starts a second before midnight; its other events are on
	// the next day, so until the connect arrives it counts on that day.
	lateStart := time.Date(2026, 3, 1, 23, 59, 59, 0, time.UTC)
	late := eventkit.New("ro-late", "203.0.113.82", 23, lateStart)
	cases[late.ID] = foldCase{
		evs: []event.Event{
			late.Connect(0), late.Command(2*time.Second, "uname", "ok"),
			late.Attributed(3*time.Second, "hajime", "r"), late.Closed(4*time.Second, ""),
		},
		start: lateStart, end: lateStart.Add(4 * time.Second), family: "hajime", reasons: []string{"r"},
	}

	// Two verdicts at the same instant: the greater family wins, in any order.
	tie := eventkit.New("ro-tie", "203.0.113.83", 23, t0.Add(2*time.Hour))
	cases[tie.ID] = foldCase{
		evs: []event.Event{
			tie.Connect(0), tie.Attributed(time.Second, "gafgyt", "g"), tie.Attributed(time.Second, "mirai", "m"),
			tie.Closed(2*time.Second, ""),
		},
		start: t0.Add(2 * time.Hour), end: t0.Add(2*time.Hour + 2*time.Second), family: "mirai", reasons: []string{"m"},
	}

	// The sensor closes with another family than the last verdict: the
	// verdict's reasons were for another family, so none are shown.
	sw := eventkit.New("ro-switch", "203.0.113.84", 23, t0.Add(3*time.Hour))
	cases[sw.ID] = foldCase{
		evs: []event.Event{
			sw.Connect(0), sw.Attributed(time.Second, "mirai", "m1"), sw.Attributed(2*time.Second, "gafgyt", "g1"),
			sw.Closed(3*time.Second, "mirai"),
		},
		start: t0.Add(3 * time.Hour), end: t0.Add(3*time.Hour + 3*time.Second), family: "mirai", reasons: []string{},
	}

	// A second session of ro-full's source: one source, two sessions.
	again := eventkit.New("ro-again", "203.0.113.80", 23, t0.Add(10*time.Minute))
	cases[again.ID] = foldCase{
		evs:   []event.Event{again.Connect(0), again.Closed(time.Minute, "mirai")},
		start: t0.Add(10 * time.Minute), end: t0.Add(11 * time.Minute), family: "mirai", reasons: []string{},
	}
	return cases
}

// answers is what a store says about the fold cases.
type answers struct {
	sessions map[string]string // id -> Session as JSON
	daily    []store.DailyStat
}

func answersOf(t *testing.T, s store.Events, cases map[string]foldCase) answers {
	t.Helper()
	a := answers{sessions: map[string]string{}}
	for id := range cases {
		a.sessions[id] = jsonOf(t, sessionOK(t, s, id))
	}
	var err error
	if a.daily, err = s.DailyStats(context.Background(), t0, t0.AddDate(0, 0, 2)); err != nil {
		t.Fatal(err)
	}
	return a
}

// A session's events may arrive in any order, split into any batches, some
// of them more than once: the store answers the same as when they arrive
// once, in order, in one batch.
func testReordering(t *testing.T, open func(t *testing.T) store.Events) {
	cases := foldCases()
	var all []event.Event
	for _, id := range slices.Sorted(maps.Keys(cases)) {
		all = append(all, cases[id].evs...)
	}

	ref := open(t)
	appendOK(t, ref, all...)
	want := answersOf(t, ref, cases)
	for id, c := range cases {
		got := sessionOK(t, ref, id)
		if !got.Start.Equal(c.start) || got.End == nil || !got.End.Equal(c.end) ||
			got.Family != c.family || !slices.Equal(got.Reasons, c.reasons) {
			t.Errorf("%s in order: start %v end %v family %q reasons %q; want %v %v %q %q",
				id, got.Start, got.End, got.Family, got.Reasons, c.start, c.end, c.family, c.reasons)
		}
	}
	wantDaily := []store.DailyStat{
		{Day: "2026-03-01", Family: "hajime", DstPort: 23, Sessions: 1, Sources: 1},
		{Day: "2026-03-01", Family: "mirai", DstPort: 23, Sessions: 4, Sources: 3},
		{Day: "2026-03-01", Family: "mirai", DstPort: 2323, Sessions: 1, Sources: 1},
	}
	if !slices.Equal(want.daily, wantDaily) {
		t.Errorf("DailyStats in order:\n got %+v\nwant %+v", want.daily, wantDaily)
	}

	for seed := range uint64(8) {
		rng := rand.New(rand.NewPCG(seed, 0x5e55))
		s := open(t)
		evs := slices.Clone(all)
		rng.Shuffle(len(evs), func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })
		var sent []event.Event
		for len(evs) > 0 {
			n := min(len(evs), 1+rng.IntN(7))
			batch := slices.Clone(evs[:n])
			evs = evs[n:]
			// Redeliveries: events already stored, within this batch or alone.
			if len(sent) > 0 && rng.IntN(3) == 0 {
				batch = append(batch, sent[rng.IntN(len(sent))])
			}
			if rng.IntN(4) == 0 {
				batch = append(batch, batch[0])
			}
			appendOK(t, s, batch...)
			if rng.IntN(4) == 0 {
				if got := appendOK(t, s, batch...); len(got) != 0 {
					t.Errorf("seed %d: redelivered batch inserted %v", seed, ids(got))
				}
			}
			sent = append(sent, batch...)
		}
		got := answersOf(t, s, cases)
		for id, w := range want.sessions {
			if got.sessions[id] != w {
				t.Errorf("seed %d: session %s:\n got %s\nwant %s", seed, id, got.sessions[id], w)
			}
		}
		if !slices.Equal(got.daily, want.daily) {
			t.Errorf("seed %d: DailyStats:\n got %+v\nwant %+v", seed, got.daily, want.daily)
		}
	}
}
