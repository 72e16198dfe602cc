package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/store"
	"github.com/honeygate/honeygate/internal/store/sqlite"
	"github.com/honeygate/honeygate/internal/store/storetest"
	"github.com/honeygate/honeygate/internal/testkit/eventkit"
)

func openTemp(tb testing.TB) *sqlite.DB {
	tb.Helper()
	// A subdirectory that does not exist yet: Open must create it.
	db, err := sqlite.Open(filepath.Join(tb.TempDir(), "data", "honeygate.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	storetest.RunEvents(t, func(t *testing.T) store.Events { return openTemp(t) })
}

// The file name goes into a URI: characters special there must not matter.
func TestOpenOddPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "odd dir #1?%", "honeygate.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.AppendEvents(context.Background(), telnetBatch(0, 10)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not at %s: %v", path, err)
	}
}

func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "honeygate.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	batch := telnetBatch(0, 50)
	if _, err := db.AppendEvents(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	db, err = sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, err := db.CountEvents(ctx); err != nil || n != int64(len(batch)) {
		t.Errorf("CountEvents after reopen = %d, %v; want %d", n, err, len(batch))
	}
	s, err := db.Session(ctx, batch[0].Session)
	if err != nil || len(s.Transcript) != 10 || len(s.Credentials) != 4 {
		t.Errorf("Session after reopen = %+v, %v", s, err)
	}
	if ins, err := db.AppendEvents(ctx, batch); err != nil || len(ins) != 0 {
		t.Errorf("redelivery after reopen inserted %d, %v; want 0", len(ins), err)
	}

	// Each migration was applied once, though Open ran twice.
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var versions, dups int
	if err := raw.QueryRow(`SELECT count(*), count(*) - count(DISTINCT version) FROM schema_migrations`).Scan(&versions, &dups); err != nil {
		t.Fatal(err)
	}
	if versions == 0 || dups != 0 {
		t.Errorf("schema_migrations: %d rows, %d duplicates", versions, dups)
	}
	var mode string
	if err := raw.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

// telnetBatch returns n events of sessions shaped like a Mirai-style telnet
// brute force: connect, window size, three failed logins, one success, three
// commands, close. Session numbers start at first.
func telnetBatch(first, n int) []event.Event {
	evs := make([]event.Event, 0, n)
	for s := first; len(evs) < n; s++ {
		start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(s) * time.Second)
		a := eventkit.New(fmt.Sprintf("%012x", s), fmt.Sprintf("100.%d.%d.%d", s>>16&255, s>>8&255, s&255), 23, start,
			eventkit.Sensor("hp-isp-01"), eventkit.SrcPort(30000+s%30000), eventkit.RandomIDs())
		ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
		session := []event.Event{a.Connect(0), a.Size(ms(10), 80, 24)}
		for i, pw := range []string{"admin", "12345", "", "xc3511"} {
			session = append(session, a.Login(ms(200+100*i), "root", pw, i == 3))
		}
		for i, cmd := range []string{"enable", "system", "/bin/busybox ECCHI"} {
			session = append(session, a.Command(ms(800+100*i), cmd, cmd+": applet not found"))
		}
		closed := a.Closed(ms(1500), "mirai")
		closed.Bytes, closed.Message = 312, "" // the sizes the benchmark's figures were taken with
		session = append(session, closed)
		evs = append(evs, session[:min(len(session), n-len(evs))]...)
	}
	return evs
}

func BenchmarkAppendEvents(b *testing.B) {
	const batchSize = 1000
	ctx := context.Background()
	db := openTemp(b)
	sessions := 0
	for b.Loop() {
		batch := telnetBatch(sessions, batchSize)
		sessions += batchSize / 10
		ins, err := db.AppendEvents(ctx, batch)
		if err != nil {
			b.Fatal(err)
		}
		if len(ins) != batchSize {
			b.Fatalf("inserted %d of %d", len(ins), batchSize)
		}
	}
	b.ReportMetric(float64(b.N*batchSize)/b.Elapsed().Seconds(), "events/s")
}
