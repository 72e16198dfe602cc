package sqlite

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/honeygate/honeygate/internal/store"
)

// Distinct sources per day over every family and port, per family and per
// port (migrations/events/0006_distinct_sources.sql). The sessions rollup
// counts distinct sources per (day, family, port) only; these three are
// moved by the same changes, projected onto their coarser keys, so an
// address that attacked three ports counts once a day.
var (
	daySourcesRollup = rollupTables{
		totals: "rollup_days", members: "rollup_day_sources",
		count: "sessions", distinct: "sources", member: "src_ip",
	}
	familySourcesRollup = rollupTables{
		totals: "rollup_families", members: "rollup_family_sources", keys: []string{"family"},
		count: "sessions", distinct: "sources", member: "src_ip",
	}
	portSourcesRollup = rollupTables{
		totals: "rollup_ports", members: "rollup_port_sources", keys: []string{"dst_port"},
		count: "sessions", distinct: "sources", member: "src_ip",
	}
)

// countSources applies the sessions rollup's moves to the three coarser
// rollups. A session that moved between two ports of one day cancels out
// in the day's tally, as it should: its source stayed.
func countSources(ctx context.Context, tx *wtx, moves []store.Count[store.SessionBucket]) error {
	if len(moves) == 0 {
		return nil
	}
	var days store.Tally[struct{}]
	var families store.Tally[string]
	var ports store.Tally[int]
	for _, c := range moves {
		days.Add(c.Day, struct{}{}, c.Member, c.N)
		families.Add(c.Day, c.Key.Family, c.Member, c.N)
		ports.Add(c.Day, c.Key.DstPort, c.Member, c.N)
	}
	if err := daySourcesRollup.apply(ctx, tx, changesOf(&days, func(struct{}) []any { return nil })); err != nil {
		return err
	}
	if err := familySourcesRollup.apply(ctx, tx, changesOf(&families, func(k string) []any { return []any{k} })); err != nil {
		return err
	}
	return portSourcesRollup.apply(ctx, tx, changesOf(&ports, func(k int) []any { return []any{k} }))
}

// DailySources implements store.Dashboard: it reads the totals only.
func (db *DB) DailySources(ctx context.Context, by string, from, to time.Time) ([]store.DailySource, error) {
	var q string
	switch by {
	case store.SourcesByDay:
		q = `SELECT day, '', sessions, sources FROM rollup_days WHERE day >= ? AND day <= ? ORDER BY day`
	case store.SourcesByFamily:
		q = `SELECT day, family, sessions, sources FROM rollup_families WHERE day >= ? AND day <= ? ORDER BY day, family`
	case store.SourcesByPort:
		q = `SELECT day, dst_port, sessions, sources FROM rollup_ports WHERE day >= ? AND day <= ? ORDER BY day, dst_port`
	default:
		return nil, fmt.Errorf("sqlite: daily sources %q: %w", by, store.ErrBadDimension)
	}
	rows, err := db.r.QueryContext(ctx, q, dayOf(from), dayOf(to))
	if err != nil {
		return nil, fmt.Errorf("sqlite: daily sources: %w", err)
	}
	defer rows.Close()
	out := []store.DailySource{}
	for rows.Next() {
		var d store.DailySource
		var key any
		if err := rows.Scan(&d.Day, &key, &d.Sessions, &d.Sources); err != nil {
			return nil, fmt.Errorf("sqlite: daily sources: %w", err)
		}
		switch k := key.(type) {
		case int64:
			d.Key = strconv.FormatInt(k, 10)
		case string:
			d.Key = k
		case []byte:
			d.Key = string(k)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: daily sources: %w", err)
	}
	return out, nil
}
