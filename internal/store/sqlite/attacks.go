package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/honeygate/honeygate/internal/attack"
)

// The attacks domain: table attacks (migrations/attacks).

var _ attack.Store = (*DB)(nil)

const attackCols = `id, sensor, proto, victim, victim_port, dst_port, first_ns, last_ns,
	requests, bytes_in, bytes_out, peak_pps, request, ended, end_reason`

// PutAttacks implements attack.Store: each attack is merged (attack.Merge)
// with the stored one of its id, in one transaction.
func (db *DB) PutAttacks(ctx context.Context, as []attack.Attack) error {
	if len(as) == 0 {
		return nil
	}
	// Reports of one attack in the batch merge first: one read and one
	// write per attack.
	merged := make(map[string]attack.Attack, len(as))
	var order []string
	for _, a := range as {
		if a.ID == "" {
			return errors.New("sqlite: put attacks: an attack without id")
		}
		old, seen := merged[a.ID]
		if !seen {
			order = append(order, a.ID)
		}
		merged[a.ID] = attack.Merge(old, a)
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: put attacks: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	get, err := tx.PrepareContext(ctx, `SELECT `+attackCols+` FROM attacks WHERE id = ?`)
	if err != nil {
		return fmt.Errorf("sqlite: put attacks: %w", err)
	}
	defer get.Close()
	put, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO attacks (`+attackCols+`)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return fmt.Errorf("sqlite: put attacks: %w", err)
	}
	defer put.Close()
	for _, id := range order {
		a := merged[id]
		old, err := scanAttack(get.QueryRowContext(ctx, id))
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("sqlite: put attacks: %w", err)
		default:
			a = attack.Merge(old, a)
		}
		if _, err := put.ExecContext(ctx, a.ID, a.Sensor, a.Proto, a.Victim, a.VictimPort, a.DstPort,
			a.FirstSeen.UnixNano(), a.LastSeen.UnixNano(), a.Requests, a.BytesIn, a.BytesOut, a.PeakPPS,
			a.Request, a.Ended, a.EndReason); err != nil {
			return fmt.Errorf("sqlite: put attacks: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: put attacks: commit: %w", err)
	}
	return nil
}

// Attacks implements attack.Store.
func (db *DB) Attacks(ctx context.Context, f attack.Filter) ([]attack.Attack, error) {
	var where []string
	var args []any
	if !f.To.IsZero() {
		where, args = append(where, "first_ns < ?"), append(args, f.To.UnixNano())
	}
	if !f.From.IsZero() {
		where, args = append(where, "last_ns >= ?"), append(args, f.From.UnixNano())
	}
	if f.Victim != "" {
		where, args = append(where, "victim = ?"), append(args, f.Victim)
	}
	if f.Proto != "" {
		where, args = append(where, "proto = ?"), append(args, f.Proto)
	}
	if f.Sensor != "" {
		where, args = append(where, "sensor = ?"), append(args, f.Sensor)
	}
	if f.Open {
		where = append(where, "ended = 0")
	}
	q := `SELECT ` + attackCols + ` FROM attacks`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = attack.DefaultLimit
	}
	limit = min(limit, attack.MaxLimit)
	q += " ORDER BY first_ns DESC, id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: attacks: %w", err)
	}
	defer rows.Close()
	out := []attack.Attack{}
	for rows.Next() {
		a, err := scanAttack(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: attacks: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: attacks: %w", err)
	}
	return out, nil
}

func scanAttack(r interface{ Scan(...any) error }) (attack.Attack, error) {
	var a attack.Attack
	var first, last int64
	err := r.Scan(&a.ID, &a.Sensor, &a.Proto, &a.Victim, &a.VictimPort, &a.DstPort, &first, &last,
		&a.Requests, &a.BytesIn, &a.BytesOut, &a.PeakPPS, &a.Request, &a.Ended, &a.EndReason)
	a.FirstSeen, a.LastSeen = time.Unix(0, first).UTC(), time.Unix(0, last).UTC()
	return a, err
}
