package intel

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"

	"github.com/honeygate/honeygate/internal/event"
)

// HostPolicy says whether the host of a payload URL a worm asked for becomes
// an indicator too.
type HostPolicy string

const (
	// HostsNone: only the URL.
	HostsNone HostPolicy = "none"
	// HostsIP: the host too when it is an address (worm payload servers
	// mostly are: a compromised box serving its bins). The default.
	HostsIP HostPolicy = "ip"
	// HostsAll: the host too, names as well (exact host: a shared hosting
	// name blocks every site on it, so think before choosing this).
	HostsAll HostPolicy = "all"
)

// Valid reports whether p is one of the policies.
func (p HostPolicy) Valid() bool { return p == HostsNone || p == HostsIP || p == HostsAll }

// Adder stores indicators and asks for a rebuild (Manager.Add).
type Adder interface {
	Add(ctx context.Context, inds []Indicator) (UpsertResult, error)
}

// Consumer turns honeygate's own observations from the bus into indicators:
// payload URLs from file.download events (source honeypot, category
// malware-download) and malicious crawl verdicts (source crawl). Each
// indicator's Refs hold the ids of the events behind it.
type Consumer struct {
	add   Adder
	hosts HostPolicy
	held  *holdPolicy
	log   *slog.Logger
}

// NewConsumer returns a Consumer that stores through add.
func NewConsumer(add Adder, hosts HostPolicy, log *slog.Logger) *Consumer {
	if !hosts.Valid() {
		hosts = HostsIP
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Consumer{add: add, hosts: hosts, held: newHoldPolicy(DefaultHoneypotPolicy()), log: log}
}

// WithHoneypot replaces the policy for honeypot downloads from popular
// sites (honeypot.go; DefaultHoneypotPolicy without it) and returns c.
func (c *Consumer) WithHoneypot(p HoneypotPolicy) *Consumer {
	c.held = newHoldPolicy(p)
	return c
}

// consumedKinds are the kinds indicators come from; indicators switches on
// exactly these.
var consumedKinds = []event.Kind{event.FileDownload, event.CrawlVerdict}

// Kinds returns the event kinds Events uses; every other kind yields
// nothing. The bus filters the consumer's durable on them (bus.Handler.Kinds),
// so the server never sends, and this process never decodes, the rest.
func (c *Consumer) Kinds() []event.Kind { return append([]event.Kind(nil), consumedKinds...) }

// Events is a bus handler: it stores the indicators a batch yields in one
// call. An event whose URL is not a usable indicator (attackers type
// anything) is logged and skipped, never retried; a store error is returned
// so the bus redelivers the batch (upserts are idempotent).
func (c *Consumer) Events(ctx context.Context, evs []event.Event) error {
	var inds []Indicator
	for _, ev := range evs {
		for _, ind := range c.indicators(ctx, ev) {
			n, err := Normalize(ind)
			if err != nil {
				c.log.Debug("intel: event yields no indicator", "event", ev.ID, "kind", ev.Kind, "err", err)
				continue
			}
			// The hash of zero bytes names every empty file: blocking it
			// would block every empty download. Whatever the source says.
			if n.Type == TypeSHA256 && n.Value == emptySHA256 {
				c.log.Debug("intel: the empty file's hash, not an indicator", "event", ev.ID, "kind", ev.Kind)
				continue
			}
			inds = append(inds, n)
		}
	}
	if len(inds) == 0 {
		return nil
	}
	if _, err := c.add.Add(ctx, inds); err != nil {
		return fmt.Errorf("intel consumer: %w", err)
	}
	return nil
}

// indicators returns what one event says, not yet normalized.
func (c *Consumer) indicators(ctx context.Context, ev event.Event) []Indicator {
	switch ev.Kind {
	case event.FileDownload:
		return c.download(ctx, ev)
	case event.CrawlVerdict:
		return verdictIndicators(ev)
	}
	return nil
}

func (c *Consumer) download(ctx context.Context, ev event.Event) []Indicator {
	raw := strings.TrimSpace(string(ev.URL))
	if raw == "" {
		return nil
	}
	// Anyone can type into a honeypot: a URL named by a command that did
	// not run (a dead branch) was never a download attempt, and is kept as
	// an observation only.
	if ev.Ran != nil && !*ev.Ran {
		return nil
	}
	pc, err := parseCanonical(raw)
	if err != nil {
		return nil
	}
	// A site's root is not a payload: loaders fetch a file. Without this,
	// one `wget http://www.google.com/` (or http://8.8.8.8/) typed into the
	// honeypot would block a popular site, or a resolver, for every
	// subscriber behind the gateway.
	if pc.path == "/" && pc.query == "" {
		c.log.Debug("intel: a site root, not a payload; not an indicator", "event", ev.ID, "url", raw)
		return nil
	}
	// Worms fetch from the victim's own network too (the corpus has
	// http://192.168.1.1:8088/i): such an address means a different box on
	// every subscriber's LAN, never a payload server to block.
	if pc.isIP() && !publicAddr(pc.addr) {
		c.log.Debug("intel: payload on a non-public address, not an indicator", "event", ev.ID, "url", raw)
		return nil
	}
	base := Indicator{Category: CategoryMalwareDownload, Source: SourceHoneypot,
		FirstSeen: ev.Time.UTC(), LastSeen: ev.Time.UTC(), Refs: []string{ev.ID}}
	u := base
	u.Type, u.Value = TypeURL, raw
	// A popular site's URL (or a public resolver's) is held until
	// corroborated, and its host is never listed (honeypot.go).
	if c.held.holds(pc.host, pc.isIP()) {
		c.log.Debug("intel: a popular site's URL from the honeypot", "event", ev.ID, "url", raw)
		return []Indicator{c.hold(ctx, u, pc.expr(), ev.SrcIP)}
	}
	out := []Indicator{u}
	if c.hosts == HostsNone {
		return out
	}
	h := base
	if pc.isIP() {
		h.Type, h.Value = TypeIP, strings.Trim(pc.host, "[]")
		return append(out, h)
	}
	if c.hosts == HostsAll {
		h.Type, h.Value = TypeHost, pc.host
		out = append(out, h)
	}
	return out
}

// emptySHA256 is the SHA-256 of zero bytes (limits.go refuses it).
const emptySHA256 = EmptySHA256

// cgnat is carrier-grade NAT space: as private as RFC 1918 at an ISP.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// publicAddr reports whether a is a globally routable unicast address.
func publicAddr(a netip.Addr) bool {
	return a.IsValid() && a.IsGlobalUnicast() && !a.IsPrivate() && !a.IsLoopback() && !a.IsLinkLocalUnicast() && !cgnat.Contains(a)
}
