// Package signin holds the record of a signed-in dashboard browser and the
// interface of the store that keeps it, so that a restart of honeygate
// signs nobody out (the SQLite adapter: internal/store/sqlite/signin.go).
//
// It is a leaf: the dashboard (internal/web/ui) decides who may sign in and
// when a session ends; this package only says what is kept. The secret the
// browser holds (its cookie) is never kept, only its SHA-256.
package signin

import (
	"context"
	"time"
)

// Session is one signed-in browser.
type Session struct {
	// ID is the hex SHA-256 of the cookie's secret: whoever reads the
	// store cannot sign in with it.
	ID   string
	User string // a configured user's name, or "token"
	Role string
	// Cred fingerprints the credential signed in with (a hash of the
	// user's password hash, or of the API token), so that a changed
	// password or token ends the sessions made with the old one.
	Cred    string
	Created time.Time
	Expires time.Time
}

// Store keeps sessions across restarts.
type Store interface {
	PutSignin(ctx context.Context, s Session) error
	// DeleteSignins forgets the sessions with these IDs (unknown IDs are
	// no error).
	DeleteSignins(ctx context.Context, ids ...string) error
	// Signins returns the sessions that expire after now, and forgets the
	// others.
	Signins(ctx context.Context, now time.Time) ([]Session, error)
}
