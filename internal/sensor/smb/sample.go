package smb

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// budget bounds the bytes all sessions of a sensor hold together (session
// copies and payloads), so that many sessions uploading at once cannot
// exhaust memory: a session that finds it spent keeps less.
type budget struct {
	max  int64
	used atomic.Int64
}

// take reserves up to n bytes and returns how many it got.
func (b *budget) take(n int64) int64 {
	for {
		u := b.used.Load()
		g := min(n, b.max-u)
		if g <= 0 {
			return 0
		}
		if b.used.CompareAndSwap(u, u+g) {
			return g
		}
	}
}

// give returns n bytes taken before.
func (b *budget) give(n int64) { b.used.Add(-n) }

// tap keeps a bounded copy of every byte a client sent, so that a session
// that turns out to be an exploit can be kept whole. Until then it costs
// what the client sent, up to its limit and the sensor's budget.
type tap struct {
	buf       []byte
	limit     int
	budget    *budget
	taken     int64
	truncated bool
}

func newTap(limit int, b *budget) *tap { return &tap{limit: limit, budget: b} }

// Write implements io.Writer for io.TeeReader; it never fails.
func (t *tap) Write(p []byte) (int, error) {
	want := int64(min(len(p), t.limit-len(t.buf)))
	g := t.budget.take(want)
	t.taken += g
	if g < int64(len(p)) {
		t.truncated = true
	}
	t.buf = append(t.buf, p[:g]...)
	return len(p), nil
}

func (t *tap) bytes() []byte { return t.buf }

// release gives the tap's bytes back to the budget; the tap is empty after.
func (t *tap) release() {
	t.budget.give(t.taken)
	t.taken, t.buf = 0, nil
}

// samples writes attacker bytes into a directory, each file named by the
// SHA-256 of its content. Files are written read-only and never executed;
// the same content is stored once. The directory as a whole is bounded, so
// that attackers sending random exploit sessions cannot fill the disk.
type samples struct {
	dir      string // "" keeps nothing (a sensor without a data dir)
	maxTotal int64

	mu    sync.Mutex
	total int64 // bytes in dir, counted at open and on each write
}

// openSamples counts what dir holds already (other sensors keep their
// samples there too).
func openSamples(dir string, maxTotal int64) (*samples, error) {
	s := &samples{dir: dir, maxTotal: maxTotal}
	if dir == "" {
		return s, nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("smb: samples dir: %w", err)
	}
	for _, e := range ents {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
			s.total += info.Size()
		}
	}
	return s, nil
}

// save stores b and returns its SHA-256 in hex, its size and whether it is
// in the directory (false: over the directory's budget, hashed only).
func (s *samples) save(b []byte) (string, int64, bool, error) {
	sum := sha256.Sum256(b)
	name := hex.EncodeToString(sum[:])
	if s.dir == "" {
		return name, int64(len(b)), false, nil
	}
	path := filepath.Join(s.dir, name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := os.Stat(path); err == nil {
		return name, int64(len(b)), true, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", 0, false, fmt.Errorf("smb: sample: %w", err)
	}
	if s.total+int64(len(b)) > s.maxTotal {
		return name, int64(len(b)), false, nil
	}
	if err := s.write(path, b); err != nil {
		return "", 0, false, err
	}
	s.total += int64(len(b))
	return name, int64(len(b)), true, nil
}

// write writes b to path atomically, read-only.
func (s *samples) write(path string, b []byte) error {
	if err := os.MkdirAll(s.dir, 0o750); err != nil {
		return fmt.Errorf("smb: sample: %w", err)
	}
	f, err := os.CreateTemp(s.dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("smb: sample: %w", err)
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("smb: sample: %w", err)
	}
	// Read-only, no execute bit for anyone: a sample is evidence.
	if err := os.Chmod(f.Name(), 0o440); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("smb: sample: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("smb: sample: %w", err)
	}
	return nil
}
