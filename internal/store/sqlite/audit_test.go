package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/audit"
	"github.com/honeygate/honeygate/internal/store/sqlite"
)

// Audit entries come back newest first, as recorded, bounded by limit; an
// over-long field is kept cut, not refused.
func TestAudit(t *testing.T) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "hg.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	at := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	want := []audit.Entry{
		{Time: at, User: "alice", Action: "intel.add", Target: "domain evil.example", Detail: "category malware"},
		{Time: at.Add(time.Second), User: "token", Action: "watch.remove", Target: "shop"},
		{Time: at.Add(2 * time.Second), User: "bob", Action: "watch.add", Target: strings.Repeat("x", 5000), Detail: "https://shop.example/"},
	}
	for _, e := range want {
		if err := db.AppendAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.Audit(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].User != "bob" || len(got[0].Target) != 4096 || !got[0].Time.Equal(want[2].Time) || got[1] != want[1] {
		t.Fatalf("Audit(2) = %+v", got)
	}
	if all, _ := db.Audit(ctx, 0); len(all) != 3 || all[2] != want[0] {
		t.Fatalf("Audit(0) = %+v", all)
	}
}
