package jsonlog

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

// clock is a settable fake time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func newEvents(n int, prefix string) []event.Event {
	evs := make([]event.Event, n)
	for i := range evs {
		pw := event.Text("")
		evs[i] = event.Event{
			ID:      fmt.Sprintf("%s-%04d", prefix, i),
			Time:    time.Date(2025, 3, 1, 12, 0, i, 0, time.UTC),
			Kind:    event.LoginFailed,
			Sensor:  "s1",
			Proto:   "telnet",
			SrcIP:   "198.51.100.7",
			SrcPort: 5000 + i,
			DstPort: 23,
			Session: "abc123",
			Login:   event.Login{Username: "admin", Password: &pw}, // empty password, but present
		}
	}
	return evs
}

func readLines(t *testing.T, path string) []event.Event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var evs []event.Event
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		e, err := event.Unmarshal(sc.Bytes())
		if err != nil {
			t.Fatalf("%s: line %q: %v", path, sc.Text(), err)
		}
		evs = append(evs, e)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return evs
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func day(d int) time.Time { return time.Date(2025, 3, d, 10, 0, 0, 0, time.UTC) }

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t: day(1)}
	w, err := open(dir, 0, 0, c.now)
	if err != nil {
		t.Fatal(err)
	}
	evs := newEvents(10, "a")
	if err := w.Write(evs[:4]); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(evs[4:]); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := w.Write(evs); err == nil {
		t.Error("Write after Close succeeded")
	}
	got := readLines(t, filepath.Join(dir, FileName))
	if !reflect.DeepEqual(got, evs) {
		t.Fatalf("round trip mismatch:\n got %+v\nwant %+v", got, evs)
	}

	// Reopening on the same day appends. (The file's mtime says which day
	// its lines are from; set it to the fake clock's day.)
	if err := os.Chtimes(filepath.Join(dir, FileName), day(1), day(1)); err != nil {
		t.Fatal(err)
	}
	w, err = open(dir, 0, 0, c.now)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	more := newEvents(3, "b")
	if err := w.Write(more); err != nil {
		t.Fatal(err)
	}
	if got := readLines(t, filepath.Join(dir, FileName)); len(got) != 13 {
		t.Fatalf("after reopen %d lines, want 13", len(got))
	}
}

// lineLen is the length of a log line for an event with an id prefix of
// prefixLen bytes.
func lineLen(t *testing.T, prefixLen int) int64 {
	e := newEvents(1, strings.Repeat("x", prefixLen))
	b, err := event.Marshal(&e[0])
	if err != nil {
		t.Fatal(err)
	}
	return int64(len(b) + 1)
}

func TestSizeRotation(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t: day(1)}
	l := lineLen(t, 1)
	w, err := open(dir, 3*l, 0, c.now) // three lines per file
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	evs := newEvents(8, "a")
	if err := w.Write(evs[:5]); err != nil { // a batch crossing the limit
		t.Fatal(err)
	}
	if err := w.Write(evs[5:]); err != nil {
		t.Fatal(err)
	}
	names := listDir(t, dir)
	want := []string{"events.json", "events.json.2025-03-01.1", "events.json.2025-03-01.2"}
	if !slices.Equal(names, want) {
		t.Fatalf("files = %v, want %v", names, want)
	}
	var all []event.Event
	for _, n := range []string{want[1], want[2], want[0]} {
		fi, err := os.Stat(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() > 3*l {
			t.Errorf("%s is %d bytes, over the %d limit", n, fi.Size(), 3*l)
		}
		all = append(all, readLines(t, filepath.Join(dir, n))...)
	}
	if !reflect.DeepEqual(all, evs) {
		t.Fatal("events lost or reordered across size rotation")
	}
}

func TestOversizedLine(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t: day(1)}
	w, err := open(dir, 10, 0, c.now) // smaller than any line
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	evs := newEvents(3, "a")
	if err := w.Write(evs); err != nil {
		t.Fatal(err)
	}
	// Each line gets a file of its own rather than being dropped.
	if n := len(listDir(t, dir)); n != 3 {
		t.Fatalf("%d files, want 3", n)
	}
}

func TestDayRotation(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t: day(1)}
	w, err := open(dir, 0, 0, c.now)
	if err != nil {
		t.Fatal(err)
	}
	a, b, d := newEvents(2, "a"), newEvents(2, "b"), newEvents(2, "d")
	if err := w.Write(a); err != nil {
		t.Fatal(err)
	}
	c.set(day(2).Add(-time.Hour)) // still day 1
	if err := w.Write(a[:0]); err != nil {
		t.Fatal(err)
	}
	c.set(day(2))
	if err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	c.set(day(3))
	if err := w.Write(d); err != nil {
		t.Fatal(err)
	}
	names := listDir(t, dir)
	want := []string{"events.json", "events.json.2025-03-01", "events.json.2025-03-02"}
	if !slices.Equal(names, want) {
		t.Fatalf("files = %v, want %v", names, want)
	}
	for name, evs := range map[string][]event.Event{want[0]: d, want[1]: a, want[2]: b} {
		if got := readLines(t, filepath.Join(dir, name)); !reflect.DeepEqual(got, evs) {
			t.Errorf("%s holds the wrong events", name)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	// A restart on a later day rotates the leftover file under the day it
	// was last written (its mtime), here day 3's file written "now".
	mtime := day(3)
	if err := os.Chtimes(filepath.Join(dir, FileName), mtime, mtime); err != nil {
		t.Fatal(err)
	}
	c.set(day(5))
	w, err = open(dir, 0, 0, c.now)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Write(a); err != nil {
		t.Fatal(err)
	}
	if got := readLines(t, filepath.Join(dir, "events.json.2025-03-03")); !reflect.DeepEqual(got, d) {
		t.Errorf("leftover file not rotated under its own day")
	}
}

func TestKeep(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t: day(1)}
	l := lineLen(t, 2)
	w, err := open(dir, 2*l, 3, c.now)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// Day 1: 5 lines = two size rotations; day 2: 3 lines, day 3: 1 line.
	if err := w.Write(newEvents(5, "d1")); err != nil {
		t.Fatal(err)
	}
	c.set(day(2))
	if err := w.Write(newEvents(3, "d2")); err != nil {
		t.Fatal(err)
	}
	c.set(day(3))
	if err := w.Write(newEvents(1, "d3")); err != nil {
		t.Fatal(err)
	}
	// Rotated so far, oldest first: 03-01.1, 03-01.2, 03-01 (day end),
	// 03-02.1, 03-02 (day end); keep 3 leaves the newest three.
	names := listDir(t, dir)
	want := []string{"events.json", "events.json.2025-03-01", "events.json.2025-03-02", "events.json.2025-03-02.1"}
	if !slices.Equal(names, want) {
		t.Fatalf("files = %v, want %v", names, want)
	}
	// Foreign files in the directory are left alone.
	if err := os.WriteFile(filepath.Join(dir, "events.json.notes"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	c.set(day(4))
	if err := w.Write(newEvents(1, "d4")); err != nil {
		t.Fatal(err)
	}
	names = listDir(t, dir)
	want = []string{"events.json", "events.json.2025-03-02", "events.json.2025-03-02.1", "events.json.2025-03-03", "events.json.notes"}
	if !slices.Equal(names, want) {
		t.Fatalf("files = %v, want %v", names, want)
	}
}

func TestConcurrentWrites(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t: day(1)}
	l := lineLen(t, 6)
	w, err := open(dir, 50*l, 0, c.now)
	if err != nil {
		t.Fatal(err)
	}
	const writers, batches, per = 8, 20, 7
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for b := range batches {
				if b == batches/2 && g == 0 {
					c.set(day(2)) // a day change in the middle of it all
				}
				if err := w.Write(newEvents(per, fmt.Sprintf("g%d-b%02d", g, b))); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, n := range listDir(t, dir) {
		for _, e := range readLines(t, filepath.Join(dir, n)) {
			if seen[e.ID] {
				t.Fatalf("%s written twice", e.ID)
			}
			seen[e.ID] = true
		}
	}
	if len(seen) != writers*batches*per {
		t.Fatalf("%d distinct lines, want %d", len(seen), writers*batches*per)
	}
}

func TestOpenErrors(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(filepath.Join(f, "sub"), 0, 0); err == nil {
		t.Error("Open under a file succeeded")
	}
	if _, err := Open(t.TempDir(), 0, -1); err == nil {
		t.Error("Open with negative keep succeeded")
	}
}

// TestRecoversFromFailedRotation: if the directory disappears at a rotation,
// a later Write (once it can) recreates the file instead of failing forever.
func TestRecoversFromFailedRotation(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	w, err := Open(dir, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ev := event.Event{ID: "x1", Time: time.Now().UTC(), Kind: event.SessionConnect}
	if err := w.Write([]event.Event{ev}); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	w.mu.Lock()
	_ = w.rotate(true) // fails: the directory is gone
	w.mu.Unlock()
	ev.ID = "x2"
	if err := w.Write([]event.Event{ev}); err != nil {
		t.Fatalf("write after a failed rotation: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil || !strings.Contains(string(b), `"id":"x2"`) {
		t.Fatalf("events.json after recovery: %q %v", b, err)
	}
	w.Close()
	if err := w.Write([]event.Event{ev}); err == nil {
		t.Error("write after Close succeeded")
	}
}

// After a crash the bus redelivers what the dead process had written but
// not acknowledged: a restarted writer skips those ids, so each event is in
// the log once.
func TestRedeliveryAfterCrashWrittenOnce(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t: day(1)}
	w, err := open(dir, 0, 0, c.now)
	if err != nil {
		t.Fatal(err)
	}
	evs := newEvents(20, "c")
	if err := w.Write(evs[:12]); err != nil {
		t.Fatal(err)
	}
	w.Close() // as if killed: the bus never saw the ack of evs[6:12]
	if err := os.Chtimes(filepath.Join(dir, FileName), day(1), day(1)); err != nil {
		t.Fatal(err)
	}

	w, err = open(dir, 0, 0, c.now)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(evs[6:]); err != nil { // the redelivery, then new events
		t.Fatal(err)
	}
	// Much later, an id seen again is written (the set was dropped).
	c.set(day(1).Add(time.Hour))
	if err := w.Write(evs[19:]); err != nil {
		t.Fatal(err)
	}
	w.Close()
	got := readLines(t, filepath.Join(dir, FileName))
	if len(got) != 21 {
		t.Fatalf("%d lines, want 21 (20 events once, the last one twice)", len(got))
	}
	for i := 0; i < 20; i++ {
		if got[i].ID != evs[i].ID {
			t.Fatalf("line %d is %s, want %s", i, got[i].ID, evs[i].ID)
		}
	}
}
