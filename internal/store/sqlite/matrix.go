package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/honeygate/honeygate/internal/crawl"
)

// VisitCells returns the visits of watched sites for days in [from, to],
// like Visits, but with only what a cell of the tampering matrix shows: the
// capture's id, site, day, URL and error, and the verdict (without the
// reasons of a clean one). It leaves the
// capture's redirects and resources out (SQLite extracts the few fields
// without Go decoding each capture), so that the dashboard's matrix of 500
// sites x 180 days stays fast.
func (db *DB) VisitCells(ctx context.Context, from, to string) ([]crawl.Visit, error) {
	// Most cells are clean: their judgment is not decoded (a clean cell
	// shows no reasons), and a capture's URL is read only for a site that
	// left the watch list (the matrix takes a watched site's URL from it).
	rows, err := db.r.QueryContext(ctx, `SELECT capture_id, site, day,
		CASE WHEN site IN (SELECT name FROM crawl_sites) THEN '' ELSE coalesce(json_extract(capture, '$.url'), '') END,
		CASE WHEN verdict = 'error' THEN coalesce(json_extract(capture, '$.error'), '') ELSE '' END,
		verdict, score, CASE WHEN verdict = 'clean' THEN NULL ELSE judgment END
		FROM crawl_visits WHERE site <> '' AND day >= ? AND day <= ? ORDER BY day, site`, from, to)
	if err != nil {
		return nil, fmt.Errorf("sqlite: visit cells: %w", err)
	}
	defer rows.Close()
	out := []crawl.Visit{}
	var j []byte
	for rows.Next() {
		var v crawl.Visit
		var errText sql.NullString
		j = j[:0]
		if err := rows.Scan(&v.Capture.ID, &v.Capture.Site, &v.Capture.Day, &v.Capture.URL, &errText, &v.Verdict.Verdict, &v.Verdict.Score, &j); err != nil {
			return nil, fmt.Errorf("sqlite: visit cells: %w", err)
		}
		v.Capture.Error = errText.String
		if len(j) == 0 {
			v.Verdict.Reasons = []crawl.Reason{}
		} else if err := json.Unmarshal(j, &v.Verdict); err != nil {
			return nil, fmt.Errorf("sqlite: visit cells: verdict: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: visit cells: %w", err)
	}
	return out, nil
}
