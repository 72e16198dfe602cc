package gateway

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"
)

// The policy chain. Every decision of both enforcement points is made here,
// in this order, and the order is the point of this file:
//
//  0. Client network. Who asks is settled first: a client outside
//     client_cidrs is refused before anything else is looked at (honeygate
//     must never be an open proxy or resolver), and the client's network
//     picks the policy that parameterizes steps 1 to 3.
//  1. Allowlist (the policy's `allow`). It comes before intel because it
//     exists to override intel: an operator who allowlists a domain has
//     decided that a feed's listing of it is wrong for this network. It is
//     also the cheapest step. (The intel allowlist is applied inside the
//     matcher snapshot, so it overrides just as early.)
//  2. Intel. The matcher snapshot is asked about the name, the URL, the SNI,
//     the address or the file hash. If intel is unavailable the policy's
//     fail mode decides (open: allow; closed: block) - it is consulted only
//     here, so an allowlisted name is reachable even when failing closed.
//  3. Category. A hit blocks only if this network blocks the hit's
//     category; a network that opted out of, say, `miner` still gets the
//     hit reported in metrics as "category-allowed", never silently.
//
// Anything that passes all steps is allowed. Kill-switch domains are not in
// the chain on purpose: the DNS filter answers them before asking, because
// they must resolve whatever any list says.

// Verdict is what the chain decided.
type Verdict uint8

// Verdicts.
const (
	Allowed Verdict = iota // pass the request on
	Blocked                // answer with the block page, 403, NXDOMAIN or sinkhole
	Refused                // the client may not use the gateway at all
)

func (v Verdict) String() string {
	switch v {
	case Allowed:
		return "allow"
	case Blocked:
		return "block"
	default:
		return "refuse"
	}
}

// Reasons are low-cardinality labels for metrics and logs.
const (
	ReasonNoMatch         = "no-match"
	ReasonAllowlist       = "allowlist"
	ReasonIntel           = "intel"
	ReasonCategoryAllowed = "category-allowed"
	ReasonFailOpen        = "fail-open"
	ReasonFailClosed      = "fail-closed"
	ReasonClientRefused   = "client-refused"
	// ReasonConnectPort is a CONNECT to a port outside connect_ports:
	// refused like Squid's "deny CONNECT !SSL_ports", not a malware block.
	ReasonConnectPort = "connect-port"
)

// Decision is the chain's answer with why.
type Decision struct {
	Verdict Verdict
	Reason  string // one of the Reason labels
	Policy  string // the name of the client network's policy
	Hit     Hit    // what matched (zero unless intel matched)
	// Decrypt: the network's users installed the gateway CA, and a blocked
	// HTTPS connection may be decrypted to show the block page.
	Decrypt bool
}

// Query is one question to the chain. Empty fields are not asked about.
type Query struct {
	Client netip.Addr
	Host   string     // a name or an IP literal, no port
	SNI    string     // TLS server name, when it differs from Host
	URL    *url.URL   // a plain-HTTP request's URL
	Addr   netip.Addr // a destination address (after resolution)
	SHA256 string     // a downloaded file's hash, lower-case hex
}

// policy is a compiled PolicyConfig.
type policy struct {
	name       string
	nets       []netip.Prefix
	categories map[string]bool // nil: block every category
	allow      map[string]bool // domains, each also covering its subdomains
	failClosed bool
	decrypt    bool // decrypt blocked connections (block-only or all)
	decryptAll bool // decrypt every connection
}

// Chain is the compiled policy chain; it is immutable and safe for
// concurrent use.
type Chain struct {
	clients  []netip.Prefix
	policies []*policy // most specific network first
	def      *policy
	intel    Intel
}

// NewChain compiles cfg (which must have passed Validate) over intel.
func NewChain(cfg *Config, intel Intel) (*Chain, error) {
	c := &Chain{intel: intel}
	for _, s := range cfg.ClientCIDRs {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("gateway: client_cidrs: %w", err)
		}
		c.clients = append(c.clients, p.Masked())
	}
	var err error
	if c.def, err = compilePolicy(&cfg.Default); err != nil {
		return nil, err
	}
	if c.def.name == "" {
		c.def.name = "default"
	}
	for i := range cfg.Policies {
		p, err := compilePolicy(&cfg.Policies[i])
		if err != nil {
			return nil, err
		}
		c.policies = append(c.policies, p)
	}
	// Most specific first: the first policy whose network holds the client
	// is the one with the longest matching prefix.
	slices.SortStableFunc(c.policies, func(a, b *policy) int { return longest(b) - longest(a) })
	return c, nil
}

func longest(p *policy) int {
	n := 0
	for _, pr := range p.nets {
		n = max(n, pr.Bits())
	}
	return n
}

func compilePolicy(pc *PolicyConfig) (*policy, error) {
	p := &policy{name: pc.Name, failClosed: pc.FailMode == "closed", decrypt: pc.Decrypt == "block-only" || pc.Decrypt == "all", decryptAll: pc.Decrypt == "all"}
	for _, s := range pc.Networks {
		pr, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("gateway: policy %s: %w", pc.Name, err)
		}
		p.nets = append(p.nets, pr.Masked())
	}
	if len(pc.Categories) > 0 {
		p.categories = map[string]bool{}
		for _, c := range pc.Categories {
			p.categories[strings.ToLower(c)] = true
		}
	}
	if len(pc.Allow) > 0 {
		p.allow = map[string]bool{}
		for _, d := range pc.Allow {
			if n := normalizeName(d); n != "" {
				p.allow[n] = true
			}
		}
	}
	return p, nil
}

// Matcher returns the intel matcher the chain currently asks (nil while
// intel is unavailable); callers may use its identity to remember that an
// answer was already judged clean under it.
func (c *Chain) Matcher() Matcher { return c.intel.Current() }

// DecryptAll reports whether the client's network decrypts every HTTPS
// connection (decrypt: all).
func (c *Chain) DecryptAll(client netip.Addr) bool { return c.policyFor(client).decryptAll }

// ClientAllowed reports whether client may use the gateway (step 0).
func (c *Chain) ClientAllowed(client netip.Addr) bool {
	client = client.Unmap()
	for _, p := range c.clients {
		if p.Contains(client) {
			return true
		}
	}
	return false
}

// policyFor picks the client network's policy.
func (c *Chain) policyFor(client netip.Addr) *policy {
	client = client.Unmap()
	for _, p := range c.policies {
		for _, n := range p.nets {
			if n.Contains(client) {
				return p
			}
		}
	}
	return c.def
}

// Decide runs the chain for q.
func (c *Chain) Decide(q *Query) Decision {
	d := c.decide(q)
	if d.Verdict == Blocked {
		d.Decrypt = c.policyFor(q.Client).decrypt
	}
	return d
}

// DecideUnlisted is Decide for a name the current matcher is known not to
// list (the DNS filter's cache remembers that per answer and matcher): the
// same verdict and reason as Decide, without asking intel again.
func (c *Chain) DecideUnlisted(client netip.Addr, host string) Decision {
	if !c.ClientAllowed(client) {
		return Decision{Verdict: Refused, Reason: ReasonClientRefused}
	}
	p := c.policyFor(client)
	if p.allow != nil && p.allowed(host) {
		return Decision{Verdict: Allowed, Reason: ReasonAllowlist, Policy: p.name}
	}
	return Decision{Verdict: Allowed, Reason: ReasonNoMatch, Policy: p.name}
}

// DecideListed is Decide for a name the current matcher is known to list
// with hit (the DNS filter remembers the hit with its block answer, per
// matcher snapshot): the same decision as Decide, without asking intel
// again; the client's network still decides the allowlist and categories.
func (c *Chain) DecideListed(client netip.Addr, host string, hit Hit) Decision {
	if !c.ClientAllowed(client) {
		return Decision{Verdict: Refused, Reason: ReasonClientRefused}
	}
	p := c.policyFor(client)
	if p.allow != nil && p.allowed(host) {
		return Decision{Verdict: Allowed, Reason: ReasonAllowlist, Policy: p.name}
	}
	if p.categories != nil && !p.categories[strings.ToLower(hit.Category)] {
		return Decision{Verdict: Allowed, Reason: ReasonCategoryAllowed, Policy: p.name, Hit: hit}
	}
	return Decision{Verdict: Blocked, Reason: ReasonIntel, Policy: p.name, Hit: hit, Decrypt: p.decrypt}
}

func (c *Chain) decide(q *Query) Decision {
	// 0. Client network.
	if !c.ClientAllowed(q.Client) {
		return Decision{Verdict: Refused, Reason: ReasonClientRefused}
	}
	p := c.policyFor(q.Client)

	// 1. Allowlist.
	if p.allow != nil && (p.allowed(q.Host) || p.allowed(q.SNI) || (q.URL != nil && p.allowed(q.URL.Hostname()))) {
		return Decision{Verdict: Allowed, Reason: ReasonAllowlist, Policy: p.name}
	}

	// 2. Intel.
	m := c.intel.Current()
	if m == nil {
		if p.failClosed {
			return Decision{Verdict: Blocked, Reason: ReasonFailClosed, Policy: p.name}
		}
		return Decision{Verdict: Allowed, Reason: ReasonFailOpen, Policy: p.name}
	}
	hit, ok, failed := safeMatch(m, q)
	if failed {
		if p.failClosed {
			return Decision{Verdict: Blocked, Reason: ReasonFailClosed, Policy: p.name}
		}
		return Decision{Verdict: Allowed, Reason: ReasonFailOpen, Policy: p.name}
	}
	if !ok {
		return Decision{Verdict: Allowed, Reason: ReasonNoMatch, Policy: p.name}
	}

	// 3. Category.
	if p.categories != nil && !p.categories[strings.ToLower(hit.Category)] {
		return Decision{Verdict: Allowed, Reason: ReasonCategoryAllowed, Policy: p.name, Hit: hit}
	}
	return Decision{Verdict: Blocked, Reason: ReasonIntel, Policy: p.name, Hit: hit}
}

// safeMatch is match that treats a panicking matcher as unavailable intel,
// so that a bug in one snapshot fails by the policy and not the connection.
func safeMatch(m Matcher, q *Query) (h Hit, ok, failed bool) {
	defer func() {
		if recover() != nil {
			h, ok, failed = Hit{}, false, true
		}
	}()
	h, ok = match(m, q)
	return h, ok, false
}

// match asks the matcher every question q carries, most specific first (a
// URL hit names the exact page; its host rule would name only the site).
func match(m Matcher, q *Query) (Hit, bool) {
	if q.SHA256 != "" {
		if h, ok := m.MatchHash(q.SHA256); ok {
			return h, true
		}
	}
	if q.URL != nil {
		// MatchURL applies the host rules too.
		if h, ok := m.MatchURL(q.URL); ok {
			return h, true
		}
		// A URL the matcher cannot canonicalize (one padded past its size
		// bound, say) is still judged on its host: padding must not lift
		// a domain, host or address block.
		if host := q.URL.Hostname(); host != "" {
			if h, ok := m.MatchHost(host); ok {
				return h, true
			}
		}
	}
	if q.Host != "" && (q.URL == nil || !strings.EqualFold(q.Host, q.URL.Hostname())) {
		if h, ok := m.MatchHost(q.Host); ok {
			return h, true
		}
	}
	if q.SNI != "" && q.SNI != q.Host {
		if h, ok := m.MatchHost(q.SNI); ok {
			return h, true
		}
	}
	if q.Addr.IsValid() {
		if h, ok := m.MatchIP(q.Addr); ok {
			return h, true
		}
	}
	return Hit{}, false
}

// allowed reports whether name or one of its parent domains is allowlisted.
func (p *policy) allowed(name string) bool {
	if name == "" {
		return false
	}
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	for {
		if p.allow[name] {
			return true
		}
		i := strings.IndexByte(name, '.')
		if i < 0 {
			return false
		}
		name = name[i+1:]
	}
}
