package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// FileMode is the mode of the database file. The database holds what
// attackers typed (passwords among it), the intel and the dashboard's
// sign-in sessions: for the service's user only. SQLite creates the -wal
// and -shm files with the database file's mode (and sets it on them when
// the umask took bits away), so they follow it.
const FileMode fs.FileMode = 0o600

// tooOpen are the bits that make an existing file too open: any access by
// others, or writing by the group. A mode the operator chose within 0640 is
// kept.
const tooOpen fs.FileMode = 0o027

// companions are the files SQLite keeps beside the database.
var companions = []string{"-wal", "-shm", "-journal"}

// securePerms creates the database file at path with FileMode when it does
// not exist (whatever the umask: SQLite would create it 0644), and sets
// FileMode on it and its companions when they exist with a looser mode. It
// returns what it changed, for the caller to log.
func securePerms(path string) ([]string, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, FileMode)
	switch {
	case err == nil:
		// The umask may have taken bits away (0400 is no use to a writer);
		// Chmod is not subject to it.
		err = errors.Join(f.Chmod(FileMode), f.Close())
		if err != nil {
			return nil, err
		}
	case !errors.Is(err, fs.ErrExist):
		return nil, err
	}
	var changed []string
	for _, p := range append([]string{path}, companionPaths(path)...) {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return changed, err
		}
		if m := fi.Mode().Perm(); m&tooOpen != 0 {
			if err := os.Chmod(p, FileMode); err != nil {
				// Not ours (a report run by another user): say so, and
				// read it all the same.
				changed = append(changed, fmt.Sprintf("%s: mode %04o, not changed: %v", p, m, err))
				continue
			}
			changed = append(changed, fmt.Sprintf("%s: mode %04o, now %04o", p, m, FileMode))
		}
	}
	return changed, nil
}

func companionPaths(path string) []string {
	out := make([]string, len(companions))
	for i, c := range companions {
		out[i] = path + c
	}
	return out
}

// Tightened lists the files Open found with a mode more open than FileMode
// allows (any access by others, or group write) and set to FileMode, as
// "path: mode 0644, now 0600" (or "not changed: why" when the file is not
// this user's to change); the caller logs them.
func (db *DB) Tightened() []string { return db.tightened }
