package event

import "time"

// The reflection domain: what the amplification reflectors (reflect-dns,
// reflect-ntp, reflect-ssdp, reflect-chargen, reflect-memcached) saw. Their
// requests carry a spoofed source, so an event's src_ip and src_port are
// the victim's: the address the attacker wanted the replies sent to.
const (
	// ReflectAttack: a source crossed the attack threshold (phase "start")
	// or went quiet after it (phase "end"). Both events of one attack carry
	// the same attack_id; the end's counts are final. They carry no session:
	// an attack is not a session (it has no connect or close), and the
	// attacks store, not the sessions table, keeps it.
	ReflectAttack Kind = "reflect.attack"
	// ReflectScan: a source sent a few requests and went quiet: a scanner
	// looking for amplifiers (or a test of the reflector before an attack).
	ReflectScan Kind = "reflect.scan"
)

var reflectKinds = []Kind{ReflectAttack, ReflectScan}

// Phases of a reflect.attack event.
const (
	PhaseStart = "start"
	PhaseEnd   = "end"
)

// Reflection is one source's traffic to a reflector (reflect.attack,
// reflect.scan), counted since the source was first seen.
type Reflection struct {
	AttackID  string    `json:"attack_id,omitempty"` // the attack both its events name (reflect.attack)
	Phase     string    `json:"phase,omitempty"`     // start, end (reflect.attack)
	Packets   int64     `json:"packets,omitempty"`   // requests received, one datagram each
	BytesIn   int64     `json:"bytes_in,omitempty"`
	BytesOut  int64     `json:"bytes_out,omitempty"` // what the sensor sent the source (its limits bound it)
	FirstSeen time.Time `json:"first_seen,omitzero"`
	LastSeen  time.Time `json:"last_seen,omitzero"`
	PeakPPS   int64     `json:"peak_pps,omitempty"` // the most requests in one second
	// Request summarises the source's first request, as the protocol
	// reads it ("ANY isc.org.", "monlist", "stats").
	Request   Text   `json:"request,omitempty"`
	EndReason string `json:"end_reason,omitempty"` // idle, stopped, recovered (phase end)
}
