package storetest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/store"
	"github.com/honeygate/honeygate/internal/testkit/eventkit"
)

// testDashboard checks the dashboard's rollups: top credentials per
// period, payload URLs with first/last seen, new URLs per day; and that a
// redelivered batch counts nothing twice.
func testDashboard(t *testing.T, s store.Events) {
	ctx := context.Background()
	d1 := time.Date(2026, 3, 1, 23, 59, 0, 0, time.UTC)
	d2 := d1.Add(2 * time.Minute) // the next day
	a := eventkit.New("dash-a", "192.0.2.1", 23, d1)
	b := eventkit.New("dash-b", "192.0.2.2", 2323, d2)
	evs := []event.Event{
		a.Connect(0), a.Login(time.Second, "root", "xc3511", false), a.Login(2*time.Second, "root", "vizxv", true),
		a.Download(3*time.Second, "http://203.0.113.1/a.sh", "wget", "a.sh"),
	}
	evs2 := []event.Event{
		b.Connect(0), b.Login(time.Second, "root", "xc3511", false), b.LoginNoPassword(2*time.Second, "admin", false),
		b.Download(3*time.Second, "http://203.0.113.1/a.sh", "wget", "a.sh"),
		b.Download(4*time.Second, "http://203.0.113.2/b", "tftp", "b"),
	}
	appendOK(t, s, evs...)
	appendOK(t, s, evs2...)
	appendOK(t, s, evs2...) // redelivery: nothing counts twice

	day1, day2 := d1.Truncate(24*time.Hour), d2.Truncate(24*time.Hour)
	creds, err := s.TopCredentials(ctx, day1, day2, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.CredentialCount{
		{Username: "root", Password: "xc3511", Attempts: 2, LastDay: "2026-03-02"},
		{Username: "admin", Password: "", Attempts: 1, LastDay: "2026-03-02"},
		{Username: "root", Password: "vizxv", Attempts: 1, LastDay: "2026-03-01"},
	}
	if !reflect.DeepEqual(creds, want) {
		t.Errorf("TopCredentials both days:\n got %+v\nwant %+v", creds, want)
	}
	creds, err = s.TopCredentials(ctx, day1, day1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(creds) != 1 || creds[0].Attempts != 1 || creds[0].Username != "root" {
		t.Errorf("TopCredentials day 1, limit 1: %+v", creds)
	}

	urls, err := s.PayloadURLs(ctx, day1, day2, 10)
	if err != nil {
		t.Fatal(err)
	}
	wantURLs := []store.PayloadURL{
		{URL: "http://203.0.113.2/b", FirstSeen: d2.Add(4 * time.Second), LastSeen: d2.Add(4 * time.Second), Count: 1},
		{URL: "http://203.0.113.1/a.sh", FirstSeen: d1.Add(3 * time.Second), LastSeen: d2.Add(3 * time.Second), Count: 2},
	}
	if !reflect.DeepEqual(urls, wantURLs) {
		t.Errorf("PayloadURLs:\n got %+v\nwant %+v", urls, wantURLs)
	}
	urls, err = s.PayloadURLs(ctx, day1.AddDate(0, 0, -5), day1.AddDate(0, 0, -1), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(urls) != 0 {
		t.Errorf("PayloadURLs before anything was seen: %+v", urls)
	}
	newp, err := s.NewPayloadURLs(ctx, day1, day2)
	if err != nil {
		t.Fatal(err)
	}
	if want := []store.DayCount{{Day: "2026-03-01", Count: 1}, {Day: "2026-03-02", Count: 1}}; !reflect.DeepEqual(newp, want) {
		t.Errorf("NewPayloadURLs: %+v, want %+v", newp, want)
	}
}

func testEventByID(t *testing.T, s store.Events) {
	a := eventkit.New("ev-a", "192.0.2.1", 23, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	evs := []event.Event{a.Connect(0), a.Download(time.Second, "http://203.0.113.1/a.sh", "wget", "a.sh")}
	appendOK(t, s, evs...)
	got, err := s.Event(context.Background(), evs[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if encode(t, *got) != encode(t, evs[1]) {
		t.Errorf("Event: %s, want %s", encode(t, *got), encode(t, evs[1]))
	}
	if _, err := s.Event(context.Background(), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Event of an unknown id: %v, want ErrNotFound", err)
	}
}

func testBlockByRef(t *testing.T, s store.Events) {
	a := eventkit.New("blk", "10.0.0.1", 443, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	b := a.Event(event.GatewayBlock, 0)
	b.Session, b.Ref, b.Category, b.Action = "", "R-123", "malware", event.ActionBlock
	other := a.Event(event.GatewayBlock, time.Second)
	other.Session, other.Ref = "", "R-456"
	appendOK(t, s, b, other)
	got, err := s.BlockByRef(context.Background(), "R-123")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != b.ID {
		t.Errorf("BlockByRef: %s, want %s", got.ID, b.ID)
	}
	if _, err := s.BlockByRef(context.Background(), "R-999"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("BlockByRef of an unknown ref: %v, want ErrNotFound", err)
	}
}
