// Package audit records who changed what through the dashboard and the
// API (an indicator added or expired, a site added to or removed from the
// watch list), so that a change to what the gateway enforces or the
// crawler visits can be traced to a person.
//
// It holds the record and the store interface; the SQLite adapter keeps
// the records (internal/store/sqlite/audit.go). It is not a log of reads,
// nor of sign-ins (those go to the process log).
package audit

import (
	"context"
	"time"
)

// Entry is one change.
type Entry struct {
	Time   time.Time `json:"time"`
	User   string    `json:"user"`   // a configured user's name, or "token" for the API token
	Action string    `json:"action"` // e.g. intel.add, intel.expire, watch.add, watch.remove
	Target string    `json:"target"` // what changed: the indicator, the site
	Detail string    `json:"detail,omitempty"`
}

// Store keeps entries. Append must not fail silently: a change that cannot
// be audited is reported to the caller, which has already made the change
// and says so in its log.
type Store interface {
	AppendAudit(ctx context.Context, e Entry) error
	// Audit returns the latest entries, newest first, at most limit (1 to
	// 1000; 100 when <= 0).
	Audit(ctx context.Context, limit int) ([]Entry, error)
}
