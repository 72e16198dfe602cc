package gateway

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Enforcers, for Metrics.
const (
	EnforcerProxy = iota
	EnforcerDNS
	numEnforcers
)

var (
	enforcerNames = [numEnforcers]string{"proxy", "dns"}
	verdictNames  = [3]string{"allow", "block", "refuse"}
	reasonNames   = [...]string{ReasonNoMatch, ReasonAllowlist, ReasonIntel, ReasonCategoryAllowed, ReasonFailOpen, ReasonFailClosed, ReasonClientRefused, ReasonConnectPort}
)

func reasonIndex(r string) int {
	for i, n := range reasonNames {
		if n == r {
			return i
		}
	}
	return 0
}

// Metrics counts decisions by enforcer, verdict and reason (all
// low-cardinality labels), with the counters resolved once so that the
// request path pays an atomic add. A nil *Metrics counts nothing.
type Metrics struct {
	counters   [numEnforcers][len(verdictNames)][len(reasonNames)]prometheus.Counter
	suppressed [numEnforcers]prometheus.Counter
}

// NewMetrics registers honeygate_gateway_decisions_total and
// honeygate_gateway_reports_suppressed_total on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	vec := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "honeygate_gateway_decisions_total",
		Help: "Decisions of the gateway's policy chain, by enforcement point, verdict and reason.",
	}, []string{"enforcer", "verdict", "reason"})
	sup := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "honeygate_gateway_reports_suppressed_total",
		Help: "Reports of refused clients held back by the per-client and global limits (a flood, perhaps with spoofed sources), by enforcement point.",
	}, []string{"enforcer"})
	reg.MustRegister(vec, sup)
	m := &Metrics{}
	for e := range m.suppressed {
		m.suppressed[e] = sup.WithLabelValues(enforcerNames[e])
	}
	for e := range m.counters {
		for v := range m.counters[e] {
			for r := range m.counters[e][v] {
				m.counters[e][v][r] = vec.WithLabelValues(enforcerNames[e], verdictNames[v], reasonNames[r])
			}
		}
	}
	return m
}

// Observe counts one decision of enforcer.
func (m *Metrics) Observe(enforcer int, d Decision) {
	if m == nil || enforcer < 0 || enforcer >= numEnforcers || int(d.Verdict) >= len(verdictNames) {
		return
	}
	m.counters[enforcer][d.Verdict][reasonIndex(d.Reason)].Inc()
}

// Suppressed counts one report of enforcer that a Throttle held back.
func (m *Metrics) Suppressed(enforcer int) {
	if m == nil || enforcer < 0 || enforcer >= numEnforcers {
		return
	}
	m.suppressed[enforcer].Inc()
}

// Tally counts decisions locally, without atomics, for one goroutine that
// answers in batches (the DNS filter's UDP readers); Metrics.Flush adds
// them up once a batch, so readers on several CPUs do not contend for the
// shared counters on every answer.
type Tally struct {
	n   [len(verdictNames)][len(reasonNames)]uint32
	any bool
}

// Observe counts d in t.
func (t *Tally) Observe(d Decision) {
	if int(d.Verdict) >= len(verdictNames) {
		return
	}
	t.n[d.Verdict][reasonIndex(d.Reason)]++
	t.any = true
}

// Flush adds t's counts to enforcer's counters and empties t.
func (m *Metrics) Flush(enforcer int, t *Tally) {
	if !t.any {
		return
	}
	t.any = false
	for v := range t.n {
		for r, n := range t.n[v] {
			if n == 0 {
				continue
			}
			t.n[v][r] = 0
			if m != nil && enforcer >= 0 && enforcer < numEnforcers {
				m.counters[enforcer][v][r].Add(float64(n))
			}
		}
	}
}
