package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/honeygate/honeygate/internal/crawl"
)

var _ crawl.Store = (*DB)(nil)

// AddSite implements crawl.Store.
func (db *DB) AddSite(ctx context.Context, s crawl.Site) (crawl.Site, error) {
	if s.Added.IsZero() {
		s.Added = time.Now().UTC()
	}
	_, err := db.w.ExecContext(ctx, `INSERT INTO crawl_sites (name, url, profile, added) VALUES (?, ?, ?, ?)`,
		s.Name, s.URL, s.Profile, s.Added.UnixNano())
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			return s, fmt.Errorf("sqlite: add site %s: %w", s.URL, crawl.ErrExists)
		}
		return s, fmt.Errorf("sqlite: add site %s: %w", s.URL, err)
	}
	return s, nil
}

// Sites implements crawl.Store.
func (db *DB) Sites(ctx context.Context) ([]crawl.Site, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT name, url, profile, added FROM crawl_sites ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: sites: %w", err)
	}
	defer rows.Close()
	out := []crawl.Site{}
	for rows.Next() {
		var s crawl.Site
		var added int64
		if err := rows.Scan(&s.Name, &s.URL, &s.Profile, &added); err != nil {
			return nil, fmt.Errorf("sqlite: sites: %w", err)
		}
		s.Added = time.Unix(0, added).UTC()
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: sites: %w", err)
	}
	return out, nil
}

// RemoveSite implements crawl.Store.
func (db *DB) RemoveSite(ctx context.Context, nameOrURL string) error {
	res, err := db.w.ExecContext(ctx, `DELETE FROM crawl_sites WHERE name = ? OR url = ?`, nameOrURL, nameOrURL)
	if err != nil {
		return fmt.Errorf("sqlite: remove site: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("sqlite: remove site %q: %w", nameOrURL, crawl.ErrNotFound)
	}
	return nil
}

// PutVisit implements crawl.Store.
func (db *DB) PutVisit(ctx context.Context, v crawl.Visit) error {
	capture, err := json.Marshal(v.Capture)
	if err != nil {
		return fmt.Errorf("sqlite: put visit: %w", err)
	}
	judgment, err := json.Marshal(v.Verdict)
	if err != nil {
		return fmt.Errorf("sqlite: put visit: %w", err)
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: put visit: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	c := v.Capture
	if c.Site != "" && c.Day != "" {
		if _, err := tx.ExecContext(ctx, `DELETE FROM crawl_visits WHERE site = ? AND day = ?`, c.Site, c.Day); err != nil {
			return fmt.Errorf("sqlite: put visit: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO crawl_visits (capture_id, site, day, time, verdict, score, capture, judgment)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.Site, c.Day, c.Time.UnixNano(), v.Verdict.Verdict, v.Verdict.Score, capture, judgment); err != nil {
		return fmt.Errorf("sqlite: put visit: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: put visit: %w", err)
	}
	return nil
}

// Visits implements crawl.Store.
func (db *DB) Visits(ctx context.Context, from, to string) ([]crawl.Visit, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT capture, judgment FROM crawl_visits
		WHERE site <> '' AND day >= ? AND day <= ? ORDER BY day, site`, from, to)
	if err != nil {
		return nil, fmt.Errorf("sqlite: visits: %w", err)
	}
	defer rows.Close()
	out := []crawl.Visit{}
	for rows.Next() {
		var c, j []byte
		if err := rows.Scan(&c, &j); err != nil {
			return nil, fmt.Errorf("sqlite: visits: %w", err)
		}
		var v crawl.Visit
		if err := json.Unmarshal(c, &v.Capture); err != nil {
			return nil, fmt.Errorf("sqlite: visits: capture: %w", err)
		}
		if err := json.Unmarshal(j, &v.Verdict); err != nil {
			return nil, fmt.Errorf("sqlite: visits: verdict: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: visits: %w", err)
	}
	return out, nil
}

// UpdateVerdict implements crawl.Store.
func (db *DB) UpdateVerdict(ctx context.Context, captureID string, v crawl.Verdict) error {
	j, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("sqlite: update verdict: %w", err)
	}
	res, err := db.w.ExecContext(ctx, `UPDATE crawl_visits SET verdict = ?, score = ?, judgment = ? WHERE capture_id = ?`,
		v.Verdict, v.Score, j, captureID)
	if err != nil {
		return fmt.Errorf("sqlite: update verdict: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("sqlite: update verdict %s: %w", captureID, crawl.ErrNotFound)
	}
	return nil
}

// Baseline implements crawl.Store.
func (db *DB) Baseline(ctx context.Context, site string) (crawl.Baseline, error) {
	var b crawl.Baseline
	var raw []byte
	err := db.r.QueryRowContext(ctx, `SELECT baseline FROM crawl_baselines WHERE site = ?`, site).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return b, nil
	}
	if err != nil {
		return b, fmt.Errorf("sqlite: baseline: %w", err)
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		return b, fmt.Errorf("sqlite: baseline: %w", err)
	}
	return b, nil
}

// PutBaseline implements crawl.Store.
func (db *DB) PutBaseline(ctx context.Context, site string, b crawl.Baseline) error {
	raw, err := json.Marshal(b)
	if err != nil {
		return fmt.Errorf("sqlite: put baseline: %w", err)
	}
	if _, err := db.w.ExecContext(ctx, `INSERT INTO crawl_baselines (site, baseline, updated) VALUES (?, ?, ?)
		ON CONFLICT (site) DO UPDATE SET baseline = excluded.baseline, updated = excluded.updated`,
		site, raw, time.Now().UnixNano()); err != nil {
		return fmt.Errorf("sqlite: put baseline: %w", err)
	}
	return nil
}

// PruneBefore implements crawl.Store.
func (db *DB) PruneBefore(ctx context.Context, day string) (int, error) {
	res, err := db.w.ExecContext(ctx, `DELETE FROM crawl_visits WHERE day < ? AND day <> ''`, day)
	if err != nil {
		return 0, fmt.Errorf("sqlite: prune visits: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// Hashes implements crawl.Store.
func (db *DB) Hashes(ctx context.Context) (map[string]bool, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT capture FROM crawl_visits`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: hashes: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			return nil, fmt.Errorf("sqlite: hashes: %w", err)
		}
		var c crawl.Capture
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("sqlite: hashes: %w", err)
		}
		for _, h := range c.Hashes() { // bodies and the screenshot
			out[h] = true
		}
	}
	return out, rows.Err()
}
