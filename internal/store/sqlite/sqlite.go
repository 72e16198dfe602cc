// Package sqlite is the SQLite adapter of store.Store, for single-host
// deployments. It uses modernc.org/sqlite (pure Go, no cgo).
//
// One connection writes, so writers queue in database/sql instead of fighting
// over SQLite's lock; a separate pool reads, which WAL lets run concurrently
// with the writer. Sessions are derived from events in the same transaction
// that inserts the events, so they can never disagree.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/store"
)

// DB is a store.Store kept in one SQLite file. It is safe for concurrent use.
type DB struct {
	w *sql.DB // the only writer: MaxOpenConns(1)
	r *sql.DB // readers

	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*DB)(nil)

//go:embed migrations/*.sql
var migrations embed.FS

// Query limits.
const (
	defaultLimit  = 100
	maxLimit      = 10000
	maxTranscript = 5000
)

// Per-connection pragmas, set through the DSN so that every connection the
// pools open gets them, not only the first one.
var (
	// busy_timeout: another process (a backup, the sqlite3 shell) may hold
	// the lock for a moment; wait for it rather than fail at once.
	// foreign_keys: off by default in SQLite; on so that any reference a
	// later migration declares is actually enforced.
	commonPragmas = []string{"busy_timeout(10000)", "foreign_keys(1)"}

	// journal_mode=WAL: readers never block the writer nor the writer the
	// readers, and a commit is one sequential append. (Persistent in the
	// file; set by the writer, which opens first.)
	// synchronous=NORMAL: in WAL mode a commit survives a crash or kill of
	// the process, which is what matters because the bus acks a batch only
	// after its commit; only an OS crash or power loss may lose the last
	// commits, and those are redelivered since they were never acked.
	// FULL would add an fsync per commit for nothing we need.
	// cache_size=-65536 (64 MiB): every insert touches six B-trees (the
	// table and its indexes); keeping their hot pages cached saves re-reads
	// from the OS at tens of thousands of events per second.
	writerPragmas = []string{"journal_mode(WAL)", "synchronous(NORMAL)", "cache_size(-65536)"}

	// query_only: the read pool must never write, by mistake or otherwise.
	readerPragmas = []string{"query_only(1)"}
)

// Open opens (creating if needed) the database file at path, creating its
// parent directory, and applies any pending migrations.
func Open(path string) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}

	// _txlock=immediate: a write transaction takes the write lock at BEGIN,
	// so it cannot fail half-way with SQLITE_BUSY when upgrading from read.
	w, err := sql.Open("sqlite", dsn(abs, slices.Concat(commonPragmas, writerPragmas), "_txlock=immediate"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	if err := migrate(context.Background(), w); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}

	r, err := sql.Open("sqlite", dsn(abs, slices.Concat(commonPragmas, readerPragmas)))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	r.SetMaxOpenConns(max(4, runtime.NumCPU()))
	r.SetMaxIdleConns(max(4, runtime.NumCPU()))
	return &DB{w: w, r: r}, nil
}

// dsn builds a SQLite URI for path. The URI form (rather than a plain file
// name) lets any character appear in the path, escaped.
func dsn(path string, pragmas []string, extra ...string) string {
	q := make([]string, 0, len(pragmas)+len(extra))
	for _, p := range pragmas {
		q = append(q, "_pragma="+url.QueryEscape(p))
	}
	q = append(q, extra...)
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: strings.Join(q, "&")}
	return u.String()
}

// Close closes the database. Calling it again does nothing.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.closeErr = errors.Join(db.r.Close(), db.w.Close())
		if db.closeErr != nil {
			db.closeErr = fmt.Errorf("sqlite: close: %w", db.closeErr)
		}
	})
	return db.closeErr
}

// migrate applies, in file name order, each embedded migration not yet
// recorded in schema_migrations, each in its own transaction together with
// its record, so a failed migration leaves no trace and is retried next time.
func migrate(ctx context.Context, w *sql.DB) error {
	if _, err := w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    TEXT    NOT NULL PRIMARY KEY,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := applyMigration(ctx, w, name); err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
	}
	return nil
}

func applyMigration(ctx context.Context, w *sql.DB, name string) error {
	version := strings.TrimSuffix(filepath.Base(name), ".sql")
	body, err := migrations.ReadFile(name)
	if err != nil {
		return err
	}
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
		version, time.Now().UnixNano()); err != nil {
		return err
	}
	return tx.Commit()
}

// AppendEvents implements store.Store.
func (db *DB) AppendEvents(ctx context.Context, evs []event.Event) ([]event.Event, error) {
	if len(evs) == 0 {
		return []event.Event{}, nil
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: append events: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	inserted, err := insertEvents(ctx, tx, evs)
	if err != nil {
		return nil, fmt.Errorf("sqlite: append events: %w", err)
	}
	if err := upsertSessions(ctx, tx, deriveSessions(inserted)); err != nil {
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
func insertEvents(ctx context.Context, tx *sql.Tx, evs []event.Event) ([]event.Event, error) {
	var full *sql.Stmt
	if len(evs) >= insertChunk {
		var err error
		if full, err = tx.PrepareContext(ctx, insertEventsSQL(insertChunk)); err != nil {
			return nil, fmt.Errorf("prepare insert: %w", err)
		}
		defer full.Close()
	}
	isNew := make(map[string]bool, len(evs))
	args := make([]any, 0, insertChunk*insertEventCols)
	for start := 0; start < len(evs); start += insertChunk {
		chunk := evs[start:min(start+insertChunk, len(evs))]
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
		var rows *sql.Rows
		var err error
		if len(chunk) == insertChunk && full != nil {
			rows, err = full.QueryContext(ctx, args...)
		} else {
			rows, err = tx.QueryContext(ctx, insertEventsSQL(len(chunk)), args...)
		}
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

// sessionDelta is what one batch says about one session. It is folded from
// the batch's new events in Go and then merged into the stored row by one
// upsert (upsertSessionSQL), applying the same rules, so that a batch costs
// one statement per session rather than one per event.
type sessionDelta struct {
	id, sensor, proto, srcIP string
	srcPort, dstPort         int
	start                    int64 // unix ns
	connected                bool  // start and common fields come from session.connect
	end                      sql.NullInt64
	family                   string
	reasons                  []string
	attributedAt             sql.NullInt64 // time of the winning attribution
	familyAt                 sql.NullInt64 // time of the winning ordinary event family
}

// deriveSessions folds evs into one delta per session, in first-seen order.
func deriveSessions(evs []event.Event) []*sessionDelta {
	var order []*sessionDelta
	byID := make(map[string]*sessionDelta)
	for i := range evs {
		e := &evs[i]
		if e.Session == "" {
			continue
		}
		d := byID[e.Session]
		if d == nil {
			d = &sessionDelta{id: e.Session, start: math.MaxInt64}
			byID[e.Session] = d
			order = append(order, d)
		}
		d.add(e)
	}
	return order
}

// isAttribution reports whether e decides a session's family: the
// attributor's verdict, or the final family the sensor reports at close.
func isAttribution(e *event.Event) bool {
	return e.Kind == event.SessionAttributed || (e.Kind == event.SessionClosed && e.Family != "")
}

func (d *sessionDelta) add(e *event.Event) {
	t := e.Time.UnixNano()
	// session.connect is authoritative; before it, the earliest event stands in
	// (a redelivery may bring a session's events before its connect).
	if !d.connected && (e.Kind == event.SessionConnect || t < d.start) {
		d.sensor, d.proto, d.srcIP, d.srcPort, d.dstPort = e.Sensor, e.Proto, e.SrcIP, e.SrcPort, e.DstPort
		d.start = t
		d.connected = e.Kind == event.SessionConnect
	}
	if e.Kind == event.SessionClosed && (!d.end.Valid || t > d.end.Int64) {
		d.end = sql.NullInt64{Int64: t, Valid: true}
	}
	switch {
	case isAttribution(e):
		if d.attributedAt.Valid && t <= d.attributedAt.Int64 {
			return // an older verdict, superseded
		}
		// A verdict without reasons for the same family (session.closed
		// repeating it) must not erase why the family was attributed.
		if len(e.Reasons) > 0 || e.Family != d.family {
			d.reasons = e.Reasons
		}
		d.family = e.Family
		d.attributedAt = sql.NullInt64{Int64: t, Valid: true}
	case e.Family != "" && !d.attributedAt.Valid && (!d.familyAt.Valid || t > d.familyAt.Int64):
		d.family = e.Family
		d.familyAt = sql.NullInt64{Int64: t, Valid: true}
	}
}

// Conditions of upsertSessionSQL, against the stored row (sessions.*) and the
// batch's delta (excluded.*); all SET expressions see the stored row as it was.
const (
	// The delta's common fields win if they come from the connect, or are
	// earlier, while the stored row has not seen the connect.
	takeCommon = `(NOT sessions.connected AND (excluded.connected OR excluded.start_ns < sessions.start_ns))`
	// The delta's attribution is newer than the stored one.
	takeAttribution = `(excluded.attributed_ns IS NOT NULL AND (sessions.attributed_ns IS NULL OR excluded.attributed_ns > sessions.attributed_ns))`
	// Neither has an attribution and the delta's ordinary family is newer.
	takeFamily = `(excluded.attributed_ns IS NULL AND sessions.attributed_ns IS NULL AND excluded.family_ns IS NOT NULL
		AND (sessions.family_ns IS NULL OR excluded.family_ns > sessions.family_ns))`
)

var upsertSessionSQL = strings.NewReplacer(
	"TAKE_COMMON", takeCommon, "TAKE_ATTRIBUTION", takeAttribution, "TAKE_FAMILY", takeFamily,
).Replace(`INSERT INTO sessions
	(id, sensor, proto, src_ip, src_port, dst_port, start_ns, connected, end_ns, family, reasons, attributed_ns, family_ns)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (id) DO UPDATE SET
	sensor    = CASE WHEN TAKE_COMMON THEN excluded.sensor   ELSE sessions.sensor   END,
	proto     = CASE WHEN TAKE_COMMON THEN excluded.proto    ELSE sessions.proto    END,
	src_ip    = CASE WHEN TAKE_COMMON THEN excluded.src_ip   ELSE sessions.src_ip   END,
	src_port  = CASE WHEN TAKE_COMMON THEN excluded.src_port ELSE sessions.src_port END,
	dst_port  = CASE WHEN TAKE_COMMON THEN excluded.dst_port ELSE sessions.dst_port END,
	start_ns  = CASE WHEN TAKE_COMMON THEN excluded.start_ns ELSE sessions.start_ns END,
	connected = max(sessions.connected, excluded.connected),
	end_ns    = CASE WHEN sessions.end_ns IS NULL OR excluded.end_ns > sessions.end_ns
	                 THEN excluded.end_ns ELSE sessions.end_ns END,
	family    = CASE WHEN TAKE_ATTRIBUTION OR TAKE_FAMILY THEN excluded.family ELSE sessions.family END,
	reasons   = CASE WHEN TAKE_ATTRIBUTION AND (excluded.reasons <> '[]' OR excluded.family <> sessions.family)
	                 THEN excluded.reasons ELSE sessions.reasons END,
	attributed_ns = CASE WHEN TAKE_ATTRIBUTION THEN excluded.attributed_ns ELSE sessions.attributed_ns END,
	family_ns     = CASE WHEN TAKE_FAMILY      THEN excluded.family_ns     ELSE sessions.family_ns     END`)

// upsertSessions merges each delta into its session row, creating it if new.
func upsertSessions(ctx context.Context, tx *sql.Tx, deltas []*sessionDelta) error {
	if len(deltas) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, upsertSessionSQL)
	if err != nil {
		return fmt.Errorf("prepare session upsert: %w", err)
	}
	defer stmt.Close()
	for _, d := range deltas {
		reasons, err := json.Marshal(nonNil(d.reasons))
		if err != nil {
			return fmt.Errorf("encode reasons of session %s: %w", d.id, err)
		}
		if _, err := stmt.ExecContext(ctx, d.id, d.sensor, d.proto, d.srcIP, d.srcPort, d.dstPort,
			d.start, d.connected, d.end, d.family, string(reasons), d.attributedAt, d.familyAt); err != nil {
			return fmt.Errorf("upsert session %s: %w", d.id, err)
		}
	}
	return nil
}

// Events implements store.Store.
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
		add("family = ?", f.Family)
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
	return query, append(args, limit(f.Limit))
}

func limit(n int) int {
	switch {
	case n <= 0:
		return defaultLimit
	case n > maxLimit:
		return maxLimit
	}
	return n
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

// Session implements store.Store.
func (db *DB) Session(ctx context.Context, id string) (*store.Session, error) {
	// One read transaction, so that the row and its events are one snapshot.
	tx, err := db.r.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: session %s: %w", id, err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	s, err := sessionRow(ctx, tx, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: session %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: session %s: %w", id, err)
	}
	s.Transcript, err = queryEvents(ctx, tx,
		`SELECT data FROM events WHERE session = ? ORDER BY time, id LIMIT ?`, id, maxTranscript)
	if err != nil {
		return nil, fmt.Errorf("sqlite: session %s: transcript: %w", id, err)
	}
	details := s.Transcript
	if len(details) == maxTranscript {
		// The transcript was cut; fetch what it may have missed of the
		// events the summary is made of.
		details, err = queryEvents(ctx, tx, `SELECT data FROM events WHERE session = ?
			AND kind IN (?, ?, ?, ?) ORDER BY time, id LIMIT ?`, id,
			string(event.LoginSuccess), string(event.LoginFailed), string(event.CommandInput),
			string(event.FileDownload), maxTranscript)
		if err != nil {
			return nil, fmt.Errorf("sqlite: session %s: details: %w", id, err)
		}
	}
	summarize(s, details)
	return s, nil
}

func sessionRow(ctx context.Context, tx *sql.Tx, id string) (*store.Session, error) {
	s := &store.Session{ID: id}
	var start int64
	var end sql.NullInt64
	var reasons string
	err := tx.QueryRowContext(ctx, `SELECT sensor, proto, src_ip, src_port, dst_port, start_ns, end_ns, family, reasons
		FROM sessions WHERE id = ?`, id).
		Scan(&s.Sensor, &s.Proto, &s.SrcIP, &s.SrcPort, &s.DstPort, &start, &end, &s.Family, &reasons)
	if err != nil {
		return nil, err
	}
	s.Start = time.Unix(0, start).UTC()
	if end.Valid {
		t := time.Unix(0, end.Int64).UTC()
		s.End = &t
	}
	if err := json.Unmarshal([]byte(reasons), &s.Reasons); err != nil {
		return nil, fmt.Errorf("decode reasons: %w", err)
	}
	s.Reasons = nonNil(s.Reasons)
	return s, nil
}

func queryEvents(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]event.Event, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return scanEvents(rows)
}

// summarize fills the credentials, commands and downloads of s from evs.
// The slices are never nil, so that they encode as [] rather than null.
func summarize(s *store.Session, evs []event.Event) {
	s.Credentials = []store.Credential{}
	s.Commands = []string{}
	s.Downloads = []store.Download{}
	for _, e := range evs {
		switch e.Kind {
		case event.LoginSuccess, event.LoginFailed:
			c := store.Credential{Time: e.Time, Username: string(e.Username), Success: e.Kind == event.LoginSuccess}
			if e.Password != nil {
				c.Password = string(*e.Password)
			}
			s.Credentials = append(s.Credentials, c)
		case event.CommandInput:
			s.Commands = append(s.Commands, string(e.Input))
		case event.FileDownload:
			s.Downloads = append(s.Downloads, store.Download{Time: e.Time, URL: string(e.URL), Tool: string(e.Tool), Filename: string(e.Filename)})
		}
	}
}

// DailyStats implements store.Store.
func (db *DB) DailyStats(ctx context.Context, from, to time.Time) ([]store.DailyStat, error) {
	first := utcDay(from)
	end := utcDay(to).AddDate(0, 0, 1) // exclusive
	rows, err := db.r.QueryContext(ctx, `SELECT
			strftime('%Y-%m-%d', start_ns / 1000000000, 'unixepoch') AS day,
			CASE WHEN family = '' THEN ? ELSE family END AS fam,
			dst_port, count(*), count(DISTINCT src_ip)
		FROM sessions
		WHERE start_ns >= ? AND start_ns < ?
		GROUP BY day, fam, dst_port
		ORDER BY day, fam, dst_port`,
		event.FamilyUnknown, first.UnixNano(), end.UnixNano())
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

// utcDay returns the start of t's UTC date.
func utcDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// CountEvents implements store.Store.
func (db *DB) CountEvents(ctx context.Context) (int64, error) {
	var n int64
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count events: %w", err)
	}
	return n, nil
}

// DeadLetter implements store.Store.
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

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
