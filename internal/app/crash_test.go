package app

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/store/sqlite"
)

// A session a crash left open is closed at its last event, with the reason
// that says so, and the store then shows it ended then.
func TestCrashCloseAtLastEvent(t *testing.T) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "honeygate.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	t0 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	ev := func(kind event.Kind, at time.Duration) event.Event {
		return event.Event{ID: event.NewID(), Time: t0.Add(at), Kind: kind, Sensor: "s1", Proto: "telnet",
			SrcIP: "203.0.113.5", SrcPort: 4000, DstPort: 23, Session: "sess-1"}
	}
	cmd := ev(event.CommandInput, 7*time.Second)
	cmd.Input = "enable"
	if _, err := db.AppendEvents(ctx, []event.Event{ev(event.SessionConnect, 0), ev(event.LoginSuccess, 2*time.Second), cmd}); err != nil {
		t.Fatal(err)
	}
	open, err := db.OpenSessions(ctx, "s1", time.Now(), 10)
	if err != nil || len(open) != 1 {
		t.Fatalf("open sessions %v, %v", open, err)
	}
	c, err := crashClose(ctx, db, open[0])
	if err != nil {
		t.Fatal(err)
	}
	if !c.Time.Equal(t0.Add(7*time.Second)) || c.Duration != 7 || c.Message != event.CloseCrashRecovered || c.Kind != event.SessionClosed {
		t.Errorf("close %s at %s, duration %v, message %q", c.Kind, c.Time, c.Duration, c.Message)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AppendEvents(ctx, []event.Event{*c}); err != nil {
		t.Fatal(err)
	}
	s, err := db.Session(ctx, "sess-1")
	if err != nil {
		t.Fatal(err)
	}
	if s.End == nil || !s.End.Equal(t0.Add(7*time.Second)) {
		t.Errorf("stored end %v, want the last event's time", s.End)
	}
	if open, _ := db.OpenSessions(ctx, "s1", time.Now(), 10); len(open) != 0 {
		t.Errorf("still open: %v", open)
	}
}

// storingPub stores what is published, as the bus and its store consumer
// do, or drops it (a store that refuses the close).
type storingPub struct {
	db    *sqlite.DB
	drop  bool
	count map[string]int
}

func (p *storingPub) Publish(ctx context.Context, e *event.Event) error {
	if err := e.Validate(); err != nil {
		return err
	}
	p.count[e.Session]++
	if p.drop {
		return nil
	}
	_, err := p.db.AppendEvents(ctx, []event.Event{*e})
	return err
}

// openSessions stores n sessions of sensor s1 that a crash left open: each
// a connect only (no event after it), every third with a command later.
func openSessions(t *testing.T, db *sqlite.DB, t0 time.Time, n int) {
	t.Helper()
	var evs []event.Event
	for i := range n {
		id := fmt.Sprintf("sess-%05d", i)
		base := event.Event{Sensor: "s1", Proto: "telnet", SrcIP: "203.0.113.5", SrcPort: 4000 + i%1000, DstPort: 23, Session: id}
		c := base
		c.ID, c.Time, c.Kind = event.NewID(), t0.Add(time.Duration(i)*time.Millisecond), event.SessionConnect
		evs = append(evs, c)
		if i%3 == 0 {
			cmd := base
			cmd.ID, cmd.Time, cmd.Kind, cmd.Input = event.NewID(), c.Time.Add(5*time.Second), event.CommandInput, "enable"
			evs = append(evs, cmd)
		}
	}
	if _, err := db.AppendEvents(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
}

// A crash in a worm wave leaves thousands of sessions open: every one is
// closed once, over several rounds, a session with nothing after its
// connect lasting no time, and sessions of the new process left alone.
func TestCloseCrashedThousands(t *testing.T) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "honeygate.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	t0 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	const n = 2*crashRound + 500
	openSessions(t, db, t0, n)
	started := t0.Add(time.Hour)
	// One of the new process, open and not to be touched.
	live := event.Event{ID: event.NewID(), Time: started.Add(time.Second), Kind: event.SessionConnect, Sensor: "s1", Proto: "telnet", SrcIP: "198.51.100.1", SrcPort: 1, DstPort: 23, Session: "live"}
	if _, err := db.AppendEvents(ctx, []event.Event{live}); err != nil {
		t.Fatal(err)
	}
	pub := &storingPub{db: db, count: map[string]int{}}
	closed, err := closeCrashed(ctx, db, pub, "s1", started, func(context.Context) bool { return true })
	if err != nil || closed != n {
		t.Fatalf("closed %d of %d: %v", closed, n, err)
	}
	for id, c := range pub.count {
		if c != 1 {
			t.Errorf("%s closed %d times", id, c)
		}
	}
	if left, _ := db.OpenSessions(ctx, "s1", started, 10); len(left) != 0 {
		t.Errorf("still open: %d", len(left))
	}
	if left, _ := db.OpenSessions(ctx, "s1", started.Add(time.Hour), 10); len(left) != 1 || left[0].ID != "live" {
		t.Errorf("the new process's session: %+v", left)
	}
	for _, tc := range []struct {
		id  string
		dur float64
	}{{"sess-00001", 0}, {"sess-00003", 5}} {
		s, err := db.Session(ctx, tc.id)
		if err != nil || s.End == nil || s.End.Sub(s.Start).Seconds() != tc.dur {
			t.Errorf("%s: %+v %v, want %vs long", tc.id, s, err, tc.dur)
		}
	}
}

// Closes that never land (the store refuses them) end the recovery with an
// error after each session was tried once: it does not read the same round
// for ever.
func TestCloseCrashedStuckEnds(t *testing.T) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "honeygate.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t0 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	openSessions(t, db, t0, crashRound+10)
	pub := &storingPub{db: db, drop: true, count: map[string]int{}}
	rounds := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, err = closeCrashed(context.Background(), db, pub, "s1", t0.Add(time.Hour), func(context.Context) bool { rounds++; return true })
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("recovery spins on sessions that stay open")
	}
	if err == nil || rounds > 3 {
		t.Errorf("err %v after %d rounds", err, rounds)
	}
	for id, c := range pub.count {
		if c != 1 {
			t.Errorf("%s published %d times", id, c)
		}
	}
}
