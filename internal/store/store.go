// Package store defines what honeygate keeps and how it is queried. Adapters
// (sqlite, and later postgres) implement Store; storetest holds the one
// conformance suite that every adapter must pass.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

// ErrNotFound is returned when a requested object does not exist.
var ErrNotFound = errors.New("not found")

// Store keeps events and the sessions derived from them.
//
// AppendEvents is idempotent on event id: an event already stored is skipped,
// so a bus redelivery never duplicates anything (not even derived counts). It
// writes the whole batch in one transaction and returns the events that were
// new, in input order; when it returns an error nothing was written.
type Store interface {
	AppendEvents(ctx context.Context, evs []event.Event) (inserted []event.Event, err error)
	Events(ctx context.Context, f EventFilter) ([]event.Event, error)
	// Session returns one session with its events; ErrNotFound if unknown.
	Session(ctx context.Context, id string) (*Session, error)
	// DailyStats counts sessions and distinct sources per UTC day, family and
	// destination port, for days in [from, to] (both inclusive, UTC dates).
	DailyStats(ctx context.Context, from, to time.Time) ([]DailyStat, error)
	// CountEvents returns the number of stored events (for health and tests).
	CountEvents(ctx context.Context) (int64, error)
	// DeadLetter keeps a message that could not be decoded, so nothing is lost.
	DeadLetter(ctx context.Context, subject string, data []byte, reason string) error
	Close() error
}

// EventFilter selects events; zero fields match everything. Results are
// newest first. Since is inclusive and Until exclusive. Family matches the
// family the event carried when it was observed. Limit defaults to 100 and
// is capped at 10000.
type EventFilter struct {
	Kind    event.Kind
	Family  string
	SrcIP   string
	Session string
	Since   time.Time
	Until   time.Time
	Limit   int
}

// Session is what one attacker connection did, derived from its events.
type Session struct {
	ID          string        `json:"id"`
	Sensor      string        `json:"sensor"`
	Proto       string        `json:"proto"`
	SrcIP       string        `json:"src_ip"`
	SrcPort     int           `json:"src_port"`
	DstPort     int           `json:"dst_port"`
	Start       time.Time     `json:"start"`
	End         *time.Time    `json:"end,omitempty"`
	Family      string        `json:"family"`
	Reasons     []string      `json:"reasons"`
	Credentials []Credential  `json:"credentials"`
	Commands    []string      `json:"commands"`
	Downloads   []Download    `json:"downloads"`
	Transcript  []event.Event `json:"transcript"`
}

// Credential is one login attempt.
type Credential struct {
	Time     time.Time `json:"time"`
	Username string    `json:"username"`
	Password string    `json:"password"`
	Success  bool      `json:"success"`
}

// Download is one payload URL that the attacker asked for.
type Download struct {
	Time     time.Time `json:"time"`
	URL      string    `json:"url"`
	Tool     string    `json:"tool,omitempty"`
	Filename string    `json:"filename,omitempty"`
}

// DailyStat is one row of the per-day attack statistics.
type DailyStat struct {
	Day      string `json:"day"` // YYYY-MM-DD, UTC
	Family   string `json:"family"`
	DstPort  int    `json:"dst_port"`
	Sessions int64  `json:"sessions"`
	Sources  int64  `json:"sources"`
}
