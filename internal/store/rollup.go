package store

import (
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

// Daily rollups.
//
// A rollup counts things per UTC day and key (the sessions rollup: per day,
// family and destination port), and optionally the distinct members behind
// the count (the sessions rollup: distinct source addresses). Adapters keep
// a rollup as two tables: totals per (day, key), which statistics and the
// dashboard read, and counts per (day, key, member), which let the number of
// distinct members go down as well as up when a thing moves to another
// bucket. They update both in the same transaction as the writes they count.
//
// A domain adds a rollup (blocks per day, verdicts per day) by defining its
// key type and a function that moves one of its things from the bucket its
// old state counted it in to the bucket of its new state, as CountSession
// does; the adapter applies the Tally with its generic rollup writer over
// the domain's two tables. Computing moves from the stored state before and
// after a write is what makes rollups idempotent: a redelivery changes no
// state, so it moves nothing.

// Day returns the UTC date (YYYY-MM-DD) of an instant in unix nanoseconds,
// as rollups key it.
func Day(ns int64) string { return time.Unix(0, ns).UTC().Format(time.DateOnly) }

// Count is one change to a rollup: N more (or, negative, fewer) things in the
// bucket (Day, Key) for Member ("" when the rollup counts no members).
type Count[K comparable] struct {
	Day    string
	Key    K
	Member string
	N      int64
}

// Tally sums the changes one transaction makes to a rollup, so that each
// bucket and member is written once and a move out and back cancels out.
// The zero value is ready to use.
type Tally[K comparable] struct {
	index  map[bucketMember[K]]int
	counts []Count[K]
}

type bucketMember[K comparable] struct {
	day    string
	key    K
	member string
}

// Add adds n things to the bucket (day, key) for member.
func (t *Tally[K]) Add(day string, key K, member string, n int64) {
	if t.index == nil {
		t.index = make(map[bucketMember[K]]int)
	}
	k := bucketMember[K]{day, key, member}
	if i, ok := t.index[k]; ok {
		t.counts[i].N += n
		return
	}
	t.index[k] = len(t.counts)
	t.counts = append(t.counts, Count[K]{Day: day, Key: key, Member: member, N: n})
}

// Counts returns the changes that do not cancel out, in the order their
// buckets were first added to.
func (t *Tally[K]) Counts() []Count[K] {
	out := make([]Count[K], 0, len(t.counts))
	for _, c := range t.counts {
		if c.N != 0 {
			out = append(out, c)
		}
	}
	return out
}

// SessionBucket is the key of the sessions rollup besides the day: the
// family (FamilyUnknown for a session without one) and destination port.
type SessionBucket struct {
	Family  string
	DstPort int
}

// SessionPlace returns where the sessions rollup counts s: the day of its
// start, its bucket, and its source address as the distinct member.
func SessionPlace(s *SessionState) (day string, key SessionBucket, member string) {
	family := s.Family
	if family == "" {
		family = event.FamilyUnknown
	}
	return Day(s.Start), SessionBucket{Family: family, DstPort: s.DstPort}, s.SrcIP
}

// CountSession moves a session in the sessions rollup from where its old
// state counted it (nowhere if old is nil: the session is new) to where its
// new state counts it. A session's start, family, port and source can all
// change after its first events (a late session.connect, an attribution).
func CountSession(t *Tally[SessionBucket], old, new *SessionState) {
	day, key, member := SessionPlace(new)
	if old != nil {
		oday, okey, omember := SessionPlace(old)
		if oday == day && okey == key && omember == member {
			return
		}
		t.Add(oday, okey, omember, -1)
	}
	t.Add(day, key, member, 1)
}
