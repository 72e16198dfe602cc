package app

import (
	"context"
	"fmt"

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
