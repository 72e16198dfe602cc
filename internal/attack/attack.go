// Package attack is the domain of reflection (amplification) DDoS attacks
// that the reflector sensors observe: the Attack record, how the events of
// one attack fold into it, and the Store that keeps attacks for the API.
//
// The reflectors (internal/sensor/reflect) only publish reflect.attack
// events; a bus consumer folds them into attacks here, and the web API
// reads them. Scans (reflect.scan) stay events: they are many and small.
//
// Not here: detection (internal/sensor's PacketServer), storage
// (internal/store/sqlite implements Store), HTTP (internal/web).
package attack

import (
	"context"
	"time"
)

// Attack is one reflection attack on one victim through one protocol, as
// one sensor saw it: a start event when the source crossed the attack
// threshold, an end event after it went quiet. Counts are those of the
// latest event seen (the end event's are final).
type Attack struct {
	ID         string    `json:"id"` // the attack_id both events carry
	Sensor     string    `json:"sensor"`
	Proto      string    `json:"proto"`       // dns, ntp, ssdp, chargen, memcached
	Victim     string    `json:"victim"`      // the spoofed source address: the target of the attack
	VictimPort int       `json:"victim_port"` // the source port the requests carried (the port attacked)
	DstPort    int       `json:"dst_port"`    // the reflector's port
	FirstSeen  time.Time `json:"first_seen"`
	LastSeen   time.Time `json:"last_seen"`
	Requests   int64     `json:"requests"`
	BytesIn    int64     `json:"bytes_in"`
	BytesOut   int64     `json:"bytes_out"`         // what the sensor sent the victim (bounded by its limits)
	PeakPPS    int64     `json:"peak_pps"`          // highest requests per second
	Request    string    `json:"request,omitempty"` // the first request, summarised ("ANY isc.org.")
	Ended      bool      `json:"ended"`
	EndReason  string    `json:"end_reason,omitempty"` // idle, stopped, recovered
}

// EndRecovered is the end reason of an attack that a killed process left
// open, ended on the next start at the last packet the store knew of: its
// real end is not known, only that nothing later was recorded.
const EndRecovered = "recovered"

// Merge folds b into a (two reports of the same attack) and returns the
// result. It is commutative, associative and idempotent: bus redelivery
// and reordering of an attack's events never change the stored attack.
func Merge(a, b Attack) Attack {
	if a.ID == "" {
		return b
	}
	out := a
	if b.FirstSeen.Before(out.FirstSeen) || out.FirstSeen.IsZero() {
		out.FirstSeen = b.FirstSeen
	}
	if b.LastSeen.After(out.LastSeen) {
		out.LastSeen = b.LastSeen
	}
	out.Requests = max(out.Requests, b.Requests)
	out.BytesIn = max(out.BytesIn, b.BytesIn)
	out.BytesOut = max(out.BytesOut, b.BytesOut)
	out.PeakPPS = max(out.PeakPPS, b.PeakPPS)
	// Fields both events carry alike; the lesser value wins so the result
	// does not depend on order even if they differ.
	out.Sensor = minStr(out.Sensor, b.Sensor)
	out.Proto = minStr(out.Proto, b.Proto)
	out.Victim = minStr(out.Victim, b.Victim)
	out.Request = minStr(out.Request, b.Request)
	out.VictimPort = minNonZero(out.VictimPort, b.VictimPort)
	out.DstPort = minNonZero(out.DstPort, b.DstPort)
	if b.Ended {
		if !out.Ended || b.EndReason < out.EndReason {
			out.EndReason = b.EndReason
		}
		out.Ended = true
	}
	return out
}

func minStr(a, b string) string {
	if a == "" || (b != "" && b < a) {
		return b
	}
	return a
}

func minNonZero(a, b int) int {
	if a == 0 || (b != 0 && b < a) {
		return b
	}
	return a
}

// Filter selects attacks that were in progress at some time in [From, To):
// FirstSeen before To and LastSeen at or after From. Zero times are open
// ends. Results are newest first (by FirstSeen); Limit defaults to 100 and
// is capped at 10000.
type Filter struct {
	From, To time.Time
	Victim   string // exact address, or all
	Proto    string
	Sensor   string // exact sensor name, or all
	Open     bool   // only attacks not ended (crash recovery reads these)
	Limit    int
}

// Limits of Filter.Limit.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
)

// Store keeps attacks.
//
// PutAttacks merges each attack into the stored one with the same ID (see
// Merge), in one transaction; when it returns an error nothing was written.
// Attacks returns what f selects.
type Store interface {
	PutAttacks(ctx context.Context, as []Attack) error
	Attacks(ctx context.Context, f Filter) ([]Attack, error)
}
