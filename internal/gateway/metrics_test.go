package gateway_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/honeygate/honeygate/internal/gateway"
)

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := gateway.NewMetrics(reg)
	m.Observe(gateway.EnforcerDNS, gateway.Decision{Verdict: gateway.Blocked, Reason: gateway.ReasonIntel})
	m.Observe(gateway.EnforcerDNS, gateway.Decision{Verdict: gateway.Blocked, Reason: gateway.ReasonIntel})
	m.Observe(gateway.EnforcerProxy, gateway.Decision{Verdict: gateway.Refused, Reason: gateway.ReasonClientRefused})
	var nilMetrics *gateway.Metrics
	nilMetrics.Observe(gateway.EnforcerProxy, gateway.Decision{}) // counts nothing, does not panic
	mfs, err := reg.Gather()
	if err != nil || len(mfs) != 1 {
		t.Fatal(err, len(mfs))
	}
	got := map[string]float64{}
	for _, mt := range mfs[0].Metric {
		key := ""
		for _, l := range mt.Label {
			key += l.GetValue() + "/"
		}
		got[key] = mt.Counter.GetValue()
	}
	if got["dns/intel/block/"] != 2 || got["proxy/client-refused/refuse/"] != 1 {
		t.Fatalf("%v", got)
	}
}
