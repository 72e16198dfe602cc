package storetest

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/store"
	"github.com/honeygate/honeygate/internal/testkit/eventkit"
)

func sourcesOK(t *testing.T, s store.Events, by string, from, to time.Time) []store.DailySource {
	t.Helper()
	got, err := s.DailySources(context.Background(), by, from, to)
	if err != nil {
		t.Fatalf("DailySources(%q): %v", by, err)
	}
	return got
}

// One address attacking three ports (and two families) in a day is one
// distinct source that day, not three; per family and per port it counts
// once in each; a session moving to another family moves its source.
func testDistinctSources(t *testing.T, s store.Events) {
	a1 := eventkit.New("ds-a1", "192.0.2.50", 23, t0)
	a2 := eventkit.New("ds-a2", "192.0.2.50", 2323, t0.Add(time.Minute))
	a3 := eventkit.New("ds-a3", "192.0.2.50", 22, t0.Add(2*time.Minute))
	b1 := eventkit.New("ds-b1", "192.0.2.51", 23, t0.Add(3*time.Minute))
	next := eventkit.New("ds-n1", "192.0.2.50", 23, t0.AddDate(0, 0, 1))
	batch := []event.Event{a1.Connect(0), a1.Closed(time.Second, "mirai"), a2.Connect(0), a2.Closed(time.Second, "mirai"),
		a3.Connect(0), a3.Closed(time.Second, "hajime"), b1.Connect(0), b1.Closed(time.Second, "mirai"), next.Connect(0)}
	appendOK(t, s, batch...)
	appendOK(t, s, batch...) // redelivered: nothing counts twice
	d1, d2 := t0.Truncate(24*time.Hour), t0.AddDate(0, 0, 1)

	if got, want := sourcesOK(t, s, store.SourcesByDay, d1, d2), []store.DailySource{
		{Day: "2026-03-01", Sessions: 4, Sources: 2},
		{Day: "2026-03-02", Sessions: 1, Sources: 1},
	}; !slices.Equal(got, want) {
		t.Errorf("by day:\n got %+v\nwant %+v", got, want)
	}
	if got, want := sourcesOK(t, s, store.SourcesByFamily, d1, d1), []store.DailySource{
		{Day: "2026-03-01", Key: "hajime", Sessions: 1, Sources: 1},
		{Day: "2026-03-01", Key: "mirai", Sessions: 3, Sources: 2},
	}; !slices.Equal(got, want) {
		t.Errorf("by family:\n got %+v\nwant %+v", got, want)
	}
	if got, want := sourcesOK(t, s, store.SourcesByPort, d1, d1), []store.DailySource{
		{Day: "2026-03-01", Key: "22", Sessions: 1, Sources: 1},
		{Day: "2026-03-01", Key: "23", Sessions: 2, Sources: 2},
		{Day: "2026-03-01", Key: "2323", Sessions: 1, Sources: 1},
	}; !slices.Equal(got, want) {
		t.Errorf("by port:\n got %+v\nwant %+v", got, want)
	}
	// The per-bucket rollup, summed, is what counted the address thrice.
	var summed int64
	for _, r := range dailyOK(t, s, d1, d1) {
		summed += r.Sources
	}
	if summed != 4 {
		t.Errorf("DailyStats sources summed over buckets = %d, want 4 (per bucket, by design)", summed)
	}

	// The hajime session becomes mirai: hajime is gone, mirai still has two
	// sources; the day is unchanged.
	appendOK(t, s, a3.Attributed(5*time.Second, "mirai", "r"))
	if got, want := sourcesOK(t, s, store.SourcesByFamily, d1, d1), []store.DailySource{
		{Day: "2026-03-01", Key: "mirai", Sessions: 4, Sources: 2},
	}; !slices.Equal(got, want) {
		t.Errorf("by family after the move:\n got %+v\nwant %+v", got, want)
	}
	if got, want := sourcesOK(t, s, store.SourcesByDay, d1, d1), []store.DailySource{
		{Day: "2026-03-01", Sessions: 4, Sources: 2},
	}; !slices.Equal(got, want) {
		t.Errorf("by day after the move:\n got %+v\nwant %+v", got, want)
	}
	if _, err := s.DailySources(context.Background(), "asn", d1, d1); !errors.Is(err, store.ErrBadDimension) {
		t.Errorf("DailySources(asn): %v, want ErrBadDimension", err)
	}
}

// wantSources checks DailySources against the sessions themselves: per
// day (and family or port), the sessions and the distinct addresses.
func wantSources(t *testing.T, s store.Events, sessions []*store.Session, from, to time.Time) {
	t.Helper()
	for _, by := range []string{store.SourcesByDay, store.SourcesByFamily, store.SourcesByPort} {
		type key struct{ day, key string }
		n := map[key]int64{}
		src := map[key]map[string]bool{}
		for _, ss := range sessions {
			k := key{day: ss.Start.UTC().Format(time.DateOnly)}
			switch by {
			case store.SourcesByFamily:
				k.key = cmp.Or(ss.Family, event.FamilyUnknown)
			case store.SourcesByPort:
				k.key = strconv.Itoa(ss.DstPort)
			}
			n[k]++
			if src[k] == nil {
				src[k] = map[string]bool{}
			}
			src[k][ss.SrcIP] = true
		}
		want := []store.DailySource{}
		for _, k := range slices.SortedFunc(maps.Keys(n), func(x, y key) int {
			if by == store.SourcesByPort {
				a, _ := strconv.Atoi(x.key)
				b, _ := strconv.Atoi(y.key)
				return cmp.Or(cmp.Compare(x.day, y.day), cmp.Compare(a, b))
			}
			return cmp.Or(cmp.Compare(x.day, y.day), cmp.Compare(x.key, y.key))
		}) {
			want = append(want, store.DailySource{Day: k.day, Key: k.key, Sessions: n[k], Sources: int64(len(src[k]))})
		}
		if got := sourcesOK(t, s, by, from, to); !slices.Equal(got, want) {
			t.Errorf("DailySources(%q) does not match the sessions:\n got %+v\nwant %+v", by, got, want)
		}
	}
}
