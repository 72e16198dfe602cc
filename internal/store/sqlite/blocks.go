package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/gateway"
	"github.com/honeygate/honeygate/internal/store"
)

// The blocks domain: daily rollups of gateway.block events
// (migrations/blocks), counted in AppendEvents' transaction.

var _ gateway.BlocksStore = (*DB)(nil)

var (
	blocksRollup = rollupTables{
		totals: "blocks_days", members: "blocks_day_clients",
		count: "blocks", distinct: "clients", member: "client",
	}
	blockDomainsRollup = rollupTables{
		totals: "blocks_domains", members: "blocks_domain_clients", keys: []string{"domain"},
		count: "blocks", distinct: "clients", member: "client",
	}
	blockCategoriesRollup = rollupTables{
		totals: "blocks_categories", members: "blocks_category_clients", keys: []string{"category"},
		count: "blocks", distinct: "clients", member: "client",
	}
)

// countBlocks adds the counted blocks among the newly inserted events to
// the rollups. Blocks never change after the fact, so a block only ever
// moves into its buckets.
func countBlocks(ctx context.Context, tx *wtx, inserted []event.Event) error {
	var all store.Tally[struct{}]
	var domains, categories store.Tally[string]
	n := 0
	for i := range inserted {
		e := &inserted[i]
		if !gateway.Counted(e) {
			continue
		}
		n++
		// A folded event stands for Count blocks (the DNS filter's
		// repeats), all counted.
		w := gateway.Weight(e)
		day := store.Day(e.Time.UnixNano())
		all.Add(day, struct{}{}, e.SrcIP, w)
		domains.Add(day, gateway.TopKey(e, gateway.TopByDomain), e.SrcIP, w)
		categories.Add(day, gateway.TopKey(e, gateway.TopByCategory), e.SrcIP, w)
	}
	if n == 0 {
		return nil
	}
	if err := blocksRollup.apply(ctx, tx, changesOf(&all, func(struct{}) []any { return nil })); err != nil {
		return err
	}
	key := func(k string) []any { return []any{k} }
	if err := blockDomainsRollup.apply(ctx, tx, changesOf(&domains, key)); err != nil {
		return err
	}
	return blockCategoriesRollup.apply(ctx, tx, changesOf(&categories, key))
}

// BlocksDaily implements gateway.BlocksStore.
func (db *DB) BlocksDaily(ctx context.Context, from, to time.Time) ([]gateway.BlockDay, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT day, blocks, clients FROM blocks_days
		WHERE day >= ? AND day <= ? ORDER BY day`, dayOf(from), dayOf(to))
	if err != nil {
		return nil, fmt.Errorf("sqlite: blocks daily: %w", err)
	}
	defer rows.Close()
	days := []gateway.BlockDay{}
	for rows.Next() {
		var d gateway.BlockDay
		if err := rows.Scan(&d.Day, &d.Blocks, &d.Clients); err != nil {
			return nil, fmt.Errorf("sqlite: blocks daily: %w", err)
		}
		days = append(days, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: blocks daily: %w", err)
	}
	return days, nil
}

// BlocksDailyByCategory implements gateway.BlocksStore, from the per-day
// per-category rollup that AppendEvents writes with the blocks.
func (db *DB) BlocksDailyByCategory(ctx context.Context, from, to time.Time) ([]gateway.BlockDayCategory, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT day, category, blocks FROM blocks_categories
		WHERE day >= ? AND day <= ? AND blocks > 0 ORDER BY day, category`, dayOf(from), dayOf(to))
	if err != nil {
		return nil, fmt.Errorf("sqlite: blocks by category: %w", err)
	}
	defer rows.Close()
	out := []gateway.BlockDayCategory{}
	for rows.Next() {
		var d gateway.BlockDayCategory
		if err := rows.Scan(&d.Day, &d.Category, &d.Blocks); err != nil {
			return nil, fmt.Errorf("sqlite: blocks by category: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: blocks by category: %w", err)
	}
	return out, nil
}

// BlocksTop implements gateway.BlocksStore. Over several days the members
// tables are read, so a client blocked on two days counts once.
//
// The work is kept to what the list shows (Stop 5 of
// docs/performance-dashboard.md): domains and categories are ranked from
// the small totals tables (one row per day and key), then the distinct
// clients are counted for the ranked keys only; clients are summed through
// an index in client order when the period covers most of the stored days.
func (db *DB) BlocksTop(ctx context.Context, by string, from, to time.Time, limit int) ([]gateway.BlockTop, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	f, t := dayOf(from), dayOf(to)
	var top []gateway.BlockTop
	var err error
	switch by {
	case gateway.TopByDomain:
		top, err = db.rankKeys(ctx, "blocks_domains", "domain", f, t, limit)
		if err == nil {
			err = db.domainClients(ctx, top, f, t)
		}
	case gateway.TopByCategory:
		top, err = db.rankKeys(ctx, "blocks_categories", "category", f, t, limit)
		if err == nil {
			err = db.categoryClients(ctx, top, f, t)
		}
	case gateway.TopByClient:
		top, err = db.topClients(ctx, f, t, limit)
	default:
		return nil, fmt.Errorf("sqlite: blocks %w", gateway.ErrBadTop)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: blocks top: %w", err)
	}
	return top, nil
}

// rankKeys returns the keys of a totals table with the most blocks in
// [f, t], most first (ties by key), without their clients.
func (db *DB) rankKeys(ctx context.Context, table, key, f, t string, limit int) ([]gateway.BlockTop, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+key+`, sum(blocks) FROM `+table+`
		WHERE day >= ? AND day <= ? GROUP BY `+key+` ORDER BY 2 DESC, 1 LIMIT ?`, f, t, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	top := []gateway.BlockTop{}
	for rows.Next() {
		var b gateway.BlockTop
		if err := rows.Scan(&b.Key, &b.Blocks); err != nil {
			return nil, err
		}
		top = append(top, b)
	}
	return top, rows.Err()
}

// blockDays lists the days of [f, t] that have blocks, so that a members
// table keyed (day, key, client) is searched day by day for the ranked
// keys only, rather than read whole.
func (db *DB) blockDays(ctx context.Context, f, t string) ([]any, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT day FROM blocks_days WHERE day >= ? AND day <= ? ORDER BY day`, f, t)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var days []any
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, err
		}
		days = append(days, d)
	}
	return days, rows.Err()
}

// domainClients fills the distinct clients of the ranked domains: one
// search of the members' primary key per day and domain.
func (db *DB) domainClients(ctx context.Context, top []gateway.BlockTop, f, t string) error {
	if len(top) == 0 {
		return nil
	}
	days, err := db.blockDays(ctx, f, t)
	if err != nil || len(days) == 0 {
		return err
	}
	keys := make([]any, len(top))
	for i, b := range top {
		keys[i] = b.Key
	}
	// SQLite binds at most 32766 values; 1000 keys and ten years of days fit.
	return fillClients(db.r.QueryContext(ctx, `SELECT domain, count(DISTINCT client) FROM blocks_domain_clients
		WHERE day IN (`+placeholders(len(days))+`) AND domain IN (`+placeholders(len(keys))+`) GROUP BY domain`,
		append(days, keys...)...))(top)
}

// categoryClients fills the distinct clients of the ranked categories
// (few, so most member rows are theirs) through the index in category
// and client order, which counts them without sorting.
func (db *DB) categoryClients(ctx context.Context, top []gateway.BlockTop, f, t string) error {
	if len(top) == 0 {
		return nil
	}
	keys := make([]any, len(top))
	for i, b := range top {
		keys[i] = b.Key
	}
	return fillClients(db.r.QueryContext(ctx, `SELECT category, count(DISTINCT client)
		FROM blocks_category_clients INDEXED BY blocks_category_clients_by_category
		WHERE category IN (`+placeholders(len(keys))+`) AND day >= ? AND day <= ? GROUP BY category`,
		append(keys, f, t)...))(top)
}

// fillClients sets each ranked key's clients from rows of (key, clients).
func fillClients(rows *sql.Rows, err error) func([]gateway.BlockTop) error {
	return func(top []gateway.BlockTop) error {
		if err != nil {
			return err
		}
		defer rows.Close()
		idx := make(map[string]int, len(top))
		for i, b := range top {
			idx[b.Key] = i
		}
		for rows.Next() {
			var k string
			var n int64
			if err := rows.Scan(&k, &n); err != nil {
				return err
			}
			if i, ok := idx[k]; ok {
				top[i].Clients = n
			}
		}
		return rows.Err()
	}
}

// topClients sums each client's blocks over [f, t]. A period holding most
// of the stored days is read through the index in client order (a scan
// with no sort); a short one through the primary key's day range, sorted.
func (db *DB) topClients(ctx context.Context, f, t string, limit int) ([]gateway.BlockTop, error) {
	var inPeriod, all int64
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE day >= ? AND day <= ?), count(*) FROM blocks_days`, f, t).Scan(&inPeriod, &all); err != nil {
		return nil, err
	}
	q := `SELECT client, sum(blocks) FROM blocks_day_clients NOT INDEXED
		WHERE day >= ? AND day <= ? GROUP BY client ORDER BY 2 DESC, 1 LIMIT ?`
	if 2*inPeriod > all {
		q = `SELECT client, sum(blocks) FROM blocks_day_clients INDEXED BY blocks_day_clients_by_client
			WHERE day >= ? AND day <= ? GROUP BY client ORDER BY 2 DESC, 1 LIMIT ?`
	}
	rows, err := db.r.QueryContext(ctx, q, f, t, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	top := []gateway.BlockTop{}
	for rows.Next() {
		b := gateway.BlockTop{Clients: 1}
		if err := rows.Scan(&b.Key, &b.Blocks); err != nil {
			return nil, err
		}
		top = append(top, b)
	}
	return top, rows.Err()
}

func dayOf(t time.Time) string { return t.UTC().Format(time.DateOnly) }
