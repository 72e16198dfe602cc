package e2e

import (
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// After a start and a crawl, what honeygate keeps is not readable by
// others, whatever the umask it was started with: the database and its
// -wal and -shm are 0600, the captures 0600, the data dir (made 0755 by
// hand beforehand) 0750; the log says what was tightened.
func TestDataFilesAreOwnerOnly(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(data, 0o755); err != nil {
		t.Fatal(err)
	}
	old := syscall.Umask(0) // the server inherits it: the loosest
	site := serve(t, listenOn(t, "127.0.0.1"), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><body><p>hello</p><script src="/app.js"></script></body></html>`)
	}))
	s := startServer(t, data, "--config", crawlConfig(t, root, ""), "--listen", "web=127.0.0.1:0", "--listen", "telnet=off")
	syscall.Umask(old)
	cli := func(args ...string) {
		t.Helper()
		if out, code := runCLI(t, nil, append(args, "--server", "http://"+s.addrs["web"][0], "--token", testToken)...); code != 0 {
			t.Fatalf("honeygate %s: exit %d:\n%s", strings.Join(args, " "), code, out)
		}
	}
	cli("watch", "add", site+"/", "--name", "site")
	cli("crawl", "--day", "2026-03-01")

	mode := func(p string) fs.FileMode {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Mode().Perm()
	}
	if m := mode(data); m != 0o750 {
		t.Errorf("data dir %04o, want 0750", m)
	}
	db := filepath.Join(data, "honeygate.db")
	for _, f := range []string{db, db + "-wal", db + "-shm"} {
		if m := mode(f); m != 0o600 {
			t.Errorf("%s %04o, want 0600", filepath.Base(f), m)
		}
	}
	captures := 0
	filepath.WalkDir(filepath.Join(data, "captures"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		captures++
		if m := mode(p); m&0o077 != 0 {
			t.Errorf("capture %s %04o, want no access by others", p, m)
		}
		return nil
	})
	if captures == 0 {
		t.Error("no capture kept")
	}
	if !strings.Contains(s.logs.String(), "data dir was open to others") {
		t.Errorf("the log does not say the data dir was tightened:\n%s", s.logs.String())
	}
}
