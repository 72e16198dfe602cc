package sqlite_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/store"
	"github.com/honeygate/honeygate/internal/store/sqlite"
)

// copyLegacy copies testdata/legacy-0001.db (see testdata/README.md) to a
// temporary directory and returns its path.
func copyLegacy(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "legacy-0001.db"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "honeygate.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func migrationsOf(t *testing.T, path string) []string {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rows, err := raw.Query(`SELECT version FROM schema_migrations ORDER BY applied_at`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// A database written before stores per domain opens without applying its
// first migration again, gets the rollups backfilled, and answers as it did.
func TestLegacyDatabase(t *testing.T) {
	ctx := context.Background()
	path := copyLegacy(t)
	if got := migrationsOf(t, path); !slices.Equal(got, []string{"0001_init"}) {
		t.Fatalf("fixture migrations = %v", got)
	}
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The legacy name of the first migration stays; the later ones apply.
	if got := migrationsOf(t, path); len(got) < 2 || got[0] != "0001_init" || slices.Contains(got, "events/0001_init") || !slices.Contains(got, "events/0002_rollups") {
		t.Errorf("migrations = %v, want 0001_init (as recorded before) and the later ones", got)
	}

	var golden struct {
		Daily    json.RawMessage            `json:"daily"`
		Sessions map[string]json.RawMessage `json:"sessions"`
	}
	data, err := os.ReadFile(filepath.Join("testdata", "legacy-0001.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &golden); err != nil {
		t.Fatal(err)
	}
	day0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	daily, err := db.DailyStats(ctx, day0, day0.AddDate(0, 0, 5))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := compact(t, daily), compact(t, golden.Daily); got != want {
		t.Errorf("DailyStats after migration:\n got %s\nwant %s", got, want)
	}
	for id, want := range golden.Sessions {
		s, err := db.Session(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := compact(t, s), compact(t, want); got != want {
			t.Errorf("Session(%s) after migration:\n got %s\nwant %s", id, got, want)
		}
	}

	// New events fold into the old rows and move the backfilled rollup.
	a := event.Event{ID: "new-1", Time: day0.Add(3*77*time.Minute + 5*time.Second), Kind: event.SessionAttributed,
		Sensor: "hp-1", Proto: "telnet", SrcIP: "198.51.100.3", DstPort: 23, Session: "s003",
		Family: "mirai"}
	a.Reasons = []string{"late verdict"}
	if _, err := db.AppendEvents(ctx, []event.Event{a}); err != nil {
		t.Fatal(err)
	}
	s, err := db.Session(ctx, "s003")
	if err != nil || s.Family != "mirai" || !slices.Equal(s.Reasons, []string{"late verdict"}) {
		t.Errorf("s003 after a verdict: %+v, %v", s, err)
	}
	checkRollupAgainstSessions(t, path, db, day0, day0.AddDate(0, 0, 5))
}

// checkRollupAgainstSessions compares DailyStats with the aggregate over the
// sessions table that DailyStats computed before rollups.
func checkRollupAgainstSessions(t *testing.T, path string, db *sqlite.DB, from, to time.Time) {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rows, err := raw.Query(`SELECT
			strftime('%Y-%m-%d', start_ns / 1000000000, 'unixepoch') AS day,
			CASE WHEN family = '' THEN ? ELSE family END AS fam,
			dst_port, count(*), count(DISTINCT src_ip)
		FROM sessions
		WHERE start_ns >= ? AND start_ns < ?
		GROUP BY day, fam, dst_port
		ORDER BY day, fam, dst_port`, event.FamilyUnknown, from.UnixNano(), to.AddDate(0, 0, 1).UnixNano())
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	want := []store.DailyStat{}
	for rows.Next() {
		var st store.DailyStat
		if err := rows.Scan(&st.Day, &st.Family, &st.DstPort, &st.Sessions, &st.Sources); err != nil {
			t.Fatal(err)
		}
		want = append(want, st)
	}
	got, err := db.DailyStats(context.Background(), from, to)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("rollup and sessions disagree:\n rollup   %+v\n sessions %+v", got, want)
	}

	// Distinct sources per day (backfilled by 0006, then moved): an
	// address counts once a day over every family and port.
	rows2, err := raw.Query(`SELECT strftime('%Y-%m-%d', start_ns / 1000000000, 'unixepoch') AS day, count(*), count(DISTINCT src_ip)
		FROM sessions WHERE start_ns >= ? AND start_ns < ? GROUP BY day ORDER BY day`, from.UnixNano(), to.AddDate(0, 0, 1).UnixNano())
	if err != nil {
		t.Fatal(err)
	}
	defer rows2.Close()
	wantDays := []store.DailySource{}
	for rows2.Next() {
		var d store.DailySource
		if err := rows2.Scan(&d.Day, &d.Sessions, &d.Sources); err != nil {
			t.Fatal(err)
		}
		wantDays = append(wantDays, d)
	}
	gotDays, err := db.DailySources(context.Background(), store.SourcesByDay, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gotDays, wantDays) {
		t.Errorf("distinct sources per day and sessions disagree:\n rollup   %+v\n sessions %+v", gotDays, wantDays)
	}
}

func compact(t *testing.T, v any) string {
	t.Helper()
	var raw json.RawMessage
	switch v := v.(type) {
	case json.RawMessage:
		raw = v
	default:
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		raw = b
	}
	var x any
	if err := json.Unmarshal(raw, &x); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A new database records its migrations by domain: every migration file of
// every domain, each domain's in name order, and every directory is a
// domain that Open migrates.
func TestNewDatabaseMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "honeygate.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	got := migrationsOf(t, path)
	dirs, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) != len(sqlite.Domains) {
		t.Errorf("migration directories %v, domains %v", dirs, sqlite.Domains)
	}
	n := 0
	for _, d := range sqlite.Domains {
		files, err := os.ReadDir(filepath.Join("migrations", d))
		if err != nil {
			t.Fatal(err)
		}
		var want, gotD []string
		for _, f := range files {
			want = append(want, d+"/"+strings.TrimSuffix(f.Name(), ".sql"))
		}
		for _, g := range got {
			if strings.HasPrefix(g, d+"/") {
				gotD = append(gotD, g)
			}
		}
		if !slices.Equal(gotD, want) {
			t.Errorf("migrations of %s = %v, want %v", d, gotD, want)
		}
		n += len(want)
	}
	if len(got) != n || !slices.Contains(got, "events/0001_init") {
		t.Errorf("migrations = %v, want the %d files of every domain", got, n)
	}
}

// The rollup written batch by batch equals the aggregate over the sessions,
// for the telnet workload of the benchmark appended in small batches.
func TestRollupAgainstSessions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "honeygate.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	evs := telnetBatch(0, 3000)
	for i := 0; i < len(evs); i += 37 {
		if _, err := db.AppendEvents(context.Background(), evs[i:min(i+37, len(evs))]); err != nil {
			t.Fatal(err)
		}
	}
	day0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	checkRollupAgainstSessions(t, path, db, day0, day0.AddDate(0, 0, 2))
}
