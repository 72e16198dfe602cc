package e2e

import (
	"bufio"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
)

// A flood of one blocked name from one client is folded into a few
// gateway.block events that count every block; the folded count, held
// for an hour-long window, is handed on at SIGTERM and found in the daily
// count after a restart; the decisions metric counts each block.
func TestGatewayDNSFoldedFlushedOnStop(t *testing.T) {
	upstream := startResolver(t)
	data := t.TempDir()
	cfg := filepath.Join(data, "config.yaml")
	yaml := "gateway:\n  upstreams: [\"" + upstream + "\"]\n  fold_window: 1h\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--config", cfg, "--listen", "web=127.0.0.1:0", "--listen", "telnet=127.0.0.1:0", "--listen", "dns=127.0.0.1:0"}
	srv := startServer(t, data, args...)
	srv.addIndicator("domain", "fold-e2e.test", "c2")

	const name = "beacon.fold-e2e.test."
	blocked := 0
	ask := func() bool {
		m := new(mdns.Msg)
		m.SetQuestion(name, mdns.TypeA)
		r, _, err := (&mdns.Client{Net: "udp", Timeout: 5 * time.Second}).Exchange(m, srv.dns())
		if err != nil {
			t.Fatal(err)
		}
		if r.Rcode == mdns.RcodeNameError {
			blocked++
			return true
		}
		return false
	}
	waitFor(t, "the domain blocked", 5*time.Second, ask)
	const flood = 300
	for range flood {
		if !ask() {
			t.Fatal("a listed name was answered")
		}
	}
	// The first block shows at once; the rest wait for the window.
	srv.waitEvent("gateway.block", func(e gwEvent) bool { return e.Host == "beacon.fold-e2e.test" })
	if got := metricValue(t, srv, `honeygate_gateway_decisions_total{enforcer="dns",reason="intel",verdict="block"}`); got != float64(blocked) {
		t.Errorf("decisions metric counts %v blocks, want %d", got, blocked)
	}
	srv.stop()

	srv = startServer(t, data, args...)
	today := time.Now().UTC().Format(time.DateOnly)
	var daily struct {
		Days []struct {
			Blocks  int64 `json:"blocks"`
			Clients int64 `json:"clients"`
		} `json:"days"`
	}
	waitFor(t, "every block counted after the restart", 30*time.Second, func() bool {
		if code := srv.get("/api/v1/blocks/daily", url.Values{"from": {today}, "to": {today}}, testToken, &daily); code != 200 {
			t.Fatalf("blocks/daily: %d", code)
		}
		return len(daily.Days) == 1 && daily.Days[0].Blocks >= int64(blocked)
	})
	if d := daily.Days[0]; d.Blocks != int64(blocked) || d.Clients != 1 {
		t.Errorf("daily %+v, want %d blocks from 1 client", d, blocked)
	}
	var resp struct {
		Events []struct {
			Host  string `json:"host"`
			Count int    `json:"count"`
			Ref   string `json:"ref"`
		}
	}
	if code := srv.get("/api/v1/events", url.Values{"kind": {"gateway.block"}, "limit": {"10000"}}, testToken, &resp); code != http.StatusOK {
		t.Fatalf("events: %d", code)
	}
	sum := 0
	for _, e := range resp.Events {
		if e.Host != "beacon.fold-e2e.test" {
			continue
		}
		sum += max(e.Count, 1)
		if e.Ref == "" {
			t.Errorf("event without a ref: %+v", e)
		}
	}
	if len(resp.Events) > 2 || sum != blocked {
		t.Errorf("%d events standing for %d blocks, want at most 2 for %d", len(resp.Events), sum, blocked)
	}
}

// metricValue reads one sample from /metrics; 0 when absent.
func metricValue(t *testing.T, s *server, sample string) float64 {
	t.Helper()
	resp, err := http.Get(s.apiURL("/metrics", nil))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), sample+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", sample, err)
			}
			return f
		}
	}
	return 0
}
