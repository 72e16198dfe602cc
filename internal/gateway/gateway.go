// Package gateway holds what honeygate's two enforcement points, the forward
// proxy (gateway/proxy) and the DNS filter (gateway/dns), share: the policy
// chain that decides whether a client may reach a name, URL or file, the
// configuration section, reference ids, block records and the blocks store
// interface.
//
// It is not where intel is kept or matched (internal/intel builds the
// immutable matcher snapshot; the gateway only asks it questions), and it
// speaks no protocol itself.
package gateway

import (
	"net/netip"
	"net/url"
)

// Matcher is what the policy chain asks of intel. *intel.Snapshot satisfies
// it: every method is safe for concurrent use with no lock, and the intel
// allowlist is applied inside (an allowlisted match returns ok=false).
type Matcher interface {
	MatchHost(host string) (Hit, bool)
	MatchURL(u *url.URL) (Hit, bool)
	MatchIP(ip netip.Addr) (Hit, bool)
	MatchHash(sha256hex string) (Hit, bool)
}

// Intel hands out the current matcher. Current returns nil when intel is
// unavailable (not loaded yet, or its store failed); each client network's
// policy then says whether to fail open or closed.
type Intel interface {
	Current() Matcher
}

// IntelFunc adapts a function to Intel.
type IntelFunc func() Matcher

// Current calls f.
func (f IntelFunc) Current() Matcher { return f() }
