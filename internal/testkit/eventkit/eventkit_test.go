package eventkit_test

import (
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/testkit/eventkit"
)

func TestSession(t *testing.T) {
	start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	a := eventkit.New("s1", "192.0.2.1", 23, start, eventkit.CarryFamily(), eventkit.SrcPort(5555))
	evs := []event.Event{
		a.Connect(0),
		a.Login(time.Second, "root", "", true),
		a.Attributed(2*time.Second, "mirai", "r"),
		a.Command(3*time.Second, "sh", "out"),
		a.Closed(4*time.Second, "mirai"),
	}
	wantIDs := []string{"s1-0001", "s1-0002", "s1-0003", "s1-0004", "s1-0005"}
	wantFamily := []string{"", "", "mirai", "mirai", "mirai"}
	for i, e := range evs {
		if e.ID != wantIDs[i] || e.Family != wantFamily[i] || e.Session != "s1" || e.SrcPort != 5555 ||
			e.Sensor != eventkit.DefaultSensor || !e.Time.Equal(start.Add(time.Duration(i)*time.Second)) {
			t.Errorf("event %d: %+v", i, e)
		}
	}
	if p := evs[1].Password; p == nil || *p != "" {
		t.Errorf("an empty password must be present: %v", p)
	}
	if e := evs[4]; e.Duration != 4 || e.Bytes != eventkit.ClosedBytes {
		t.Errorf("closed %+v", e)
	}
	for _, e := range evs {
		if err := e.Validate(); err != nil {
			t.Errorf("%s: %v", e.Kind, err)
		}
	}

	b := eventkit.New("s2", "192.0.2.2", 2323, start, eventkit.RandomIDs(), eventkit.Sensor("x"))
	b.Attributed(0, "gafgyt")
	if e := b.Command(0, "id", ""); e.Family != "" || e.ID == "s2-0002" || e.Sensor != "x" {
		t.Errorf("without CarryFamily, with RandomIDs: %+v", e)
	}
	if e := b.LoginNoPassword(0, "u", false); e.Kind != event.LoginFailed || e.Password != nil {
		t.Errorf("login without password: %+v", e)
	}
}
