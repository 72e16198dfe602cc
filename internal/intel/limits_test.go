package intel

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// Indicators that would block a whole top-level domain or registry suffix,
// a large part of the address space, or nothing at all (already expired) are
// refused with an error that names the field.
func TestNormalizeRefusesOverBroad(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		ind   Indicator
		field string
	}{
		{Indicator{Type: TypeDomain, Value: "com"}, "value"},
		{Indicator{Type: TypeDomain, Value: "COM."}, "value"},
		{Indicator{Type: TypeDomain, Value: "*.com"}, "value"},
		{Indicator{Type: TypeDomain, Value: "co.uk"}, "value"},
		{Indicator{Type: TypeDomain, Value: "ｃｏ．ｊｐ"}, "value"}, // fullwidth, a registry suffix once mapped
		{Indicator{Type: TypeDomain, Value: "github.io"}, "value"},
		{Indicator{Type: TypeDomain, Value: "localhost"}, "value"}, // a single label: a TLD by the default rule
		{Indicator{Type: TypeDomain, Value: "com", Category: CategoryAllow}, "value"},
		{Indicator{Type: TypeURLPrefix, Value: "http://com/"}, "value"},
		{Indicator{Type: TypeURLPrefix, Value: "http://co.uk/login/"}, "value"},
		{Indicator{Type: TypeSHA256, Value: EmptySHA256}, "value"},
		{Indicator{Type: TypeSHA256, Value: strings.ToUpper(EmptySHA256)}, "value"},
		{Indicator{Type: TypeCIDR, Value: "0.0.0.0/0"}, "value"},
		{Indicator{Type: TypeCIDR, Value: "10.0.0.0/7"}, "value"},
		{Indicator{Type: TypeCIDR, Value: "::/0"}, "value"},
		{Indicator{Type: TypeCIDR, Value: "2001:db8::/31"}, "value"},
		{Indicator{Type: TypeCIDR, Value: "::ffff:0.0.0.0/96"}, "value"}, // IPv4-mapped: 0.0.0.0/0
		{Indicator{Type: TypeDomain, Value: "evil.example", Expires: now.Add(-2 * time.Minute)}, "expires"},
		{Indicator{Type: TypeDomain, Value: "evil.example", Expires: now.AddDate(-5, 0, 0)}, "expires"},
		{Indicator{Type: TypeURL, Value: "evil.example/x", Category: CategorySuspicious, Source: "feed", Expires: now.Add(-time.Hour)}, "expires"},
	}
	for _, c := range cases {
		_, err := NormalizeAt(c.ind, now, Limits{})
		var fe *FieldError
		if !errors.As(err, &fe) || !errors.Is(err, ErrInvalid) {
			t.Errorf("%s %q (expires %v): err %v, want a FieldError wrapping ErrInvalid", c.ind.Type, c.ind.Value, c.ind.Expires, err)
			continue
		}
		if fe.Field != c.field {
			t.Errorf("%s %q: field %q, want %q (%v)", c.ind.Type, c.ind.Value, fe.Field, c.field, err)
		}
	}

	// What is narrow enough stays accepted.
	for _, ind := range []Indicator{
		{Type: TypeDomain, Value: "evil.com"},
		{Type: TypeDomain, Value: "evil.co.uk"},
		{Type: TypeDomain, Value: "phish.github.io"},
		{Type: TypeHost, Value: "com"}, // exact: the name com only, nothing under it
		{Type: TypeURL, Value: "http://co.uk/x"},
		{Type: TypeURLPrefix, Value: "http://evil.co.uk/"},
		{Type: TypeURLPrefix, Value: "http://1.2.3.4/"},
		{Type: TypeCIDR, Value: "10.0.0.0/8"},
		{Type: TypeCIDR, Value: "2001:db8::/32"},
		{Type: TypeIP, Value: "0.0.0.0"},
		{Type: TypeDomain, Value: "evil.example", Expires: now.Add(time.Second)},
		// "Expire now", by a clock a little behind the manager's (the
		// dashboard's Expire button).
		{Type: TypeDomain, Value: "evil.example", Expires: now},
		{Type: TypeDomain, Value: "evil.example", Expires: now.Add(-30 * time.Second)},
		// A held honeypot download is stored expired on purpose (honeypot.go).
		{Type: TypeURL, Value: "raw.githubusercontent.com/x/bins/x86", Category: CategorySuspicious, Source: SourceHoneypot, Expires: now.Add(-time.Hour)},
	} {
		if _, err := NormalizeAt(ind, now, Limits{}); err != nil {
			t.Errorf("%s %q refused: %v", ind.Type, ind.Value, err)
		}
	}
}

func TestLimitsConfigurable(t *testing.T) {
	now := time.Now()
	lim := Limits{MinPrefixV4: 16, MinPrefixV6: 48}
	if _, err := NormalizeAt(Indicator{Type: TypeCIDR, Value: "10.0.0.0/12"}, now, lim); err == nil || !strings.Contains(err.Error(), "/16") {
		t.Errorf("/12 with min 16: %v", err)
	}
	if _, err := NormalizeAt(Indicator{Type: TypeCIDR, Value: "2001:db8::/40"}, now, lim); err == nil {
		t.Errorf("/40 with min 48 accepted")
	}
	if _, err := NormalizeAt(Indicator{Type: TypeCIDR, Value: "10.1.0.0/16"}, now, lim); err != nil {
		t.Errorf("/16 with min 16: %v", err)
	}
	if errs := (Config{MinPrefixV4: 33, MinPrefixV6: -1, DownloadHosts: HostsIP}).Validate(); len(errs) != 2 {
		t.Errorf("Validate: %v, want errors for min_prefix_v4 and min_prefix_v6", errs)
	}
}

// The API's path (Manager.Add) refuses them with the manager's limits and
// clock, and stores nothing.
func TestManagerAddRefusesOverBroad(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	st := NewMemStore()
	m := startManager(t, ManagerOptions{Store: st, Now: func() time.Time { return now }, Limits: Limits{MinPrefixV4: 12}})
	for _, ind := range []Indicator{
		{Type: TypeDomain, Value: "com"},
		{Type: TypeCIDR, Value: "10.0.0.0/10"},
		{Type: TypeHost, Value: "old.example", Expires: now.Add(-time.Hour)},
	} {
		if _, err := m.Add(context.Background(), []Indicator{{Type: TypeDomain, Value: "fine.example"}, ind}); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "item 1") {
			t.Errorf("Add %s %q: %v, want ErrInvalid naming item 1", ind.Type, ind.Value, err)
		}
	}
	if got, _ := st.ListIndicators(context.Background(), Filter{}); len(got) != 0 {
		t.Errorf("refused batches stored %v", got)
	}
	if _, err := m.Add(context.Background(), []Indicator{{Type: TypeCIDR, Value: "10.0.0.0/12"}}); err != nil {
		t.Errorf("a /12 with min 12: %v", err)
	}
}

// A database written before these checks may hold indicators that match
// everything: the store keeps opening, the snapshot skips them with one
// warning, and the good indicators beside them are enforced.
func TestRebuildSkipsStoredOverBroad(t *testing.T) {
	st := NewMemStore()
	// Written as older code did: canonical values, no limits applied.
	bad := []Indicator{
		{Type: TypeSHA256, Value: EmptySHA256, Category: "malware", Source: "feed"},
		{Type: TypeDomain, Value: "com", Category: "malware", Source: "feed"},
		{Type: TypeDomain, Value: "co.uk", Category: "malware", Source: "feed"},
		{Type: TypeURLPrefix, Value: "com/", Category: "malware", Source: "feed"},
		{Type: TypeCIDR, Value: "0.0.0.0/0", Category: "malware", Source: "feed"},
		{Type: TypeCIDR, Value: "::/0", Category: "malware", Source: "feed"},
	}
	good := []Indicator{
		{Type: TypeDomain, Value: "evil.co.uk", Category: "malware", Source: "feed"},
		{Type: TypeSHA256, Value: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Category: "malware", Source: "feed"},
		{Type: TypeCIDR, Value: "198.51.100.0/24", Category: "malware", Source: "feed"},
	}
	if _, err := st.UpsertIndicators(context.Background(), append(append([]Indicator{}, bad...), good...)); err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	m := startManager(t, ManagerOptions{Store: st, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	s := m.Live().Snapshot()
	if h, ok := s.MatchHash(EmptySHA256); ok {
		t.Errorf("the empty-content hash enforced: %+v", h)
	}
	for _, host := range []string{"shop.example.com", "bbc.co.uk", "com"} {
		if h, ok := s.MatchHost(host); ok {
			t.Errorf("%s matched %+v", host, h)
		}
	}
	if h, ok := s.MatchRawURL("http://shop.example.com/"); ok {
		t.Errorf("url-prefix on com matched %+v", h)
	}
	for _, a := range []string{"192.0.2.1", "2001:db8::1"} {
		if h, ok := s.MatchIP(netip.MustParseAddr(a)); ok {
			t.Errorf("%s matched %+v", a, h)
		}
	}
	if _, ok := s.MatchHost("www.evil.co.uk"); !ok {
		t.Error("a good domain beside the bad ones not enforced")
	}
	if _, ok := s.MatchHash(good[1].Value); !ok {
		t.Error("a good hash not enforced")
	}
	if _, ok := s.MatchIP(netip.MustParseAddr("198.51.100.7")); !ok {
		t.Error("a good cidr not enforced")
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "skipped=6") {
		t.Errorf("no warning naming the 6 skipped indicators in\n%s", logs.String())
	}
}

// Build (without a manager) skips them too, and says how many.
func TestBuilderRefused(t *testing.T) {
	b := NewBuilder(time.Now())
	b.Add(&Indicator{Type: TypeSHA256, Value: EmptySHA256})
	b.Add(&Indicator{Type: TypeCIDR, Value: "10.0.0.0/7"})
	b.Add(&Indicator{Type: TypeDomain, Value: "evil.example"})
	if n, first := b.Refused(); n != 2 || !strings.Contains(first, "empty content") {
		t.Errorf("Refused() = %d, %q", n, first)
	}
	b = NewBuilder(time.Now())
	b.SetLimits(Limits{MinPrefixV4: 4})
	b.Add(&Indicator{Type: TypeCIDR, Value: "16.0.0.0/4"})
	if n, _ := b.Refused(); n != 0 {
		t.Errorf("a /4 skipped with min_prefix_v4 4")
	}
}
