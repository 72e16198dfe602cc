package gateway_test

import (
	"context"
	"net/netip"
	"net/url"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/gateway"
	"github.com/honeygate/honeygate/internal/intel"
)

// A honeypot download from a popular site goes from the bus consumer to the
// intel store held (listed, not enforced, its reason shown), and the
// gateway lets the URL through; three attacker networks asking for it make
// it enforced; a second source enforces it at once; its host and a public
// resolver's address are never listed from the honeypot.
func TestHoneypotPopularHeldUntilCorroborated(t *testing.T) {
	ctx := context.Background()
	m := intel.NewManager(intel.ManagerOptions{Store: intel.NewMemStore()})
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		m.Stop(sctx)
	})
	cfg := gateway.DefaultConfig()
	chain, err := gateway.NewChain(&cfg, &gateway.LiveIntel{Live: m.Live(), Ready: m.Ready})
	if err != nil {
		t.Fatal(err)
	}
	client := netip.MustParseAddr("192.168.0.9")
	verdict := func(raw string) gateway.Verdict {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		return chain.Decide(&gateway.Query{Client: client, URL: u, Host: u.Hostname()}).Verdict
	}
	// waitVerdict waits for the matcher to be rebuilt (within a second).
	waitVerdict := func(raw string, want gateway.Verdict) {
		t.Helper()
		deadline := time.Now().Add(2 * time.Second)
		for verdict(raw) != want {
			if time.Now().After(deadline) {
				t.Fatalf("%s: verdict %v, want %v", raw, verdict(raw), want)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	// HostsAll: even the policy that lists payload hosts never lists a
	// popular one.
	c := intel.NewConsumer(m, intel.HostsAll, nil)
	n := 0
	download := func(src, raw string) {
		t.Helper()
		n++
		ev := event.Event{ID: event.NewID(), Kind: event.FileDownload, Time: time.Now().UTC(), Sensor: "s", Proto: "telnet",
			SrcIP: src, Session: event.NewSessionID(), Download: event.Download{URL: event.Text(raw)}}
		if err := c.Events(ctx, []event.Event{ev}); err != nil {
			t.Fatal(err)
		}
	}
	const popular = "http://raw.githubusercontent.com/someone/tools/main/bins/x86"
	const control = "http://dl.bad.example/bins/x86"

	download("203.0.113.5", popular)
	download("203.0.113.5", control)
	waitVerdict(control, gateway.Blocked) // the same rebuild carries both
	if v := verdict(popular); v != gateway.Allowed {
		t.Fatalf("a popular site's URL from one honeypot session: %v", v)
	}
	held := list(t, m, intel.Filter{Type: intel.TypeURL, Value: "raw.githubusercontent.com/someone/tools/main/bins/x86"})
	if len(held) != 1 || held[0].Category != intel.CategorySuspicious || held[0].Source != intel.SourceHoneypot || len(held[0].Refs) != 1 {
		t.Fatalf("held indicator %+v", held)
	}
	if on, why := intel.Enforcement(held[0], time.Now()); on || why == "" {
		t.Errorf("held indicator: enforced %v, reason %q", on, why)
	}
	// The same network again, then a second one: still held.
	download("203.0.113.77", popular)
	download("198.51.100.9", popular)
	time.Sleep(300 * time.Millisecond) // longer than a rebuild's debounce
	if v := verdict(popular); v != gateway.Allowed {
		t.Fatalf("after two networks: %v", v)
	}
	// An IPv6 network: not added to the IPv4 ones (one dual-stack box
	// holds both), so still held.
	download("2001:db8:1:2::7", popular)
	time.Sleep(300 * time.Millisecond)
	if v := verdict(popular); v != gateway.Allowed {
		t.Fatalf("after two IPv4 networks and one IPv6: %v", v)
	}
	// A third IPv4 network: a campaign, not one adversary.
	download("192.0.2.7", popular)
	waitVerdict(popular, gateway.Blocked)
	got := list(t, m, intel.Filter{Type: intel.TypeURL, Value: "raw.githubusercontent.com/someone/tools/main/bins/x86"})
	if len(got) != 1 || got[0].Category != intel.CategoryMalwareDownload || !got[0].Expires.IsZero() || len(got[0].Refs) != 5 {
		t.Fatalf("corroborated indicator %+v", got)
	}
	if on, _ := intel.Enforcement(got[0], time.Now()); !on {
		t.Error("corroborated indicator not shown as enforced")
	}
	// A restart forgets the tally, not the enforcement.
	c = intel.NewConsumer(m, intel.HostsAll, nil)
	download("192.0.2.200", popular)
	time.Sleep(300 * time.Millisecond)
	if v := verdict(popular); v != gateway.Blocked {
		t.Errorf("after a restart, one more session lifted the block: %v", v)
	}

	// Another source lists a held URL: enforced under that source, the
	// held row not shadowing it.
	const second = "https://cdn.discordapp.com/attachments/1/2/payload.sh"
	download("203.0.113.5", second)
	time.Sleep(300 * time.Millisecond)
	if v := verdict(second); v != gateway.Allowed {
		t.Fatalf("held %s: %v", second, v)
	}
	if _, err := m.Add(ctx, []intel.Indicator{{Type: intel.TypeURL, Value: second, Category: "malware", Source: "urlhaus"}}); err != nil {
		t.Fatal(err)
	}
	waitVerdict(second, gateway.Blocked)

	// A public resolver's address: the URL held, the address never listed.
	download("203.0.113.5", "http://8.8.8.8/bins.sh")
	time.Sleep(300 * time.Millisecond)
	if d := chain.Decide(&gateway.Query{Client: client, Addr: netip.MustParseAddr("8.8.8.8")}); d.Verdict != gateway.Allowed {
		t.Errorf("8.8.8.8 blocked: %+v", d)
	}
	for _, f := range []intel.Filter{
		{Type: intel.TypeHost, Value: "raw.githubusercontent.com"},
		{Type: intel.TypeHost, Value: "cdn.discordapp.com"},
		{Type: intel.TypeIP, Value: "8.8.8.8"},
	} {
		if got := list(t, m, f); len(got) != 0 {
			t.Errorf("listed from the honeypot: %+v", got)
		}
	}
	// The control's host is listed (HostsAll): the policy only spares
	// popular sites.
	if got := list(t, m, intel.Filter{Type: intel.TypeHost, Value: "dl.bad.example"}); len(got) != 1 {
		t.Errorf("host of an ordinary payload server: %+v", got)
	}
	_ = n
}

func list(t *testing.T, m *intel.Manager, f intel.Filter) []intel.Indicator {
	t.Helper()
	got, err := m.List(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return got
}
