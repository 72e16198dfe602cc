// Package inteltest is the conformance suite for intel.Store: every adapter
// runs Run against a fresh store and must pass it unchanged.
package inteltest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/intel"
)

var t0 = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func ind(typ intel.Type, value, cat, src string, seen time.Time, refs ...string) intel.Indicator {
	n, err := intel.Normalize(intel.Indicator{Type: typ, Value: value, Category: cat, Source: src, FirstSeen: seen, LastSeen: seen, Refs: refs})
	if err != nil {
		panic(err)
	}
	return n
}

// Run runs the suite; open returns a new, empty store for each subtest.
func Run(t *testing.T, open func(t *testing.T) intel.Store) {
	ctx := context.Background()

	t.Run("UpsertMerges", func(t *testing.T) {
		s := open(t)
		r, err := s.UpsertIndicators(ctx, []intel.Indicator{
			ind(intel.TypeDomain, "evil.example", "malware", "manual", t0, "ev1"),
			ind(intel.TypeURL, "http://evil.example/x", "malware-download", "honeypot", t0, "ev2"),
		})
		if err != nil || r.Added != 2 || r.Updated != 0 || len(r.IDs) != 2 || r.IDs[0] == r.IDs[1] {
			t.Fatalf("first upsert: %+v %v", r, err)
		}
		later := ind(intel.TypeDomain, "evil.example", "c2", "manual", t0.Add(time.Hour), "ev3", "ev1")
		later.Expires = t0.Add(48 * time.Hour)
		earlier := ind(intel.TypeDomain, "evil.example", "c2", "manual", t0.Add(-time.Hour))
		earlier.Expires = later.Expires
		r2, err := s.UpsertIndicators(ctx, []intel.Indicator{later, earlier})
		if err != nil || r2.Added != 0 || r2.Updated != 2 || r2.IDs[0] != r.IDs[0] || r2.IDs[1] != r.IDs[0] {
			t.Fatalf("second upsert: %+v %v (first ids %v)", r2, err, r.IDs)
		}
		got, err := s.ListIndicators(ctx, intel.Filter{ID: r.IDs[0]})
		if err != nil || len(got) != 1 {
			t.Fatalf("list by id: %v %v", got, err)
		}
		g := got[0]
		if g.Category != "c2" || !g.FirstSeen.Equal(t0.Add(-time.Hour)) || !g.LastSeen.Equal(t0.Add(time.Hour)) ||
			!g.Expires.Equal(t0.Add(48*time.Hour)) || !slices.Equal(g.Refs, []string{"ev1", "ev3"}) {
			t.Errorf("merged = %+v", g)
		}
		// The same value from another source is another indicator.
		r3, err := s.UpsertIndicators(ctx, []intel.Indicator{ind(intel.TypeDomain, "evil.example", "malware", "feed:x", t0)})
		if err != nil || r3.Added != 1 || r3.IDs[0] == r.IDs[0] {
			t.Errorf("other source: %+v %v", r3, err)
		}
	})

	t.Run("RefsCapped", func(t *testing.T) {
		s := open(t)
		for i := range intel.MaxRefs + 5 {
			if _, err := s.UpsertIndicators(ctx, []intel.Indicator{ind(intel.TypeHost, "h.example", "malware", "honeypot", t0, fmt.Sprint("ev", i))}); err != nil {
				t.Fatal(err)
			}
		}
		got, _ := s.ListIndicators(ctx, intel.Filter{Value: "h.example"})
		if len(got) != 1 || len(got[0].Refs) != intel.MaxRefs || got[0].Refs[intel.MaxRefs-1] != fmt.Sprint("ev", intel.MaxRefs+4) {
			t.Errorf("refs = %v", got)
		}
	})

	t.Run("ListFilters", func(t *testing.T) {
		s := open(t)
		all := []intel.Indicator{
			ind(intel.TypeDomain, "a.example", "malware", "manual", t0, "e1"),
			ind(intel.TypeDomain, "b.example", "phishing", "feed:p", t0),
			ind(intel.TypeURL, "http://a.example/x", "malware-download", "honeypot", t0, "e2"),
			ind(intel.TypeIP, "192.0.2.1", "c2", "manual", t0),
			ind(intel.TypeSHA256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "malware", "crawl", t0),
		}
		if _, err := s.UpsertIndicators(ctx, all); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			f    intel.Filter
			want []string
		}{
			{intel.Filter{}, []string{"a.example", "b.example", "a.example/x", "192.0.2.1", all[4].Value}},
			{intel.Filter{Type: intel.TypeDomain}, []string{"a.example", "b.example"}},
			{intel.Filter{Category: "c2"}, []string{"192.0.2.1"}},
			{intel.Filter{Source: "manual"}, []string{"a.example", "192.0.2.1"}},
			{intel.Filter{Value: "a.example/x"}, []string{"a.example/x"}},
			{intel.Filter{Ref: "e2"}, []string{"a.example/x"}},
			{intel.Filter{Type: intel.TypeDomain, Source: "feed:p"}, []string{"b.example"}},
			{intel.Filter{Limit: 2}, []string{"a.example", "b.example"}},
			{intel.Filter{Value: "nothing"}, nil},
		}
		for _, c := range cases {
			got, err := s.ListIndicators(ctx, c.f)
			if err != nil {
				t.Fatal(err)
			}
			var vals []string
			for i, g := range got {
				vals = append(vals, g.Value)
				if i > 0 && g.ID <= got[i-1].ID {
					t.Errorf("%+v: not in id order", c.f)
				}
			}
			if !slices.Equal(vals, c.want) {
				t.Errorf("list %+v = %v, want %v", c.f, vals, c.want)
			}
		}
		// Paging with AfterID walks everything once.
		var seen []string
		var after int64
		for {
			page, err := s.ListIndicators(ctx, intel.Filter{AfterID: after, Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, p := range page {
				seen = append(seen, p.Value)
			}
			after = page[len(page)-1].ID
		}
		if len(seen) != len(all) {
			t.Errorf("paged %v", seen)
		}
		got, _ := s.ListIndicators(ctx, intel.Filter{Value: "a.example"})
		if len(got) != 1 || got[0].Source != "manual" || got[0].Category != "malware" || got[0].Type != intel.TypeDomain ||
			!got[0].FirstSeen.Equal(t0) || !got[0].LastSeen.Equal(t0) || !got[0].Expires.IsZero() || !slices.Equal(got[0].Refs, []string{"e1"}) {
			t.Errorf("round trip = %+v", got)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		s := open(t)
		r, _ := s.UpsertIndicators(ctx, []intel.Indicator{
			ind(intel.TypeDomain, "a.example", "malware", "manual", t0),
			ind(intel.TypeDomain, "b.example", "malware", "feed:x", t0),
			ind(intel.TypeDomain, "c.example", "malware", "feed:x", t0),
		})
		if _, err := s.DeleteIndicators(ctx, intel.Filter{}); !errors.Is(err, intel.ErrInvalid) {
			t.Errorf("delete everything: %v, want ErrInvalid", err)
		}
		ids := func(inds []intel.Indicator) []int64 {
			var out []int64
			for _, i := range inds {
				out = append(out, i.ID)
			}
			return out
		}
		if gone, err := s.DeleteIndicators(ctx, intel.Filter{ID: r.IDs[0]}); err != nil || !slices.Equal(ids(gone), r.IDs[:1]) ||
			gone[0].Value != "a.example" || gone[0].Type != intel.TypeDomain || gone[0].Source != "manual" || gone[0].Category != "malware" {
			t.Errorf("delete by id: %+v %v", gone, err)
		}
		if gone, err := s.DeleteIndicators(ctx, intel.Filter{Source: "feed:x"}); err != nil || !slices.Equal(ids(gone), r.IDs[1:]) {
			t.Errorf("delete by source: %+v %v, want ids %v", gone, err, r.IDs[1:])
		}
		if gone, err := s.DeleteIndicators(ctx, intel.Filter{ID: r.IDs[0]}); err != nil || len(gone) != 0 {
			t.Errorf("delete again: %v %v", gone, err)
		}
		got, _ := s.ListIndicators(ctx, intel.Filter{})
		if len(got) != 0 {
			t.Errorf("left %v", got)
		}
	})

	t.Run("ReplaceSource", func(t *testing.T) {
		s := open(t)
		s.UpsertIndicators(ctx, []intel.Indicator{
			ind(intel.TypeDomain, "keep.example", "malware", "feed:x", t0),
			ind(intel.TypeDomain, "drop.example", "malware", "feed:x", t0),
			ind(intel.TypeDomain, "drop.example", "malware", "manual", t0),
		})
		r, err := s.ReplaceSource(ctx, "feed:x", []intel.Indicator{
			ind(intel.TypeDomain, "keep.example", "phishing", "feed:x", t0.Add(time.Hour)),
			ind(intel.TypeDomain, "new.example", "malware", "feed:x", t0),
		})
		if err != nil || r.Added != 1 || r.Updated != 1 || r.Removed != 1 {
			t.Fatalf("replace: %+v %v", r, err)
		}
		got, _ := s.ListIndicators(ctx, intel.Filter{})
		var vals []string
		for _, g := range got {
			vals = append(vals, g.Value+"/"+g.Source+"/"+g.Category)
		}
		slices.Sort(vals)
		want := []string{"drop.example/manual/malware", "keep.example/feed:x/phishing", "new.example/feed:x/malware"}
		if !slices.Equal(vals, want) {
			t.Errorf("after replace %v, want %v", vals, want)
		}
		if _, err := s.ReplaceSource(ctx, "feed:x", []intel.Indicator{ind(intel.TypeDomain, "x.example", "malware", "feed:y", t0)}); !errors.Is(err, intel.ErrInvalid) {
			t.Errorf("replace with a foreign source: %v", err)
		}
		if r, err := s.ReplaceSource(ctx, "feed:x", nil); err != nil || r.Removed != 2 {
			t.Errorf("replace with nothing: %+v %v", r, err)
		}
	})

	t.Run("EachSkipsExpired", func(t *testing.T) {
		s := open(t)
		gone := ind(intel.TypeDomain, "gone.example", "malware", "manual", t0)
		gone.Expires = t0.Add(-time.Second)
		later := ind(intel.TypeDomain, "later.example", "malware", "manual", t0)
		later.Expires = t0.Add(time.Hour)
		s.UpsertIndicators(ctx, []intel.Indicator{gone, later, ind(intel.TypeCIDR, "10.0.0.0/8", intel.CategoryAllow, "manual", t0, "r")})
		var vals []string
		err := s.EachIndicator(ctx, t0, func(i *intel.Indicator) error {
			vals = append(vals, i.Value)
			if i.ID == 0 || i.Category == "" || i.Source == "" {
				t.Errorf("each gave %+v", *i)
			}
			return nil
		})
		if err != nil || !slices.Equal(vals, []string{"later.example", "10.0.0.0/8"}) {
			t.Errorf("each = %v %v", vals, err)
		}
		stop := errors.New("stop")
		if err := s.EachIndicator(ctx, t0, func(*intel.Indicator) error { return stop }); !errors.Is(err, stop) {
			t.Errorf("each error = %v", err)
		}
		// And the snapshot built from it enforces the live ones.
		var inds []intel.Indicator
		s.EachIndicator(ctx, t0, func(i *intel.Indicator) error { inds = append(inds, *i); return nil })
		snap := intel.Build(inds, t0)
		if _, ok := snap.MatchHost("x.later.example"); !ok {
			t.Error("later.example not enforced")
		}
	})

	t.Run("Bulk", func(t *testing.T) {
		s := open(t)
		var inds []intel.Indicator
		for i := range 5000 {
			inds = append(inds, ind(intel.TypeDomain, fmt.Sprintf("d%d.example", i), "malware", "feed:bulk", t0))
		}
		r, err := s.ReplaceSource(ctx, "feed:bulk", inds)
		if err != nil || r.Added != 5000 {
			t.Fatalf("bulk: %+v %v", r, err)
		}
		n := 0
		s.EachIndicator(ctx, t0, func(*intel.Indicator) error { n++; return nil })
		if n != 5000 {
			t.Errorf("each saw %d", n)
		}
	})
}
