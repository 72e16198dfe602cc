package intel

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
)

// After any sequence of adds, updates and deletes, the Manager's overlay
// (a full build plus a delta of the changes) blocks exactly what a full
// build of the store's contents blocks.
func TestOverlayAgreesWithFullBuild(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 9))
	names := []string{"a.example", "b.example", "c.b.example", "d.example", "e.c.b.example"}
	sources := []string{"s1", "s2"}
	cats := []string{"malware", "phishing", CategoryAllow}
	random := func() Indicator {
		n := names[rng.IntN(len(names))]
		var ind Indicator
		switch rng.IntN(4) {
		case 0:
			ind = Indicator{Type: TypeDomain, Value: n}
		case 1:
			ind = Indicator{Type: TypeHost, Value: n}
		case 2:
			ind = Indicator{Type: TypeURL, Value: "http://" + n + "/x"}
		default:
			ind = Indicator{Type: TypeURLPrefix, Value: "http://" + n + "/"}
		}
		ind.Source = sources[rng.IntN(len(sources))]
		ind.Category = cats[rng.IntN(len(cats))]
		return ind
	}
	var queries []string
	for _, n := range names {
		queries = append(queries, "http://"+n+"/x", "http://"+n+"/y", "http://www."+n+"/x")
	}
	for round := range 20 {
		st := NewMemStore()
		var initial []Indicator
		for range 6 {
			n, _ := Normalize(random())
			initial = append(initial, n)
		}
		st.UpsertIndicators(ctx, initial)
		m := NewManager(ManagerOptions{Store: st})
		if err := m.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		for step := range 15 {
			var op string
			switch rng.IntN(3) {
			case 0, 1:
				ind := random()
				op = fmt.Sprintf("add %s %s %s %s", ind.Type, ind.Value, ind.Source, ind.Category)
				if _, err := m.Add(ctx, []Indicator{ind}); err != nil {
					t.Fatal(err)
				}
			default:
				all, _ := st.ListIndicators(ctx, Filter{})
				if len(all) == 0 {
					continue
				}
				victim := all[rng.IntN(len(all))]
				f := Filter{ID: victim.ID}
				if rng.IntN(2) == 0 {
					f = Filter{Value: victim.Value}
				}
				op = fmt.Sprintf("delete %+v", f)
				if _, err := m.Delete(ctx, f); err != nil {
					t.Fatal(err)
				}
			}
			if err := m.rebuildDelta(ctx); err != nil {
				t.Fatal(err)
			}
			var all []Indicator
			st.EachIndicator(ctx, m.now(), func(i *Indicator) error { all = append(all, *i); return nil })
			want := Build(all, m.now())
			got := m.Live().Snapshot()
			for _, q := range queries {
				_, okW := want.MatchRawURL(q)
				_, okG := got.MatchRawURL(q)
				if okW != okG {
					t.Fatalf("round %d step %d (%s): %s: overlay %v, full build %v\nstore:\n%v", round, step, op, q, okG, okW, all)
				}
			}
		}
		// Len is exact again after a full build.
		if err := m.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		var all []Indicator
		st.EachIndicator(ctx, m.now(), func(i *Indicator) error { all = append(all, *i); return nil })
		if got, want := m.Live().Snapshot().Len(), Build(all, m.now()).Len(); got != want {
			t.Errorf("round %d: Len %d after a full build, want %d", round, got, want)
		}
	}
}
