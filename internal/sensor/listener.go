package sensor

import (
	"net"
	"sync"
)

// GateListener puts the gate in front of a listener that another server
// (an http.Server, say) accepts from: a connection refused by the gate is
// closed at once, and an admitted one leaves the gate when it is closed.
// Refusals are counted under proto in m (which may be nil).
func GateListener(ln net.Listener, g *Gate, m *Metrics, proto string) net.Listener {
	m.touch(proto, false)
	return &gateListener{Listener: ln, gate: g, metrics: m, proto: proto}
}

type gateListener struct {
	net.Listener
	gate    *Gate
	metrics *Metrics
	proto   string
}

func (l *gateListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		info := connInfo(c)
		if reason := l.gate.Enter(info.SrcIP); reason != "" {
			if l.metrics != nil {
				l.metrics.Refused.WithLabelValues(l.proto, reason).Inc()
			}
			c.Close()
			continue
		}
		if l.metrics != nil {
			l.metrics.Total.WithLabelValues(l.proto).Inc()
		}
		return &gatedConn{Conn: c, info: info, leave: func() { l.gate.Leave(info.SrcIP) }}, nil
	}
}

// gatedConn leaves the gate once, on its first Close.
type gatedConn struct {
	net.Conn
	info  ConnInfo
	once  sync.Once
	leave func()
}

func (c *gatedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.leave)
	return err
}

// InfoOf returns the ConnInfo (session id, source, original destination
// port) of a connection accepted through a GateListener; an http.Server's
// ConnContext hook is where a handler gets it.
func InfoOf(c net.Conn) (ConnInfo, bool) {
	g, ok := c.(*gatedConn)
	if !ok {
		return ConnInfo{}, false
	}
	return g.info, true
}
