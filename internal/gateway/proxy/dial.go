package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"
)

// errForbiddenDest is a destination the proxy must not reach: honeygate's
// own listeners always, and loopback, link-local, private and other
// non-public addresses unless allow_private_upstream is set. The check runs
// on the resolved addresses, at dial time, so a public name that resolves to
// 127.0.0.1 (DNS rebinding) is refused like the literal.
var errForbiddenDest = errors.New("destination not allowed")

// dialer resolves, filters and dials.
type dialer struct {
	allowPrivate bool
	own          func() []netip.AddrPort // honeygate's listeners, read at each dial
	localIPs     map[netip.Addr]bool     // this machine's addresses, for listeners on 0.0.0.0
	resolver     *net.Resolver
	net          net.Dialer
}

func newDialer(allowPrivate bool, own func() []netip.AddrPort) *dialer {
	d := &dialer{
		allowPrivate: allowPrivate,
		own:          own,
		localIPs:     map[netip.Addr]bool{},
		resolver:     net.DefaultResolver,
		net:          net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second},
	}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if p, err := netip.ParsePrefix(a.String()); err == nil {
				d.localIPs[p.Addr().Unmap()] = true
			}
		}
	}
	return d
}

// DialContext is for http.Transport and for CONNECT tunnels.
func (d *dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil || port == 0 {
		return nil, fmt.Errorf("%w: bad port %q", errForbiddenDest, portStr)
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else if ips, err = d.resolver.LookupNetIP(ctx, "ip", host); err != nil {
		return nil, err
	}
	var firstErr error
	allowed := 0
	for _, ip := range ips {
		ip = ip.Unmap()
		if err := d.check(ip, uint16(port)); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		allowed++
		c, err := d.net.DialContext(ctx, network, netip.AddrPortFrom(ip, uint16(port)).String())
		if err == nil {
			return c, nil
		}
		firstErr = err
	}
	if allowed == 0 && firstErr == nil {
		firstErr = fmt.Errorf("%s resolves to no address", host)
	}
	return nil, firstErr
}

// check refuses what the proxy must not reach.
func (d *dialer) check(ip netip.Addr, port uint16) error {
	for _, own := range d.own() {
		a := own.Addr().Unmap()
		if own.Port() != port {
			continue
		}
		if a == ip || (a.IsUnspecified() && (ip.IsLoopback() || d.localIPs[ip])) {
			return fmt.Errorf("%w: %s is honeygate's own listener", errForbiddenDest, netip.AddrPortFrom(ip, port))
		}
	}
	if ip.IsUnspecified() || ip.IsMulticast() || (ip.Is4() && ip == netip.AddrFrom4([4]byte{255, 255, 255, 255})) {
		return fmt.Errorf("%w: %s", errForbiddenDest, ip)
	}
	if d.allowPrivate {
		return nil
	}
	if ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsPrivate() || ip.IsInterfaceLocalMulticast() || cgnat.Contains(ip) || d.localIPs[ip] {
		return fmt.Errorf("%w: %s is not a public address", errForbiddenDest, ip)
	}
	return nil
}

// cgnat is RFC 6598 shared address space: an ISP's subscribers live there,
// and a proxy must not be a way to reach them from each other.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")
