package store

import (
	"context"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

// Events keeps events, the sessions derived from them and their daily
// rollups.
//
// AppendEvents is idempotent on event id: an event already stored is skipped,
// so a bus redelivery never duplicates anything (not even derived counts). It
// writes the whole batch, the sessions it changes (folded by SessionState)
// and the rollups those changes move (CountSession) in one transaction, and
// returns the events that were new, in input order; when it returns an error
// nothing was written. The order in which a session's events arrive, in one
// batch or across many, does not change what Session and DailyStats answer.
type Events interface {
	AppendEvents(ctx context.Context, evs []event.Event) (inserted []event.Event, err error)
	Events(ctx context.Context, f EventFilter) ([]event.Event, error)
	// Session returns one session with its events; ErrNotFound if unknown.
	Session(ctx context.Context, id string) (*Session, error)
	// DailyStats counts sessions and distinct sources per UTC day (of the
	// session's start), family and destination port, for days in [from, to]
	// (both inclusive, UTC dates). It reads the rollup, never the events.
	DailyStats(ctx context.Context, from, to time.Time) ([]DailyStat, error)
	// OpenSessions returns up to limit sessions of sensor that started before
	// before and have no end yet, oldest first, without their transcripts:
	// after a crash, the sessions the dead process never closed.
	OpenSessions(ctx context.Context, sensor string, before time.Time, limit int) ([]Session, error)
	// CountEvents returns the number of stored events (for health and tests).
	CountEvents(ctx context.Context) (int64, error)
	// DeadLetter keeps a message that could not be decoded, so nothing is lost.
	DeadLetter(ctx context.Context, subject string, data []byte, reason string) error
	// Dashboard: top credentials and payload URLs, from rollups.
	Dashboard
	Close() error
}

// EventFilter selects events; zero fields match everything. Results are
// newest first (ties on time by id, descending). Since is inclusive and Until
// exclusive. Family matches the family the event carried when it was
// observed, whatever its case ("Mirai" finds "mirai"). Limit defaults to 100 and is capped at 10000 (see MaxRows).
type EventFilter struct {
	Kind    event.Kind
	Family  string
	SrcIP   string
	Session string
	Since   time.Time
	Until   time.Time
	Limit   int
}

// Row limits of queries, the same for every adapter.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
	// MaxTranscript bounds the events Session returns with a session. When
	// the transcript is cut, the adapter fetches up to as many of the
	// SummaryKinds events again, so that the summary misses none of them.
	MaxTranscript = 5000
)

// Rows returns the number of rows f asks for, after the default and the cap.
func (f EventFilter) Rows() int {
	switch {
	case f.Limit <= 0:
		return DefaultLimit
	case f.Limit > MaxLimit:
		return MaxLimit
	}
	return f.Limit
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
