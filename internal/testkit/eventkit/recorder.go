package eventkit

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

// Recorder is an event.Publisher for tests: it keeps every event it is
// given, in order, after checking it as the bus does (an event the bus
// would refuse is refused here too, so a sensor test fails on it).
// The zero value is ready to use.
type Recorder struct {
	// Closed, when set, receives the session id of every session.closed,
	// as it is published (Publish blocks while it is full), so that a test
	// can wait for the end of a session whose id it does not know.
	Closed chan string

	mu  sync.Mutex
	evs []event.Event
}

var _ event.Publisher = (*Recorder)(nil)

// Publish keeps a copy of e.
func (r *Recorder) Publish(_ context.Context, e *event.Event) error {
	if err := e.Validate(); err != nil {
		return err
	}
	r.mu.Lock()
	r.evs = append(r.evs, *e)
	r.mu.Unlock()
	if r.Closed != nil && e.Kind == event.SessionClosed {
		r.Closed <- e.Session
	}
	return nil
}

// Events returns every event published so far.
func (r *Recorder) Events() []event.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]event.Event(nil), r.evs...)
}

// Kinds returns the kinds of the events published so far, in order.
func (r *Recorder) Kinds() []event.Kind {
	var ks []event.Kind
	for _, e := range r.Events() {
		ks = append(ks, e.Kind)
	}
	return ks
}

// OfKind returns the events of kind k published so far.
func (r *Recorder) OfKind(k event.Kind) []event.Event {
	return r.filter(func(e *event.Event) bool { return e.Kind == k })
}

// Session returns the events of session id published so far.
func (r *Recorder) Session(id string) []event.Event {
	return r.filter(func(e *event.Event) bool { return e.Session == id })
}

func (r *Recorder) filter(keep func(e *event.Event) bool) []event.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []event.Event
	for i := range r.evs {
		if keep(&r.evs[i]) {
			out = append(out, r.evs[i])
		}
	}
	return out
}

// WaitKind waits up to 5 seconds for n events of kind k and returns them
// all; it fails the test when they do not come.
func (r *Recorder) WaitKind(t testing.TB, k event.Kind, n int) []event.Event {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if evs := r.OfKind(k); len(evs) >= n {
			return evs
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("want %d %s events, have %v", n, k, r.Kinds())
	return nil
}

// Reset drops the events kept so far (a memory test does not count them).
func (r *Recorder) Reset() {
	r.mu.Lock()
	r.evs = nil
	r.mu.Unlock()
}

// Discard is an event.Publisher that checks each event as the bus does
// and keeps none: for fuzz targets, whose runs would otherwise grow without
// bound.
var Discard event.Publisher = discard{}

type discard struct{}

func (discard) Publish(_ context.Context, e *event.Event) error { return e.Validate() }
