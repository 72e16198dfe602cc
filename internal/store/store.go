// Package store declares what honeygate keeps about events and how it is
// queried: the events store (Events: events, the sessions derived from them,
// and daily rollups), and the rules every adapter shares so that adapters
// differ only in how they keep things, never in what they answer:
//
//   - session.go: how a session's events fold into one session row
//     (SessionState), whatever order and however often they arrive, and
//     what a batch changes (ChangeSessions: the rows to write and the
//     rollup moves), so an adapter only reads and writes rows;
//   - rollup.go: daily rollups (Tally, and the sessions rollup), kept in the
//     same transaction as the events they count.
//
// It is not where other domains keep their data: intel, crawl and blocks
// declare their own small store interfaces in their own packages, each with
// its own conformance suite, and one adapter (internal/store/sqlite)
// implements them file by file over one database. Adapters live in
// subpackages; storetest is the conformance suite of Events.
package store

import "errors"

// ErrNotFound is returned when a requested object does not exist.
var ErrNotFound = errors.New("not found")

// Store is the former name of Events.
//
// Deprecated: use Events; other domains declare their own stores.
type Store = Events
