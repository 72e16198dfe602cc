package bus

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

// want returns the events of evs whose kind is in ks.
func want(evs []event.Event, ks ...event.Kind) []event.Event {
	var out []event.Event
	for _, e := range evs {
		if slices.Contains(ks, e.Kind) {
			out = append(out, e)
		}
	}
	return out
}

// checkDelivered fails unless s got every event of w within wait, and
// nothing else but events of also.
func checkDelivered(t *testing.T, s *sink, wait time.Duration, w, also []event.Event) {
	t.Helper()
	waitFor(t, wait, "the filtered events", func() bool {
		for _, e := range w {
			if !s.has(e.ID) {
				return false
			}
		}
		return true
	})
	time.Sleep(200 * time.Millisecond) // let stray deliveries of other kinds show
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.evs {
		in := func(x event.Event) bool { return x.ID == e.ID }
		if !slices.ContainsFunc(w, in) && !slices.ContainsFunc(also, in) {
			t.Errorf("event %s of kind %s delivered through the filter", e.ID, e.Kind)
		}
	}
}

func filterOf(t *testing.T, b *Bus, durable string) []string {
	t.Helper()
	c, err := b.getStream().Consumer(context.Background(), durable)
	if err != nil {
		t.Fatalf("consumer %s: %v", durable, err)
	}
	info, err := c.Info(context.Background())
	if err != nil {
		t.Fatalf("consumer info: %v", err)
	}
	if info.Config.FilterSubject != "" {
		return []string{info.Config.FilterSubject}
	}
	return info.Config.FilterSubjects
}

func TestConsumeKinds(t *testing.T) {
	b := openBus(t, testOptions(t.TempDir()))
	evs := publishN(t, b, 200)
	// A second durable without a filter still sees everything.
	all, some := newSink(), newSink()
	consume(t, b, "all", 64, Handler{Events: all.store})
	// A repeated kind is tolerated.
	consume(t, b, "some", 64, Handler{Events: some.store,
		Kinds: []event.Kind{event.FileDownload, event.LoginFailed, event.FileDownload}})
	checkDelivered(t, some, 5*time.Second, want(evs, event.FileDownload, event.LoginFailed), nil)
	checkDelivered(t, all, 5*time.Second, evs, nil)
	if got, w := filterOf(t, b, "some"), []string{SubjectPrefix + "file.download", SubjectPrefix + "login.failed"}; !slices.Equal(got, w) {
		t.Errorf("FilterSubjects = %q, want %q", got, w)
	}
	waitFor(t, 5*time.Second, "no pending acks", func() bool { return pendingAcks(t, b, "some") == 0 })
}

func TestConsumeKindsInvalid(t *testing.T) {
	b := openBus(t, testOptions(t.TempDir()))
	for _, k := range []event.Kind{"", "file.*", "file.>", "a b"} {
		err := b.Consume(context.Background(), "x", 1, Handler{Events: newSink().store, Kinds: []event.Kind{k}})
		if err == nil || errors.Is(err, ErrClosed) {
			t.Errorf("Kinds %q: Consume = %v, want an invalid-kind error", k, err)
		}
	}
}

// TestConsumeKindsUpgrade is a data directory from before the filter: the
// durable was made without one, holds delivered-but-unacknowledged events
// (its handler was failing) and has never seen the newest ones. Started
// again with Kinds it must start, take the filter, and deliver every pending
// event of those kinds. The server redelivers what it had delivered before
// without looking at the new filter, so events of other kinds that were
// unacknowledged at the upgrade may come once more (a handler ignores kinds
// it does not use, as intel's does); newer ones of other kinds never come.
func TestConsumeKindsUpgrade(t *testing.T) {
	dir := t.TempDir()
	b := openBus(t, testOptions(dir))
	var failed atomic.Int64
	stop := consume(t, b, "intel", 16, Handler{Events: func(context.Context, []event.Event) error {
		failed.Add(1)
		return errors.New("store locked")
	}})
	first := publishN(t, b, 60)
	waitFor(t, 5*time.Second, "a failed batch", func() bool { return failed.Load() > 0 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if got := filterOf(t, b, "intel"); len(got) != 0 {
		t.Fatalf("old durable has filter %q, want none", got)
	}
	if n := pendingAcks(t, b, "intel"); n == 0 {
		t.Fatal("old durable has nothing pending; the test would prove nothing")
	}
	second := publishN(t, b, 40)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	b2 := openBus(t, testOptions(dir))
	s := newSink()
	consume(t, b2, "intel", 16, Handler{Events: s.store, Kinds: []event.Kind{event.FileDownload}})
	// The first events were in the dead process's hands: they come back
	// after ackWait, as after any restart.
	checkDelivered(t, s, ackWait+5*time.Second, want(append(first, second...), event.FileDownload), first)
	if got := filterOf(t, b2, "intel"); !slices.Equal(got, []string{SubjectPrefix + "file.download"}) {
		t.Errorf("upgraded durable filter = %q", got)
	}
	// Redeliveries of the other kinds are acknowledged too (intel ignores
	// them); on a loaded machine they may come a while after the downloads.
	waitFor(t, 2*ackWait, "no pending acks", func() bool { return pendingAcks(t, b2, "intel") == 0 })

}
