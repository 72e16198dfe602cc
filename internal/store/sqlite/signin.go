package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/honeygate/honeygate/internal/signin"
)

// The signin domain: signed-in dashboard browsers (migrations/signin).

var _ signin.Store = (*DB)(nil)

// PutSignin implements signin.Store.
func (db *DB) PutSignin(ctx context.Context, s signin.Session) error {
	if _, err := db.w.ExecContext(ctx, `INSERT OR REPLACE INTO signin_sessions (id, user, role, cred, created, expires) VALUES (?, ?, ?, ?, ?, ?)`,
		s.ID, clip(s.User), clip(s.Role), clip(s.Cred), s.Created.UnixNano(), s.Expires.UnixNano()); err != nil {
		return fmt.Errorf("sqlite: signin: %w", err)
	}
	return nil
}

// DeleteSignins implements signin.Store.
func (db *DB) DeleteSignins(ctx context.Context, ids ...string) error {
	for _, id := range ids {
		if _, err := db.w.ExecContext(ctx, `DELETE FROM signin_sessions WHERE id = ?`, id); err != nil {
			return fmt.Errorf("sqlite: signin: %w", err)
		}
	}
	return nil
}

// Signins implements signin.Store.
func (db *DB) Signins(ctx context.Context, now time.Time) ([]signin.Session, error) {
	if _, err := db.w.ExecContext(ctx, `DELETE FROM signin_sessions WHERE expires <= ?`, now.UnixNano()); err != nil {
		return nil, fmt.Errorf("sqlite: signin: %w", err)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, user, role, cred, created, expires FROM signin_sessions ORDER BY created`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: signin: %w", err)
	}
	defer rows.Close()
	out := []signin.Session{}
	for rows.Next() {
		var s signin.Session
		var c, e int64
		if err := rows.Scan(&s.ID, &s.User, &s.Role, &s.Cred, &c, &e); err != nil {
			return nil, fmt.Errorf("sqlite: signin: %w", err)
		}
		s.Created, s.Expires = time.Unix(0, c).UTC(), time.Unix(0, e).UTC()
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: signin: %w", err)
	}
	return out, nil
}
