package sensor

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/testkit/eventkit"
)

// doubler answers requests that start with "Q" with twice their bytes (an
// amplifier by a factor of two), panics on "P", and ignores the rest.
type doubler struct{}

func (doubler) Proto() string { return "test" }

func (doubler) ServePacket(out, req []byte, _ PacketInfo) []byte {
	if len(req) > 0 && req[0] == 'P' {
		panic("boom")
	}
	if len(req) == 0 || req[0] != 'Q' {
		return out
	}
	out = append(out, req...)
	return append(out, req...)
}

func (doubler) Describe(req []byte) string { return "first=" + string(req[:1]) }

// testLimits are short windows for tests.
func testLimits() PacketLimits {
	l := DefaultPacketLimits()
	l.AttackRequests = 50
	l.AttackWindow = 300 * time.Millisecond
	l.AttackIdle = 400 * time.Millisecond
	l.SendBudget = 1 << 20
	l.MaxSources = 1024
	l.ScanEvents = 1000
	return l
}

func (ts *testServer) l() *loop { return ts.s.cur.Load() }

type testServer struct {
	s    *PacketServer
	addr netip.AddrPort
	pub  *eventkit.Recorder
	reg  *prometheus.Registry
	stop func()
}

func startPacket(t *testing.T, h PacketHandler, lim PacketLimits) *testServer {
	t.Helper()
	pc, err := ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	ts := &testServer{pub: &eventkit.Recorder{}, reg: reg, addr: pc.LocalAddr().(*net.UDPAddr).AddrPort()}
	ts.s = &PacketServer{Handler: h, Limits: lim, Publisher: ts.pub, Sensor: "s1", Metrics: NewPacketMetrics(reg), DstPort: 53}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ts.s.ServePacket(ctx, pc) }()
	var once sync.Once
	ts.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("ServePacket: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Error("ServePacket did not return")
			}
		})
	}
	t.Cleanup(ts.stop)
	return ts
}

// client is one UDP socket on a loopback address of its own, standing for
// one (spoofed) source.
type client struct {
	c        *net.UDPConn
	sent     int64
	received int64
	replies  int
}

func newClient(t *testing.T, ip string) *client {
	t.Helper()
	c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr(ip), 0)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &client{c: c}
}

func (c *client) send(t *testing.T, to netip.AddrPort, p []byte) {
	t.Helper()
	if _, err := c.c.WriteToUDPAddrPort(p, to); err != nil {
		t.Fatal(err)
	}
	c.sent += int64(len(p))
}

// drain reads replies until none comes for wait.
func (c *client) drain(wait time.Duration) {
	buf := make([]byte, 65536)
	for {
		_ = c.c.SetReadDeadline(time.Now().Add(wait))
		n, err := c.c.Read(buf)
		if err != nil {
			return
		}
		c.received += int64(n)
		c.replies++
	}
}

func waitFor(t *testing.T, what string, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// prime sends bytes the handler does not answer, so the process's ledger
// has bytes in to spend on replies (a fresh sensor sends nothing before it
// has received more than it would send).
func prime(t *testing.T, ts *testServer, ip string, n int) {
	c := newClient(t, ip)
	for range n {
		c.send(t, ts.addr, bytes.Repeat([]byte("x"), 1000))
	}
	waitFor(t, "priming", 5*time.Second, func() bool { return ts.s.Stats().Packets >= int64(n) })
}

func TestPacketScannerAnsweredAndRecordedAsScan(t *testing.T) {
	ts := startPacket(t, doubler{}, testLimits())
	prime(t, ts, "127.0.9.1", 5)
	sc := newClient(t, "127.0.2.1")
	sc.send(t, ts.addr, []byte("Qscan"))
	sc.drain(300 * time.Millisecond)
	if sc.replies != 1 || sc.received != 10 {
		t.Errorf("scanner got %d replies, %d bytes; want 1, 10", sc.replies, sc.received)
	}
	waitFor(t, "scan event", 5*time.Second, func() bool { return len(ts.pub.OfKind("reflect.scan")) >= 2 })
	var got *event.Event
	for _, e := range ts.pub.OfKind("reflect.scan") {
		if e.SrcIP == "127.0.2.1" {
			got = &e
		}
	}
	if got == nil {
		t.Fatalf("no scan event for the scanner: %+v", ts.pub.OfKind("reflect.scan"))
	}
	if got.Proto != "test" || got.DstPort != 53 || got.Sensor != "s1" || got.Request != "first=Q" || got.Session != "" || got.AttackID != "" ||
		got.Packets != 1 || got.BytesIn != 5 || got.BytesOut != 10 || got.FirstSeen.IsZero() || got.LastSeen.Before(got.FirstSeen) {
		t.Errorf("scan event: %+v", got)
	}
	if n := len(ts.pub.OfKind("reflect.attack")); n != 0 {
		t.Errorf("%d attack events for a scan", n)
	}
}

func TestPacketFreshSensorSendsNothingBeforeBytesIn(t *testing.T) {
	ts := startPacket(t, doubler{}, testLimits())
	sc := newClient(t, "127.0.2.2")
	sc.send(t, ts.addr, []byte("Qscan"))
	sc.drain(200 * time.Millisecond)
	if sc.replies != 0 {
		t.Errorf("a fresh sensor answered a request smaller than its reply: %d bytes", sc.received)
	}
	if v := testutil.ToFloat64(ts.s.Metrics.Unanswered.WithLabelValues("test", "budget")); v != 1 {
		t.Errorf("unanswered{budget} = %v, want 1", v)
	}
}

func TestPacketFloodOneAttackPerVictim(t *testing.T) {
	lim := testLimits()
	ts := startPacket(t, doubler{}, lim)
	const victims, per = 20, 200
	cs := make([]*client, victims)
	for i := range cs {
		cs[i] = newClient(t, fmt.Sprintf("127.0.3.%d", i+1))
	}
	req := []byte("Q-monlist-like-request")
	for range per {
		for _, c := range cs {
			c.send(t, ts.addr, req)
		}
	}
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Go(func() { c.drain(300 * time.Millisecond) })
	}
	wg.Wait()
	waitFor(t, "all packets read", 5*time.Second, func() bool { return ts.s.Stats().Packets == victims*per })
	waitFor(t, "attack ends", 5*time.Second, func() bool { return len(ts.pub.OfKind("reflect.attack")) >= 2*victims })
	time.Sleep(2 * lim.AttackIdle) // any duplicate would show by now

	var in, out int64
	for _, c := range cs {
		in += c.sent
		out += c.received
		if c.received >= c.sent {
			t.Errorf("victim %v: %d bytes out, %d in", c.c.LocalAddr(), c.received, c.sent)
		}
		if c.replies > lim.ReplyBurst {
			t.Errorf("victim %v got %d replies, burst is %d", c.c.LocalAddr(), c.replies, lim.ReplyBurst)
		}
	}
	if out >= in {
		t.Errorf("bytes out %d >= bytes in %d", out, in)
	}
	st := ts.s.Stats()
	if st.BytesOut != out || st.BytesIn != in {
		t.Errorf("server counted in %d out %d, clients %d %d", st.BytesIn, st.BytesOut, in, out)
	}
	evs := ts.pub.OfKind("reflect.attack")
	if len(evs) != 2*victims {
		t.Fatalf("%d attack events, want %d (a start and an end per victim)", len(evs), 2*victims)
	}
	byVictim := map[string][]event.Event{}
	for _, e := range evs {
		byVictim[e.SrcIP] = append(byVictim[e.SrcIP], e)
	}
	for _, c := range cs {
		ip := c.c.LocalAddr().(*net.UDPAddr).IP.String()
		es := byVictim[ip]
		if len(es) != 2 || es[0].AttackID == "" || es[0].AttackID != es[1].AttackID || es[0].Session != "" {
			t.Errorf("victim %s: events %+v", ip, es)
			continue
		}
		start, end := es[0], es[1]
		if start.Phase != event.PhaseStart || start.Packets < int64(lim.AttackRequests) || start.Request != "first=Q" {
			t.Errorf("victim %s start: %+v", ip, start.Reflection)
		}
		if end.Phase != event.PhaseEnd || end.EndReason != "idle" || end.Packets != per || end.BytesIn != int64(per*len(req)) ||
			end.BytesOut != c.received || end.PeakPPS < int64(lim.AttackRequests) || !end.FirstSeen.Equal(start.FirstSeen) ||
			end.LastSeen.Before(start.LastSeen) {
			t.Errorf("victim %s end: %+v (received %d)", ip, end.Reflection, c.received)
		}
	}
	if len(ts.pub.OfKind("reflect.scan")) != 0 {
		t.Errorf("scan events in a flood: %+v", ts.pub.OfKind("reflect.scan"))
	}
}

func TestPacketSpoofedSourcesKeepTableBounded(t *testing.T) {
	lim := testLimits()
	lim.MaxSources = 32
	lim.ScanEvents = 5
	ts := startPacket(t, doubler{}, lim)
	victim := newClient(t, "127.0.4.1")
	for range lim.AttackRequests {
		victim.send(t, ts.addr, []byte("Qv"))
	}
	waitFor(t, "victim's packets", 5*time.Second, func() bool { return ts.s.Stats().Packets >= int64(lim.AttackRequests) })
	// 300 sources, one request each: ten times the table.
	for i := range 300 {
		c := newClient(t, fmt.Sprintf("127.0.%d.%d", 5+i/250, 1+i%250))
		c.send(t, ts.addr, []byte("Qs"))
		c.c.Close()
	}
	waitFor(t, "all packets", 5*time.Second, func() bool { return ts.s.Stats().Packets == int64(lim.AttackRequests+300) })
	ts.s.Stats()
	t.Logf("packets %d", ts.s.Stats().Packets)
	ts.l().table.mu.Lock()
	size, high := ts.l().table.size(), ts.l().table.high
	ts.l().table.mu.Unlock()
	if size > lim.MaxSources || high > lim.MaxSources {
		t.Errorf("table holds %d (high %d), max %d", size, high, lim.MaxSources)
	}
	if v := testutil.ToFloat64(ts.s.Metrics.Scans.WithLabelValues("test", "evicted")); v == 0 {
		waitFor(t, "evicted metric", 3*time.Second, func() bool {
			return testutil.ToFloat64(ts.s.Metrics.Scans.WithLabelValues("test", "evicted")) > 0
		})
	}
	waitFor(t, "the victim's attack", 5*time.Second, func() bool { return len(ts.pub.OfKind("reflect.attack")) == 2 })
	if e := ts.pub.OfKind("reflect.attack")[0]; e.SrcIP != "127.0.4.1" {
		t.Errorf("attack on %s, want 127.0.4.1", e.SrcIP)
	}
	time.Sleep(2 * lim.AttackWindow)
	if n := len(ts.pub.OfKind("reflect.scan")); n > lim.ScanEvents*3 {
		t.Errorf("%d scan events; the cap is %d a second", n, lim.ScanEvents)
	}
}

func TestPacketSendBudgetHeld(t *testing.T) {
	lim := testLimits()
	lim.SendBudget = 2000
	lim.MaxReply = 1400
	ts := startPacket(t, doubler{}, lim)
	prime(t, ts, "127.0.9.2", 200) // 200 KB of credit in the ledger
	start := time.Now()
	var got int64
	for i := range 200 {
		c := newClient(t, fmt.Sprintf("127.0.10.%d", 1+i))
		c.send(t, ts.addr, append([]byte("Q"), make([]byte, 99)...)) // a 200-byte reply each
		c.drain(time.Millisecond)
		got += c.received
	}
	time.Sleep(50 * time.Millisecond)
	elapsed := time.Since(start).Seconds()
	out := ts.s.Stats().BytesOut
	// One second of burst plus the rate over the time taken.
	if limit := int64(float64(lim.SendBudget) * (1 + elapsed)); out > limit {
		t.Errorf("sent %d bytes in %.2fs; budget allows %d", out, elapsed, limit)
	}
	if v := testutil.ToFloat64(ts.s.Metrics.Unanswered.WithLabelValues("test", "budget")); v == 0 {
		t.Error("no request was refused for the budget")
	}
	if out == 0 {
		t.Error("nothing sent at all")
	}
}

func TestPacketPanicRecoveredPerPacket(t *testing.T) {
	ts := startPacket(t, doubler{}, testLimits())
	prime(t, ts, "127.0.9.3", 2)
	c := newClient(t, "127.0.11.1")
	c.send(t, ts.addr, []byte("P"))
	c.send(t, ts.addr, []byte("Qafter"))
	c.drain(300 * time.Millisecond)
	if c.replies != 1 {
		t.Errorf("after a panic: %d replies", c.replies)
	}
	if v := testutil.ToFloat64(ts.s.Metrics.Unanswered.WithLabelValues("test", "panic")); v != 1 {
		t.Errorf("unanswered{panic} = %v", v)
	}
}

func TestPacketStopEndsOpenAttacks(t *testing.T) {
	lim := testLimits()
	lim.AttackIdle = time.Hour
	ts := startPacket(t, doubler{}, lim)
	c := newClient(t, "127.0.12.1")
	for range lim.AttackRequests + 10 {
		c.send(t, ts.addr, []byte("Qx"))
	}
	waitFor(t, "attack start", 5*time.Second, func() bool { return len(ts.pub.OfKind("reflect.attack")) == 1 })
	ts.stop()
	evs := ts.pub.OfKind("reflect.attack")
	if len(evs) != 2 || evs[1].EndReason != "stopped" || evs[1].Phase != event.PhaseEnd || evs[1].AttackID != evs[0].AttackID {
		t.Errorf("after stop: %+v", evs)
	}
}

func TestPacketLimitsValidate(t *testing.T) {
	if err := DefaultPacketLimits().Validate(); err != nil {
		t.Fatal(err)
	}
	l := DefaultPacketLimits()
	l.SendBudget = 10
	l.AttackRequests = 1
	es := l.Validate()
	if len(es) != 2 || es[0].Path != "send_budget" || es[1].Path != "attack_requests" {
		t.Errorf("bad limits: %v", es)
	}
}

func TestSourceKey(t *testing.T) {
	k := func(s string) [16]byte { return sourceKey(netip.MustParseAddr(s)) }
	if k("2001:db8:1:2::1") != k("2001:db8:1:2:ffff::9") {
		t.Error("one /64 is two sources")
	}
	if k("2001:db8:1:2::1") == k("2001:db8:1:3::1") {
		t.Error("two /64s are one source")
	}
	if k("192.0.2.1") != k("::ffff:192.0.2.1") || k("192.0.2.1") == k("192.0.2.2") {
		t.Error("IPv4 keys")
	}
}

// TestPacketSourceAllowance: a source is never sent more than its bytes in
// plus SourceAllowance; with no allowance, never more than its bytes in.
func TestPacketSourceAllowance(t *testing.T) {
	lim := testLimits()
	lim.SourceAllowance = 12
	ts := startPacket(t, doubler{}, lim)
	prime(t, ts, "127.0.9.4", 5)
	c := newClient(t, "127.0.13.1")
	c.send(t, ts.addr, []byte("Q1234")) // in 5, out 10: within 5+12
	c.drain(200 * time.Millisecond)
	c.send(t, ts.addr, []byte("Q1234")) // in 10, out would be 20: within 10+12
	c.drain(200 * time.Millisecond)
	c.send(t, ts.addr, []byte("Q1234")) // in 15, out would be 30: over 15+12
	c.drain(200 * time.Millisecond)
	if c.replies != 2 || c.received != 20 {
		t.Errorf("%d replies, %d bytes; want 2, 20", c.replies, c.received)
	}
	c.send(t, ts.addr, []byte("x-unanswered-but-counted")) // in 39: pays for the next
	c.send(t, ts.addr, []byte("Q1234"))
	c.drain(200 * time.Millisecond)
	if c.replies != 3 || c.received > c.sent+lim.SourceAllowance {
		t.Errorf("after paying: %d replies, %d bytes out for %d in", c.replies, c.received, c.sent)
	}
	if v := testutil.ToFloat64(ts.s.Metrics.Unanswered.WithLabelValues("test", "source_bytes")); v != 1 {
		t.Errorf("unanswered{source_bytes} = %v", v)
	}

	lim.SourceAllowance = 0
	strict := startPacket(t, doubler{}, lim)
	prime(t, strict, "127.0.9.5", 5)
	d := newClient(t, "127.0.13.2")
	d.send(t, strict.addr, []byte("Q1234"))
	d.drain(200 * time.Millisecond)
	if d.replies != 0 {
		t.Errorf("allowance 0 still answered a probe with a larger reply")
	}
}

// TestPacketDualStack: on a dual-stack socket an IPv4 source arrives as
// ::ffff:a.b.c.d; it is recorded and answered as the IPv4 address it is,
// and an IPv6 source as itself.
func TestPacketDualStack(t *testing.T) {
	pc, err := ListenPacket("udp", "[::]:0")
	if err != nil {
		t.Skipf("no dual-stack socket: %v", err)
	}
	port := pc.LocalAddr().(*net.UDPAddr).Port
	pub := &eventkit.Recorder{}
	s := &PacketServer{Handler: doubler{}, Limits: testLimits(), Publisher: pub}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.ServePacket(ctx, pc) }()
	defer func() { cancel(); <-done }()

	noise := newClient(t, "127.0.14.9")
	for range 3 {
		noise.send(t, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)), bytes.Repeat([]byte("x"), 500))
	}
	v4 := newClient(t, "127.0.14.1")
	v4.send(t, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)), []byte("Qv4"))
	v4.drain(300 * time.Millisecond)
	if v4.replies != 1 {
		t.Errorf("IPv4 source on a dual-stack socket: %d replies", v4.replies)
	}
	c6, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer c6.Close()
	v6 := &client{c: c6}
	v6.send(t, netip.AddrPortFrom(netip.IPv6Loopback(), uint16(port)), []byte("Qv6"))
	v6.drain(300 * time.Millisecond)
	if v6.replies != 1 {
		t.Errorf("IPv6 source: %d replies", v6.replies)
	}
	waitFor(t, "scan records", 5*time.Second, func() bool { return len(pub.OfKind("reflect.scan")) == 3 })
	got := map[string]bool{}
	for _, e := range pub.OfKind("reflect.scan") {
		got[e.SrcIP] = true
	}
	if !got["127.0.14.1"] || !got["::1"] || !got["127.0.14.9"] {
		t.Errorf("scans from %v", got)
	}
}
