package crawl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"
)

// ErrPrivateAddress is returned (wrapped) when a crawl would connect to a
// loopback, link-local or private address it is not allowed to reach.
var ErrPrivateAddress = errors.New("refused: private, loopback or link-local address")

// privatePrefixes are the networks a crawled page must not steer us into:
// the operator's own network, the host itself and cloud metadata services.
var privatePrefixes = func() []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",      // "this network"; 0.0.0.0 reaches the host itself
		"10.0.0.0/8",     // RFC 1918
		"100.64.0.0/10",  // carrier-grade NAT: the ISP's own network
		"127.0.0.0/8",    // loopback
		"169.254.0.0/16", // link-local, and cloud metadata (169.254.169.254)
		"172.16.0.0/12",  // RFC 1918
		"192.168.0.0/16", // RFC 1918
		"192.0.0.0/24",   // IETF protocol assignments
		"198.18.0.0/15",  // benchmarking
		"224.0.0.0/4",    // multicast
		"240.0.0.0/4",    // reserved, and broadcast
		"::/128", "::1/128",
		"fc00::/7",  // unique local
		"fe80::/10", // link-local
		"ff00::/8",  // multicast
		"64:ff9b:1::/48",
		"64:ff9b::/96", // NAT64: an IPv4 address inside, 127.0.0.1 as 64:ff9b::7f00:1
		"2002::/16",    // 6to4: an IPv4 address inside as well
	} {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}()

// IsPrivate reports whether a is an address a crawled page must not make us
// connect to. IPv4-mapped IPv6 addresses are judged as the IPv4 address.
func IsPrivate(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range privatePrefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

type allowPrivateKey struct{}

// WithPrivateAllowed marks ctx as a visit that may reach private addresses
// (because the visited URL itself is on one). Loopback stays refused: a
// site on the operator's network must not lead the crawler into the host
// it runs on.
func WithPrivateAllowed(ctx context.Context) context.Context {
	return context.WithValue(ctx, allowPrivateKey{}, true)
}

func privateAllowed(ctx context.Context) bool {
	v, _ := ctx.Value(allowPrivateKey{}).(bool)
	return v
}

// Guard is a dialer that checks the address it actually connects to, after
// DNS resolution: checking the URL's host name before the request would let
// a name that resolves to 127.0.0.1 (or re-resolves, DNS rebinding) through.
//
// What it refuses, in this order:
//   - honeygate's own listeners (Own) and the browser engine's own proxies,
//     always, whatever else is allowed: a crawled page must never reach
//     the web API, the gateway's proxy and DNS, the sensors or the bus;
//   - loopback and unspecified addresses (the host itself), unless the
//     operator allowed private upstreams (AllowPrivate) or the guard is a
//     test's (LoopbackOnly);
//   - the other private, link-local and reserved ranges, unless
//     AllowPrivate or the visit started on such an address
//     (WithPrivateAllowed).
type Guard struct {
	// AllowPrivate lets every visit reach private and loopback addresses
	// (--allow-private-upstream), honeygate's own listeners excepted.
	AllowPrivate bool
	// Private classifies addresses; nil means IsPrivate, with loopback
	// kept apart as above. Tests replace it: then Private alone says what
	// is private, and nothing is loopback.
	Private func(netip.Addr) bool
	// Own returns honeygate's listener addresses (read at each dial, as
	// listeners on port 0 are known only once bound). A listener on an
	// unspecified address stands for its port on every local address.
	Own func() []netip.AddrPort
	// Timeout bounds one connection attempt.
	Timeout time.Duration
	// LoopbackOnly refuses every destination that is not a loopback IP
	// address, before any DNS lookup: for tests and benchmarks, whose
	// pages (real malicious ones among them) name hosts on the Internet
	// that must not even be resolved. Loopback is then reachable.
	LoopbackOnly bool

	mu    sync.Mutex
	self  []netip.AddrPort // the browser engine's proxies
	local map[netip.Addr]bool
}

// ErrNotLoopback is returned (wrapped) by a LoopbackOnly guard.
var ErrNotLoopback = errors.New("refused: not a loopback address (loopback-only guard)")

// ErrOwnListener is returned (wrapped) for a connection to one of
// honeygate's own listeners. It wraps ErrPrivateAddress, so a refusal reads
// the same to callers that only know that one.
var ErrOwnListener = fmt.Errorf("%w: honeygate's own listener", ErrPrivateAddress)

// DialContext connects like net.Dialer, refusing what the guard refuses
// (see Guard) on the address actually dialled.
func (g *Guard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if g.LoopbackOnly {
		host, _, err := net.SplitHostPort(addr)
		a, perr := netip.ParseAddr(host)
		if err != nil || perr != nil || !a.Unmap().IsLoopback() {
			return nil, fmt.Errorf("crawl: dial %s: %w", addr, ErrNotLoopback)
		}
	}
	allowPrivate := privateAllowed(ctx)
	d := net.Dialer{Timeout: g.Timeout, KeepAlive: 30 * time.Second}
	if g.Timeout == 0 {
		d.Timeout = 10 * time.Second
	}
	d.ControlContext = func(_ context.Context, _, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("crawl: dial %s: %w", address, err)
		}
		if err := g.Check(ap, allowPrivate); err != nil {
			return fmt.Errorf("crawl: dial %s: %w", address, err)
		}
		return nil
	}
	return d.DialContext(ctx, network, addr)
}

// Check reports whether the guard lets a visit connect to ap; private says
// whether the visit started on a private address. It returns nil or an
// error wrapping ErrPrivateAddress (ErrOwnListener for honeygate's own).
func (g *Guard) Check(ap netip.AddrPort, private bool) error {
	a := ap.Addr().Unmap()
	if g.own(a, ap.Port()) {
		return ErrOwnListener
	}
	switch {
	case g.Private != nil:
		if g.Private(a) && !g.AllowPrivate && !private {
			return ErrPrivateAddress
		}
	case a.IsLoopback() || a.IsUnspecified():
		if !g.AllowPrivate && !g.LoopbackOnly {
			return fmt.Errorf("%w (loopback: allowed only with --allow-private-upstream)", ErrPrivateAddress)
		}
	case IsPrivate(a):
		if !g.AllowPrivate && !private {
			return ErrPrivateAddress
		}
	}
	return nil
}

// own reports whether a:port is one of honeygate's listeners or the
// browser engine's proxies.
func (g *Guard) own(a netip.Addr, port uint16) bool {
	var own []netip.AddrPort
	if g.Own != nil {
		own = g.Own()
	}
	g.mu.Lock()
	own = append(own, g.self...)
	g.mu.Unlock()
	for _, o := range own {
		if o.Port() != port {
			continue
		}
		oa := o.Addr().Unmap()
		if oa == a {
			return true
		}
		if oa.IsUnspecified() && (a.IsLoopback() || a.IsUnspecified() || g.isLocal(a)) {
			return true
		}
	}
	return false
}

// isLocal reports whether a is an address of one of this host's interfaces
// (read once).
func (g *Guard) isLocal(a netip.Addr) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.local == nil {
		g.local = map[netip.Addr]bool{}
		addrs, _ := net.InterfaceAddrs()
		for _, ad := range addrs {
			if p, err := netip.ParsePrefix(ad.String()); err == nil {
				g.local[p.Addr().Unmap()] = true
			}
		}
	}
	return g.local[a]
}

// addSelf adds an address of the engine's own (a guard proxy) to those
// never dialled: a page must not make the proxy connect to itself.
func (g *Guard) addSelf(ap netip.AddrPort) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.self = append(g.self, ap)
}

func (g *Guard) private(a netip.Addr) bool {
	if g.Private != nil {
		return g.Private(a)
	}
	return IsPrivate(a)
}

// StartsPrivate resolves the host of a visited URL and reports whether any
// of its addresses is private: then the operator asked for an internal site,
// and the visit may reach private addresses.
func (g *Guard) StartsPrivate(ctx context.Context, host string) bool {
	if a, err := netip.ParseAddr(host); err == nil {
		return g.private(a)
	}
	if g.LoopbackOnly {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if g.private(a) {
			return true
		}
	}
	return false
}
