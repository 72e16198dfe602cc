package sqlite_test

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/gateway"
	"github.com/honeygate/honeygate/internal/intel"
	"github.com/honeygate/honeygate/internal/store/sqlite"
)

// BlocksTop ranks from the totals and counts clients for the ranked keys
// only, and reads clients through one of two plans by the period's length:
// for random blocks over 20 days, every period and grouping equals the
// count over the blocks themselves.
func TestBlocksTopMatchesBlocks(t *testing.T) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "honeygate.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rng := rand.New(rand.NewPCG(3, 5))
	day0 := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	type blk struct {
		day                    int
		client, host, category string
	}
	var all []blk
	var evs []event.Event
	for range 600 {
		b := blk{day: rng.IntN(20), client: fmt.Sprintf("10.0.0.%d", rng.IntN(40)), host: fmt.Sprintf("bad%d.test", rng.IntN(15)),
			category: []string{"malware", "phishing", "c2", "scam"}[rng.IntN(4)]}
		all = append(all, b)
		g := gateway.Block{Time: day0.AddDate(0, 0, b.day).Add(time.Duration(rng.IntN(86400)) * time.Second), Kind: gateway.KindBlock,
			Client: netip.AddrPortFrom(netip.MustParseAddr(b.client), 40000), Host: b.host,
			Hit: gateway.Hit{ID: 1, Type: intel.TypeDomain, Value: b.host, Category: b.category, Source: "manual"},
			Ref: gateway.NewRef(), Enforcer: "dns", Action: gateway.ActionNXDomain}
		evs = append(evs, *g.Event("test"))
	}
	// In parts, with redeliveries (alone and mixed with new blocks): the
	// rollups must count each block once.
	for _, part := range [][]event.Event{evs[:400], evs[200:], evs} {
		if _, err := db.AppendEvents(context.Background(), part); err != nil {
			t.Fatal(err)
		}
	}
	want := func(by string, from, to, limit int) []gateway.BlockTop {
		blocks := map[string]int64{}
		clients := map[string]map[string]bool{}
		for _, b := range all {
			if b.day < from || b.day > to {
				continue
			}
			k := map[string]string{gateway.TopByDomain: b.host, gateway.TopByCategory: b.category, gateway.TopByClient: b.client}[by]
			blocks[k]++
			if clients[k] == nil {
				clients[k] = map[string]bool{}
			}
			clients[k][b.client] = true
		}
		out := []gateway.BlockTop{}
		for k, n := range blocks {
			out = append(out, gateway.BlockTop{Key: k, Blocks: n, Clients: int64(len(clients[k]))})
		}
		slices.SortFunc(out, func(x, y gateway.BlockTop) int {
			return cmp.Or(cmp.Compare(y.Blocks, x.Blocks), cmp.Compare(x.Key, y.Key))
		})
		return out[:min(limit, len(out))]
	}
	for _, p := range [][2]int{{0, 19}, {0, 0}, {3, 5}, {2, 17}, {19, 19}, {10, 30}, {21, 25}} {
		for _, by := range []string{gateway.TopByDomain, gateway.TopByCategory, gateway.TopByClient} {
			for _, limit := range []int{3, 1000} {
				got, err := db.BlocksTop(context.Background(), by, day0.AddDate(0, 0, p[0]), day0.AddDate(0, 0, p[1]), limit)
				if err != nil {
					t.Fatal(err)
				}
				if w := want(by, p[0], p[1], limit); !slices.Equal(got, w) {
					t.Errorf("BlocksTop(%s, days %d-%d, %d):\n got %v\nwant %v", by, p[0], p[1], limit, got, w)
				}
			}
		}
	}
}
