package intel

import (
	"fmt"
	"testing"
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

// The tally counts networks, not addresses or sessions, and stays bounded.
func TestHoldTally(t *testing.T) {
	h := newHoldPolicy(HoneypotPolicy{CorroborateNetworks: 3})
	for i, tc := range []struct {
		src  string
		want int
	}{
		{"203.0.113.5", 1}, {"203.0.113.200", 1}, {"::ffff:203.0.113.9", 1},
		{"2001:db8:1:2::1", 2}, {"2001:db8:1:ffff::1", 2},
		{"198.51.100.1", 3}, {"192.0.2.1", 3}, // capped at the threshold
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
