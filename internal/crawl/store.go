package crawl

import (
	"context"
	"errors"
	"time"
)

// Store errors.
var (
	ErrNotFound = errors.New("crawl: not found")
	ErrExists   = errors.New("crawl: already on the watch list")
)

// Site is one watch-list entry.
type Site struct {
	Name    string    `json:"name"`
	URL     string    `json:"url"`
	Profile string    `json:"profile"`
	Added   time.Time `json:"added"`
}

// Visit is one judged capture: a cell of the matrix when it belongs to a
// watched site and a day.
type Visit struct {
	Capture Capture `json:"capture"`
	Verdict Verdict `json:"verdict"`
}

// Baseline is what a watched site looked like when it was judged clean:
// the union over its clean captures. A change detector compares a new
// capture against it.
type Baseline struct {
	Hosts    []string          `json:"hosts"`    // every host contacted, sorted
	Scripts  map[string]string `json:"scripts"`  // script URL -> SHA-256 last seen clean
	Iframes  []string          `json:"iframes"`  // frame URLs, sorted
	Document string            `json:"document"` // SHA-256 of the last clean top document
	Captures int               `json:"captures"` // how many clean captures were merged
	Updated  string            `json:"updated"`  // day of the last merge
}

// Store keeps the watch list, the visits and the baselines.
//
// Names and URLs are unique on the watch list: AddSite returns ErrExists
// for either. RemoveSite takes a name or a URL and returns ErrNotFound if
// neither matches; the site's past visits stay (they are history).
// PutVisit replaces any visit of the same site and day, so that running a
// day again (or rejudging it) never doubles a cell; visits without a site
// or day (one-off scans) are kept by capture id. Visits returns the visits
// of watched sites for days in [from, to] (inclusive, YYYY-MM-DD), ordered
// by day then site. UpdateVerdict returns ErrNotFound for an unknown
// capture id. Baseline returns a zero Baseline (Captures == 0) for a site
// without one. PruneBefore deletes visits of days before day and returns how
// many; Hashes lists every body hash still referenced by a stored visit.
type Store interface {
	AddSite(ctx context.Context, s Site) (Site, error)
	Sites(ctx context.Context) ([]Site, error)
	RemoveSite(ctx context.Context, nameOrURL string) error
	PutVisit(ctx context.Context, v Visit) error
	Visits(ctx context.Context, from, to string) ([]Visit, error)
	UpdateVerdict(ctx context.Context, captureID string, v Verdict) error
	Baseline(ctx context.Context, site string) (Baseline, error)
	PutBaseline(ctx context.Context, site string, b Baseline) error
	PruneBefore(ctx context.Context, day string) (int, error)
	Hashes(ctx context.Context) (map[string]bool, error)
}

// DayFormat is the layout of a day.
const DayFormat = "2006-01-02"

// ValidDay reports whether s is a YYYY-MM-DD day.
func ValidDay(s string) bool {
	_, err := time.Parse(DayFormat, s)
	return err == nil
}
