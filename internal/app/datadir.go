package app

import (
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"syscall"
)

// tightenDataDir takes others' access away from the data dir (0755 becomes
// 0750): it holds the database, the captures, the bus's streams and keys.
// MkdirAll creates it 0750 already; this is for a dir made by hand or by an
// older version. A shared dir (sticky, such as /tmp) or one owned by
// another user is left alone, with a warning: changing it would break
// others.
func tightenDataDir(dir string, log *slog.Logger) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	m := fi.Mode()
	if m.Perm()&0o007 == 0 {
		return nil
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if m&fs.ModeSticky != 0 || (ok && int(st.Uid) != os.Getuid()) {
		log.Warn("the data dir is open to others and not ours to change; use a dir of its own", "dir", dir, "mode", fmt.Sprintf("%04o", m.Perm()))
		return nil
	}
	if err := os.Chmod(dir, m.Perm()&^0o007); err != nil {
		return err
	}
	log.Warn("the data dir was open to others; its mode is tightened", "dir", dir,
		"mode", fmt.Sprintf("%04o", m.Perm()), "now", fmt.Sprintf("%04o", m.Perm()&^0o007))
	return nil
}
