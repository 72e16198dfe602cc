package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/honeygate/honeygate/internal/audit"
)

// The audit domain: who changed what (migrations/audit).

var _ audit.Store = (*DB)(nil)

// maxAuditField bounds what one entry keeps of a field (a URL is the
// longest target).
const maxAuditField = 4096

func clip(s string) string {
	if len(s) > maxAuditField {
		return s[:maxAuditField]
	}
	return s
}

// AppendAudit implements audit.Store.
func (db *DB) AppendAudit(ctx context.Context, e audit.Entry) error {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if _, err := db.w.ExecContext(ctx, `INSERT INTO audit (time, user, action, target, detail) VALUES (?, ?, ?, ?, ?)`,
		e.Time.UnixNano(), clip(e.User), clip(e.Action), clip(e.Target), clip(e.Detail)); err != nil {
		return fmt.Errorf("sqlite: audit: %w", err)
	}
	return nil
}

// Audit implements audit.Store.
func (db *DB) Audit(ctx context.Context, limit int) ([]audit.Entry, error) {
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	rows, err := db.r.QueryContext(ctx, `SELECT time, user, action, target, detail FROM audit ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: audit: %w", err)
	}
	defer rows.Close()
	out := []audit.Entry{}
	for rows.Next() {
		var e audit.Entry
		var ns int64
		if err := rows.Scan(&ns, &e.User, &e.Action, &e.Target, &e.Detail); err != nil {
			return nil, fmt.Errorf("sqlite: audit: %w", err)
		}
		e.Time = time.Unix(0, ns).UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: audit: %w", err)
	}
	return out, nil
}
