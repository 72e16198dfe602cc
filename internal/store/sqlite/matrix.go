package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

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
	// One row per day, its cells concatenated in site order: 180 rows
	// cross the driver instead of 90,000 (the per-row cost of
	// database/sql and the driver was most of the matrix's time). Free
	// text (site, capture id) is hex-encoded, so no separator can occur in
	// it; the verdict is a word and the score a number. The covering index
	// is scanned in (day, site) order, so each day's cells come in site
	// order (an ORDER BY in the aggregate would sort them again, at four
	// times the cost); the order is checked, and restored if ever not.
	rows, err := db.r.QueryContext(ctx, `SELECT day, group_concat(hex(site) || ' ' || verdict || ' ' || printf('%.17g', score) || ' ' || hex(capture_id), ',')
		FROM crawl_visits INDEXED BY crawl_visits_cells
		WHERE site <> '' AND day >= ? AND day <= ? GROUP BY day ORDER BY day`, from, to)
	if err != nil {
		return nil, fmt.Errorf("sqlite: visit cells: %w", err)
	}
	// A Visit is large: the days are read first, so that the cells are
	// decoded into one slice of the right size (growing it by append moved
	// tens of megabytes per page).
	type dayCells struct{ day, cells string }
	var days []dayCells
	n := 0
	for rows.Next() {
		var d dayCells
		if err := rows.Scan(&d.day, &d.cells); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: visit cells: %w", err)
		}
		days = append(days, d)
		n += strings.Count(d.cells, ",") + 1
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("sqlite: visit cells: %w", err)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: visit cells: %w", err)
	}
	out := make([]crawl.Visit, 0, n)
	byID := map[string]int{}
	for _, d := range days {
		for cell := range strings.SplitSeq(d.cells, ",") {
			out = append(out, crawl.Visit{})
			if err := parseCell(&out[len(out)-1], d.day, cell); err != nil {
				return nil, fmt.Errorf("sqlite: visit cells: %w", err)
			}
		}
	}
	byDaySite := func(a, b crawl.Visit) int {
		return cmp.Or(cmp.Compare(a.Capture.Day, b.Capture.Day), cmp.Compare(a.Capture.Site, b.Capture.Site))
	}
	if !slices.IsSortedFunc(out, byDaySite) {
		slices.SortFunc(out, byDaySite)
	}
	for i := range out {
		if out[i].Verdict.Verdict != crawl.Clean {
			byID[out[i].Capture.ID] = i
		}
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

// parseCell reads one cell of VisitCells' concatenation into v: hex(site),
// verdict, score and hex(capture id), separated by spaces.
func parseCell(v *crawl.Visit, day, cell string) error {
	site, rest, _ := strings.Cut(cell, " ")
	verdict, rest, _ := strings.Cut(rest, " ")
	score, id, ok := strings.Cut(rest, " ")
	if !ok {
		return fmt.Errorf("cell %q: want 4 fields", cell)
	}
	s, err := hex.DecodeString(site)
	if err != nil {
		return fmt.Errorf("cell %q: site: %w", cell, err)
	}
	i, err := hex.DecodeString(id)
	if err != nil {
		return fmt.Errorf("cell %q: capture id: %w", cell, err)
	}
	f, err := strconv.ParseFloat(score, 64)
	if err != nil {
		return fmt.Errorf("cell %q: score: %w", cell, err)
	}
	v.Capture.ID, v.Capture.Site, v.Capture.Day = string(i), string(s), day
	v.Verdict.Verdict, v.Verdict.Score, v.Verdict.Reasons = verdict, f, []crawl.Reason{}
	return nil
}
