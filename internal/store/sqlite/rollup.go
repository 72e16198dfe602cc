package sqlite

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/honeygate/honeygate/internal/store"
)

// rollupTables names the two tables of one daily rollup (see store.Tally):
// totals (day, keys..., count, distinct), primary key (day, keys...), and,
// if the rollup counts distinct members, members (day, keys..., member,
// count), primary key (day, keys..., member), with a partial index
// "WHERE count = 0". A rollup without members leaves members empty; its
// totals keep the distinct column, at 0, so that all rollups read alike.
type rollupTables struct {
	totals, members string
	keys            []string // key columns after day, in the order of the key's arguments
	count, distinct string   // count column (of both tables), distinct-members column of totals
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

// memberChunk is how many member rows one upsert carries.
const memberChunk = 100

// apply writes changes in tx: each member's count, then each bucket's total
// and its number of distinct members, which moves when a member's count
// leaves or reaches zero. Rows that reach zero are deleted, so a bucket
// exists only while it counts something (members at zero are found by the
// members table's partial index "WHERE <count> = 0", which stays tiny). A
// count below zero means the rollup and its source disagree: that is an
// error, never clamped away.
func (r rollupTables) apply(ctx context.Context, tx *wtx, changes []rollupChange) error {
	if len(changes) == 0 {
		return nil
	}
	totals := make(map[string]*rollupChange)
	var order []*rollupChange
	distinct := make(map[*rollupChange]int64)
	total := func(c *rollupChange) *rollupChange {
		k := keyString(c.keyArgs())
		t := totals[k]
		if t == nil {
			t = &rollupChange{day: c.day, key: c.key}
			totals[k] = t
			order = append(order, t)
		}
		t.n += c.n
		return t
	}
	if r.members == "" {
		for i := range changes {
			total(&changes[i])
		}
	} else if err := r.applyMembers(ctx, tx, changes, func(c *rollupChange, before, now int64) {
		distinct[total(c)] += b2i(now > 0) - b2i(before > 0)
	}); err != nil {
		return err
	}

	upsert := r.totalUpsertSQL()
	for _, t := range order {
		if t.n == 0 && distinct[t] == 0 {
			continue
		}
		var now int64
		if err := tx.queryRow(ctx, upsert, t.keyArgs(t.n, distinct[t])...).Scan(&now); err != nil {
			return fmt.Errorf("rollup %s: %w", r.totals, err)
		}
		if now < 0 {
			return fmt.Errorf("rollup %s: %s %v would count %d", r.totals, t.day, t.key, now)
		}
		if now == 0 { // rare: a bucket all of whose things moved elsewhere
			if _, err := tx.exec(ctx, r.deleteTotalSQL(), t.keyArgs()...); err != nil {
				return fmt.Errorf("rollup %s: %w", r.totals, err)
			}
		}
	}
	return nil
}

// applyMembers adds the changes to the members' counts, many rows per
// statement, calls moved with each member's count before and after, and
// deletes the members left at zero.
func (r rollupTables) applyMembers(ctx context.Context, tx *wtx, changes []rollupChange,
	moved func(c *rollupChange, before, now int64)) error {
	byKey := make(map[string]*rollupChange, len(changes))
	for i := range changes {
		c := &changes[i]
		byKey[keyString(c.keyArgs(c.member))] = c
	}
	nkeys := len(r.keys) + 2 // day, keys..., member
	args := make([]any, 0, min(len(changes), memberChunk)*(nkeys+1))
	scanned := make([]any, nkeys+1)
	dest := make([]any, nkeys+1)
	for i := range dest {
		dest[i] = &scanned[i]
	}
	zeros := false
	for start, n := 0, 0; start < len(changes); start += n {
		n = chunkLen(len(changes)-start, memberChunk)
		chunk := changes[start : start+n]
		args = args[:0]
		for i := range chunk {
			args = append(args, chunk[i].keyArgs(chunk[i].member, chunk[i].n)...)
		}
		rows, err := tx.query(ctx, r.memberUpsertSQL(len(chunk)), args...)
		if err != nil {
			return fmt.Errorf("rollup %s: %w", r.members, err)
		}
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return fmt.Errorf("rollup %s: %w", r.members, err)
			}
			c := byKey[keyString(scanned[:nkeys])]
			now, ok := scanned[nkeys].(int64)
			if c == nil || !ok {
				rows.Close()
				return fmt.Errorf("rollup %s: unexpected row %v", r.members, scanned)
			}
			if now < 0 {
				rows.Close()
				return fmt.Errorf("rollup %s: %s %v %q would count %d", r.members, c.day, c.key, c.member, now)
			}
			zeros = zeros || now == 0
			moved(c, now-c.n, now)
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("rollup %s: %w", r.members, err)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("rollup %s: %w", r.members, err)
		}
	}
	if zeros {
		if _, err := tx.exec(ctx, `DELETE FROM `+r.members+` WHERE `+r.count+` = 0`); err != nil {
			return fmt.Errorf("rollup %s: %w", r.members, err)
		}
	}
	return nil
}

// keyString encodes column values unambiguously, as a map key. Values are
// what the adapter binds (string, int) or scans back (string, int64).
func keyString(vals []any) string {
	var b strings.Builder
	for _, v := range vals {
		switch v := v.(type) {
		case string:
			b.WriteString(strconv.Quote(v))
		case []byte:
			b.WriteString(strconv.Quote(string(v)))
		case int:
			b.WriteString(strconv.Itoa(v))
		case int64:
			b.WriteString(strconv.FormatInt(v, 10))
		default:
			fmt.Fprintf(&b, "%T(%v)", v, v)
		}
		b.WriteByte(',')
	}
	return b.String()
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

// memberUpsertSQL adds to n members' counts and returns each member's key
// and new count (in no particular order: SQLite does not promise one).
func (r rollupTables) memberUpsertSQL(n int) string {
	keys := r.keyCols(r.member)
	row := "(" + placeholders(len(r.keys)+3) + ")"
	return fmt.Sprintf(`INSERT INTO %s (%s, %s) VALUES %s
		ON CONFLICT (%s) DO UPDATE SET %s = %s + excluded.%s RETURNING %s, %s`,
		r.members, keys, r.count, strings.TrimSuffix(strings.Repeat(row+",", n), ","),
		keys, r.count, r.count, r.count, keys, r.count)
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

func (r rollupTables) deleteTotalSQL() string {
	return fmt.Sprintf(`DELETE FROM %s WHERE %s = ?`, r.totals, strings.Join(append([]string{"day"}, r.keys...), " = ? AND "))
}
