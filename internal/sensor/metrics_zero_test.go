package sensor

import (
	"net"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestMetricsExistAtZero: a listener's series are exported at 0 from the
// start, not only after their first connection or refusal.
func TestMetricsExistAtZero(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	GateListener(ln, NewGate(1, 1), m, "web")
	for name, want := range map[string]int{
		"honeygate_sessions_open":             0,
		"honeygate_connections_total":         1,
		"honeygate_connections_refused_total": 2,
	} {
		if got := testutil.CollectAndCount(reg, name); got != want {
			t.Errorf("%s: %d series, want %d", name, got, want)
		}
	}
}
