package app

import (
	"context"
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
