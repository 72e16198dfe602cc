package report

import (
	"cmp"
	"slices"
	"time"

	"github.com/honeygate/honeygate/internal/store"
)

// Days lists the UTC dates from..to (both inclusive) as YYYY-MM-DD.
func Days(from, to time.Time) []string {
	var out []string
	for d := from.UTC().Truncate(24 * time.Hour); !d.After(to); d = d.AddDate(0, 0, 1) {
		out = append(out, d.Format(time.DateOnly))
	}
	return out
}

// Breakdown is the per-day sessions and sources of the honeypots, folded
// from the sessions rollup (store.DailyStat) by one dimension.
type Breakdown struct {
	Days     []string
	Keys     []string           // family or port, busiest first
	Sessions map[string][]int64 // key -> per day
	Sources  map[string][]int64 // key -> distinct sources per day (exact once SetSources is called)
	Total    map[string]int64   // key -> sessions over the period
	PerDay   []int64            // all sessions per day
}

// maxKeys bounds the stack layers; the rest is folded into "other".
const maxKeys = 7

// Fold groups rows by key (e.g. the family, or the port as text) per day.
// Its Sources are summed over the rollup buckets folded together, so a
// source seen on two ports of a day counts twice in a per-family view,
// until SetSources replaces them with the exact counts.
func Fold(rows []store.DailyStat, days []string, key func(store.DailyStat) string) *Breakdown {
	b := &Breakdown{Days: days, Sessions: map[string][]int64{}, Sources: map[string][]int64{}, Total: map[string]int64{}, PerDay: make([]int64, len(days))}
	idx := make(map[string]int, len(days))
	for i, d := range days {
		idx[d] = i
	}
	for _, r := range rows {
		i, ok := idx[r.Day]
		if !ok {
			continue
		}
		k := key(r)
		if b.Sessions[k] == nil {
			b.Sessions[k] = make([]int64, len(days))
			b.Sources[k] = make([]int64, len(days))
		}
		b.Sessions[k][i] += r.Sessions
		b.Sources[k][i] += r.Sources
		b.Total[k] += r.Sessions
		b.PerDay[i] += r.Sessions
	}
	for k := range b.Total {
		b.Keys = append(b.Keys, k)
	}
	slices.SortFunc(b.Keys, func(x, y string) int {
		return cmp.Or(cmp.Compare(b.Total[y], b.Total[x]), cmp.Compare(x, y))
	})
	if len(b.Keys) > maxKeys {
		other := make([]int64, len(days))
		otherSrc := make([]int64, len(days))
		var tot int64
		for _, k := range b.Keys[maxKeys-1:] {
			for i := range days {
				other[i] += b.Sessions[k][i]
				otherSrc[i] += b.Sources[k][i]
			}
			tot += b.Total[k]
			delete(b.Sessions, k)
			delete(b.Sources, k)
			delete(b.Total, k)
		}
		b.Keys = append(b.Keys[:maxKeys-1], "other")
		b.Sessions["other"], b.Sources["other"], b.Total["other"] = other, otherSrc, tot
	}
	return b
}

// SetSources replaces the summed Sources with exact distinct counts per
// day and key (store.DailySources by the same dimension as the fold). The
// keys folded into "other" add up their exact counts: an address seen in
// two of them on one day counts twice there, and only there.
func (b *Breakdown) SetSources(rows []store.DailySource) {
	idx := make(map[string]int, len(b.Days))
	for i, d := range b.Days {
		idx[d] = i
	}
	for k := range b.Sources {
		b.Sources[k] = make([]int64, len(b.Days))
	}
	_, folded := b.Sources["other"]
	for _, r := range rows {
		i, ok := idx[r.Day]
		if !ok {
			continue
		}
		k := r.Key
		if _, shown := b.Sources[k]; !shown {
			if !folded {
				continue // no session of the period is under k: nothing to show
			}
			k = "other"
		}
		b.Sources[k][i] += r.Sources
	}
}

// DaySources returns the distinct sources of each day of days, from
// store.DailySources by day (0 for a day without sessions).
func DaySources(rows []store.DailySource, days []string) []int64 {
	out := make([]int64, len(days))
	idx := make(map[string]int, len(days))
	for i, d := range days {
		idx[d] = i
	}
	for _, r := range rows {
		if i, ok := idx[r.Day]; ok {
			out[i] += r.Sources
		}
	}
	return out
}

// Bars draws the breakdown's sessions per day, stacked by key.
func (b *Breakdown) Bars(title string) *Bars {
	out := &Bars{Title: title, Labels: b.Days, Unit: UnitSessions}
	for i, k := range b.Keys {
		out.Series = append(out.Series, Series{Name: k, Values: b.Sessions[k], Color: SeriesColor(i)})
	}
	return out
}

// SourceBars draws the breakdown's distinct sources per day, stacked by key
// (exact per key after SetSources).
func (b *Breakdown) SourceBars(title string) *Bars {
	out := &Bars{Title: title, Labels: b.Days, Unit: UnitAddresses}
	for i, k := range b.Keys {
		out.Series = append(out.Series, Series{Name: k, Values: b.Sources[k], Color: SeriesColor(i)})
	}
	return out
}

// The units the charts count, in English; the dashboard translates them
// (its labels "unit:" + the unit).
const (
	UnitSessions  = "sessions"
	UnitAddresses = "addresses"
	UnitBlocks    = "blocks"
)
