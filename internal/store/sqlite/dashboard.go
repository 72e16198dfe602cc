package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/store"
)

// The dashboard's rollups (migrations/events/0004_dashboard.sql).

// credentialsRollup counts login attempts per day and pair; no members.
var credentialsRollup = rollupTables{
	totals: "rollup_credentials", keys: []string{"username", "password"},
	count: "attempts", distinct: "distinct_n",
}

type credKey struct{ user, pass string }

// countDashboard updates the dashboard's rollups for the events the
// transaction inserted (only new events: a redelivery counts nothing).
func countDashboard(ctx context.Context, tx *wtx, inserted []event.Event) error {
	var creds store.Tally[credKey]
	type seen struct{ first, last, n int64 }
	urls := map[string]*seen{}
	var order []string
	for i := range inserted {
		ev := &inserted[i]
		switch ev.Kind {
		case event.LoginSuccess, event.LoginFailed:
			pass := ""
			if ev.Password != nil {
				pass = string(*ev.Password)
			}
			creds.Add(store.Day(ev.Time.UnixNano()), credKey{string(ev.Username), pass}, "", 1)
		case event.FileDownload:
			u := string(ev.URL)
			if u == "" {
				continue
			}
			if len(u) > store.MaxPayloadURL {
				u = u[:store.MaxPayloadURL]
			}
			ns := ev.Time.UnixNano()
			s := urls[u]
			if s == nil {
				s = &seen{first: ns, last: ns}
				urls[u] = s
				order = append(order, u)
			}
			s.first, s.last, s.n = min(s.first, ns), max(s.last, ns), s.n+1
		}
	}
	if err := credentialsRollup.apply(ctx, tx, changesOf(&creds, func(k credKey) []any { return []any{k.user, k.pass} })); err != nil {
		return err
	}
	if len(order) == 0 {
		return nil
	}
	const upsert = `INSERT INTO payload_urls (url, first_ns, last_ns, count) VALUES (?, ?, ?, ?)
		ON CONFLICT (url) DO UPDATE SET first_ns = min(first_ns, excluded.first_ns),
			last_ns = max(last_ns, excluded.last_ns), count = count + excluded.count`
	for _, u := range order {
		s := urls[u]
		if _, err := tx.exec(ctx, upsert, u, s.first, s.last, s.n); err != nil {
			return fmt.Errorf("payload urls: %w", err)
		}
	}
	return nil
}

// TopCredentials implements store.Dashboard.
func (db *DB) TopCredentials(ctx context.Context, from, to time.Time, limit int) ([]store.CredentialCount, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT username, password, sum(attempts) AS n, max(day)
		FROM rollup_credentials WHERE day >= ? AND day <= ?
		GROUP BY username, password ORDER BY n DESC, username, password LIMIT ?`,
		from.UTC().Format(time.DateOnly), to.UTC().Format(time.DateOnly), store.Limit(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: top credentials: %w", err)
	}
	defer rows.Close()
	out := []store.CredentialCount{}
	for rows.Next() {
		var c store.CredentialCount
		if err := rows.Scan(&c.Username, &c.Password, &c.Attempts, &c.LastDay); err != nil {
			return nil, fmt.Errorf("sqlite: top credentials: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: top credentials: %w", err)
	}
	return out, nil
}

// dayBounds returns [from 00:00, to+1 00:00) in unix ns.
func dayBounds(from, to time.Time) (int64, int64) {
	f := from.UTC().Truncate(24 * time.Hour)
	t := to.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	return f.UnixNano(), t.UnixNano()
}

// PayloadURLs implements store.Dashboard.
func (db *DB) PayloadURLs(ctx context.Context, from, to time.Time, limit int) ([]store.PayloadURL, error) {
	lo, hi := dayBounds(from, to)
	rows, err := db.r.QueryContext(ctx, `SELECT url, first_ns, last_ns, count FROM payload_urls
		WHERE last_ns >= ? AND first_ns < ? ORDER BY first_ns DESC, url LIMIT ?`, lo, hi, store.Limit(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: payload urls: %w", err)
	}
	defer rows.Close()
	out := []store.PayloadURL{}
	for rows.Next() {
		var p store.PayloadURL
		var first, last int64
		if err := rows.Scan(&p.URL, &first, &last, &p.Count); err != nil {
			return nil, fmt.Errorf("sqlite: payload urls: %w", err)
		}
		p.FirstSeen, p.LastSeen = time.Unix(0, first).UTC(), time.Unix(0, last).UTC()
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: payload urls: %w", err)
	}
	return out, nil
}

// NewPayloadURLs implements store.Dashboard.
func (db *DB) NewPayloadURLs(ctx context.Context, from, to time.Time) ([]store.DayCount, error) {
	lo, hi := dayBounds(from, to)
	rows, err := db.r.QueryContext(ctx, `SELECT first_ns FROM payload_urls WHERE first_ns >= ? AND first_ns < ? ORDER BY first_ns`, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("sqlite: new payload urls: %w", err)
	}
	defer rows.Close()
	out := []store.DayCount{}
	for rows.Next() {
		var ns int64
		if err := rows.Scan(&ns); err != nil {
			return nil, fmt.Errorf("sqlite: new payload urls: %w", err)
		}
		d := store.Day(ns)
		if n := len(out); n > 0 && strings.EqualFold(out[n-1].Day, d) {
			out[n-1].Count++
			continue
		}
		out = append(out, store.DayCount{Day: d, Count: 1})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: new payload urls: %w", err)
	}
	return out, nil
}

// Event implements store.Dashboard.
func (db *DB) Event(ctx context.Context, id string) (*event.Event, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT data FROM events WHERE id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: event %s: %w", id, err)
	}
	evs, err := scanEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: event %s: %w", id, err)
	}
	if len(evs) == 0 {
		return nil, fmt.Errorf("sqlite: event %s: %w", id, store.ErrNotFound)
	}
	return &evs[0], nil
}

// BlockByRef implements store.Dashboard, through the partial index of
// migrations/events/0005_block_ref.sql.
func (db *DB) BlockByRef(ctx context.Context, ref string) (*event.Event, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT data FROM events
		WHERE kind = 'gateway.block' AND json_extract(data, '$.ref') = ? LIMIT 1`, ref)
	if err != nil {
		return nil, fmt.Errorf("sqlite: block %s: %w", ref, err)
	}
	evs, err := scanEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: block %s: %w", ref, err)
	}
	if len(evs) == 0 {
		return nil, fmt.Errorf("sqlite: block %s: %w", ref, store.ErrNotFound)
	}
	return &evs[0], nil
}
