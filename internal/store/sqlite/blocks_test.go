package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/honeygate/honeygate/internal/gateway/blockstest"
	"github.com/honeygate/honeygate/internal/store/sqlite"
)

func TestBlocksConformance(t *testing.T) {
	blockstest.Run(t, func(t *testing.T) blockstest.Store {
		db, err := sqlite.Open(filepath.Join(t.TempDir(), "honeygate.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}
