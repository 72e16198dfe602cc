package app

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/attack"
	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/store/sqlite"
)

// attackPub folds what is published into the attacks, as the bus and its
// store consumer do, and counts the ends.
type attackPub struct {
	db   *sqlite.DB
	ends map[string]*event.Event
}

func (p *attackPub) Publish(ctx context.Context, e *event.Event) error {
	if err := e.Validate(); err != nil {
		return err
	}
	p.ends[e.AttackID] = e
	return p.db.PutAttacks(ctx, attack.FromEvents([]event.Event{*e}))
}

// The attacks a killed process left open end on the next start, at their
// last packet and with reason "recovered"; ended ones, another sensor's,
// and those of the new process are left alone.
func TestCloseCrashedAttacks(t *testing.T) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "honeygate.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	started := time.Now().UTC()
	t0 := started.Add(-time.Hour)
	a := func(id, sensor string, first time.Duration, ended bool) attack.Attack {
		x := attack.Attack{ID: id, Sensor: sensor, Proto: "ntp", Victim: "192.0.2.7", VictimPort: 123, DstPort: 123,
			FirstSeen: t0.Add(first), LastSeen: t0.Add(first + 3*time.Second), Requests: 500, BytesIn: 4000, BytesOut: 900,
			PeakPPS: 170, Request: "monlist", Ended: ended}
		if ended {
			x.EndReason = "idle"
		}
		return x
	}
	if err := db.PutAttacks(ctx, []attack.Attack{
		a("left-open", "s1", 0, false),
		a("ended", "s1", time.Minute, true),
		a("other-sensor", "s2", 0, false),
		a("new-process", "s1", time.Hour+time.Second, false),
	}); err != nil {
		t.Fatal(err)
	}
	pub := &attackPub{db: db, ends: map[string]*event.Event{}}
	n, err := closeCrashedAttacks(ctx, db, pub, "s1", started, func(context.Context) bool { return true })
	if err != nil || n != 1 || len(pub.ends) != 1 || pub.ends["left-open"] == nil {
		t.Fatalf("ended %d (%v): %v", n, err, pub.ends)
	}
	if e := pub.ends["left-open"]; !e.Time.Equal(t0.Add(3*time.Second)) || e.Phase != event.PhaseEnd || e.EndReason != attack.EndRecovered {
		t.Errorf("end event at %s, phase %q, reason %q", e.Time, e.Phase, e.EndReason)
	}
	all, err := db.Attacks(ctx, attack.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range all {
		want := x.ID != "other-sensor" && x.ID != "new-process"
		if x.Ended != want {
			t.Errorf("%s: ended %v, want %v", x.ID, x.Ended, want)
		}
		if x.ID == "left-open" && (x.EndReason != attack.EndRecovered || !x.LastSeen.Equal(t0.Add(3*time.Second)) || x.Requests != 500) {
			t.Errorf("recovered attack %+v", x)
		}
	}
	// Nothing is left to end: a second start ends none.
	if n, err := closeCrashedAttacks(ctx, db, pub, "s1", started, func(context.Context) bool { return true }); n != 0 || err != nil {
		t.Errorf("second recovery: %d, %v", n, err)
	}
}
