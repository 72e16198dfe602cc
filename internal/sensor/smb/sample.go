package smb

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// tap keeps a bounded copy of every byte a client sent, so that a session
// that turns out to be an exploit can be kept whole. Until then it costs
// what the client sent, up to its limit.
type tap struct {
	buf       []byte
	limit     int
	truncated bool
}

func newTap(limit int) *tap { return &tap{limit: limit} }

// Write implements io.Writer for io.TeeReader; it never fails.
func (t *tap) Write(p []byte) (int, error) {
	room := t.limit - len(t.buf)
	if room < len(p) {
		t.truncated = true
		if room > 0 {
			t.buf = append(t.buf, p[:room]...)
		}
		return len(p), nil
	}
	t.buf = append(t.buf, p...)
	return len(p), nil
}

func (t *tap) bytes() []byte { return t.buf }

// samples writes attacker bytes into a directory, each file named by the
// SHA-256 of its content. Files are written read-only and never executed;
// the same content is stored once.
type samples struct {
	dir string // "" keeps nothing (a sensor without a data dir)
}

// save stores b and returns its SHA-256 in hex and its size.
func (s samples) save(b []byte) (string, int64, error) {
	sum := sha256.Sum256(b)
	name := hex.EncodeToString(sum[:])
	if s.dir == "" {
		return name, int64(len(b)), nil
	}
	path := filepath.Join(s.dir, name)
	if _, err := os.Stat(path); err == nil {
		return name, int64(len(b)), nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", 0, fmt.Errorf("smb: sample: %w", err)
	}
	if err := os.MkdirAll(s.dir, 0o750); err != nil {
		return "", 0, fmt.Errorf("smb: sample: %w", err)
	}
	f, err := os.CreateTemp(s.dir, ".tmp-*")
	if err != nil {
		return "", 0, fmt.Errorf("smb: sample: %w", err)
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(f.Name())
		return "", 0, fmt.Errorf("smb: sample: %w", err)
	}
	// Read-only, no execute bit for anyone: a sample is evidence.
	if err := os.Chmod(f.Name(), 0o440); err != nil {
		os.Remove(f.Name())
		return "", 0, fmt.Errorf("smb: sample: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return "", 0, fmt.Errorf("smb: sample: %w", err)
	}
	return name, int64(len(b)), nil
}
