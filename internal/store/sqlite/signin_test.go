package sqlite_test

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/signin"
	"github.com/honeygate/honeygate/internal/store/sqlite"
)

// Sessions are kept across a reopen of the database; expired ones and
// deleted ones are not returned, and expired ones are forgotten.
func TestSignins(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hg.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	at := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	ss := []signin.Session{
		{ID: "a1", User: "alice", Role: "admin", Cred: "c1", Created: at, Expires: at.Add(time.Hour)},
		{ID: "t1", User: "token", Role: "admin", Cred: "c2", Created: at.Add(time.Second), Expires: at.Add(time.Minute)},
		{ID: "r1", User: "rob", Role: "read-only", Cred: "c3", Created: at.Add(2 * time.Second), Expires: at.Add(time.Hour)},
	}
	for _, s := range ss {
		if err := db.PutSignin(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.DeleteSignins(ctx, "r1", "nope"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err = sqlite.Open(path); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.Signins(ctx, at.Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if want := ss[:2]; !reflect.DeepEqual(got, want) {
		t.Fatalf("after reopen: %+v\nwant %+v", got, want)
	}
	if got, _ = db.Signins(ctx, at.Add(2*time.Minute)); len(got) != 1 || got[0].ID != "a1" {
		t.Fatalf("after the token's expiry: %+v", got)
	}
	if got, _ = db.Signins(ctx, at); len(got) != 1 {
		t.Fatalf("an expired session came back: %+v", got)
	}
}
