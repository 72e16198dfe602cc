package web_test

import (
	"context"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/gateway"
	"github.com/honeygate/honeygate/internal/store/sqlite"
	"github.com/honeygate/honeygate/internal/web"
)

func TestBlocksAPI(t *testing.T) {
	var db *sqlite.DB
	f := newFixture(t, func(o *web.Options) {
		db = o.Store.(*sqlite.DB)
		o.Blocks = db
	})
	now := time.Now().UTC()
	var evs []event.Event
	for i, c := range []string{"192.168.1.10", "192.168.1.10", "192.168.1.11"} {
		b := gateway.Block{Time: now.Add(time.Duration(i) * time.Millisecond), Kind: gateway.KindBlock,
			Client: netip.AddrPortFrom(netip.MustParseAddr(c), 5000), Host: "evil.test", Enforcer: "proxy", Action: gateway.ActionBlock,
			Hit: gateway.Hit{Type: "domain", Value: "evil.test", Category: "phishing", Source: "manual"}, Ref: gateway.NewRef()}
		evs = append(evs, *b.Event("test"))
	}
	if _, err := db.AppendEvents(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	today := now.Format(time.DateOnly)

	var daily struct {
		From, To string
		Days     []gateway.BlockDay `json:"days"`
	}
	wantJSON(t, f.get(t, "/api/v1/blocks/daily?from="+today+"&to="+today), http.StatusOK, &daily)
	if len(daily.Days) != 1 || daily.Days[0] != (gateway.BlockDay{Day: today, Blocks: 3, Clients: 2}) {
		t.Fatalf("daily %+v", daily)
	}
	var byCat struct {
		From, To string
		By       string                     `json:"by"`
		Days     []gateway.BlockDayCategory `json:"days"`
	}
	wantJSON(t, f.get(t, "/api/v1/blocks/daily?by=category&from="+today+"&to="+today), http.StatusOK, &byCat)
	if byCat.By != "category" || len(byCat.Days) != 1 || byCat.Days[0] != (gateway.BlockDayCategory{Day: today, Category: "phishing", Blocks: 3}) {
		t.Fatalf("daily by category %+v", byCat)
	}
	var top struct {
		From, To string
		By       string             `json:"by"`
		Top      []gateway.BlockTop `json:"top"`
	}
	for _, by := range []string{"domain", "category", "client"} {
		wantJSON(t, f.get(t, "/api/v1/blocks/top?by="+by), http.StatusOK, &top)
		if top.By != by || len(top.Top) == 0 || top.Top[0].Blocks < 1 {
			t.Errorf("top by %s: %+v", by, top)
		}
	}
	if top.Top[0] != (gateway.BlockTop{Key: "192.168.1.10", Blocks: 2, Clients: 1}) {
		t.Errorf("top client %+v", top.Top[0])
	}
	for _, bad := range []string{"/api/v1/blocks/top?by=colour", "/api/v1/blocks/daily?by=domain", "/api/v1/blocks/daily?from=yesterday", "/api/v1/blocks/top?limit=0",
		"/api/v1/blocks/daily?from=2026-01-02&to=2026-01-01"} {
		if r := f.get(t, bad); r.code != http.StatusBadRequest {
			t.Errorf("%s: %d %s", bad, r.code, r.body)
		}
	}
	if r := f.do(t, http.MethodGet, "/api/v1/blocks/daily", ""); r.code != http.StatusUnauthorized {
		t.Errorf("without token: %d", r.code)
	}
}
