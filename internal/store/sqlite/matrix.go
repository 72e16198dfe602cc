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
// capture's id, site, day and error, and the verdict (without the reasons
// of a clean one). Every cell comes from a covering index
// (migrations/crawl/0002_matrix_cells.sql); only the cells that are not
// clean are read again from the table, for their judgment. A site that
// left the watch list keeps no URL here (the matrix takes a watched site's
// URL from the list). So 500 sites x 180 days never decode a capture.
func (db *DB) VisitCells(ctx context.Context, from, to string) ([]crawl.Visit, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT capture_id, site, day, verdict, score FROM crawl_visits INDEXED BY crawl_visits_cells
		WHERE site <> '' AND day >= ? AND day <= ? ORDER BY day, site`, from, to)
	if err != nil {
		return nil, fmt.Errorf("sqlite: visit cells: %w", err)
	}
	out := []crawl.Visit{}
	byID := map[string]int{}
	for rows.Next() {
		var v crawl.Visit
		if err := rows.Scan(&v.Capture.ID, &v.Capture.Site, &v.Capture.Day, &v.Verdict.Verdict, &v.Verdict.Score); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: visit cells: %w", err)
		}
		v.Verdict.Reasons = []crawl.Reason{}
		if v.Verdict.Verdict != crawl.Clean {
			byID[v.Capture.ID] = len(out)
		}
		out = append(out, v)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("sqlite: visit cells: %w", err)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: visit cells: %w", err)
	}
	if len(byID) == 0 {
		return out, nil
	}
	rows, err = db.r.QueryContext(ctx, `SELECT capture_id, coalesce(json_extract(capture, '$.error'), ''), judgment FROM crawl_visits
		WHERE site <> '' AND day >= ? AND day <= ? AND verdict <> 'clean'`, from, to)
	if err != nil {
		return nil, fmt.Errorf("sqlite: visit cells: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var errText sql.NullString
		var j []byte
		if err := rows.Scan(&id, &errText, &j); err != nil {
			return nil, fmt.Errorf("sqlite: visit cells: %w", err)
		}
		i, ok := byID[id]
		if !ok { // written between the two reads: the first read is the snapshot shown
			continue
		}
		out[i].Capture.Error = errText.String
		if err := json.Unmarshal(j, &out[i].Verdict); err != nil {
			return nil, fmt.Errorf("sqlite: visit cells: verdict: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: visit cells: %w", err)
	}
	return out, nil
}
