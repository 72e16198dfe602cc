package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// ErrDataDirInUse is returned by Start when another process owns the data
// dir.
var ErrDataDirInUse = errors.New("data dir in use")

// lockDataDir takes the data dir for this process: an exclusive lock on
// DATA/lock, held until close, taken before anything else in the dir is
// opened (the bus's files, the database, listeners.json). Two processes on
// one data dir would damage each other's store and stream; the second is
// refused with the first's PID and addresses. The kernel drops the lock when
// the process dies, so a crash never leaves a stale lock.
func lockDataDir(dir string) (release func() error, err error) {
	path := filepath.Join(dir, "lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("data dir lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s is used by another honeygate%s; stop it first, or give this one another --data",
				ErrDataDirInUse, dir, describeOwner(dir))
		}
		return nil, fmt.Errorf("data dir lock: %w", err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() error {
		// Unlock by closing; the file stays, so the lock has one inode.
		return f.Close()
	}, nil
}

// describeOwner says which process holds the data dir and where it listens,
// from what it wrote there.
func describeOwner(dir string) string {
	var parts []string
	if b, err := os.ReadFile(filepath.Join(dir, "lock")); err == nil {
		if pid := strings.TrimSpace(string(b)); pid != "" {
			parts = append(parts, "pid "+pid)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "listeners.json")); err == nil {
		var addrs map[string][]string
		if json.Unmarshal(b, &addrs) == nil {
			names := make([]string, 0, len(addrs))
			for n := range addrs {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				parts = append(parts, n+"="+strings.Join(addrs[n], ","))
			}
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
