package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/store"
)

// The events domain: tables events, sessions, dead_letters and the sessions
// rollup (migrations/events).

var _ store.Events = (*DB)(nil)

// sessionsRollup is the sessions rollup of migrations/events/0002_rollups.sql.
var sessionsRollup = rollupTables{
	totals: "rollup_sessions", members: "rollup_session_sources",
	keys:  []string{"family", "dst_port"},
	count: "sessions", distinct: "sources", member: "src_ip",
}

func sessionBucketArgs(k store.SessionBucket) []any { return []any{k.Family, k.DstPort} }

// AppendEvents implements store.Events.
func (db *DB) AppendEvents(ctx context.Context, evs []event.Event) ([]event.Event, error) {
	if len(evs) == 0 {
		return []event.Event{}, nil
	}
	// Shapes met uncached in this transaction are prepared once it is over.
	defer db.stmts.prepareWanted(ctx, db.w)
	sqltx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: append events: begin: %w", err)
	}
	defer sqltx.Rollback() //nolint:errcheck // a no-op after Commit
	tx := &wtx{Tx: sqltx, cache: &db.stmts}
	inserted, err := insertEvents(ctx, tx, evs)
	if err != nil {
		return nil, fmt.Errorf("sqlite: append events: %w", err)
	}
	if err := foldSessions(ctx, tx, inserted); err != nil {
		return nil, fmt.Errorf("sqlite: append events: %w", err)
	}
	if err := countBlocks(ctx, tx, inserted); err != nil {
		return nil, fmt.Errorf("sqlite: append events: %w", err)
	}
	if err := countDashboard(ctx, tx, inserted); err != nil {
		return nil, fmt.Errorf("sqlite: append events: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: append events: commit: %w", err)
	}
	return inserted, nil
}

// insertChunk is how many events one INSERT statement carries. One
// statement per event costs more in statement overhead than in the B-tree
// work itself; a multi-row statement amortises it. 100 rows x 11 columns
// stays far below SQLite's limit on bound parameters (32766).
const insertChunk = 100

const insertEventCols = 11

// insertEventsSQL returns the INSERT for n rows. ON CONFLICT DO NOTHING makes
// a redelivered event a no-op, and RETURNING lists only the rows actually
// inserted, so no SELECT per row is needed to tell new events from repeats.
func insertEventsSQL(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO events
	(id, time, kind, sensor, proto, src_ip, src_port, dst_port, session, family, data) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?,?,?,?,?,?)")
	}
	b.WriteString(" ON CONFLICT (id) DO NOTHING RETURNING id")
	return b.String()
}

// insertEvents inserts evs and returns those that were new, in input order.
func insertEvents(ctx context.Context, tx *wtx, evs []event.Event) ([]event.Event, error) {
	isNew := make(map[string]bool, len(evs))
	args := make([]any, 0, insertChunk*insertEventCols)
	for start, n := 0, 0; start < len(evs); start += n {
		n = chunkLen(len(evs)-start, insertChunk)
		chunk := evs[start : start+n]
		args = args[:0]
		for i := range chunk {
			e := &chunk[i]
			data := []byte(e.Raw)
			if len(data) == 0 {
				var err error
				if data, err = event.Marshal(e); err != nil {
					return nil, fmt.Errorf("encode event %s: %w", e.ID, err)
				}
			}
			args = append(args, e.ID, e.Time.UnixNano(), string(e.Kind), e.Sensor, e.Proto,
				e.SrcIP, e.SrcPort, e.DstPort, e.Session, e.Family, string(data))
		}
		rows, err := tx.query(ctx, insertEventsSQL(len(chunk)), args...)
		if err != nil {
			return nil, fmt.Errorf("insert events: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("insert events: %w", err)
			}
			isNew[id] = true
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("insert events: %w", err)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("insert events: %w", err)
		}
	}
	inserted := make([]event.Event, 0, len(isNew))
	for i := range evs {
		// Delete on first use: an id repeated within the batch was inserted once.
		if isNew[evs[i].ID] {
			delete(isNew, evs[i].ID)
			inserted = append(inserted, evs[i])
		}
	}
	return inserted, nil
}

// foldSessions folds the new events into their sessions' rows by the shared
// rules (store.SessionState), and moves the sessions whose place in the
// sessions rollup changed. Rows the batch leaves as they were are not
// written.
func foldSessions(ctx context.Context, tx *wtx, inserted []event.Event) error {
	batch := store.FoldSessions(inserted)
	if len(batch) == 0 {
		return nil
	}
	stored, err := loadSessions(ctx, tx, batch)
	if err != nil {
		return err
	}
	changes := store.ChangeSessions(batch, stored)
	if err := upsertSessions(ctx, tx, changes.Rows); err != nil {
		return err
	}
	moves := changes.Rollup.Counts()
	if err := sessionsRollup.apply(ctx, tx, changesOf(&changes.Rollup, sessionBucketArgs)); err != nil {
		return err
	}
	return countSources(ctx, tx, moves)
}

// sessionCols are the columns of a sessions row, in scanSession's order.
const sessionCols = `id, sensor, proto, src_ip, src_port, dst_port, start_ns, connected, end_ns,
	family, attributed_ns, family_ns, reasons, reasons_family, reasons_ns`

const nSessionCols = 15

// loadChunk is how many sessions one SELECT reads.
const loadChunk = 500

// loadSessions reads the stored rows of the batch's sessions, by id.
func loadSessions(ctx context.Context, tx *wtx, batch []*store.SessionState) (map[string]store.SessionState, error) {
	out := make(map[string]store.SessionState, len(batch))
	args := make([]any, 0, min(len(batch), loadChunk))
	for start, n := 0, 0; start < len(batch); start += n {
		n = chunkLen(len(batch)-start, loadChunk)
		chunk := batch[start : start+n]
		args = args[:0]
		for _, s := range chunk {
			args = append(args, s.ID)
		}
		rows, err := tx.query(ctx, `SELECT `+sessionCols+` FROM sessions WHERE id IN (`+placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("load sessions: %w", err)
		}
		for rows.Next() {
			s, err := scanSession(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("load sessions: %w", err)
			}
			out[s.ID] = s
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("load sessions: %w", err)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("load sessions: %w", err)
		}
	}
	return out, nil
}

// scanSession reads one sessions row of sessionCols.
func scanSession(row interface{ Scan(...any) error }) (store.SessionState, error) {
	var s store.SessionState
	var end, attributed, familyAt, reasonsAt sql.NullInt64
	var reasons string
	if err := row.Scan(&s.ID, &s.Sensor, &s.Proto, &s.SrcIP, &s.SrcPort, &s.DstPort, &s.Start, &s.Connected, &end,
		&s.Family, &attributed, &familyAt, &reasons, &s.ReasonsFamily, &reasonsAt); err != nil {
		return s, err
	}
	s.End, s.Attributed, s.FamilyAt, s.ReasonsAt = stamp(end), stamp(attributed), stamp(familyAt), stamp(reasonsAt)
	// No reasons stay nil, as folded from events, so that Equal compares
	// like with like (and most sessions have none: skip the decoder).
	if reasons != "[]" {
		if err := json.Unmarshal([]byte(reasons), &s.Reasons); err != nil {
			return s, fmt.Errorf("decode reasons of session %s: %w", s.ID, err)
		}
		if len(s.Reasons) == 0 {
			s.Reasons = nil
		}
	}
	return s, nil
}

func stamp(n sql.NullInt64) store.Stamp { return store.Stamp{NS: n.Int64, Set: n.Valid} }

func nullable(s store.Stamp) sql.NullInt64 { return sql.NullInt64{Int64: s.NS, Valid: s.Set} }

// upsertChunk is how many sessions one upsert carries (x 15 columns).
const upsertChunk = 50

// upsertSessionsSQL writes n rows whole: the merge happened in Go.
func upsertSessionsSQL(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO sessions (` + sessionCols + `) VALUES `)
	row := "(" + placeholders(nSessionCols) + ")"
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(row)
	}
	b.WriteString(` ON CONFLICT (id) DO UPDATE SET
		sensor = excluded.sensor, proto = excluded.proto, src_ip = excluded.src_ip,
		src_port = excluded.src_port, dst_port = excluded.dst_port, start_ns = excluded.start_ns,
		connected = excluded.connected, end_ns = excluded.end_ns, family = excluded.family,
		attributed_ns = excluded.attributed_ns, family_ns = excluded.family_ns, reasons = excluded.reasons,
		reasons_family = excluded.reasons_family, reasons_ns = excluded.reasons_ns`)
	return b.String()
}

// upsertSessions writes the rows of ss, creating those that are new.
func upsertSessions(ctx context.Context, tx *wtx, ss []*store.SessionState) error {
	args := make([]any, 0, upsertChunk*nSessionCols)
	for start, n := 0, 0; start < len(ss); start += n {
		n = chunkLen(len(ss)-start, upsertChunk)
		chunk := ss[start : start+n]
		args = args[:0]
		for _, s := range chunk {
			reasons, err := json.Marshal(nonNil(s.Reasons))
			if err != nil {
				return fmt.Errorf("encode reasons of session %s: %w", s.ID, err)
			}
			args = append(args, s.ID, s.Sensor, s.Proto, s.SrcIP, s.SrcPort, s.DstPort, s.Start, s.Connected,
				nullable(s.End), s.Family, nullable(s.Attributed), nullable(s.FamilyAt), string(reasons),
				s.ReasonsFamily, nullable(s.ReasonsAt))
		}
		if _, err := tx.exec(ctx, upsertSessionsSQL(len(chunk)), args...); err != nil {
			return fmt.Errorf("upsert sessions: %w", err)
		}
	}
	return nil
}

// Events implements store.Events.
func (db *DB) Events(ctx context.Context, f store.EventFilter) ([]event.Event, error) {
	query, args := eventsQuery(f)
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: events: %w", err)
	}
	evs, err := scanEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: events: %w", err)
	}
	return evs, nil
}

// eventsQuery builds the SELECT for f. Since is inclusive, Until exclusive.
func eventsQuery(f store.EventFilter) (string, []any) {
	var where []string
	var args []any
	add := func(cond string, arg any) {
		where = append(where, cond)
		args = append(args, arg)
	}
	if f.Kind != "" {
		add("kind = ?", string(f.Kind))
	}
	if f.Family != "" {
		add("family = ? COLLATE NOCASE", f.Family) // events_family_nocase
	}
	if f.SrcIP != "" {
		add("src_ip = ?", f.SrcIP)
	}
	if f.Session != "" {
		add("session = ?", f.Session)
	}
	if !f.Since.IsZero() {
		add("time >= ?", f.Since.UnixNano())
	}
	if !f.Until.IsZero() {
		add("time < ?", f.Until.UnixNano())
	}
	query := "SELECT data FROM events"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY time DESC, id DESC LIMIT ?"
	return query, append(args, f.Rows())
}

// scanEvents decodes the data column of every row, and closes rows.
func scanEvents(rows *sql.Rows) ([]event.Event, error) {
	defer rows.Close()
	evs := []event.Event{}
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		var e event.Event
		if err := json.Unmarshal(data, &e); err != nil {
			return nil, fmt.Errorf("decode stored event: %w", err)
		}
		e.Time = e.Time.UTC()
		evs = append(evs, e)
	}
	return evs, rows.Err()
}

// Session implements store.Events.
func (db *DB) Session(ctx context.Context, id string) (*store.Session, error) {
	// One read transaction, so that the row and its events are one snapshot.
	tx, err := db.r.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: session %s: %w", id, err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	st, err := scanSession(tx.QueryRowContext(ctx, `SELECT `+sessionCols+` FROM sessions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: session %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: session %s: %w", id, err)
	}
	s := st.Session()
	s.Transcript, err = queryEvents(ctx, tx,
		`SELECT data FROM events WHERE session = ? ORDER BY time, id LIMIT ?`, id, store.MaxTranscript)
	if err != nil {
		return nil, fmt.Errorf("sqlite: session %s: transcript: %w", id, err)
	}
	details := s.Transcript
	if len(details) == store.MaxTranscript {
		// The transcript was cut; fetch what it may have missed of the
		// events the summary is made of.
		args := []any{id}
		for _, k := range store.SummaryKinds {
			args = append(args, string(k))
		}
		details, err = queryEvents(ctx, tx, `SELECT data FROM events WHERE session = ?
			AND kind IN (`+placeholders(len(store.SummaryKinds))+`) ORDER BY time, id LIMIT ?`,
			append(args, store.MaxTranscript)...)
		if err != nil {
			return nil, fmt.Errorf("sqlite: session %s: details: %w", id, err)
		}
	}
	store.Summarize(s, details)
	return s, nil
}

func queryEvents(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]event.Event, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return scanEvents(rows)
}

// OpenSessions implements store.Events.
func (db *DB) OpenSessions(ctx context.Context, sensor string, before time.Time, limit int) ([]store.Session, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+sessionCols+` FROM sessions
		WHERE end_ns IS NULL AND sensor = ? AND start_ns < ? ORDER BY start_ns, id LIMIT ?`,
		sensor, before.UnixNano(), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open sessions: %w", err)
	}
	defer rows.Close()
	out := []store.Session{}
	for rows.Next() {
		st, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: open sessions: %w", err)
		}
		out = append(out, *st.Session())
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: open sessions: %w", err)
	}
	return out, nil
}

// DailyStats implements store.Events. It reads the sessions rollup only.
func (db *DB) DailyStats(ctx context.Context, from, to time.Time) ([]store.DailyStat, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT day, family, dst_port, sessions, sources
		FROM rollup_sessions
		WHERE day >= ? AND day <= ?
		ORDER BY day, family, dst_port`,
		from.UTC().Format(time.DateOnly), to.UTC().Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("sqlite: daily stats: %w", err)
	}
	defer rows.Close()
	stats := []store.DailyStat{}
	for rows.Next() {
		var st store.DailyStat
		if err := rows.Scan(&st.Day, &st.Family, &st.DstPort, &st.Sessions, &st.Sources); err != nil {
			return nil, fmt.Errorf("sqlite: daily stats: %w", err)
		}
		stats = append(stats, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: daily stats: %w", err)
	}
	return stats, nil
}

// CountEvents implements store.Events.
func (db *DB) CountEvents(ctx context.Context) (int64, error) {
	var n int64
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count events: %w", err)
	}
	return n, nil
}

// DeadLetter implements store.Events.
func (db *DB) DeadLetter(ctx context.Context, subject string, data []byte, reason string) error {
	if data == nil {
		data = []byte{} // an empty message is still a message: keep a BLOB, not NULL
	}
	if _, err := db.w.ExecContext(ctx, `INSERT INTO dead_letters (time, subject, data, reason) VALUES (?, ?, ?, ?)`,
		time.Now().UnixNano(), subject, data, reason); err != nil {
		return fmt.Errorf("sqlite: dead letter: %w", err)
	}
	return nil
}
