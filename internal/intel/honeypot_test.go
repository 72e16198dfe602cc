package intel

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

func TestDefaultPopularIsValid(t *testing.T) {
	list := DefaultPopular()
	if len(list) < 100 {
		t.Fatalf("%d entries", len(list))
	}
	seen := map[string]bool{}
	for _, d := range list {
		k, ok := popularKey(d)
		if !ok {
			t.Errorf("%q is not a name or an address", d)
		}
		if seen[k] {
			t.Errorf("%q listed twice", d)
		}
		seen[k] = true
	}
}

func TestIsPopular(t *testing.T) {
	h := newHoldPolicy(HoneypotPolicy{PopularDomains: []string{"Intranet.Example", "192.0.2.80"}})
	for _, tc := range []struct {
		host string
		ip   bool
		want bool
	}{
		{"github.com", false, true},
		{"raw.githubusercontent.com", false, true},
		{"a.b.cdn.discordapp.com", false, true},
		{"intranet.example", false, true}, // from config
		{"www.intranet.example", false, true},
		{"notgithub.com", false, false},
		{"github.com.evil.example", false, false},
		{"dl.bad.example", false, false},
		{"8.8.8.8", true, true},
		{"[2606:4700:4700::1111]", true, true},
		{"192.0.2.80", true, true},
		{"8.8.8.9", true, false},
	} {
		if got := h.isPopular(tc.host, tc.ip); got != tc.want {
			t.Errorf("isPopular(%q) = %v", tc.host, got)
		}
	}
	if newHoldPolicy(HoneypotPolicy{NoDefaultPopular: true}).isPopular("github.com", false) {
		t.Error("no_default_popular kept the embedded list")
	}
}

func TestHoneypotPolicyValidate(t *testing.T) {
	if errs := DefaultHoneypotPolicy().Validate(); len(errs) != 0 {
		t.Errorf("default: %v", errs)
	}
	errs := HoneypotPolicy{CorroborateNetworks: 65, PopularDomains: []string{"ok.example", "not a name"}}.Validate()
	if len(errs) != 2 {
		t.Errorf("want 2 errors, got %v", errs)
	}
}

// The tally counts networks, not addresses or sessions, one address
// family at a time (a dual-stack attacker's IPv4 and IPv6 are one box),
// and stays bounded.
func TestHoldTally(t *testing.T) {
	h := newHoldPolicy(HoneypotPolicy{CorroborateNetworks: 3})
	for i, tc := range []struct {
		src  string
		want int
	}{
		{"203.0.113.5", 1}, {"203.0.113.200", 1}, {"::ffff:203.0.113.9", 1},
		{"2001:db8:1:2::1", 1}, {"2001:db8:1:ffff::1", 1}, // IPv6 counted apart
		{"2a01:4f8::1", 2},
		{"198.51.100.1", 2}, {"192.0.2.1", 3}, // the third IPv4 network
		{"2a02:4f8::1", 3}, {"192.0.3.1", 3}, // capped at the threshold
		{"not an address", 3},
	} {
		if got := h.observe("u", networkOf(tc.src)); got != tc.want {
			t.Errorf("%d %s: %d networks, want %d", i, tc.src, got, tc.want)
		}
	}
	for i := range maxTallied + 10 {
		h.observe(fmt.Sprintf("url-%d", i), "198.51.100.0/24")
	}
	if len(h.tally) > maxTallied || len(h.order) > maxTallied {
		t.Errorf("tally holds %d URLs", len(h.tally))
	}
}

func TestHoldAllNames(t *testing.T) {
	h := newHoldPolicy(HoneypotPolicy{HoldAllNames: true, CorroborateNetworks: 3})
	for _, tc := range []struct {
		host string
		ip   bool
		want bool
	}{
		{"small-business.example", false, true},
		{"github.com", false, true},
		{"45.15.143.158", true, false}, // a payload server's address: enforced at once
		{"8.8.8.8", true, true},        // but never a public resolver's
	} {
		if got := h.holds(tc.host, tc.ip); got != tc.want {
			t.Errorf("holds(%q) = %v", tc.host, got)
		}
	}
	if newHoldPolicy(DefaultHoneypotPolicy()).holds("small-business.example", false) {
		t.Error("the default holds ordinary names")
	}
}

// An attacker who cannot get a popular name's URL enforced tries its
// other spellings: the host's case, a trailing dot, a port, userinfo,
// escapes; and the site's address instead of its name (dotted, one
// integer, NAT64), where the default download_hosts (ip) would list the
// address itself: a CDN's anycast address serves thousands of sites. Each
// is held, and no address or host is listed.
func TestConsumerHoldsPopularSpellings(t *testing.T) {
	at := time.Date(2026, 11, 30, 13, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ raw, value string }{
		{"http://RAW.GitHubUserContent.COM/a/b/x86", "raw.githubusercontent.com/a/b/x86"},
		{"http://raw.githubusercontent.com./a/b/x86", "raw.githubusercontent.com/a/b/x86"},
		{"http://raw.githubusercontent.com:8080/a/b/x86", "raw.githubusercontent.com/a/b/x86"},
		{"http://u:p@raw.githubusercontent.com/a/b/x86", "raw.githubusercontent.com/a/b/x86"},
		{"http://raw%2egithubusercontent%2ecom/a/b/x86", "raw.githubusercontent.com/a/b/x86"},
		{"http://evil.example\\@raw.githubusercontent.com/a/b/x86", "raw.githubusercontent.com/a/b/x86"},
		{"http://someone.github.io/x86", "someone.github.io/x86"},
		{"http://140.82.112.3/a/b/x86", "140.82.112.3/a/b/x86"},       // github.com
		{"http://2354214915/x", "140.82.120.3/x"},                     // the same block as one integer
		{"http://104.16.1.1/x", "104.16.1.1/x"},                       // a Cloudflare front end
		{"http://[2606:4700::6810:101]/x", "[2606:4700::6810:101]/x"}, // and its IPv6
		{"http://[64:ff9b::808:808]/x", "[64:ff9b::808:808]/x"},       // 8.8.8.8 through NAT64
		{"http://[64:ff9b::8c52:7003]/x", "[64:ff9b::8c52:7003]/x"},   // 140.82.112.3 through NAT64
		{"http://[::ffff:151.101.1.1]/x", "151.101.1.1/x"},            // Fastly, IPv4-mapped
	} {
		var r recAdder
		ev := event.Event{ID: "e", Kind: event.FileDownload, Time: at, SrcIP: "203.0.113.1", Download: event.Download{URL: event.Text(tc.raw)}}
		if err := NewConsumer(&r, HostsAll, nil).Events(context.Background(), []event.Event{ev}); err != nil {
			t.Fatal(err)
		}
		if len(r.got) != 1 || r.got[0].Type != TypeURL || r.got[0].Value != tc.value || r.got[0].Category != CategorySuspicious {
			t.Errorf("%s: %+v, want only the URL %s held", tc.raw, r.got, tc.value)
		}
	}
	// A tenant of a cloud (not a front end) is an ordinary payload server.
	var r recAdder
	ev := event.Event{ID: "e", Kind: event.FileDownload, Time: at, SrcIP: "203.0.113.1", Download: event.Download{URL: "http://45.15.143.158/bins.sh"}}
	if err := NewConsumer(&r, HostsIP, nil).Events(context.Background(), []event.Event{ev}); err != nil {
		t.Fatal(err)
	}
	if len(r.got) != 2 || r.got[0].Category != CategoryMalwareDownload {
		t.Errorf("ordinary payload server: %+v", r.got)
	}
}

// IPv6 /48s are free from a tunnel broker, several to an account: three
// of them in one operator's /32 are one network, not a campaign.
func TestHoldTallyIPv6Unit(t *testing.T) {
	h := newHoldPolicy(HoneypotPolicy{CorroborateNetworks: 3})
	for _, src := range []string{"2001:470:1::1", "2001:470:2::1", "2001:470:ffff::1", "2001:470:abcd:1::9"} {
		if n := h.observe("u", networkOf(src)); n != 1 {
			t.Fatalf("%s: %d networks from one /32", src, n)
		}
	}
	if n := h.observe("u", networkOf("2a01:4f8::1")); n != 2 {
		t.Errorf("a second operator: %d", n)
	}
	if networkOf("64:ff9b::cb00:7105") != networkOf("203.0.113.9") {
		t.Error("an IPv4 attacker through NAT64 counts as another network")
	}
}

// One network typing thousands of URLs must not push a URL that two
// networks already asked for out of the tally: its campaign's third
// network still enforces it.
func TestHoldTallyFloodKeepsCorroborating(t *testing.T) {
	h := newHoldPolicy(HoneypotPolicy{CorroborateNetworks: 3})
	h.observe("real", networkOf("203.0.113.1"))
	h.observe("real", networkOf("198.51.100.1"))
	for i := range 3 * maxTallied {
		h.observe(fmt.Sprintf("flood-%d", i), networkOf("192.0.2.1"))
	}
	if len(h.tally) > maxTallied || len(h.order) != len(h.tally) {
		t.Fatalf("tally holds %d URLs, order %d", len(h.tally), len(h.order))
	}
	if n := h.observe("real", networkOf("192.0.3.1")); n != 3 {
		t.Errorf("after the flood the campaign's URL has %d networks, want 3", n)
	}
}

// The tally keeps no attacker-sized URL: 4096 URLs of 8 KiB each (32 MiB
// of text) cost it a few hundred KiB.
func TestHoldTallyMemory(t *testing.T) {
	h := newHoldPolicy(HoneypotPolicy{CorroborateNetworks: 3})
	pad := strings.Repeat("a", maxURLLen-64)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range maxTallied {
		h.observe(fmt.Sprintf("raw.githubusercontent.com/%d/%s", i, pad), networkOf("192.0.2.1"))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 4<<20 {
		t.Errorf("the tally of %d long URLs holds %d KiB", maxTallied, grew>>10)
	}
	runtime.KeepAlive(h)
}

// An operator adds a CDN's block of their own; an IPv4-mapped one would
// never match (addresses are unmapped first) and is refused.
func TestPopularPrefixFromConfig(t *testing.T) {
	p := HoneypotPolicy{PopularDomains: []string{"198.51.100.0/24"}}
	if errs := p.Validate(); len(errs) != 0 {
		t.Fatal(errs)
	}
	if h := newHoldPolicy(p); !h.isPopular("198.51.100.7", true) || h.isPopular("198.51.101.7", true) {
		t.Error("the configured block")
	}
	if errs := (HoneypotPolicy{PopularDomains: []string{"::ffff:198.51.100.0/120"}}).Validate(); len(errs) != 1 {
		t.Errorf("mapped block: %v", errs)
	}
}
