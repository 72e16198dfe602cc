package proxy

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/honeygate/honeygate/internal/gateway"
)

// proxyBlocks sums honeygate_gateway_decisions_total{enforcer="proxy",
// verdict="block"} over reasons.
func proxyBlocks(t *testing.T, reg *prometheus.Registry) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n float64
	for _, mf := range mfs {
		if mf.GetName() != "honeygate_gateway_decisions_total" {
			continue
		}
		for _, m := range mf.Metric {
			l := map[string]string{}
			for _, p := range m.Label {
				l[p.GetName()] = p.GetValue()
			}
			if l["enforcer"] == "proxy" && l["verdict"] == "block" {
				n += m.Counter.GetValue()
			}
		}
	}
	return n
}

// Every block answer shows in the decisions metric, not only URL and
// CONNECT-host blocks: a listed download (block page) and a listed SNI
// (access_denied alert) count one each.
func TestBlocksCounted(t *testing.T) {
	reg := prometheus.NewRegistry()
	f := startProxyOpts(t, true, nil, func(o *Options) { o.Metrics = gateway.NewMetrics(reg) })
	listed := trojan(t, f, 5000)
	f.intel.Add("domain", "fronted.test", "malware")
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(listed) }))
	defer origin.Close()

	status, hdr, body, rerr := fetch(t, f, origin.URL+"/file", nil)
	if !blocked(status, hdr, body, rerr, listed) {
		t.Fatalf("listed download: status %d", status)
	}
	if n := proxyBlocks(t, reg); n != 1 {
		t.Errorf("after a hash block: %v proxy blocks counted, want 1", n)
	}

	c, _, code := openTunnel(t, f, origin.Listener.Addr().String())
	if code != 200 {
		t.Fatalf("CONNECT: %d", code)
	}
	err := tls.Client(c, &tls.Config{ServerName: "cdn.fronted.test", InsecureSkipVerify: true}).Handshake()
	if err == nil || !strings.Contains(err.Error(), "access denied") {
		t.Fatalf("handshake: %v, want access_denied", err)
	}
	if n := proxyBlocks(t, reg); n != 2 {
		t.Errorf("after an SNI block: %v proxy blocks counted, want 2", n)
	}
}
