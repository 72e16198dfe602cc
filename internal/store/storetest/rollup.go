package storetest

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/store"
	"github.com/honeygate/honeygate/internal/testkit/eventkit"
)

func dailyOK(t *testing.T, s store.Events, from, to time.Time) []store.DailyStat {
	t.Helper()
	got, err := s.DailyStats(context.Background(), from, to)
	if err != nil {
		t.Fatalf("DailyStats: %v", err)
	}
	return got
}

// wantDaily fails the test unless DailyStats of t0's day is want.
func wantDaily(t *testing.T, s store.Events, what string, want ...store.DailyStat) {
	t.Helper()
	if want == nil {
		want = []store.DailyStat{}
	}
	if got := dailyOK(t, s, t0, t0); !slices.Equal(got, want) {
		t.Errorf("%s: DailyStats\n got %+v\nwant %+v", what, got, want)
	}
}

func stat(family string, port int, sessions, sources int64) store.DailyStat {
	return store.DailyStat{Day: "2026-03-01", Family: family, DstPort: port, Sessions: sessions, Sources: sources}
}

// A session's family changes after its first events: the rollup moves it,
// and a redelivery moves nothing.
func testRollupFamilyChange(t *testing.T, s store.Events) {
	x := eventkit.New("fam-x", "192.0.2.10", 23, t0)
	y := eventkit.New("fam-y", "192.0.2.10", 23, t0.Add(time.Minute)) // the same source
	xConnect := x.Connect(0)
	appendOK(t, s, xConnect)
	wantDaily(t, s, "after connect", stat("unknown", 23, 1, 1))

	tagged := x.Command(time.Second, "/bin/busybox MIRAI", "ok")
	tagged.Family = "mirai"
	appendOK(t, s, tagged)
	wantDaily(t, s, "after an event tagged mirai", stat("mirai", 23, 1, 1))

	verdict := x.Attributed(2*time.Second, "gafgyt", "r")
	appendOK(t, s, verdict)
	wantDaily(t, s, "after a gafgyt verdict", stat("gafgyt", 23, 1, 1))

	// Redelivered, alone and mixed with a new event of another session.
	appendOK(t, s, verdict, tagged, xConnect)
	yConnect := y.Connect(0)
	appendOK(t, s, tagged, yConnect, verdict)
	wantDaily(t, s, "after redelivery and a second session", stat("gafgyt", 23, 1, 1), stat("unknown", 23, 1, 1))

	// An older verdict does not win; an older tagged event neither.
	appendOK(t, s, x.Attributed(1500*time.Millisecond, "tsunami", "old"))
	wantDaily(t, s, "after an older verdict", stat("gafgyt", 23, 1, 1), stat("unknown", 23, 1, 1))

	// The second session joins the first one's family: one source, two sessions.
	appendOK(t, s, y.Closed(time.Second, "gafgyt"))
	wantDaily(t, s, "both gafgyt", stat("gafgyt", 23, 2, 1))

	// Then moves away: the source is counted in both buckets, the unknown
	// bucket is gone (no row counts zero).
	appendOK(t, s, y.Attributed(2*time.Second, "mirai", "m"))
	wantDaily(t, s, "one each", stat("gafgyt", 23, 1, 1), stat("mirai", 23, 1, 1))
	appendOK(t, s, x.Closed(5*time.Second, "mirai"))
	wantDaily(t, s, "both mirai", stat("mirai", 23, 2, 1))
}

// A session counts on the day of its start: a late connect moves it to an
// earlier day, and meanwhile its first event stands in.
func testRollupLateConnect(t *testing.T, s store.Events) {
	start := time.Date(2026, 3, 1, 23, 59, 58, 0, time.UTC)
	day2 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	a := eventkit.New("late-day", "192.0.2.20", 23, start)
	connect := a.Connect(0)
	appendOK(t, s, a.Command(3*time.Second, "id", "ok"))
	if got := dailyOK(t, s, start, day2); !slices.Equal(got, []store.DailyStat{
		{Day: "2026-03-02", Family: "unknown", DstPort: 23, Sessions: 1, Sources: 1},
	}) {
		t.Errorf("before the connect: DailyStats %+v, want the session on 2026-03-02", got)
	}
	appendOK(t, s, a.Attributed(4*time.Second, "mirai", "r"), connect)
	if got := dailyOK(t, s, start, day2); !slices.Equal(got, []store.DailyStat{
		{Day: "2026-03-01", Family: "mirai", DstPort: 23, Sessions: 1, Sources: 1},
	}) {
		t.Errorf("after the connect: DailyStats %+v, want the session on 2026-03-01 only", got)
	}
}

// Whatever arrives, in whatever order, DailyStats is the count of the
// sessions that Session returns, by day of start, family and port.
func testRollupMatchesSessions(t *testing.T, s store.Events) {
	rng := rand.New(rand.NewPCG(7, 11))
	families := []string{"", "mirai", "gafgyt", "hajime"}
	var all []event.Event
	var sessionIDs []string
	for i := range 120 {
		ip := fmt.Sprintf("198.51.100.%d", rng.IntN(12))
		start := t0.Add(time.Duration(rng.IntN(3*24*60)) * time.Minute) // three days
		a := eventkit.New(fmt.Sprintf("mix-%03d", i), ip, []int{23, 2323, 8080}[rng.IntN(3)], start)
		sessionIDs = append(sessionIDs, a.ID)
		evs := []event.Event{a.Connect(0)}
		for j := range rng.IntN(6) {
			e := a.Command(time.Duration(j+1)*time.Second, "x", "ok")
			e.Family = families[rng.IntN(len(families))]
			evs = append(evs, e)
		}
		if rng.IntN(2) == 0 {
			evs = append(evs, a.Attributed(time.Duration(rng.IntN(8))*time.Second, families[rng.IntN(len(families))], "r"))
		}
		if rng.IntN(3) > 0 {
			evs = append(evs, a.Closed(10*time.Second, families[rng.IntN(len(families))]))
		}
		all = append(all, evs...)
	}
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	for len(all) > 0 {
		n := min(len(all), 1+rng.IntN(60))
		batch := all[:n]
		all = all[n:]
		if rng.IntN(3) == 0 && len(all) > 0 {
			batch = append(slices.Clone(batch), all[0]) // delivered now and again later
		}
		appendOK(t, s, batch...)
	}

	type bucket struct {
		day, family string
		port        int
	}
	sessions := map[bucket]int64{}
	sources := map[bucket]map[string]bool{}
	for _, id := range sessionIDs {
		got := sessionOK(t, s, id)
		b := bucket{got.Start.UTC().Format(time.DateOnly), cmp.Or(got.Family, event.FamilyUnknown), got.DstPort}
		sessions[b]++
		if sources[b] == nil {
			sources[b] = map[string]bool{}
		}
		sources[b][got.SrcIP] = true
	}
	want := []store.DailyStat{}
	for b, n := range sessions {
		want = append(want, store.DailyStat{Day: b.day, Family: b.family, DstPort: b.port, Sessions: n, Sources: int64(len(sources[b]))})
	}
	slices.SortFunc(want, func(x, y store.DailyStat) int {
		return cmp.Or(cmp.Compare(x.Day, y.Day), cmp.Compare(x.Family, y.Family), cmp.Compare(x.DstPort, y.DstPort))
	})
	if got := dailyOK(t, s, t0, t0.AddDate(0, 0, 3)); !slices.Equal(got, want) {
		t.Errorf("DailyStats does not match the sessions:\n got %+v\nwant %+v", got, want)
	}
	var stored []*store.Session
	for _, id := range sessionIDs {
		stored = append(stored, sessionOK(t, s, id))
	}
	wantSources(t, s, stored, t0, t0.AddDate(0, 0, 3))
}
