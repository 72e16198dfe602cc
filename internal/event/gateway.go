package event

import "time"

// The gateway domain: what the enforcement points (the forward proxy and
// the DNS filter) blocked, and the clients that looked up a kill switch.
const (
	GatewayBlock        Kind = "gateway.block"         // a request blocked, or a client outside the allowed networks refused
	GatewayInfectedHost Kind = "gateway.infected_host" // a client looked up a kill-switch domain (a likely infected host)
)

var gatewayKinds = []Kind{GatewayBlock, GatewayInfectedHost}

// Gateway actions (Block.Action).
const (
	ActionBlock    = "block"    // block page, 403, TLS alert or a cut-off download (proxy)
	ActionNXDomain = "nxdomain" // NXDOMAIN (dns)
	ActionSinkhole = "sinkhole" // the sinkhole address (dns)
	ActionRefuse   = "refuse"   // the client is outside the allowed networks
	ActionResolve  = "resolve"  // a kill switch was resolved (gateway.infected_host)
)

// Block is what the gateway blocked and why (gateway.block,
// gateway.infected_host). The client is in src_ip/src_port; a blocked URL
// is in url (the Download group's field: one name for a URL across kinds).
// Host, SNI and URL come from the client and are Text.
type Block struct {
	Host          Text   `json:"host,omitempty"`           // the name asked for (the kill switch, for infected_host)
	SNI           Text   `json:"sni,omitempty"`            // TLS server name peeked from the ClientHello
	Category      string `json:"category,omitempty"`       // the matching indicator's category
	Indicator     string `json:"indicator,omitempty"`      // the matching indicator, as stored
	IndicatorType string `json:"indicator_type,omitempty"` // domain, host, url, url-prefix, ip, cidr, sha256
	IndicatorID   int64  `json:"indicator_id,omitempty"`   // its id in the intel store
	IntelSource   string `json:"intel_source,omitempty"`   // honeypot, crawl, a feed's name, manual
	Ref           string `json:"ref,omitempty"`            // reference id, shown on the block page
	Enforcer      string `json:"enforcer,omitempty"`       // proxy or dns
	Action        string `json:"action,omitempty"`         // block, nxdomain, sinkhole, refuse, resolve
	Reason        string `json:"reason,omitempty"`         // the policy chain's reason label
	Policy        string `json:"policy,omitempty"`         // the client network's policy
	// Count is how many blocks this event stands for: the DNS filter folds
	// repeats of one (client, name, action, indicator) within a short
	// window into one follow-up event. Absent means 1, so unfolded events
	// are byte for byte what they were.
	Count int `json:"count,omitempty"`
	// First is when the first of the folded blocks happened (the event's
	// time is the last); zero when Count is absent.
	First time.Time `json:"first,omitzero"`
}

// MaxBlockCount bounds what one event may stand for: events come off the
// bus from any sensor, and a forged count must not overflow a day's sum.
const MaxBlockCount = 1 << 30

// Blocks returns how many blocks the event stands for (Count, absent: 1;
// at most MaxBlockCount).
func (b *Block) Blocks() int64 {
	if b.Count > 1 {
		return int64(min(b.Count, MaxBlockCount))
	}
	return 1
}
