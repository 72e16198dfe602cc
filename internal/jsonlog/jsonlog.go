// Package jsonlog writes events as a Cowrie-style JSON lines log: one JSON
// object per line in DIR/events.json, rotated daily (UTC) to
// events.json.YYYY-MM-DD, as Cowrie does, and also by size.
//
// It exists so that tooling written for Cowrie's JSON log (log shippers,
// one-off jq scripts) works on honeygate. It is a derived, human-facing copy:
// the bus stream and the store are the records of truth, so the log does not
// fsync (see Writer.Write) and is not read back by honeygate, except for the
// ids of its last lines at Open, so that the events the bus redelivers after
// a crash are not written twice: each id appears in the log once.
package jsonlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

// FileName is the name of the live log file inside the directory.
const FileName = "events.json"

const dayLayout = "2006-01-02"

// Writer appends events to the log. It is safe for concurrent use.
type Writer struct {
	dir      string
	maxBytes int64
	keep     int
	now      func() time.Time // injectable clock for tests

	mu   sync.Mutex
	f    *os.File
	size int64  // bytes in the live file
	day  string // UTC day (YYYY-MM-DD) the live file's lines belong to
	buf  bytes.Buffer
	// closed is set by Close; f is also nil after a failed rotation, which
	// the next Write repairs.
	closed bool
	// written holds the ids of the last lines an earlier run wrote to the
	// live file. After a crash, the bus redelivers what that run wrote but
	// had not acknowledged; those events are skipped, so that each id is in
	// the log once. Redeliveries come within the bus's ack wait, so the set
	// is dropped once writtenUntil has passed.
	written      map[string]struct{}
	writtenUntil time.Time
}

// tailBytes is how much of the live file is read back at Open for ids: more
// than the bus can have delivered unacknowledged (its MaxAckPending, about
// 17,000 events of a few hundred bytes).
const tailBytes = 32 << 20

// Open opens (appending to) or creates dir/events.json. The file is rotated
// when a Write happens on a later UTC day than the file's (renamed to
// events.json.YYYY-MM-DD) or when a line would take it past maxBytes (renamed
// to events.json.YYYY-MM-DD.N); maxBytes <= 0 disables size rotation. At most
// keep rotated files are kept, the oldest removed first; keep 0 keeps all.
func Open(dir string, maxBytes int64, keep int) (*Writer, error) {
	return open(dir, maxBytes, keep, time.Now)
}

func open(dir string, maxBytes int64, keep int, now func() time.Time) (*Writer, error) {
	if keep < 0 {
		return nil, fmt.Errorf("jsonlog: keep %d is negative", keep)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("jsonlog: %w", err)
	}
	w := &Writer{dir: dir, maxBytes: maxBytes, keep: keep, now: now}
	if err := w.openFile(); err != nil {
		return nil, err
	}
	// A file left by an earlier run belongs to the day it was last written
	// (as Cowrie's DailyLogFile assumes), so a restart on a later day
	// rotates it under its own date rather than mixing days.
	if fi, err := w.f.Stat(); err == nil && fi.Size() > 0 {
		w.day = fi.ModTime().UTC().Format(dayLayout)
		w.written = tailIDs(w.path(), fi.Size())
		w.writtenUntil = now().Add(10 * time.Minute)
	}
	return w, nil
}

// tailIDs returns the ids of the events in the last tailBytes of the file.
func tailIDs(path string, size int64) map[string]struct{} {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	off := max(0, size-tailBytes)
	b := make([]byte, size-off)
	n, _ := f.ReadAt(b, off)
	b = b[:n]
	if off > 0 { // the first line is cut: skip it
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	ids := map[string]struct{}{}
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		var e struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(line, &e) == nil && e.ID != "" {
			ids[e.ID] = struct{}{}
		}
	}
	return ids
}

func (w *Writer) path() string { return filepath.Join(w.dir, FileName) }

func (w *Writer) openFile() error {
	f, err := os.OpenFile(w.path(), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("jsonlog: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("jsonlog: %w", err)
	}
	w.f, w.size, w.day = f, fi.Size(), w.now().UTC().Format(dayLayout)
	return nil
}

// Write appends evs, one JSON object per line, rotating as needed. Each
// batch reaches the OS with one write per file it lands in, but is not
// fsynced: a crash of honeygate loses nothing (the page cache survives it),
// and what a power loss might cost is the tail of a log that can be
// regenerated from the bus stream, while an fsync per batch would cost
// milliseconds on every store commit. A batch is written whole or, on error,
// not acknowledged to the bus and so redelivered: a line may then appear
// twice in the log, never be missing.
func (w *Writer) Write(evs []event.Event) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return errors.New("jsonlog: write on a closed writer")
	}
	if w.f == nil {
		// An earlier rotation could not reopen the file (the directory was
		// gone, the disk full): try again rather than fail forever.
		if err := os.MkdirAll(w.dir, 0o750); err != nil {
			return fmt.Errorf("jsonlog: %w", err)
		}
		if err := w.openFile(); err != nil {
			return err
		}
	}
	today := w.now().UTC().Format(dayLayout)
	if w.day != today && w.size > 0 {
		if err := w.rotate(false); err != nil {
			return err
		}
	}
	w.day = today

	w.buf.Reset()
	if w.written != nil && w.now().After(w.writtenUntil) {
		w.written = nil
	}
	for i := range evs {
		if w.written != nil {
			if _, dup := w.written[evs[i].ID]; dup {
				delete(w.written, evs[i].ID) // redelivered once at most
				continue
			}
		}
		// The bus encoding is kept as is when it is one line (ours always
		// is; a remote sensor's might not be): no re-encoding per event.
		line := []byte(evs[i].Raw)
		if len(line) == 0 || bytes.IndexByte(line, '\n') >= 0 {
			var err error
			if line, err = event.Marshal(&evs[i]); err != nil {
				return fmt.Errorf("jsonlog: event %s: %w", evs[i].ID, err)
			}
		}
		n := int64(len(line) + 1)
		// Rotate before a line that would overflow a non-empty file; a
		// single line larger than maxBytes still goes into a file of its own.
		if w.maxBytes > 0 && w.size+int64(w.buf.Len())+n > w.maxBytes && w.size+int64(w.buf.Len()) > 0 {
			if err := w.flush(); err != nil {
				return err
			}
			if err := w.rotate(true); err != nil {
				return err
			}
		}
		w.buf.Write(line)
		w.buf.WriteByte('\n')
	}
	return w.flush()
}

// flush writes the buffered lines to the live file.
func (w *Writer) flush() error {
	if w.buf.Len() == 0 {
		return nil
	}
	n, err := w.f.Write(w.buf.Bytes())
	w.size += int64(n)
	w.buf.Reset()
	if err != nil {
		return fmt.Errorf("jsonlog: %w", err)
	}
	return nil
}

// rotate renames the live file to events.json.DAY (day rotation, if that name
// is free) or events.json.DAY.N (size rotation, or a second file for a day),
// opens a fresh one and prunes old files.
func (w *Writer) rotate(bySize bool) error {
	if err := w.f.Close(); err != nil {
		w.f = nil
		return fmt.Errorf("jsonlog: close for rotation: %w", err)
	}
	w.f = nil
	base := w.path() + "." + w.day
	target := base
	if bySize || exists(target) {
		for n := 1; ; n++ {
			target = base + "." + strconv.Itoa(n)
			if !exists(target) {
				break
			}
		}
	}
	renameErr := os.Rename(w.path(), target)
	// Reopen even if the rename failed, so the writer stays usable (it then
	// keeps appending to the old file, which is better than losing lines).
	if err := w.openFile(); err != nil {
		return errors.Join(renameErr, err)
	}
	if renameErr != nil {
		return fmt.Errorf("jsonlog: rotate: %w", renameErr)
	}
	return w.prune()
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// rotated is a rotated file and what orders it.
type rotated struct {
	name string
	day  string
	n    int // 0 for events.json.DAY
	mod  time.Time
}

// prune removes the oldest rotated files beyond keep. Files are ordered by
// the day in their name, then by modification time, then by suffix (the
// bare day file is the end of its day, so it sorts after numbered ones).
func (w *Writer) prune() error {
	if w.keep == 0 {
		return nil
	}
	ents, err := os.ReadDir(w.dir)
	if err != nil {
		return fmt.Errorf("jsonlog: prune: %w", err)
	}
	var files []rotated
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), FileName+".")
		if !ok || !e.Type().IsRegular() {
			continue
		}
		day, num, _ := strings.Cut(rest, ".")
		if _, err := time.Parse(dayLayout, day); err != nil {
			continue // not ours
		}
		r := rotated{name: e.Name(), day: day, n: 1 << 30}
		if num != "" {
			if r.n, err = strconv.Atoi(num); err != nil || r.n < 1 {
				continue
			}
		}
		if fi, err := e.Info(); err == nil {
			r.mod = fi.ModTime()
		}
		files = append(files, r)
	}
	if len(files) <= w.keep {
		return nil
	}
	slices.SortFunc(files, func(a, b rotated) int {
		if c := strings.Compare(a.day, b.day); c != 0 {
			return c
		}
		if c := a.mod.Compare(b.mod); c != 0 {
			return c
		}
		return a.n - b.n
	})
	var errs []error
	for _, f := range files[:len(files)-w.keep] {
		if err := os.Remove(filepath.Join(w.dir, f.name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("jsonlog: prune: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Close closes the live file. Further Writes fail; Close is idempotent.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	if err != nil {
		return fmt.Errorf("jsonlog: %w", err)
	}
	return nil
}
