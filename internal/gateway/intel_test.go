package gateway_test

import (
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/gateway"
	"github.com/honeygate/honeygate/internal/intel"
)

// The chain over the real intel snapshot: canonicalized URLs, the intel
// allowlist, hashes, and readiness.
func TestChainOverRealIntel(t *testing.T) {
	var inds []intel.Indicator
	for _, in := range []intel.Indicator{
		{Type: intel.TypeURL, Value: "http://evil.example.com/b?x", Category: "malware-download", Source: "honeypot"},
		{Type: intel.TypeDomain, Value: "phish.test", Category: "phishing", Source: "feed"},
		{Type: intel.TypeDomain, Value: "ok.phish.test", Category: intel.CategoryAllow, Source: "manual"},
		{Type: intel.TypeSHA256, Value: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Category: "malware", Source: "manual"},
	} {
		n, err := intel.Normalize(in)
		if err != nil {
			t.Fatal(err)
		}
		inds = append(inds, n)
	}
	live := intel.NewLive()
	ready := false
	cfg := gateway.DefaultConfig()
	cfg.Default.FailMode = "closed"
	c, err := gateway.NewChain(&cfg, &gateway.LiveIntel{Live: live, Ready: func() bool { return ready }})
	if err != nil {
		t.Fatal(err)
	}
	client := netip.MustParseAddr("192.168.0.9")
	if d := c.Decide(&gateway.Query{Client: client, Host: "example.org"}); d.Reason != gateway.ReasonFailClosed {
		t.Fatalf("before intel is ready: %+v", d)
	}
	ready = true
	live.Swap(intel.Build(inds, time.Now()))
	u, _ := url.Parse("http://EVIL.example.com./a/../b?x")
	// Padding a URL past the matcher's size bound must not lift the block
	// on its domain.
	long, _ := url.Parse("http://www.phish.test/x?" + strings.Repeat("a", 9000))
	for _, tc := range []struct {
		q    gateway.Query
		want gateway.Verdict
	}{
		{gateway.Query{Client: client, URL: u}, gateway.Blocked},
		{gateway.Query{Client: client, Host: "www.phish.test"}, gateway.Blocked},
		{gateway.Query{Client: client, URL: long, Host: "www.phish.test"}, gateway.Blocked},
		{gateway.Query{Client: client, URL: long}, gateway.Blocked},
		{gateway.Query{Client: client, Host: "ok.phish.test"}, gateway.Allowed},
		{gateway.Query{Client: client, SHA256: "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"}, gateway.Blocked},
		{gateway.Query{Client: client, Host: "example.org"}, gateway.Allowed},
	} {
		if d := c.Decide(&tc.q); d.Verdict != tc.want {
			t.Errorf("%+v: %+v", tc.q, d)
		}
	}
}
