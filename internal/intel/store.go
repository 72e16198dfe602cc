package intel

import (
	"context"
	"errors"
	"time"
)

// Store keeps indicators. Adapters (internal/store/sqlite, and MemStore here)
// implement it; inteltest holds the conformance suite every adapter passes.
//
// An indicator is identified by its type, value and source: the same domain
// from two feeds is two rows, so a feed's refresh can replace its own set
// without touching what others said. Values are canonical (Normalize) before
// they reach a Store; a Store does not canonicalize.
type Store interface {
	// UpsertIndicators stores inds in one transaction. One with the type,
	// value and source of a stored indicator updates it: category and
	// expiry are replaced, first_seen keeps the earliest, last_seen the
	// latest, refs are merged (the newest MaxRefs kept). IDs come back in
	// input order. On error nothing was written.
	UpsertIndicators(ctx context.Context, inds []Indicator) (UpsertResult, error)
	// ReplaceSource makes inds the whole set of indicators from source (each
	// indicator's Source must equal it): new ones are added, known ones
	// updated as UpsertIndicators does, and the source's others removed,
	// all in one transaction.
	ReplaceSource(ctx context.Context, source string, inds []Indicator) (ReplaceResult, error)
	// ListIndicators returns what f selects, in id order.
	ListIndicators(ctx context.Context, f Filter) ([]Indicator, error)
	// DeleteIndicators removes what f selects and returns what it removed
	// (id, type, value, category and source; no refs), in id order; a
	// filter that selects everything is refused with ErrInvalid (Limit and
	// AfterID are ignored).
	DeleteIndicators(ctx context.Context, f Filter) ([]Indicator, error)
	// EachIndicator calls fn for every indicator not expired at now, in id
	// order, without Refs (what the matcher needs, for a whole rebuild). fn
	// must not keep the pointer. An error from fn stops the walk and is
	// returned.
	EachIndicator(ctx context.Context, now time.Time, fn func(*Indicator) error) error
}

// MaxRefs is how many event ids an indicator keeps (the newest).
const MaxRefs = 16

// Filter selects indicators; zero fields match everything. Limit defaults to
// 100 and is capped at 10000; AfterID pages (ids greater than it).
type Filter struct {
	ID       int64
	Type     Type
	Value    string
	Category string
	Source   string
	Ref      string // an event id among the indicator's refs
	AfterID  int64
	Limit    int
}

// Empty reports whether f selects everything.
func (f Filter) Empty() bool {
	return f.ID == 0 && f.Type == "" && f.Value == "" && f.Category == "" && f.Source == "" && f.Ref == ""
}

// EffectiveLimit is Limit with its default and cap applied.
func (f Filter) EffectiveLimit() int {
	switch {
	case f.Limit <= 0:
		return 100
	case f.Limit > 10000:
		return 10000
	}
	return f.Limit
}

// UpsertResult says what an upsert did.
type UpsertResult struct {
	Added   int     `json:"added"`
	Updated int     `json:"updated"`
	IDs     []int64 `json:"ids"`
}

// ReplaceResult says what a feed refresh did.
type ReplaceResult struct {
	Added   int `json:"added"`
	Updated int `json:"updated"`
	Removed int `json:"removed"`
}

// ErrNotFound is returned for an id that is not stored.
var ErrNotFound = errors.New("intel: not found")

// MergeRefs appends the new refs to old, drops duplicates, and keeps the
// newest MaxRefs. Adapters use it so that they all merge alike.
func MergeRefs(old, add []string) []string {
	if len(add) == 0 {
		return old
	}
	out := make([]string, 0, len(old)+len(add))
	seen := make(map[string]bool, len(old)+len(add))
	for _, r := range append(append([]string(nil), old...), add...) {
		if r == "" || seen[r] {
			continue
		}
		seen[r] = true
		out = append(out, r)
	}
	if len(out) > MaxRefs {
		out = out[len(out)-MaxRefs:]
	}
	return out
}

// Merge folds a new sighting into a stored indicator as UpsertIndicators
// says; adapters use it so that they all merge alike.
func Merge(old, add Indicator) Indicator {
	m := old
	m.Category = add.Category
	m.Expires = add.Expires
	if !add.FirstSeen.IsZero() && (m.FirstSeen.IsZero() || add.FirstSeen.Before(m.FirstSeen)) {
		m.FirstSeen = add.FirstSeen
	}
	if add.LastSeen.After(m.LastSeen) {
		m.LastSeen = add.LastSeen
	}
	m.Refs = MergeRefs(old.Refs, add.Refs)
	return m
}
