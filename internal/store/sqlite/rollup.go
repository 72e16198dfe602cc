package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/honeygate/honeygate/internal/store"
)

// rollupTables names the two tables of one daily rollup (see store.Tally):
// totals (day, keys..., count, distinct) and, if the rollup counts distinct
// members, members (day, keys..., member, count).
type rollupTables struct {
	totals, members string
	keys            []string // key columns after day, in the order keyArgs returns them
	count, distinct string   // count and distinct-members columns of totals (and count of members)
	member          string   // member column of members
}

// rollupChange is a store.Count with its key as column values.
type rollupChange struct {
	day    string
	key    []any
	member string
	n      int64
}

// changesOf turns a tally into rows, with keyArgs giving the key's columns.
func changesOf[K comparable](t *store.Tally[K], keyArgs func(K) []any) []rollupChange {
	counts := t.Counts()
	out := make([]rollupChange, len(counts))
	for i, c := range counts {
		out[i] = rollupChange{day: c.Day, key: keyArgs(c.Key), member: c.Member, n: c.N}
	}
	return out
}

// apply writes changes in tx: each member's count, then each bucket's total
// and its number of distinct members, which moves when a member's count
// leaves or reaches zero. Rows that reach zero are deleted, so a bucket
// exists only while it counts something. A count below zero means the rollup
// and its source disagree: that is an error, never clamped away.
func (r rollupTables) apply(ctx context.Context, tx *sql.Tx, changes []rollupChange) error {
	if len(changes) == 0 {
		return nil
	}
	totals := make(map[string]*rollupChange)
	var order []*rollupChange
	distinct := make(map[*rollupChange]int64)
	total := func(c *rollupChange) *rollupChange {
		k := fmt.Sprintf("%#v", c.keyArgs()) // unambiguous, unlike Sprint
		t := totals[k]
		if t == nil {
			t = &rollupChange{day: c.day, key: c.key}
			totals[k] = t
			order = append(order, t)
		}
		return t
	}

	if r.members != "" {
		up, err := tx.PrepareContext(ctx, r.memberUpsertSQL())
		if err != nil {
			return fmt.Errorf("rollup %s: %w", r.totals, err)
		}
		defer up.Close()
		for i := range changes {
			c := &changes[i]
			var now int64
			if err := up.QueryRowContext(ctx, c.keyArgs(c.member, c.n)...).Scan(&now); err != nil {
				return fmt.Errorf("rollup %s: %w", r.members, err)
			}
			before := now - c.n
			if now < 0 {
				return fmt.Errorf("rollup %s: %s %v %q would count %d", r.members, c.day, c.key, c.member, now)
			}
			if now == 0 {
				if _, err := tx.ExecContext(ctx, r.deleteSQL(r.members, true), c.keyArgs(c.member)...); err != nil {
					return fmt.Errorf("rollup %s: %w", r.members, err)
				}
			}
			t := total(c)
			t.n += c.n
			distinct[t] += b2i(now > 0) - b2i(before > 0)
		}
	} else {
		for i := range changes {
			total(&changes[i]).n += changes[i].n
		}
	}
	// Without members, distinct stays 0: such a rollup's totals table
	// still has the column, so that all rollups read alike.

	up, err := tx.PrepareContext(ctx, r.totalUpsertSQL())
	if err != nil {
		return fmt.Errorf("rollup %s: %w", r.totals, err)
	}
	defer up.Close()
	for _, t := range order {
		if t.n == 0 && distinct[t] == 0 {
			continue
		}
		var now int64
		if err := up.QueryRowContext(ctx, t.keyArgs(t.n, distinct[t])...).Scan(&now); err != nil {
			return fmt.Errorf("rollup %s: %w", r.totals, err)
		}
		if now < 0 {
			return fmt.Errorf("rollup %s: %s %v would count %d", r.totals, t.day, t.key, now)
		}
		if now == 0 {
			if _, err := tx.ExecContext(ctx, r.deleteSQL(r.totals, false), t.keyArgs()...); err != nil {
				return fmt.Errorf("rollup %s: %w", r.totals, err)
			}
		}
	}
	return nil
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// keyArgs returns day, the key columns, then extra.
func (c *rollupChange) keyArgs(extra ...any) []any {
	return append(append([]any{c.day}, c.key...), extra...)
}

func (r rollupTables) keyCols(extra ...string) string {
	return strings.Join(append(append([]string{"day"}, r.keys...), extra...), ", ")
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// memberUpsertSQL adds to one member's count and returns the new count.
func (r rollupTables) memberUpsertSQL() string {
	keys := r.keyCols(r.member)
	return fmt.Sprintf(`INSERT INTO %s (%s, %s) VALUES (%s)
		ON CONFLICT (%s) DO UPDATE SET %s = %s + excluded.%s RETURNING %s`,
		r.members, keys, r.count, placeholders(len(r.keys)+3),
		keys, r.count, r.count, r.count, r.count)
}

// totalUpsertSQL adds to one bucket's count (and distinct members) and
// returns the new count.
func (r rollupTables) totalUpsertSQL() string {
	keys := r.keyCols()
	return fmt.Sprintf(`INSERT INTO %s (%s, %s, %s) VALUES (%s)
		ON CONFLICT (%s) DO UPDATE SET %s = %s + excluded.%s, %s = %s + excluded.%s RETURNING %s`,
		r.totals, keys, r.count, r.distinct, placeholders(len(r.keys)+3),
		keys, r.count, r.count, r.count, r.distinct, r.distinct, r.distinct, r.count)
}

func (r rollupTables) deleteSQL(table string, member bool) string {
	cols := append([]string{"day"}, r.keys...)
	if member {
		cols = append(cols, r.member)
	}
	return fmt.Sprintf(`DELETE FROM %s WHERE %s = ?`, table, strings.Join(cols, " = ? AND "))
}
