package smb

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSampleBudget: the directory's budget counts what is there already
// (other sensors' samples too); beyond it samples are hashed, not kept; a
// sample already there is not counted twice.
func TestSampleBudget(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "other"), make([]byte, 600), 0o440); err != nil {
		t.Fatal(err)
	}
	s, err := openSamples(dir, 1000)
	if err != nil {
		t.Fatal(err)
	}
	a, _, kept, err := s.save(make([]byte, 300))
	if err != nil || !kept {
		t.Fatalf("first sample: kept %v, %v", kept, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, a)); err != nil || fi.Mode().Perm() != 0o440 {
		t.Fatalf("sample file: %v %v", fi, err)
	}
	if _, _, kept, _ := s.save([]byte("another 200 bytes that do not fit........................................................................................................................................................................")); kept {
		t.Error("a sample over the budget was kept")
	}
	if _, _, kept, _ := s.save(make([]byte, 300)); !kept {
		t.Error("the same sample again is not reported kept")
	}
}

// TestHeldBudget: the bytes sessions hold together are bounded; a session
// that finds the budget spent keeps less (and says so); what a session
// held comes back when it ends.
func TestHeldBudget(t *testing.T) {
	b := &budget{max: 150}
	t1, t2 := newTap(100, b), newTap(100, b)
	t1.Write(make([]byte, 120))
	t2.Write(make([]byte, 100))
	if len(t1.bytes()) != 100 || !t1.truncated || len(t2.bytes()) != 50 || !t2.truncated {
		t.Fatalf("taps hold %d (truncated %v) and %d (truncated %v)", len(t1.bytes()), t1.truncated, len(t2.bytes()), t2.truncated)
	}
	t1.release()
	t1.release() // idempotent
	t3 := newTap(100, b)
	t3.Write(make([]byte, 100))
	if len(t3.bytes()) != 100 || b.used.Load() != 150 {
		t.Fatalf("after a release: tap holds %d, budget used %d", len(t3.bytes()), b.used.Load())
	}
}
