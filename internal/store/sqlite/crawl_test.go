package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/honeygate/honeygate/internal/crawl"
	"github.com/honeygate/honeygate/internal/crawl/crawltest"
	"github.com/honeygate/honeygate/internal/store/sqlite"
)

func TestCrawlStoreConforms(t *testing.T) {
	crawltest.Run(t, func(t *testing.T) crawl.Store {
		db, err := sqlite.Open(filepath.Join(t.TempDir(), "honeygate.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}
