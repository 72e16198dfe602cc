package intel

import (
	"bufio"
	"context"
	"crypto/sha256"
	_ "embed"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/honeygate/honeygate/internal/schema"
)

// Honeypot downloads from popular sites. Anyone who reaches the honeypot
// can type `wget http://www.popular.example/some/path`, and a worm's
// payload URL becomes a malware-download indicator that the gateway
// enforces for every subscriber. For most payload servers (a compromised
// box's address, a throwaway domain) one honeypot session is evidence
// enough. For a popular site's URL it is not: one session is cheap to
// provoke, and a wrong block is costly. So such a URL is held:
//
//   - it is stored as category "suspicious", source honeypot, with expires
//     set to the moment it was seen: it is listed (with its refs and
//     "enforced": false and the reason in the API), never matched, never
//     exported;
//   - it is enforced (category malware-download, no expiry) once
//     CorroborateNetworks distinct attacker networks of one family (IPv4
//     /24s or IPv6 /32s) asked for it: a campaign spreads from many
//     infected networks, one adversary rarely holds several;
//   - a second independent source (a feed, the crawler, an operator's
//     manual entry) lists it under its own source and is enforced as that
//     source always is: the held row never shadows it, being out of the
//     matcher;
//   - its host is never listed from the honeypot (download_hosts does not
//     apply): the URL is all the evidence speaks for.
//
// A hash would corroborate too, but the honeypot never fetches a payload.
// The tally of networks lives in memory (bounded); a restart starts it
// again, and an indicator already enforced stays enforced.

// CategorySuspicious marks an indicator recorded but not enforced (held
// honeypot downloads; see HoneypotPolicy).
const CategorySuspicious = "suspicious"

//go:embed popular.txt
var popularTxt string

// DefaultPopular returns the embedded list of popular names, addresses and
// address blocks.
func DefaultPopular() []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(popularTxt))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// HoneypotPolicy is how far honeygate trusts its own honeypot's downloads
// (config intel.honeypot).
type HoneypotPolicy struct {
	// PopularDomains are added to the embedded list (popular.txt): names
	// (each covering the names below it), addresses or address blocks
	// (CIDR: a CDN's front ends, where one address serves many sites).
	PopularDomains []string `yaml:"popular_domains"`
	// NoDefaultPopular drops the embedded list, leaving PopularDomains.
	NoDefaultPopular bool `yaml:"no_default_popular"`
	// CorroborateNetworks is how many distinct attacker networks must ask
	// for a popular site's URL before the honeypot alone enforces it; 0
	// holds it until another source lists it.
	CorroborateNetworks int `yaml:"corroborate_networks"`
	// HoldAllNames holds every payload URL whose host is a name, popular
	// or not, leaving only addresses enforced at first sight: for a
	// network that would rather miss a throwaway domain for a while than
	// let one typed URL block a small site. Worm payload servers are
	// mostly addresses.
	HoldAllNames bool `yaml:"hold_all_names"`
}

// DefaultHoneypotPolicy holds the embedded list's URLs until three
// networks asked for them.
func DefaultHoneypotPolicy() HoneypotPolicy { return HoneypotPolicy{CorroborateNetworks: 3} }

// maxCorroborate bounds CorroborateNetworks (and the tally per URL).
const maxCorroborate = 64

// Validate returns the fields that cannot work, by yaml path under
// intel.honeypot.
func (p HoneypotPolicy) Validate() schema.Errors {
	var errs schema.Errors
	if p.CorroborateNetworks < 0 || p.CorroborateNetworks > maxCorroborate {
		errs.Add("corroborate_networks", "%d: want 0 (never on the honeypot alone) to %d", p.CorroborateNetworks, maxCorroborate)
	}
	for i, d := range p.PopularDomains {
		if _, ok := popularKey(d); !ok {
			errs.Add(fmt.Sprintf("popular_domains[%d]", i), "%q: want a DNS name, an address or an address block", d)
		}
	}
	return errs
}

// popularKey is the canonical form of a list entry: an address, a masked
// prefix, or a lower-case name.
func popularKey(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if p, err := netip.ParsePrefix(s); err == nil {
		if p.Addr().Is4In6() {
			return "", false // written as IPv4, or it never matches an unmapped address
		}
		return p.Masked().String(), true
	}
	if a, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return a.Unmap().WithZone("").String(), true
	}
	n, err := canonicalDomain(TypeDomain, s)
	if err != nil {
		return "", false
	}
	return n, true
}

// holdPolicy is a compiled HoneypotPolicy with its tally.
type holdPolicy struct {
	popular     map[string]bool
	prefixes    []netip.Prefix // the entries that are address blocks (a CDN's front ends)
	corroborate int
	allNames    bool

	mu    sync.Mutex
	tally map[urlKey][]string // held URL -> networks seen, in order
	order []urlKey            // URLs in the order first tallied, for eviction
}

// urlKey is a tallied URL's SHA-256: a URL may be 8 KiB long, and 4096 of
// them kept whole would be 32 MiB an attacker chooses to fill.
type urlKey [sha256.Size]byte

// maxTallied bounds the URLs whose networks are remembered.
const maxTallied = 4096

func newHoldPolicy(p HoneypotPolicy) *holdPolicy {
	h := &holdPolicy{popular: map[string]bool{}, corroborate: min(max(p.CorroborateNetworks, 0), maxCorroborate), allNames: p.HoldAllNames, tally: map[urlKey][]string{}}
	var names []string
	if !p.NoDefaultPopular {
		names = DefaultPopular()
	}
	for _, d := range append(names, p.PopularDomains...) {
		k, ok := popularKey(d)
		if !ok {
			continue
		}
		if p, err := netip.ParsePrefix(k); err == nil {
			h.prefixes = append(h.prefixes, p)
			continue
		}
		h.popular[k] = true
	}
	return h
}

// holds reports whether a honeypot URL on host is held: a popular host,
// or any name with HoldAllNames.
func (h *holdPolicy) holds(host string, ip bool) bool {
	return (h.allNames && !ip) || h.isPopular(host, ip)
}

// isPopular reports whether host (canonical: a name or an address) is on
// the list, or below a listed name.
func (h *holdPolicy) isPopular(host string, ip bool) bool {
	if ip {
		a, err := netip.ParseAddr(strings.Trim(host, "[]"))
		if err != nil {
			return false
		}
		a = unNAT64(a.Unmap())
		if h.popular[a.String()] {
			return true
		}
		for _, p := range h.prefixes {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	for name := host; name != ""; {
		if h.popular[name] {
			return true
		}
		i := strings.IndexByte(name, '.')
		if i < 0 {
			break
		}
		name = name[i+1:]
	}
	return false
}

// nat64 is the well-known NAT64 prefix (RFC 6052): behind a NAT64 gateway
// [64:ff9b::808:808] is 8.8.8.8, and a popular IPv4 address spelled so is
// the same site.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// unNAT64 is the IPv4 address a NAT64 address stands for, or a unchanged.
func unNAT64(a netip.Addr) netip.Addr {
	if !nat64.Contains(a) {
		return a
	}
	b := a.As16()
	return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
}

// networkOf is the attacker network an event came from: its IPv4 /24, its
// IPv6 /32. Not the IPv6 /48 (one site's assignment): /48s are what a
// tunnel broker hands out free, several to an account, and one allocation
// holds 65,536 of them; a /32 is what a registry allocates to one network
// operator, so an adversary's addresses in it count once, while a worm's
// infected hosts still sit in many operators' /32s.
func networkOf(src string) string {
	a, err := netip.ParseAddr(src)
	if err != nil {
		return ""
	}
	a = unNAT64(a.Unmap())
	bits := 24
	if a.Is6() {
		bits = 32
	}
	p, _ := a.Prefix(bits)
	return p.String()
}

// observe tallies a network asking for url and reports how many distinct
// networks of one address family asked so far (the larger count, bounded
// by the threshold). Families are not added up: one dual-stack attacker
// (a home line, a VPS) holds an IPv4 /24 and an IPv6 /32 on each box, and
// would count twice; worm campaigns reach the threshold in IPv4 alone.
func (h *holdPolicy) observe(url, network string) int {
	key := urlKey(sha256.Sum256([]byte(url)))
	h.mu.Lock()
	defer h.mu.Unlock()
	nets, known := h.tally[key]
	if network != "" && !slices.Contains(nets, network) && familyCount(nets, network) < max(h.corroborate, 1) {
		nets = append(nets, network)
	}
	if !known {
		if len(h.order) >= maxTallied {
			h.evict()
		}
		h.order = append(h.order, key)
	}
	h.tally[key] = nets
	return max(familyCount(nets, "0.0.0.0/24"), familyCount(nets, "::/32"))
}

// familyCount is how many of nets are of like's address family.
func familyCount(nets []string, like string) int {
	v6 := strings.Contains(like, ":")
	n := 0
	for _, x := range nets {
		if strings.Contains(x, ":") == v6 {
			n++
		}
	}
	return n
}

// evict forgets one tallied URL to make room: the oldest of those with the
// fewest networks. One network typing thousands of URLs fills the table
// with single-network entries; evicting the oldest alone would let it push
// out a URL two networks already asked for, and its campaign would have to
// start again.
func (h *holdPolicy) evict() {
	victim, fewest := 0, -1
	for i, u := range h.order {
		if n := len(h.tally[u]); fewest < 0 || n < fewest {
			victim, fewest = i, n
			if n <= 1 {
				break
			}
		}
	}
	delete(h.tally, h.order[victim])
	h.order = slices.Delete(h.order, victim, victim+1)
}

// lister finds stored indicators; the Manager is one. A Consumer whose
// Adder is also a lister keeps an enforced honeypot indicator enforced
// across restarts.
type lister interface {
	List(ctx context.Context, f Filter) ([]Indicator, error)
}

// hold turns a honeypot URL indicator of a popular host into what the
// policy says: held, or enforced once corroborated (the URL only: the
// caller never lists a popular host).
// canon is the URL's canonical expression, the key it is stored under.
func (c *Consumer) hold(ctx context.Context, u Indicator, canon, srcIP string) Indicator {
	n := c.held.observe(canon, networkOf(srcIP))
	if c.held.corroborate > 0 && n >= c.held.corroborate {
		return u // enforced as malware-download
	}
	if l, ok := c.add.(lister); ok {
		prev, err := l.List(ctx, Filter{Type: TypeURL, Value: canon, Source: SourceHoneypot, Limit: 1})
		if err == nil && len(prev) == 1 && prev[0].Category != CategorySuspicious && !prev[0].Expired(u.LastSeen) {
			return u // already enforced: a restart does not lift it
		}
	}
	u.Category = CategorySuspicious
	u.Expires = u.LastSeen // not enforced: see Enforcement
	return u
}

// Enforcement says whether ind is enforced at now and, when not, why: the
// API shows both beside each indicator.
func Enforcement(ind Indicator, now time.Time) (bool, string) {
	switch {
	case ind.Category == CategorySuspicious && ind.Source == SourceHoneypot:
		return false, "held: a honeypot download from a popular site (or any name, with hold_all_names), enforced once several attacker networks ask for it or another source lists it"
	case ind.Expired(now):
		return false, "expired"
	case ind.Allow():
		return false, "allowlist entry: never blocks"
	}
	return true, ""
}
