package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/honeygate/honeygate/internal/store/sqlite"
)

func modeOf(t *testing.T, p string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// A new database and the -wal and -shm files SQLite makes beside it are
// for the owner only, whatever the umask: the permissive one (0) and the
// usual one (022) alike.
func TestNewDatabaseIsOwnerOnly(t *testing.T) {
	for _, umask := range []int{0, 0o022} {
		old := syscall.Umask(umask)
		p := filepath.Join(t.TempDir(), "honeygate.db")
		db, err := sqlite.Open(p)
		if err != nil {
			syscall.Umask(old)
			t.Fatal(err)
		}
		// A write, so that the -wal and -shm exist (SQLite creates them).
		if _, err := db.AppendEvents(context.Background(), telnetBatch(0, 3)); err != nil {
			t.Fatal(err)
		}
		syscall.Umask(old)
		for _, f := range []string{p, p + "-wal", p + "-shm"} {
			if m := modeOf(t, f); m != sqlite.FileMode {
				t.Errorf("umask %03o: %s is %04o, want %04o", umask, filepath.Base(f), m, sqlite.FileMode)
			}
		}
		if got := db.Tightened(); len(got) != 0 {
			t.Errorf("a new database reports tightened files: %q", got)
		}
		db.Close()
	}
}

// A database an older version left 0644 (and its -wal after a kill) is set
// to 0600 on open, and the change is reported for the log; a mode the
// operator chose within 0640 is kept.
func TestLooseDatabaseIsTightened(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "honeygate.db")
	db, err := sqlite.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AppendEvents(context.Background(), telnetBatch(0, 3)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// A clean close removed the -wal; a killed process leaves it (empty
	// here, which SQLite takes for no log).
	if _, err := os.Stat(p + "-wal"); os.IsNotExist(err) {
		if err := os.WriteFile(p+"-wal", nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{p, p + "-wal"} {
		if err := os.Chmod(f, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db, err = sqlite.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(db.Tightened(), "\n")
	// While open (a clean close removes the -wal).
	for _, f := range []string{p, p + "-wal"} {
		if m := modeOf(t, f); m != sqlite.FileMode {
			t.Errorf("%s is %04o after open, want %04o", filepath.Base(f), m, sqlite.FileMode)
		}
		if !strings.Contains(got, f+": mode 0644, now 0600") {
			t.Errorf("tightened %q lacks %s", got, f)
		}
	}
	db.Close()

	if err := os.Chmod(p, 0o640); err != nil {
		t.Fatal(err)
	}
	db, err = sqlite.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if m := modeOf(t, p); m != 0o640 || len(db.Tightened()) != 0 {
		t.Errorf("a 0640 database: %04o after open, tightened %q", m, db.Tightened())
	}
}
