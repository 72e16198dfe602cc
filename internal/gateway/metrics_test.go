package gateway_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/honeygate/honeygate/internal/gateway"
)

// counters gathers reg's counters of family name, keyed by their label
// values joined with "/".
func counters(t *testing.T, reg *prometheus.Registry, name string) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		got := map[string]float64{}
		for _, mt := range mf.Metric {
			key := ""
			for _, l := range mt.Label {
				key += l.GetValue() + "/"
			}
			got[key] = mt.Counter.GetValue()
		}
		return got
	}
	t.Fatalf("no metric %s", name)
	return nil
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := gateway.NewMetrics(reg)
	m.Observe(gateway.EnforcerDNS, gateway.Decision{Verdict: gateway.Blocked, Reason: gateway.ReasonIntel})
	m.Observe(gateway.EnforcerDNS, gateway.Decision{Verdict: gateway.Blocked, Reason: gateway.ReasonIntel})
	m.Observe(gateway.EnforcerProxy, gateway.Decision{Verdict: gateway.Refused, Reason: gateway.ReasonClientRefused})
	m.Suppressed(gateway.EnforcerDNS)
	m.Suppressed(gateway.EnforcerDNS)
	m.Suppressed(gateway.EnforcerDNS)
	var nilMetrics *gateway.Metrics
	nilMetrics.Observe(gateway.EnforcerProxy, gateway.Decision{}) // counts nothing, does not panic
	nilMetrics.Suppressed(gateway.EnforcerProxy)
	got := counters(t, reg, "honeygate_gateway_decisions_total")
	if got["dns/intel/block/"] != 2 || got["proxy/client-refused/refuse/"] != 1 {
		t.Fatalf("%v", got)
	}
	if sup := counters(t, reg, "honeygate_gateway_reports_suppressed_total"); sup["dns/"] != 3 || sup["proxy/"] != 0 {
		t.Fatalf("suppressed: %v", sup)
	}
}
