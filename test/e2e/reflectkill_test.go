package e2e

import (
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A reflection attack in progress when the process is killed (SIGKILL: no
// end event) is ended on the next start, at the last packet the store knew
// of and with reason "recovered", as crashed sessions are closed: it must
// not stay "ongoing" for ever.
func TestKillNineEndsOpenAttacks(t *testing.T) {
	data := t.TempDir()
	cfg := filepath.Join(t.TempDir(), "honeygate.yaml")
	// A long idle time: the attack is still open when the process dies.
	if err := os.WriteFile(cfg, []byte("reflect:\n  limits:\n    attack_requests: 50\n    attack_window: 1s\n    attack_idle: 10m\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--config", cfg, "--listen", "web=127.0.0.1:0", "--listen", "telnet=off", "--listen", "reflect-ntp=127.0.0.1:0"}
	s := startServer(t, data, args...)
	ntp := netip.MustParseAddrPort(s.addrs["reflect-ntp"][0])
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP("127.0.62.1")})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	monlist := []byte{0x17, 0x00, 0x03, 0x2a, 0, 0, 0, 0}
	for range 200 {
		if _, err := c.WriteToUDPAddrPort(monlist, ntp); err != nil {
			t.Fatal(err)
		}
	}
	drain(c)

	type apiAttackEnd struct {
		apiAttack
		EndReason string `json:"end_reason"`
	}
	q := url.Values{"from": {time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)}, "to": {time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}}
	attacks := func(s *server) []apiAttackEnd {
		var resp struct{ Attacks []apiAttackEnd }
		if code := s.get("/api/v1/attacks", q, testToken, &resp); code != http.StatusOK {
			t.Fatalf("attacks: status %d", code)
		}
		return resp.Attacks
	}
	var before []apiAttackEnd
	waitFor(t, "the attack to start", 30*time.Second, func() bool {
		before = attacks(s)
		return len(before) == 1
	})
	if before[0].Ended {
		t.Fatalf("the attack ended before the kill: %+v", before[0])
	}
	s.kill()

	s = startServer(t, data, args...)
	var after []apiAttackEnd
	waitFor(t, "the attack left open to be ended", 60*time.Second, func() bool {
		after = attacks(s)
		return len(after) == 1 && after[0].Ended
	})
	a := after[0]
	if a.ID != before[0].ID || a.EndReason != "recovered" || !a.LastSeen.Equal(before[0].LastSeen) || a.Requests != before[0].Requests {
		t.Errorf("after the restart: %+v\nbefore the kill: %+v", a, before[0])
	}
	// The end is an event like any other end, at the attack's last packet.
	var evs struct {
		Events []struct {
			AttackID  string `json:"attack_id"`
			Phase     string `json:"phase"`
			EndReason string `json:"end_reason"`
			Time      time.Time
		}
	}
	s.get("/api/v1/events", url.Values{"kind": {"reflect.attack"}}, testToken, &evs)
	ends := 0
	for _, e := range evs.Events {
		if e.Phase == "end" {
			ends++
			if e.AttackID != a.ID || e.EndReason != "recovered" || !e.Time.Equal(a.LastSeen) {
				t.Errorf("end event %+v, attack last seen %s", e, a.LastSeen)
			}
		}
	}
	if ends != 1 {
		t.Errorf("%d end events, want 1: %+v", ends, evs.Events)
	}
}
