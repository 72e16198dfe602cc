package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/honeygate/honeygate/internal/attack"
	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/store"
)

// crashClose is the session.closed for a session a killed process left
// open. The session ended no later than the last thing it was seen doing,
// and likely then (a kill ends a session at once; an idle one times out
// after the last event), so that is its end: the restart time would make a
// session that lasted seconds look hours long, and skew every duration
// chart. The reason says the end was inferred (event.CloseCrashRecovered),
// so that analysts can tell these sessions from those seen to end.
func crashClose(ctx context.Context, st store.Events, s store.Session) (*event.Event, error) {
	end := s.Start
	last, err := st.Events(ctx, store.EventFilter{Session: s.ID, Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("crash recovery: last event of session %s: %w", s.ID, err)
	}
	if len(last) == 1 && last[0].Time.After(end) {
		end = last[0].Time
	}
	return &event.Event{
		ID: event.NewID(), Time: end.UTC(), Kind: event.SessionClosed,
		Sensor: s.Sensor, Proto: s.Proto, SrcIP: s.SrcIP, SrcPort: s.SrcPort, DstPort: s.DstPort,
		Session: s.ID, Family: s.Family,
		Closing: event.Closing{Message: event.CloseCrashRecovered, Duration: end.Sub(s.Start).Seconds()},
	}, nil
}

// crashRound is how many open sessions one round of closeCrashed reads.
const crashRound = 1000

// closeCrashed publishes a crashClose for every session of sensor that
// started before started and is still open, in rounds of crashRound;
// caughtUp waits until the store holds what the bus does (false: ctx
// ended), so that each round reads a store with the last round's closes.
// It returns how many it closed.
//
// A crash can leave thousands of sessions open (a worm wave at the kill),
// and a close can fail to land (the store refuses the event): a session
// still open after its close was published is not closed again, and a
// round that finds nothing new ends the recovery with an error, where
// reading the same round for ever would spin. An event that would not
// validate is never published (the bus would take it, the store drop it).
func closeCrashed(ctx context.Context, st store.Events, pub event.Publisher, sensor string, started time.Time, caughtUp func(context.Context) bool) (int, error) {
	return endInRounds(ctx, pub, caughtUp, "sessions", "close session",
		func(ctx context.Context) ([]store.Session, error) {
			return st.OpenSessions(ctx, sensor, started, crashRound)
		},
		func(s store.Session) string { return s.ID },
		func(ctx context.Context, s store.Session) (*event.Event, error) { return crashClose(ctx, st, s) })
}

// endInRounds publishes end(x) for every x that open lists (at most
// crashRound at a time), round after round until a round is short; see
// closeCrashed for why an item is ended once and a round that finds nothing
// new is an error. what names the items in errors ("sessions"), verb the
// action on one ("close session").
func endInRounds[T any](ctx context.Context, pub event.Publisher, caughtUp func(context.Context) bool, what, verb string,
	open func(context.Context) ([]T, error), id func(T) string, end func(context.Context, T) (*event.Event, error)) (int, error) {
	ended := 0
	done := map[string]bool{}
	var invalid []error
	for {
		if !caughtUp(ctx) {
			return ended, ctx.Err()
		}
		items, err := open(ctx)
		if err != nil {
			return ended, fmt.Errorf("crash recovery: open %s: %w", what, err)
		}
		fresh := 0
		for _, x := range items {
			if done[id(x)] {
				continue
			}
			done[id(x)] = true
			fresh++
			ev, err := end(ctx, x)
			if err != nil {
				return ended, err
			}
			if err := ev.Validate(); err != nil {
				invalid = append(invalid, fmt.Errorf("%s: %w", id(x), err))
				continue
			}
			if err := pub.Publish(ctx, ev); err != nil {
				return ended, fmt.Errorf("crash recovery: %s %s: %w", verb, id(x), err)
			}
			ended++
		}
		if len(items) < crashRound {
			break
		}
		if fresh == 0 {
			return ended, fmt.Errorf("crash recovery: %d %s stay open after their end was published; the rest are not reached", len(items), what)
		}
	}
	if len(invalid) > 0 {
		return ended, fmt.Errorf("crash recovery: %d %s not ended: %w", len(invalid), what, errors.Join(invalid[:min(len(invalid), 5)]...))
	}
	return ended, nil
}

// attackEnd is the reflect.attack end event for an attack a killed process
// left open. Like a crashed session it ends at the last thing the store
// knows of it (its last packet as last reported), not at the restart, and
// its reason (attack.EndRecovered) says the end was inferred. The counts are
// the last reported: the packets between that report and the kill are lost
// with the process.
func attackEnd(a attack.Attack) *event.Event {
	return &event.Event{
		ID: event.NewID(), Time: a.LastSeen.UTC(), Kind: event.ReflectAttack,
		Sensor: a.Sensor, Proto: a.Proto, SrcIP: a.Victim, SrcPort: a.VictimPort, DstPort: a.DstPort,
		Reflection: event.Reflection{
			AttackID: a.ID, Phase: event.PhaseEnd, EndReason: attack.EndRecovered,
			Packets: a.Requests, BytesIn: a.BytesIn, BytesOut: a.BytesOut, PeakPPS: a.PeakPPS,
			FirstSeen: a.FirstSeen.UTC(), LastSeen: a.LastSeen.UTC(), Request: event.Text(a.Request),
		},
	}
}

// closeCrashedAttacks publishes an attackEnd for every attack of sensor
// that started before started and is still open, as closeCrashed does for
// sessions (same rounds, same guard against an end that does not land).
// The store folds the end into the attack (attack.Merge), and the API then
// lists it as ended. It returns how many it ended.
func closeCrashedAttacks(ctx context.Context, st attack.Store, pub event.Publisher, sensor string, started time.Time, caughtUp func(context.Context) bool) (int, error) {
	return endInRounds(ctx, pub, caughtUp, "attacks", "end attack",
		func(ctx context.Context) ([]attack.Attack, error) {
			return st.Attacks(ctx, attack.Filter{Sensor: sensor, Open: true, To: started, Limit: crashRound})
		},
		func(a attack.Attack) string { return a.ID },
		func(_ context.Context, a attack.Attack) (*event.Event, error) { return attackEnd(a), nil })
}
