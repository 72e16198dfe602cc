package gateway

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/honeygate/honeygate/internal/schema"
	"golang.org/x/net/publicsuffix"
)

// Config is the `gateway` section: who may use the proxy and the DNS filter,
// what each client network is protected from, and how the DNS filter answers.
type Config struct {
	// ClientCIDRs are the networks allowed to use the gateway; anyone else
	// is refused (403 at the proxy, REFUSED at the DNS filter) and reported,
	// so honeygate is never an open proxy or an open resolver.
	ClientCIDRs []string `yaml:"client_cidrs"`
	// Policies apply per client network; the most specific network wins and
	// the default policy covers clients no policy names.
	Policies []PolicyConfig `yaml:"policies"`
	// Default is the policy for clients that no entry of Policies covers.
	Default PolicyConfig `yaml:"default"`
	// Sinkhole is how the DNS filter answers a blocked name: "nxdomain", or
	// one or two addresses (an IPv4 one for A, an IPv6 one for AAAA).
	Sinkhole []string `yaml:"sinkhole"`
	// Upstreams are the resolvers the DNS filter forwards to (host:port).
	Upstreams []string `yaml:"upstreams"`
	// KillSwitches are domains that must always resolve (WannaCry's): they
	// are never blocked, and a client that looks one up is reported as a
	// likely infected host.
	KillSwitches []string `yaml:"kill_switches"`
	// KillSwitchAddress answers a kill switch when the upstreams give no
	// address (e.g. an isolated network): it should be a web server that
	// answers, so the worm sees its kill switch alive.
	KillSwitchAddress string `yaml:"kill_switch_address"`
	// AllowPrivateUpstream lets the proxy reach loopback, link-local and
	// private destinations (tests, intranets). Honeygate's own listeners
	// stay refused either way.
	AllowPrivateUpstream bool `yaml:"allow_private_upstream"`
	// CADir holds the decrypting mode's CA (ca.pem, ca-key.pem), created on
	// first use when a policy decrypts; empty: DATA/gateway-ca.
	CADir string `yaml:"ca_dir"`
	// CacheEntries bounds the DNS answer cache.
	CacheEntries int `yaml:"cache_entries"`
	// MaxCacheTTL caps how long an answer is cached, whatever its TTL says.
	MaxCacheTTL time.Duration `yaml:"max_cache_ttl"`
	// BlockTTL is the TTL of NXDOMAIN and sinkhole answers.
	BlockTTL time.Duration `yaml:"block_ttl"`
	// FoldWindow is how long the DNS filter folds repeats of one block
	// (same client address, name, action and indicator) into one follow-up
	// event with a count; the first of them is published at once. Every
	// block is still counted. Negative: no folding.
	FoldWindow time.Duration `yaml:"fold_window"`
	// FoldGroups bounds the groups being folded at once; a block past it
	// is published on its own.
	FoldGroups int `yaml:"fold_groups"`
	// ProxyReadTimeout is how long the proxy waits for the next byte of an
	// origin's response body (Squid's read_timeout) before it closes both
	// connections; the client keeps what it had. A client's request body
	// silent this long is cut off too.
	ProxyReadTimeout time.Duration `yaml:"proxy_read_timeout"`
	// ProxyWriteTimeout is how long a write to a proxy client may block
	// (a client that stops reading; Squid's write_timeout) before the
	// connection is closed.
	ProxyWriteTimeout time.Duration `yaml:"proxy_write_timeout"`
	// ConnectPorts are the ports the proxy opens a CONNECT tunnel to
	// (Squid's "http_access deny CONNECT !SSL_ports"): a tunnel is opaque,
	// so without this a client could reach any service (SMTP, SSH, a
	// database) through the gateway. Squid's SSL_ports is 443 alone; so
	// is the default here. Another port is refused with 403 and counted
	// under reason connect-port, not as a block.
	ConnectPorts []int `yaml:"connect_ports"`
}

// DefaultConnectPorts is Squid's SSL_ports: HTTPS only.
var DefaultConnectPorts = []int{443}

// PolicyConfig is one client network's policy.
type PolicyConfig struct {
	Name string `yaml:"name"`
	// Networks this policy applies to (CIDRs); unused for the default.
	Networks []string `yaml:"networks"`
	// Categories to block; empty blocks every category.
	Categories []string `yaml:"categories"`
	// Allow lists domains (and their subdomains) this network may always reach.
	Allow []string `yaml:"allow"`
	// FailMode is "open" (allow) or "closed" (block) when intel is unavailable.
	FailMode string `yaml:"fail_mode"`
	// Decrypt is "off", "block-only" or "all": with block-only, a blocked
	// HTTPS connection is decrypted with the gateway CA (which this
	// network's users installed) to show the block page inside HTTPS; with
	// all, every HTTPS connection is, so full URLs are matched and
	// downloads hashed. See docs/gateway.md.
	Decrypt string `yaml:"decrypt"`
}

// WannaCryKillSwitches are the kill-switch domains of the WannaCry variants
// seen in May 2017: the worm exits when one of them answers over HTTP.
var WannaCryKillSwitches = []string{
	"www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com",
	"www.ifferfsodp9ifjaposdfjhgosurijfaewrwergwea.com",
	"www.iuqssfsodp9ifjaposdfjhgosurijfaewrwergwea.com",
	"www.ayylmaotjhsstasdfasdfasdfasdfasdfasdfasdf.com",
}

// DefaultConfig allows loopback and the RFC 1918 and RFC 4193 networks,
// blocks every category, fails open (an ISP must not cut its subscribers
// off because intel failed to load), and answers blocked names with NXDOMAIN.
func DefaultConfig() Config {
	return Config{
		ClientCIDRs:  []string{"127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"},
		Default:      PolicyConfig{Name: "default", FailMode: "open"},
		Sinkhole:     []string{"nxdomain"},
		Upstreams:    nil,
		KillSwitches: append([]string(nil), WannaCryKillSwitches...),
		CacheEntries: 100_000,
		MaxCacheTTL:  time.Hour,
		BlockTTL:     time.Minute,
		FoldWindow:   time.Second,
		FoldGroups:   65536,
		// Squid's defaults: a long poll or a slow origin may be quiet
		// for minutes; what matters is that a stalled one is not held
		// forever.
		ProxyReadTimeout:  15 * time.Minute,
		ProxyWriteTimeout: 15 * time.Minute,
		ConnectPorts:      append([]int(nil), DefaultConnectPorts...),
	}
}

var _ schema.Section = Config{}

// Listeners implements schema.Section: the proxy (TCP) and the DNS filter
// (UDP and TCP on one address), both off unless given.
func (Config) Listeners() []schema.Listener {
	return []schema.Listener{
		{Name: "proxy", Net: schema.TCP, Repeatable: true, Help: "HTTP/HTTPS forward proxy of the gateway"},
		{Name: "dns", Net: schema.TCPUDP, Repeatable: true, Help: "DNS filter of the gateway"},
	}
}

// Validate implements schema.Section: every setting that cannot work, with
// its path inside the section.
func (c Config) Validate() schema.Errors {
	var errs schema.Errors
	for i, s := range c.ClientCIDRs {
		if _, err := netip.ParsePrefix(s); err != nil {
			errs.Add(fmt.Sprintf("client_cidrs[%d]", i), "%q is not a CIDR", s)
		}
	}
	checkPolicy := func(path string, p *PolicyConfig, needNets bool) {
		if needNets && len(p.Networks) == 0 {
			errs.Add(path+".networks", "a policy needs at least one network")
		}
		for i, s := range p.Networks {
			if _, err := netip.ParsePrefix(s); err != nil {
				errs.Add(fmt.Sprintf("%s.networks[%d]", path, i), "%q is not a CIDR", s)
			}
		}
		switch p.FailMode {
		case "", "open", "closed":
		default:
			errs.Add(path+".fail_mode", "%q is not open or closed", p.FailMode)
		}
		switch p.Decrypt {
		case "", "off", "block-only", "all":
		default:
			errs.Add(path+".decrypt", "%q is not off, block-only or all", p.Decrypt)
		}
		for i, d := range p.Allow {
			if n := normalizeName(d); n == "" {
				errs.Add(fmt.Sprintf("%s.allow[%d]", path, i), "%q is not a domain", d)
			} else if isPublicSuffix(n) {
				errs.Add(fmt.Sprintf("%s.allow[%d]", path, i), "%q is a public suffix: allowing it would lift every block under it", d)
			}
		}
	}
	checkPolicy("default", &c.Default, false)
	for i := range c.Policies {
		checkPolicy(fmt.Sprintf("policies[%d]", i), &c.Policies[i], true)
	}
	if _, _, err := c.SinkholeAddrs(); err != nil {
		errs.Add("sinkhole", "%v", err)
	}
	for i, u := range c.Upstreams {
		if _, _, err := net.SplitHostPort(u); err != nil {
			errs.Add(fmt.Sprintf("upstreams[%d]", i), "%q is not host:port", u)
		}
	}
	for i, d := range c.KillSwitches {
		if n := normalizeName(d); n == "" {
			errs.Add(fmt.Sprintf("kill_switches[%d]", i), "%q is not a domain", d)
		} else if isPublicSuffix(n) {
			errs.Add(fmt.Sprintf("kill_switches[%d]", i), "%q is a public suffix: every name under it would be passed and its clients reported as infected", d)
		}
	}
	if c.KillSwitchAddress != "" {
		if _, err := netip.ParseAddr(c.KillSwitchAddress); err != nil {
			errs.Add("kill_switch_address", "%q is not an address", c.KillSwitchAddress)
		}
	}
	if c.CacheEntries < 0 {
		errs.Add("cache_entries", "must not be negative")
	}
	if c.MaxCacheTTL < 0 {
		errs.Add("max_cache_ttl", "must not be negative")
	}
	if c.BlockTTL < 0 {
		errs.Add("block_ttl", "must not be negative")
	}
	if c.FoldGroups < 0 {
		errs.Add("fold_groups", "must not be negative")
	}
	if c.ProxyReadTimeout <= 0 {
		errs.Add("proxy_read_timeout", "must be positive")
	}
	if c.ProxyWriteTimeout <= 0 {
		errs.Add("proxy_write_timeout", "must be positive")
	}
	if len(c.ConnectPorts) == 0 {
		errs.Add("connect_ports", "needs at least one port (443 for HTTPS); CONNECT would be refused everywhere")
	}
	for i, p := range c.ConnectPorts {
		if p < 1 || p > 65535 {
			errs.Add(fmt.Sprintf("connect_ports[%d]", i), "%d is not a port (1 to 65535)", p)
		}
	}
	return errs
}

// Decrypts reports whether any policy decrypts (so the CA is needed).
func (c Config) Decrypts() bool {
	if c.Default.Decrypt == "block-only" || c.Default.Decrypt == "all" {
		return true
	}
	for _, p := range c.Policies {
		if p.Decrypt == "block-only" || p.Decrypt == "all" {
			return true
		}
	}
	return false
}

// SinkholeAddrs returns the sinkhole addresses; both invalid means NXDOMAIN.
func (c Config) SinkholeAddrs() (v4, v6 netip.Addr, err error) {
	for _, s := range c.Sinkhole {
		if strings.EqualFold(s, "nxdomain") {
			continue
		}
		a, perr := netip.ParseAddr(s)
		switch {
		case perr != nil:
			return v4, v6, fmt.Errorf("%q is neither nxdomain nor an address", s)
		case a.Is4() || a.Is4In6():
			v4 = a.Unmap()
		default:
			v6 = a
		}
	}
	return v4, v6, nil
}

// normalizeName lower-cases a domain and drops a trailing dot; it returns ""
// for something that cannot be a domain name.
func normalizeName(s string) string {
	s = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
	if s == "" || len(s) > 253 || strings.ContainsAny(s, " /:\t\r\n") {
		return ""
	}
	return s
}

// isPublicSuffix reports whether name is on the public suffix list (com,
// co.uk, github.io): an allow entry or a kill switch there would cover every
// site registered under it. An unlisted single label (localhost, lan, an
// intranet's name) is not: it reaches no public site.
func isPublicSuffix(name string) bool {
	ps, icann := publicsuffix.PublicSuffix(name)
	return ps == name && (icann || strings.Contains(name, "."))
}
