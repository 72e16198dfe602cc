package event

// The attack domain: what a session made the device do to others. Its
// targets are victims, never malware hosts: consumers that build
// indicators (intel, the gateway) must not take them as such.
const (
	// AttackHTTPFlood: a URL requested over and over with the answers
	// thrown away (sh -c "while true; do wget -O /dev/null URL; done" &).
	// Tool and Ran (the Download group) say how and whether it ran.
	AttackHTTPFlood Kind = "attack.http_flood"
)

var attackKinds = []Kind{AttackHTTPFlood}

// Flood is an HTTP flood a session started (attack.http_flood).
type Flood struct {
	TargetURL Text `json:"target_url,omitempty"` // the victim's URL
	Requests  int  `json:"requests,omitempty"`   // requests the line made (bounded by the shell's budgets)
}
