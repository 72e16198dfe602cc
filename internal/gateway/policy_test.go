package gateway_test

import (
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/honeygate/honeygate/internal/gateway"
	"github.com/honeygate/honeygate/internal/gateway/gatewaytest"
)

func TestChainOrder(t *testing.T) {
	cfg := gateway.DefaultConfig()
	cfg.Policies = []gateway.PolicyConfig{
		{Name: "office", Networks: []string{"10.1.0.0/16"}, Categories: []string{"phishing"}, Allow: []string{"partner.test"}},
		{Name: "lab", Networks: []string{"10.1.2.0/24"}, FailMode: "closed"},
	}
	if err := cfg.Validate().Err(); err != nil {
		t.Fatal(err)
	}
	in := gatewaytest.NewIntel()
	in.Add("domain", "partner.test", "phishing")
	in.Add("domain", "miner.test", "miner")
	in.Add("domain", "phish.test", "phishing")
	in.Add("url", "http://site.test/bad", "malware")
	c, err := gateway.NewChain(&cfg, in)
	if err != nil {
		t.Fatal(err)
	}
	office, lab, home, outside := netip.MustParseAddr("10.1.9.9"), netip.MustParseAddr("10.1.2.3"), netip.MustParseAddr("192.168.1.5"), netip.MustParseAddr("203.0.113.7")
	u, _ := url.Parse("http://site.test/bad")
	for _, tc := range []struct {
		name   string
		q      gateway.Query
		want   gateway.Verdict
		reason string
		policy string
	}{
		{"outside refused first", gateway.Query{Client: outside, Host: "partner.test"}, gateway.Refused, gateway.ReasonClientRefused, ""},
		{"allowlist beats intel", gateway.Query{Client: office, Host: "www.partner.test"}, gateway.Allowed, gateway.ReasonAllowlist, "office"},
		{"category not blocked here", gateway.Query{Client: office, Host: "miner.test"}, gateway.Allowed, gateway.ReasonCategoryAllowed, "office"},
		{"category blocked here", gateway.Query{Client: office, Host: "phish.test"}, gateway.Blocked, gateway.ReasonIntel, "office"},
		{"most specific network wins", gateway.Query{Client: lab, Host: "miner.test"}, gateway.Blocked, gateway.ReasonIntel, "lab"},
		{"default policy blocks all", gateway.Query{Client: home, Host: "miner.test"}, gateway.Blocked, gateway.ReasonIntel, "default"},
		{"url", gateway.Query{Client: home, URL: u}, gateway.Blocked, gateway.ReasonIntel, "default"},
		{"sni", gateway.Query{Client: home, SNI: "x.phish.test"}, gateway.Blocked, gateway.ReasonIntel, "default"},
		{"clean", gateway.Query{Client: home, Host: "example.test"}, gateway.Allowed, gateway.ReasonNoMatch, "default"},
		{"v4-mapped client", gateway.Query{Client: netip.MustParseAddr("::ffff:192.168.1.5"), Host: "miner.test"}, gateway.Blocked, gateway.ReasonIntel, "default"},
	} {
		d := c.Decide(&tc.q)
		if d.Verdict != tc.want || d.Reason != tc.reason || d.Policy != tc.policy {
			t.Errorf("%s: got %v/%s/%s, want %v/%s/%s", tc.name, d.Verdict, d.Reason, d.Policy, tc.want, tc.reason, tc.policy)
		}
	}

	// DecideUnlisted gives what Decide gives for names intel does not list.
	for _, q := range []gateway.Query{
		{Client: outside, Host: "example.test"}, {Client: office, Host: "www.partner.test"},
		{Client: office, Host: "example.test"}, {Client: lab, Host: "example.test"}, {Client: home, Host: "example.test"},
	} {
		if got, want := c.DecideUnlisted(q.Client, q.Host), c.Decide(&q); got != want {
			t.Errorf("DecideUnlisted(%v, %s) = %+v, Decide %+v", q.Client, q.Host, got, want)
		}
	}

	// Intel unavailable: each network's fail mode; the allowlist still holds.
	in.SetUnavailable(true)
	if d := c.Decide(&gateway.Query{Client: lab, Host: "example.test"}); d.Verdict != gateway.Blocked || d.Reason != gateway.ReasonFailClosed {
		t.Errorf("lab fails closed: %+v", d)
	}
	if d := c.Decide(&gateway.Query{Client: home, Host: "example.test"}); d.Verdict != gateway.Allowed || d.Reason != gateway.ReasonFailOpen {
		t.Errorf("home fails open: %+v", d)
	}
	if d := c.Decide(&gateway.Query{Client: office, Host: "partner.test"}); d.Verdict != gateway.Allowed || d.Reason != gateway.ReasonAllowlist {
		t.Errorf("allowlist while unavailable: %+v", d)
	}
	// A panicking snapshot counts as unavailable.
	in.SetUnavailable(false)
	in.SetPanics()
	if d := c.Decide(&gateway.Query{Client: lab, Host: "example.test"}); d.Reason != gateway.ReasonFailClosed {
		t.Errorf("panicking matcher: %+v", d)
	}
}

func TestConfigValidate(t *testing.T) {
	cfg := gateway.DefaultConfig()
	if err := cfg.Validate().Err(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if len(cfg.ConnectPorts) != 1 || cfg.ConnectPorts[0] != 443 {
		t.Errorf("default connect_ports %v, want [443] (Squid's SSL_ports)", cfg.ConnectPorts)
	}
	empty := gateway.DefaultConfig()
	empty.ConnectPorts = nil
	if err := empty.Validate().Err(); err == nil || !strings.Contains(err.Error(), "connect_ports") {
		t.Errorf("empty connect_ports accepted: %v", err)
	}
	cfg.ClientCIDRs = []string{"10.0.0.0/33"}
	cfg.Sinkhole = []string{"bogus"}
	cfg.Upstreams = []string{"1.1.1.1"}
	cfg.Policies = []gateway.PolicyConfig{{Name: "x", FailMode: "sideways"}}
	cfg.ConnectPorts = []int{443, 0, 70000}
	cfg.Default.Allow = []string{"ok.example", "co.uk"}
	cfg.KillSwitches = []string{"com"}
	err := cfg.Validate().Err()
	for _, want := range []string{"default.allow[1]", "kill_switches[0]", "client_cidrs[0]", "sinkhole", "upstreams[0]", "policies[0].networks", "policies[0].fail_mode", "connect_ports[1]", "connect_ports[2]"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing error for %s in %v", want, err)
		}
	}
}

func TestNewRef(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		r := gateway.NewRef()
		if len(r) != 15 || !strings.HasPrefix(r, "HG-") || seen[r] {
			t.Fatalf("ref %q", r)
		}
		seen[r] = true
	}
}
