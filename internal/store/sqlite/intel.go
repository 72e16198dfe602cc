package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/honeygate/honeygate/internal/intel"
)

// The intel domain: intel.Store on the same database file as the events
// (one writer connection for every domain).
var _ intel.Store = (*DB)(nil)

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func refsJSON(refs []string) string {
	if len(refs) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(refs)
	return string(b)
}

// UpsertIndicators implements intel.Store.
func (db *DB) UpsertIndicators(ctx context.Context, inds []intel.Indicator) (intel.UpsertResult, error) {
	res := intel.UpsertResult{IDs: make([]int64, 0, len(inds))}
	err := db.intelTx(ctx, func(tx *sql.Tx) error {
		u, err := newUpserter(ctx, tx)
		if err != nil {
			return err
		}
		defer u.close()
		for _, ind := range inds {
			id, added, err := u.upsert(ctx, ind)
			if err != nil {
				return err
			}
			res.IDs = append(res.IDs, id)
			if added {
				res.Added++
			} else {
				res.Updated++
			}
		}
		return nil
	})
	if err != nil {
		return intel.UpsertResult{}, fmt.Errorf("sqlite: upsert indicators: %w", err)
	}
	return res, nil
}

// ReplaceSource implements intel.Store. The rows the refresh touched are
// remembered in a temporary table, and the source's others deleted.
func (db *DB) ReplaceSource(ctx context.Context, source string, inds []intel.Indicator) (intel.ReplaceResult, error) {
	for _, ind := range inds {
		if ind.Source != source {
			return intel.ReplaceResult{}, fmt.Errorf("sqlite: replace %q: an indicator from %q: %w", source, ind.Source, intel.ErrInvalid)
		}
	}
	var res intel.ReplaceResult
	err := db.intelTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS intel_keep (id INTEGER PRIMARY KEY)`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM intel_keep`); err != nil {
			return err
		}
		u, err := newUpserter(ctx, tx)
		if err != nil {
			return err
		}
		defer u.close()
		keep, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO intel_keep (id) VALUES (?)`)
		if err != nil {
			return err
		}
		defer keep.Close()
		for _, ind := range inds {
			id, added, err := u.upsert(ctx, ind)
			if err != nil {
				return err
			}
			if added {
				res.Added++
			} else {
				res.Updated++
			}
			if _, err := keep.ExecContext(ctx, id); err != nil {
				return err
			}
		}
		r, err := tx.ExecContext(ctx, `DELETE FROM intel_indicators WHERE source = ? AND id NOT IN (SELECT id FROM intel_keep)`, source)
		if err != nil {
			return err
		}
		n, _ := r.RowsAffected()
		res.Removed = int(n)
		_, err = tx.ExecContext(ctx, `DELETE FROM intel_keep`)
		return err
	})
	if err != nil {
		return intel.ReplaceResult{}, fmt.Errorf("sqlite: replace source %s: %w", source, err)
	}
	return res, nil
}

func (db *DB) intelTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// upserter holds the statements of one upsert transaction: each indicator
// is inserted, or, when its key is stored, merged in Go with intel.Merge (so
// every adapter merges alike) and updated.
type upserter struct {
	insert, find, update *sql.Stmt
}

func newUpserter(ctx context.Context, tx *sql.Tx) (*upserter, error) {
	u := &upserter{}
	var err error
	if u.insert, err = tx.PrepareContext(ctx, `INSERT INTO intel_indicators
		(type, value, category, source, first_seen, last_seen, expires, refs) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (type, value, source) DO NOTHING RETURNING id`); err != nil {
		return nil, err
	}
	if u.find, err = tx.PrepareContext(ctx, `SELECT id, category, first_seen, last_seen, expires, refs
		FROM intel_indicators WHERE type = ? AND value = ? AND source = ?`); err != nil {
		u.close()
		return nil, err
	}
	if u.update, err = tx.PrepareContext(ctx, `UPDATE intel_indicators
		SET category = ?, first_seen = ?, last_seen = ?, expires = ?, refs = ? WHERE id = ?`); err != nil {
		u.close()
		return nil, err
	}
	return u, nil
}

func (u *upserter) close() {
	for _, s := range []*sql.Stmt{u.insert, u.find, u.update} {
		if s != nil {
			s.Close()
		}
	}
}

// upsert stores one indicator and says whether it was new. A new one (a
// feed's usual case) is one INSERT; one already stored returns no row from
// it and is read, merged and updated.
func (u *upserter) upsert(ctx context.Context, ind intel.Indicator) (int64, bool, error) {
	var id int64
	err := u.insert.QueryRowContext(ctx, ind.Type, ind.Value, ind.Category, ind.Source,
		nanos(ind.FirstSeen), nanos(ind.LastSeen), nanos(ind.Expires), refsJSON(intel.MergeRefs(nil, ind.Refs))).Scan(&id)
	switch {
	case err == nil:
		return id, true, nil
	case !errors.Is(err, sql.ErrNoRows):
		return 0, false, err
	}
	var old intel.Indicator
	var first, last, exp int64
	var refs string
	if err := u.find.QueryRowContext(ctx, ind.Type, ind.Value, ind.Source).Scan(&old.ID, &old.Category, &first, &last, &exp, &refs); err != nil {
		return 0, false, err
	}
	old.FirstSeen, old.LastSeen, old.Expires = fromNanos(first), fromNanos(last), fromNanos(exp)
	if err := json.Unmarshal([]byte(refs), &old.Refs); err != nil {
		old.Refs = nil // a damaged list is rebuilt from what comes now
	}
	m := intel.Merge(old, ind)
	if _, err := u.update.ExecContext(ctx, m.Category, nanos(m.FirstSeen), nanos(m.LastSeen), nanos(m.Expires), refsJSON(m.Refs), old.ID); err != nil {
		return 0, false, err
	}
	return old.ID, false, nil
}

// where renders a filter as a WHERE clause.
func intelWhere(f intel.Filter) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, v any) {
		conds = append(conds, cond)
		args = append(args, v)
	}
	if f.ID != 0 {
		add("id = ?", f.ID)
	}
	if f.Type != "" {
		add("type = ?", string(f.Type))
	}
	if f.Value != "" {
		add("value = ?", f.Value)
	}
	if f.Category != "" {
		add("category = ?", f.Category)
	}
	if f.Source != "" {
		add("source = ?", f.Source)
	}
	if f.Ref != "" {
		add("EXISTS (SELECT 1 FROM json_each(intel_indicators.refs) WHERE json_each.value = ?)", f.Ref)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// ListIndicators implements intel.Store.
func (db *DB) ListIndicators(ctx context.Context, f intel.Filter) ([]intel.Indicator, error) {
	where, args := intelWhere(f)
	if f.AfterID > 0 {
		if where == "" {
			where = " WHERE id > ?"
		} else {
			where += " AND id > ?"
		}
		args = append(args, f.AfterID)
	}
	args = append(args, f.EffectiveLimit())
	rows, err := db.r.QueryContext(ctx, `SELECT id, type, value, category, source, first_seen, last_seen, expires, refs
		FROM intel_indicators`+where+` ORDER BY id LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list indicators: %w", err)
	}
	defer rows.Close()
	out := []intel.Indicator{}
	for rows.Next() {
		var ind intel.Indicator
		var first, last, exp int64
		var refs string
		if err := rows.Scan(&ind.ID, &ind.Type, &ind.Value, &ind.Category, &ind.Source, &first, &last, &exp, &refs); err != nil {
			return nil, fmt.Errorf("sqlite: list indicators: %w", err)
		}
		ind.FirstSeen, ind.LastSeen, ind.Expires = fromNanos(first), fromNanos(last), fromNanos(exp)
		_ = json.Unmarshal([]byte(refs), &ind.Refs)
		if len(ind.Refs) == 0 {
			ind.Refs = nil
		}
		out = append(out, ind)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list indicators: %w", err)
	}
	return out, nil
}

// DeleteIndicators implements intel.Store.
func (db *DB) DeleteIndicators(ctx context.Context, f intel.Filter) ([]intel.Indicator, error) {
	if f.Empty() {
		return nil, fmt.Errorf("sqlite: delete indicators with no filter: %w", intel.ErrInvalid)
	}
	where, args := intelWhere(f)
	var gone []intel.Indicator
	err := db.intelTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `DELETE FROM intel_indicators`+where+` RETURNING id, type, value, category, source`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var ind intel.Indicator
			if err := rows.Scan(&ind.ID, &ind.Type, &ind.Value, &ind.Category, &ind.Source); err != nil {
				return err
			}
			gone = append(gone, ind)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: delete indicators: %w", err)
	}
	slices.SortFunc(gone, func(a, b intel.Indicator) int { return cmp.Compare(a.ID, b.ID) })
	return gone, nil
}

// EachIndicator implements intel.Store. It reads in pages by id so no read
// transaction stays open across a whole rebuild (the writer goes on).
func (db *DB) EachIndicator(ctx context.Context, now time.Time, fn func(*intel.Indicator) error) error {
	const page = 50000
	var after int64
	var ind intel.Indicator
	for {
		rows, err := db.r.QueryContext(ctx, `SELECT id, type, value, category, source, expires
			FROM intel_indicators WHERE id > ? AND (expires = 0 OR expires > ?) ORDER BY id LIMIT ?`, after, now.UnixNano(), page)
		if err != nil {
			return fmt.Errorf("sqlite: each indicator: %w", err)
		}
		n := 0
		for rows.Next() {
			var exp int64
			if err := rows.Scan(&ind.ID, &ind.Type, &ind.Value, &ind.Category, &ind.Source, &exp); err != nil {
				rows.Close()
				return fmt.Errorf("sqlite: each indicator: %w", err)
			}
			ind.Expires = fromNanos(exp)
			n++
			after = ind.ID
			if err := fn(&ind); err != nil {
				rows.Close()
				return err
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("sqlite: each indicator: %w", err)
		}
		if n < page {
			return nil
		}
	}
}
