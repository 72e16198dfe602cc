package crawl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
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
// (because the visited URL itself is on one).
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
type Guard struct {
	// AllowPrivate lets every visit reach private addresses
	// (--allow-private-upstream).
	AllowPrivate bool
	// Private classifies addresses; nil means IsPrivate. Tests replace it.
	Private func(netip.Addr) bool
	// Timeout bounds one connection attempt.
	Timeout time.Duration
	// LoopbackOnly refuses every destination that is not a loopback IP
	// address, before any DNS lookup: for tests and benchmarks, whose
	// pages (real malicious ones among them) name hosts on the Internet
	// that must not even be resolved.
	LoopbackOnly bool
}

// ErrNotLoopback is returned (wrapped) by a LoopbackOnly guard.
var ErrNotLoopback = errors.New("refused: not a loopback address (loopback-only guard)")

// DialContext connects like net.Dialer, refusing private addresses unless
// the guard or ctx (WithPrivateAllowed) allows them.
func (g *Guard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if g.LoopbackOnly {
		host, _, err := net.SplitHostPort(addr)
		a, perr := netip.ParseAddr(host)
		if err != nil || perr != nil || !a.Unmap().IsLoopback() {
			return nil, fmt.Errorf("crawl: dial %s: %w", addr, ErrNotLoopback)
		}
	}
	allow := g.AllowPrivate || privateAllowed(ctx)
	d := net.Dialer{Timeout: g.Timeout, KeepAlive: 30 * time.Second}
	if g.Timeout == 0 {
		d.Timeout = 10 * time.Second
	}
	if !allow {
		d.ControlContext = func(_ context.Context, _, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("crawl: dial %s: %w", address, err)
			}
			if g.private(ap.Addr()) {
				return fmt.Errorf("crawl: dial %s: %w", address, ErrPrivateAddress)
			}
			return nil
		}
	}
	return d.DialContext(ctx, network, addr)
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
