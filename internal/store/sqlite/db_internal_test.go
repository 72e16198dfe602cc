package sqlite

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// Every embedded migration belongs to a listed domain and is named
// NNNN_name.sql, with numbers that follow each other from 0001.
func TestMigrationList(t *testing.T) {
	list, err := migrationList()
	if err != nil {
		t.Fatal(err)
	}
	next := map[string]int{}
	for _, m := range list {
		domain, name, ok := strings.Cut(m.version, "/")
		if !ok {
			t.Errorf("%s: no domain", m.version)
			continue
		}
		next[domain]++
		if want := fmt.Sprintf("%04d", next[domain]); name[:4] != want {
			t.Errorf("%s: want number %s", m.version, want)
		}
	}
	if next["events"] == 0 {
		t.Error("no events migrations")
	}
}

func TestValidMigrationName(t *testing.T) {
	for name, want := range map[string]bool{
		"0001_init.sql": true, "0002_rollups.sql": true,
		"001_init.sql": false, "0001init.sql": false, "0001_.sql": false, "abcd_x.sql": false, "0001_x.txt": false,
	} {
		if got := validMigrationName(name); got != want {
			t.Errorf("validMigrationName(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestWriterPragmas: the writer connection keeps temporary storage (the
// statement journals of an import's inserts) in memory, and the readers
// stay read-only.
func TestWriterPragmas(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var temp, sync, qo int
	if err := db.w.QueryRow(`PRAGMA temp_store`).Scan(&temp); err != nil || temp != 2 {
		t.Errorf("writer temp_store = %d, %v; want 2 (MEMORY)", temp, err)
	}
	if err := db.w.QueryRow(`PRAGMA synchronous`).Scan(&sync); err != nil || sync != 1 {
		t.Errorf("writer synchronous = %d, %v; want 1 (NORMAL)", sync, err)
	}
	if err := db.r.QueryRow(`PRAGMA query_only`).Scan(&qo); err != nil || qo != 1 {
		t.Errorf("reader query_only = %d, %v; want 1", qo, err)
	}
}
