// Package sqlite is the SQLite adapter of honeygate's stores, for
// single-host deployments: one database file holds every domain. It uses
// modernc.org/sqlite (pure Go, no cgo).
//
// One connection writes, so writers queue in database/sql instead of fighting
// over SQLite's lock; a separate pool reads, which WAL lets run concurrently
// with the writer. Whatever is derived from a write (sessions, rollups) is
// written in the same transaction, so it can never disagree with it.
//
// # Files
//
//   - db.go: opening, pragmas, closing, and the migration runner;
//   - events.go: store.Events (events, sessions, dead letters, DailyStats);
//   - rollup.go: the writer of daily rollups that every domain's file uses;
//   - migrations/<domain>/NNNN_name.sql: each domain's schema, in order.
//
// # Adding a domain
//
// A domain (intel, crawl, blocks) declares its store interface in its own
// package, with its conformance suite beside it. Here it adds:
//
//  1. <domain>.go: the methods of its interface on *DB, with a compile-time
//     guard (var _ intel.Store = (*DB)(nil)), one write transaction per
//     operation on db.w and reads on db.r;
//  2. migrations/<domain>/0001_init.sql and later NNNN_name.sql files: its
//     own tables only (table names prefixed by the domain where they could
//     collide; a daily rollup as two tables rollup_<thing> and
//     rollup_<thing>_<members>, applied with rollupTables.apply);
//  3. its name at the end of the domains list below, which fixes the order in
//     which domains migrate (a domain may refer to tables of the domains
//     before it, never after);
//  4. a test in this package that runs its conformance suite on a new DB.
//
// Migrations are recorded in schema_migrations as "<domain>/NNNN_name".
// Each one runs once, in its own transaction together with its record, so a
// failed migration leaves no trace and is retried at the next Open. A
// migration is never edited once released: a change is a new file.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// DB is honeygate's SQLite database: every domain's store over one file. It
// is safe for concurrent use.
type DB struct {
	w *sql.DB // the only writer: MaxOpenConns(1)
	r *sql.DB // readers

	stmts stmtCache // the append path's statements, prepared on w

	closeOnce sync.Once
	closeErr  error

	tightened []string // files whose mode Open tightened (perm.go)
}

// domains lists the domains whose migrations Open applies, in order (no
// domain refers to another's tables, so the order is free; it is fixed so
// that every database is built the same way).
var domains = []string{"blocks", "events", "intel", "attacks", "crawl", "audit", "signin"}

//go:embed migrations
var migrations embed.FS

// legacyVersions maps a migration to the name it was recorded under before
// migrations were grouped by domain, so that a database created then opens
// without applying it again.
var legacyVersions = map[string]string{"events/0001_init": "0001_init"}

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
	// cache_size=-65536 (64 MiB): every insert touches several B-trees (the
	// tables and their indexes); keeping their hot pages cached saves
	// re-reads from the OS at tens of thousands of events per second.
	// temp_store=MEMORY: a statement that may fail half-way inside a
	// transaction (an INSERT with constraints, into a table with several
	// indexes) keeps the pages it changes in a statement journal so it can
	// be undone alone; past 64 KiB SQLite spills that journal to a temp
	// file, and from then on every such statement of the transaction
	// writes there. An intel import (eight B-trees an indicator) spent a
	// third of its CPU in those writes and imported 1.4-2x slower (200,000
	// domains: 9.1-14.3 s against 6.0-7.8 s, alternated). The writer's
	// temporary tables are small (a feed refresh's kept ids); a migration
	// that builds an index on a large table sorts in memory too.
	writerPragmas = []string{"journal_mode(WAL)", "synchronous(NORMAL)", "cache_size(-65536)", "temp_store(MEMORY)"}

	// query_only: the read pool must never write, by mistake or otherwise.
	readerPragmas = []string{"query_only(1)"}
)

// Open opens (creating if needed) the database file at path, creating its
// parent directory, and applies any pending migrations of every domain.
// The file is created with FileMode, and an existing one more open than that
// is set to it (see Tightened).
func Open(path string) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// The file exists with its mode before SQLite opens it: SQLite would
	// create it 0644 (less the umask), and its -wal and -shm take its mode.
	tightened, err := securePerms(abs)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: file mode: %w", path, err)
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
	return &DB{w: w, r: r, tightened: tightened}, nil
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
		db.closeErr = errors.Join(db.stmts.close(), db.r.Close(), db.w.Close())
		if db.closeErr != nil {
			db.closeErr = fmt.Errorf("sqlite: close: %w", db.closeErr)
		}
	})
	return db.closeErr
}

// migration is one embedded migration file.
type migration struct {
	version string // "<domain>/NNNN_name"
	file    string // path in the embedded FS
}

// migrationList returns the embedded migrations: the domains in order, each
// domain's files in name order. A directory that is not in domains, or a
// file not named NNNN_name.sql, is an error rather than silently skipped.
func migrationList() ([]migration, error) {
	dirs, err := fs.ReadDir(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	for _, d := range dirs {
		if !d.IsDir() || !slices.Contains(domains, d.Name()) {
			return nil, fmt.Errorf("migrations/%s: not a known domain's directory", d.Name())
		}
	}
	var out []migration
	for _, domain := range domains {
		files, err := fs.ReadDir(migrations, path.Join("migrations", domain))
		if err != nil {
			return nil, err
		}
		for _, f := range files { // ReadDir sorts by name
			name := f.Name()
			if !validMigrationName(name) {
				return nil, fmt.Errorf("migrations/%s/%s: want NNNN_name.sql", domain, name)
			}
			out = append(out, migration{
				version: domain + "/" + strings.TrimSuffix(name, ".sql"),
				file:    path.Join("migrations", domain, name),
			})
		}
	}
	return out, nil
}

func validMigrationName(name string) bool {
	if len(name) < len("0000_x.sql") || !strings.HasSuffix(name, ".sql") || name[4] != '_' {
		return false
	}
	for _, c := range name[:4] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// migrate applies, in order, each embedded migration not yet recorded in
// schema_migrations.
func migrate(ctx context.Context, w *sql.DB) error {
	if _, err := w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    TEXT    NOT NULL PRIMARY KEY,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	list, err := migrationList()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, m := range list {
		if err := applyMigration(ctx, w, m); err != nil {
			return fmt.Errorf("migrate %s: %w", m.version, err)
		}
	}
	return nil
}

func applyMigration(ctx context.Context, w *sql.DB, m migration) error {
	body, err := migrations.ReadFile(m.file)
	if err != nil {
		return err
	}
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version IN (?, ?)`,
		m.version, legacyVersions[m.version]).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
		m.version, time.Now().UnixNano()); err != nil {
		return err
	}
	return tx.Commit()
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
