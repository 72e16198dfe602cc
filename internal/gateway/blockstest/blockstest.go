// Package blockstest is the conformance suite of gateway.BlocksStore: every
// adapter runs it from its own tests with
//
//	blockstest.Run(t, func(t *testing.T) blockstest.Store { ... })
//
// Blocks are counted from the gateway.block events the store appends, so
// the suite drives the adapter through AppendEvents.
package blockstest

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/gateway"
	"github.com/honeygate/honeygate/internal/intel"
)

// Store is what the suite drives: the events appender and the blocks store.
type Store interface {
	AppendEvents(ctx context.Context, evs []event.Event) ([]event.Event, error)
	gateway.BlocksStore
}

// Run runs the suite; open returns a new, empty store each call.
func Run(t *testing.T, open func(t *testing.T) Store) {
	t.Run("DailyAndTop", func(t *testing.T) { testDailyAndTop(t, open(t)) })
	t.Run("Redelivery", func(t *testing.T) { testRedelivery(t, open(t)) })
	t.Run("BadTop", func(t *testing.T) { testBadTop(t, open(t)) })
	t.Run("Folded", func(t *testing.T) { testFolded(t, open(t)) })
	t.Run("Spellings", func(t *testing.T) { testSpellings(t, open(t)) })
}

var day1 = time.Date(2026, 5, 12, 23, 59, 0, 0, time.UTC)
var day2 = day1.Add(2 * time.Minute) // 2026-05-13

func block(at time.Time, client, host, category, action string) event.Event {
	b := gateway.Block{
		Time: at, Kind: gateway.KindBlock, Client: netip.AddrPortFrom(netip.MustParseAddr(client), 40000),
		Host: host, Hit: gateway.Hit{ID: 1, Type: intel.TypeDomain, Value: host, Category: category, Source: "manual"},
		Ref: gateway.NewRef(), Enforcer: "dns", Action: action,
	}
	return *b.Event("test")
}

// fixture: day 1: client A blocked twice on evil.test (c2), B once on
// phish.test; day 2: A once on phish.test, C once on evil.test. Plus a
// refused client and an infected host, which are not blocks.
func fixture() []event.Event {
	evs := []event.Event{
		block(day1, "10.0.0.1", "evil.test", "c2", gateway.ActionNXDomain),
		block(day1.Add(time.Second), "10.0.0.1", "evil.test", "c2", gateway.ActionNXDomain),
		block(day1, "10.0.0.2", "phish.test", "phishing", gateway.ActionBlock),
		block(day2, "10.0.0.1", "phish.test", "phishing", gateway.ActionSinkhole),
		block(day2, "10.0.0.3", "evil.test", "c2", gateway.ActionNXDomain),
		block(day2, "203.0.113.9", "example.test", "", gateway.ActionRefuse),
	}
	inf := block(day2, "10.0.0.4", "www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com", "malware", gateway.ActionResolve)
	inf.Kind = event.GatewayInfectedHost
	return append(evs, inf)
}

func testDailyAndTop(t *testing.T, s Store) {
	ctx := context.Background()
	evs := fixture()
	// In two batches, the second day first: order must not matter.
	if _, err := s.AppendEvents(ctx, evs[3:]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendEvents(ctx, evs[:3]); err != nil {
		t.Fatal(err)
	}
	checkDaily(t, s, day1, day2, []gateway.BlockDay{{Day: "2026-05-12", Blocks: 3, Clients: 2}, {Day: "2026-05-13", Blocks: 2, Clients: 2}})
	checkDaily(t, s, day2, day2, []gateway.BlockDay{{Day: "2026-05-13", Blocks: 2, Clients: 2}})
	checkDaily(t, s, day2.AddDate(0, 0, 1), day2.AddDate(0, 0, 9), []gateway.BlockDay{})
	checkByCategory(t, s, day1, day2, []gateway.BlockDayCategory{
		{Day: "2026-05-12", Category: "c2", Blocks: 2}, {Day: "2026-05-12", Category: "phishing", Blocks: 1},
		{Day: "2026-05-13", Category: "c2", Blocks: 1}, {Day: "2026-05-13", Category: "phishing", Blocks: 1}})
	checkByCategory(t, s, day2.AddDate(0, 0, 1), day2.AddDate(0, 0, 9), []gateway.BlockDayCategory{})

	checkTop(t, s, gateway.TopByDomain, day1, day2, []gateway.BlockTop{{Key: "evil.test", Blocks: 3, Clients: 2}, {Key: "phish.test", Blocks: 2, Clients: 2}})
	checkTop(t, s, gateway.TopByCategory, day1, day2, []gateway.BlockTop{{Key: "c2", Blocks: 3, Clients: 2}, {Key: "phishing", Blocks: 2, Clients: 2}})
	checkTop(t, s, gateway.TopByClient, day1, day2, []gateway.BlockTop{
		{Key: "10.0.0.1", Blocks: 3, Clients: 1}, {Key: "10.0.0.2", Blocks: 1, Clients: 1}, {Key: "10.0.0.3", Blocks: 1, Clients: 1}})
	checkTop(t, s, gateway.TopByDomain, day1, day1, []gateway.BlockTop{{Key: "evil.test", Blocks: 2, Clients: 1}, {Key: "phish.test", Blocks: 1, Clients: 1}})
}

func testRedelivery(t *testing.T, s Store) {
	ctx := context.Background()
	evs := fixture()
	for range 3 {
		if _, err := s.AppendEvents(ctx, evs); err != nil {
			t.Fatal(err)
		}
	}
	checkDaily(t, s, day1, day2, []gateway.BlockDay{{Day: "2026-05-12", Blocks: 3, Clients: 2}, {Day: "2026-05-13", Blocks: 2, Clients: 2}})
}

// testFolded: a flood of one name from one client, folded by a
// gateway.Folder, is a few events that count every block; another client
// and another name stay apart.
func testFolded(t *testing.T, s Store) {
	ctx := context.Background()
	var evs []event.Event
	f := gateway.NewFolder(gateway.RecorderFunc(func(b *gateway.Block) { evs = append(evs, *b.Event("test")) }),
		gateway.FoldOptions{Window: time.Hour, Now: func() time.Time { return day1 }})
	const flood = 5000
	for i := range flood {
		f.Record(blockRecord(day1.Add(time.Duration(i)*time.Millisecond/100), "10.0.0.1", "evil.test", "c2"))
	}
	for range 3 {
		f.Record(blockRecord(day1, "10.0.0.2", "evil.test", "c2"))
		f.Record(blockRecord(day1, "10.0.0.1", "phish.test", "phishing"))
	}
	f.Close()
	if len(evs) > 6 {
		t.Errorf("%d events for %d blocks in 3 groups, want at most 6", len(evs), flood+6)
	}
	// Through the bus's JSON, as the store's consumer gets them.
	for i := range evs {
		raw, err := event.Marshal(&evs[i])
		if err != nil {
			t.Fatal(err)
		}
		if evs[i], err = event.Unmarshal(raw); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AppendEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	checkDaily(t, s, day1, day1, []gateway.BlockDay{{Day: "2026-05-12", Blocks: flood + 6, Clients: 2}})
	checkTop(t, s, gateway.TopByDomain, day1, day1, []gateway.BlockTop{{Key: "evil.test", Blocks: flood + 3, Clients: 2}, {Key: "phish.test", Blocks: 3, Clients: 1}})
	checkTop(t, s, gateway.TopByClient, day1, day1, []gateway.BlockTop{{Key: "10.0.0.1", Blocks: flood + 3, Clients: 1}, {Key: "10.0.0.2", Blocks: 3, Clients: 1}})
	checkTop(t, s, gateway.TopByCategory, day1, day1, []gateway.BlockTop{{Key: "c2", Blocks: flood + 3, Clients: 2}, {Key: "phishing", Blocks: 3, Clients: 1}})
	// Delivered again (the bus redelivers): counted once.
	if _, err := s.AppendEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	checkDaily(t, s, day1, day1, []gateway.BlockDay{{Day: "2026-05-12", Blocks: flood + 6, Clients: 2}})
}

func blockRecord(at time.Time, client, host, category string) *gateway.Block {
	return &gateway.Block{
		Time: at, Kind: gateway.KindBlock, Client: netip.AddrPortFrom(netip.MustParseAddr(client), 40000),
		Host: host, Hit: gateway.Hit{ID: 1, Type: intel.TypeDomain, Value: host, Category: category, Source: "manual"},
		Ref: gateway.NewRef(), Enforcer: "dns", Action: gateway.ActionNXDomain,
	}
}

// testSpellings: one name blocked under several spellings (what a DNS
// query, a proxy URL with a port, a browser's IDN and a feed's punycode
// carry) is one row of the top list, by domain and by SNI. Events recorded
// raw (by an older build, say) are merged as well.
func testSpellings(t *testing.T, s Store) {
	ctx := context.Background()
	var evs []event.Event
	for i, h := range []string{"EXAMPLE.test.", "example.test", "Example.Test:8080", "ｅｘａｍｐｌｅ．ｔｅｓｔ",
		"bücher.test", "xn--bcher-kva.test", "BÜCHER.TEST."} {
		evs = append(evs, block(day1, fmt.Sprintf("10.0.0.%d", i+1), h, "c2", gateway.ActionBlock))
	}
	sni := block(day1, "10.0.0.9", "192.0.2.1", "c2", gateway.ActionBlock)
	sni.Block.SNI = "XN--BCHER-KVA.test."
	raw := block(day1, "10.0.0.10", "x", "c2", gateway.ActionBlock)
	raw.Block.Host = "Example.TEST." // as an event written before hosts were canonical
	evs = append(evs, sni, raw)
	if _, err := s.AppendEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	checkTop(t, s, gateway.TopByDomain, day1, day1, []gateway.BlockTop{
		{Key: "example.test", Blocks: 5, Clients: 5}, {Key: "xn--bcher-kva.test", Blocks: 4, Clients: 4}})
}

func testBadTop(t *testing.T, s Store) {
	if _, err := s.BlocksTop(context.Background(), "colour", day1, day2, 10); !errors.Is(err, gateway.ErrBadTop) {
		t.Fatalf("BlocksTop(colour): %v, want ErrBadTop", err)
	}
}

func checkDaily(t *testing.T, s Store, from, to time.Time, want []gateway.BlockDay) {
	t.Helper()
	got, err := s.BlocksDaily(context.Background(), from, to)
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || !slices.Equal(got, want) {
		t.Errorf("BlocksDaily(%s, %s) = %v, want %v", from.Format(time.DateOnly), to.Format(time.DateOnly), fmt.Sprint(got), want)
	}
}

func checkByCategory(t *testing.T, s Store, from, to time.Time, want []gateway.BlockDayCategory) {
	t.Helper()
	got, err := s.BlocksDailyByCategory(context.Background(), from, to)
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || !slices.Equal(got, want) {
		t.Errorf("BlocksDailyByCategory(%s, %s) = %v, want %v", from.Format(time.DateOnly), to.Format(time.DateOnly), got, want)
	}
}

func checkTop(t *testing.T, s Store, by string, from, to time.Time, want []gateway.BlockTop) {
	t.Helper()
	got, err := s.BlocksTop(context.Background(), by, from, to, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("BlocksTop(%s) = %v, want %v", by, got, want)
	}
}
