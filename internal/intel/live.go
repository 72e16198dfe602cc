package intel

import "sync/atomic"

// Live holds the current Snapshot. Readers call Snapshot on every request
// (one atomic load, no lock); a writer builds a new Snapshot and swaps it in,
// so a request in flight finishes on the snapshot it started with.
//
// The zero Live is ready to use and holds an empty snapshot.
type Live struct {
	p atomic.Pointer[Snapshot]
}

// NewLive returns a Live holding an empty snapshot.
func NewLive() *Live {
	l := &Live{}
	l.p.Store(emptySnapshot)
	return l
}

// Snapshot returns the current snapshot; never nil.
func (l *Live) Snapshot() *Snapshot {
	if s := l.p.Load(); s != nil {
		return s
	}
	return emptySnapshot
}

// Swap makes s the current snapshot (nil means empty).
func (l *Live) Swap(s *Snapshot) {
	if s == nil {
		s = emptySnapshot
	}
	l.p.Store(s)
}
