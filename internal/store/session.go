package store

import (
	"cmp"
	"slices"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

// Stamp is an optional instant, in unix nanoseconds as adapters keep it.
type Stamp struct {
	NS  int64
	Set bool
}

// At returns the stamp of t.
func At(t time.Time) Stamp { return Stamp{NS: t.UnixNano(), Set: true} }

// SessionState is one session as the events seen so far make it: the row an
// adapter keeps per session. It is folded from events by FoldSessions and
// combined with the stored row by Merge; Session turns it into the answer.
//
// The rules make the result independent of the order and the grouping in
// which events arrive (Merge is commutative and associative, and a redelivered
// event is never folded twice because AppendEvents folds only new events):
//
//   - common fields (sensor, proto, addresses, ports) and Start come from the
//     session.connect; until it arrives, from the earliest event;
//   - End is the latest session.closed;
//   - the family is that of the latest attribution (session.attributed, or
//     session.closed carrying a family); while there is none, the latest
//     family an ordinary event carried;
//   - the reasons are those of the latest attribution that gave any, shown
//     while the session's family is that attribution's family (so a
//     session.closed repeating the family does not erase them, and a
//     verdict for another family does);
//   - on equal times the greater value wins, so that ties too are settled
//     the same way in any order.
//
// Credentials, commands and downloads are not folded: they are read from the
// session's events (Summarize), which the adapter keeps anyway.
type SessionState struct {
	ID      string
	Sensor  string
	Proto   string
	SrcIP   string
	SrcPort int
	DstPort int
	Start   int64 // unix ns
	// Connected tells whether the common fields and Start come from the
	// session.connect rather than from the earliest event.
	Connected bool
	End       Stamp
	Family    string
	// Attributed is the time of the winning attribution; FamilyAt the time
	// of the winning ordinary family, kept only while there is no attribution.
	Attributed Stamp
	FamilyAt   Stamp
	// Reasons, ReasonsFamily and ReasonsAt are those of the latest
	// attribution that gave reasons.
	Reasons       []string
	ReasonsFamily string
	ReasonsAt     Stamp
}

// isAttribution reports whether e decides a session's family: the
// attributor's verdict, or the final family the sensor reports at close.
func isAttribution(e *event.Event) bool {
	return e.Kind == event.SessionAttributed || (e.Kind == event.SessionClosed && e.Family != "")
}

// StateOf returns what e alone says about its session.
func StateOf(e *event.Event) SessionState {
	at := At(e.Time)
	s := SessionState{
		ID: e.Session, Sensor: e.Sensor, Proto: e.Proto, SrcIP: e.SrcIP, SrcPort: e.SrcPort, DstPort: e.DstPort,
		Start: at.NS, Connected: e.Kind == event.SessionConnect,
	}
	if e.Kind == event.SessionClosed {
		s.End = at
	}
	switch {
	case isAttribution(e):
		s.Family, s.Attributed = e.Family, at
		if len(e.Reasons) > 0 {
			s.Reasons, s.ReasonsFamily, s.ReasonsAt = e.Reasons, e.Family, at
		}
	case e.Family != "":
		s.Family, s.FamilyAt = e.Family, at
	}
	return s
}

// FoldSessions folds evs into one state per session, in the order sessions
// first appear; events without a session are skipped. The states are what
// the batch says; Merge them into the stored rows.
func FoldSessions(evs []event.Event) []*SessionState {
	var order []*SessionState
	byID := make(map[string]*SessionState)
	for i := range evs {
		e := &evs[i]
		if e.Session == "" {
			continue
		}
		st := StateOf(e)
		if s := byID[e.Session]; s != nil {
			s.Merge(&st)
			continue
		}
		byID[e.Session] = &st
		order = append(order, &st)
	}
	return order
}

// SessionChanges is what one batch of new events changes: the session rows
// to write (new, or different from the stored row) and the moves in the
// sessions rollup, to be written in the same transaction as the events.
type SessionChanges struct {
	Rows   []*SessionState
	Rollup Tally[SessionBucket]
}

// ChangeSessions merges batch (FoldSessions of a batch's new events) into
// stored, the rows already kept for those sessions (a session missing from
// it is new), and returns what to write. This is the whole write path of
// sessions for an adapter: read the rows, call this, write Rows and apply
// Rollup.
func ChangeSessions(batch []*SessionState, stored map[string]SessionState) *SessionChanges {
	c := &SessionChanges{Rows: make([]*SessionState, 0, len(batch))}
	for _, b := range batch {
		old, ok := stored[b.ID]
		if !ok {
			CountSession(&c.Rollup, nil, b)
			c.Rows = append(c.Rows, b)
			continue
		}
		next := old
		next.Merge(b)
		if next.Equal(&old) {
			continue // a batch of commands to a known session writes no row
		}
		CountSession(&c.Rollup, &old, &next)
		c.Rows = append(c.Rows, &next)
	}
	return c
}

// Merge folds o, a state of the same session, into s.
func (s *SessionState) Merge(o *SessionState) {
	if commonBefore(o, s) {
		s.Sensor, s.Proto, s.SrcIP, s.SrcPort, s.DstPort = o.Sensor, o.Proto, o.SrcIP, o.SrcPort, o.DstPort
		s.Start, s.Connected = o.Start, o.Connected
	}
	if o.End.Set && (!s.End.Set || o.End.NS > s.End.NS) {
		s.End = o.End
	}
	switch {
	case o.Attributed.Set && (!s.Attributed.Set || later(o.Attributed, o.Family, s.Attributed, s.Family)):
		s.Family, s.Attributed, s.FamilyAt = o.Family, o.Attributed, Stamp{}
	case !s.Attributed.Set && !o.Attributed.Set && o.FamilyAt.Set &&
		(!s.FamilyAt.Set || later(o.FamilyAt, o.Family, s.FamilyAt, s.Family)):
		s.Family, s.FamilyAt = o.Family, o.FamilyAt
	}
	if o.ReasonsAt.Set && (!s.ReasonsAt.Set || laterReasons(o, s)) {
		s.Reasons, s.ReasonsFamily, s.ReasonsAt = o.Reasons, o.ReasonsFamily, o.ReasonsAt
	}
}

// commonBefore reports whether a's common fields take precedence over b's:
// a connect over any other event, then the earlier, then the smaller value.
func commonBefore(a, b *SessionState) bool {
	if a.Connected != b.Connected {
		return a.Connected
	}
	if a.Start != b.Start {
		return a.Start < b.Start
	}
	return cmp.Or(
		cmp.Compare(a.Sensor, b.Sensor), cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.SrcIP, b.SrcIP),
		cmp.Compare(a.SrcPort, b.SrcPort), cmp.Compare(a.DstPort, b.DstPort),
	) < 0
}

// later reports whether (at, family) wins over (bt, bfamily): the later time,
// then the greater family.
func later(at Stamp, family string, bt Stamp, bfamily string) bool {
	if at.NS != bt.NS {
		return at.NS > bt.NS
	}
	return family > bfamily
}

// laterReasons is later for the reasons of o and s, with the reasons
// themselves as the last tie-break.
func laterReasons(o, s *SessionState) bool {
	if o.ReasonsAt.NS != s.ReasonsAt.NS || o.ReasonsFamily != s.ReasonsFamily {
		return later(o.ReasonsAt, o.ReasonsFamily, s.ReasonsAt, s.ReasonsFamily)
	}
	return slices.Compare(o.Reasons, s.Reasons) > 0
}

// Equal reports whether s and o are the same state, so that an adapter can
// skip writing a row the batch did not change.
func (s *SessionState) Equal(o *SessionState) bool {
	return s.ID == o.ID && s.Sensor == o.Sensor && s.Proto == o.Proto && s.SrcIP == o.SrcIP &&
		s.SrcPort == o.SrcPort && s.DstPort == o.DstPort && s.Start == o.Start && s.Connected == o.Connected &&
		s.End == o.End && s.Family == o.Family && s.Attributed == o.Attributed && s.FamilyAt == o.FamilyAt &&
		slices.Equal(s.Reasons, o.Reasons) && s.ReasonsFamily == o.ReasonsFamily && s.ReasonsAt == o.ReasonsAt
}

// ShownReasons returns the reasons the session answers with: those of the
// latest attribution that gave any, while the family is still theirs. Never
// nil, so that it encodes as [].
func (s *SessionState) ShownReasons() []string {
	if !s.Attributed.Set || !s.ReasonsAt.Set || s.ReasonsFamily != s.Family || len(s.Reasons) == 0 {
		return []string{}
	}
	return slices.Clone(s.Reasons)
}

// Session returns the session's answer without its events; the lists are
// empty, never nil. Fill them with Summarize and the transcript.
func (s *SessionState) Session() *Session {
	out := &Session{
		ID: s.ID, Sensor: s.Sensor, Proto: s.Proto, SrcIP: s.SrcIP, SrcPort: s.SrcPort, DstPort: s.DstPort,
		Start: time.Unix(0, s.Start).UTC(), Family: s.Family, Reasons: s.ShownReasons(),
		Credentials: []Credential{}, Commands: []string{}, Downloads: []Download{}, Transcript: []event.Event{},
	}
	if s.End.Set {
		t := time.Unix(0, s.End.NS).UTC()
		out.End = &t
	}
	return out
}

// SummaryKinds are the kinds of event Summarize reads.
var SummaryKinds = []event.Kind{event.LoginSuccess, event.LoginFailed, event.CommandInput, event.FileDownload}

// Summarize fills the credentials, commands and downloads of s from evs, the
// session's events in time order (then id). The slices are never nil, so
// that they encode as [] rather than null.
func Summarize(s *Session, evs []event.Event) {
	s.Credentials = []Credential{}
	s.Commands = []string{}
	s.Downloads = []Download{}
	for _, e := range evs {
		switch e.Kind {
		case event.LoginSuccess, event.LoginFailed:
			c := Credential{Time: e.Time, Username: string(e.Username), Success: e.Kind == event.LoginSuccess}
			if e.Password != nil {
				c.Password = string(*e.Password)
			}
			s.Credentials = append(s.Credentials, c)
		case event.CommandInput:
			s.Commands = append(s.Commands, string(e.Input))
		case event.FileDownload:
			s.Downloads = append(s.Downloads, Download{Time: e.Time, URL: string(e.URL), Tool: string(e.Tool), Filename: string(e.Filename)})
		}
	}
}
