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
func countBlocks(ctx context.Context, tx *sql.Tx, inserted []event.Event) error {
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

// BlocksTop implements gateway.BlocksStore. Over several days the members
// tables are read, so a client blocked on two days counts once.
func (db *DB) BlocksTop(ctx context.Context, by string, from, to time.Time, limit int) ([]gateway.BlockTop, error) {
	var q string
	switch by {
	case gateway.TopByDomain:
		q = `SELECT domain, sum(blocks), count(DISTINCT client) FROM blocks_domain_clients
			WHERE day >= ? AND day <= ? GROUP BY domain ORDER BY 2 DESC, 1 LIMIT ?`
	case gateway.TopByCategory:
		q = `SELECT category, sum(blocks), count(DISTINCT client) FROM blocks_category_clients
			WHERE day >= ? AND day <= ? GROUP BY category ORDER BY 2 DESC, 1 LIMIT ?`
	case gateway.TopByClient:
		q = `SELECT client, sum(blocks), 1 FROM blocks_day_clients
			WHERE day >= ? AND day <= ? GROUP BY client ORDER BY 2 DESC, 1 LIMIT ?`
	default:
		return nil, fmt.Errorf("sqlite: blocks %w", gateway.ErrBadTop)
	}
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := db.r.QueryContext(ctx, q, dayOf(from), dayOf(to), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: blocks top: %w", err)
	}
	defer rows.Close()
	top := []gateway.BlockTop{}
	for rows.Next() {
		var t gateway.BlockTop
		if err := rows.Scan(&t.Key, &t.Blocks, &t.Clients); err != nil {
			return nil, fmt.Errorf("sqlite: blocks top: %w", err)
		}
		top = append(top, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: blocks top: %w", err)
	}
	return top, nil
}

func dayOf(t time.Time) string { return t.UTC().Format(time.DateOnly) }
