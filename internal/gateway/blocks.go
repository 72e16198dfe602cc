package gateway

import (
	"context"
	"errors"
	"time"
)

// BlocksStore answers questions about recorded blocks. The store writes the
// per-day rollups in the same transaction as the gateway.block events, so
// the counts never disagree with the events.
//
// Days are UTC dates; from and to are both inclusive. BlocksTop's by is one
// of TopBy*; any other value is ErrBadTop (a caller error, 400 at the API).
type BlocksStore interface {
	BlocksDaily(ctx context.Context, from, to time.Time) ([]BlockDay, error)
	// BlocksDailyByCategory returns the blocks of each day and category
	// (the stacks of the blocks chart), by day, then category.
	BlocksDailyByCategory(ctx context.Context, from, to time.Time) ([]BlockDayCategory, error)
	BlocksTop(ctx context.Context, by string, from, to time.Time, limit int) ([]BlockTop, error)
}

// ErrBadTop is BlocksTop's error for a grouping that is not one of TopBy*.
var ErrBadTop = errors.New("top: by must be domain, client or category")

// What BlocksTop groups by.
const (
	TopByDomain   = "domain"
	TopByClient   = "client"
	TopByCategory = "category"
)

// BlockDay is one day's block count and distinct blocked clients.
type BlockDay struct {
	Day     string `json:"day"` // YYYY-MM-DD, UTC
	Blocks  int64  `json:"blocks"`
	Clients int64  `json:"clients"`
}

// BlockDayCategory is one day's block count of one category.
type BlockDayCategory struct {
	Day      string `json:"day"` // YYYY-MM-DD, UTC
	Category string `json:"category"`
	Blocks   int64  `json:"blocks"`
}

// BlockTop is one row of a top list.
type BlockTop struct {
	Key     string `json:"key"` // the domain, client address or category
	Blocks  int64  `json:"blocks"`
	Clients int64  `json:"clients"`
}
