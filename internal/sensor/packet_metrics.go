package sensor

import "github.com/prometheus/client_golang/prometheus"

// Why a request got no reply; the label values of
// honeygate_packets_unanswered_total.
const (
	dropUntracked   = iota // the source table is full of attacks
	dropAttack             // the source is an attack victim
	dropRate               // the source had its replies for this window
	dropPanic              // the handler panicked
	dropNoAnswer           // the handler had no answer (not a request of its protocol)
	dropOversize           // the handler's reply was over max_reply
	dropSourceBytes        // the reply would have taken the source over its bytes in
	dropBudget             // the process's send budget or ledger had no room
	dropWriteError         // the send failed
	numDropReasons
)

var dropLabels = [numDropReasons]string{
	"untracked", "attack", "rate", "panic", "no_answer", "oversize", "source_bytes", "budget", "write_error",
}

// PacketMetrics are the collectors every packet server reports to; one
// PacketMetrics is shared by the servers of a process. Labels are
// low-cardinality (proto, reason).
type PacketMetrics struct {
	Packets    *prometheus.CounterVec // datagrams received, by proto
	BytesIn    *prometheus.CounterVec // bytes received, by proto
	Replies    *prometheus.CounterVec // replies sent, by proto
	BytesOut   *prometheus.CounterVec // bytes sent, by proto
	Unanswered *prometheus.CounterVec // requests left unanswered, by proto and reason
	Sources    *prometheus.GaugeVec   // sources tracked now, by proto
	Attacks    *prometheus.CounterVec // attacks seen, by proto
	Active     *prometheus.GaugeVec   // attacks in progress, by proto
	Scans      *prometheus.CounterVec // scans, by proto and outcome (recorded, suppressed, evicted)
}

// NewPacketMetrics creates the packet server metrics and registers them with reg.
func NewPacketMetrics(reg prometheus.Registerer) *PacketMetrics {
	byProto := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{"proto"})
	}
	m := &PacketMetrics{
		Packets:  byProto("honeygate_packets_total", "UDP datagrams received by packet sensors, by protocol."),
		BytesIn:  byProto("honeygate_packet_bytes_in_total", "Bytes received by packet sensors, by protocol."),
		Replies:  byProto("honeygate_packet_replies_total", "Replies sent by packet sensors, by protocol."),
		BytesOut: byProto("honeygate_packet_bytes_out_total", "Bytes sent by packet sensors, by protocol."),
		Unanswered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "honeygate_packets_unanswered_total", Help: "Requests a packet sensor did not answer, by protocol and reason.",
		}, []string{"proto", "reason"}),
		Sources: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "honeygate_packet_sources", Help: "Sources a packet sensor tracks now, by protocol.",
		}, []string{"proto"}),
		Attacks: byProto("honeygate_reflect_attacks_total", "Reflection attacks seen, by protocol."),
		Active: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "honeygate_reflect_attacks_active", Help: "Reflection attacks in progress, by protocol.",
		}, []string{"proto"}),
		Scans: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "honeygate_reflect_scans_total", Help: "Scans (sources below the attack threshold), by protocol and outcome.",
		}, []string{"proto", "outcome"}),
	}
	if reg != nil {
		reg.MustRegister(m.Packets, m.BytesIn, m.Replies, m.BytesOut, m.Unanswered, m.Sources, m.Attacks, m.Active, m.Scans)
	}
	return m
}

// protoMetrics are one server's collectors, resolved once at start so that
// the read loop does no label lookups.
type protoMetrics struct {
	ok                                  bool
	packets, bytesIn, replies, bytesOut prometheus.Counter
	drop                                [numDropReasons]prometheus.Counter
	sources, active                     prometheus.Gauge
	attacks                             prometheus.Counter
	scans, suppressed, evicted          prometheus.Counter
}

func (m *PacketMetrics) forProto(proto string) protoMetrics {
	if m == nil {
		return protoMetrics{}
	}
	p := protoMetrics{
		ok:         true,
		packets:    m.Packets.WithLabelValues(proto),
		bytesIn:    m.BytesIn.WithLabelValues(proto),
		replies:    m.Replies.WithLabelValues(proto),
		bytesOut:   m.BytesOut.WithLabelValues(proto),
		sources:    m.Sources.WithLabelValues(proto),
		active:     m.Active.WithLabelValues(proto),
		attacks:    m.Attacks.WithLabelValues(proto),
		scans:      m.Scans.WithLabelValues(proto, "recorded"),
		suppressed: m.Scans.WithLabelValues(proto, "suppressed"),
		evicted:    m.Scans.WithLabelValues(proto, "evicted"),
	}
	for i, l := range dropLabels {
		p.drop[i] = m.Unanswered.WithLabelValues(proto, l)
	}
	return p
}

func (p *protoMetrics) add(c *counts) {
	if !p.ok {
		return
	}
	p.packets.Add(float64(c.packets))
	p.bytesIn.Add(float64(c.bytesIn))
	if c.replies > 0 {
		p.replies.Add(float64(c.replies))
		p.bytesOut.Add(float64(c.bytesOut))
	}
	for i, n := range c.drop {
		if n > 0 {
			p.drop[i].Add(float64(n))
		}
	}
}
