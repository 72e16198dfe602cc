package reflect

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/sensor"
	"github.com/honeygate/honeygate/internal/testkit/eventkit"
)

// running is one reflector on a loopback socket.
type running struct {
	s    *sensor.PacketServer
	addr netip.AddrPort
	pub  *eventkit.Recorder
	stop func()
}

// start runs h on addr ("127.0.0.1:0" in most tests).
func start(t *testing.T, h sensor.PacketHandler, lim sensor.PacketLimits, addr string) *running {
	t.Helper()
	pc, err := sensor.ListenPacket("udp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	r := &running{pub: &eventkit.Recorder{}, addr: pc.LocalAddr().(*net.UDPAddr).AddrPort()}
	r.s = &sensor.PacketServer{Handler: h, Limits: lim, Publisher: r.pub, Sensor: "test"}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := r.s.ServePacket(ctx, pc); err != nil {
			t.Errorf("ServePacket: %v", err)
		}
	}()
	var once sync.Once
	r.stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(r.stop)
	return r
}

// source is one UDP socket on a loopback address of its own: on loopback a
// test can be any source address in 127.0.0.0/8, which is what a spoofed
// flood looks like to the reflector.
type source struct {
	c                  *net.UDPConn
	ip                 string
	sent, got, replies int64
}

func newSource(t *testing.T, ip string) *source {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(ip)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &source{c: c, ip: ip}
}

func (s *source) send(t *testing.T, to netip.AddrPort, p []byte) {
	t.Helper()
	if _, err := s.c.WriteToUDPAddrPort(p, to); err != nil {
		t.Fatal(err)
	}
	s.sent += int64(len(p))
}

func (s *source) drain(wait time.Duration) {
	buf := make([]byte, 65536)
	for {
		_ = s.c.SetReadDeadline(time.Now().Add(wait))
		n, err := s.c.Read(buf)
		if err != nil {
			return
		}
		s.got += int64(n)
		s.replies++
	}
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// prime gives a fresh reflector's ledger bytes in to spend: it sends
// nothing before it has received more than it would send.
func prime(t *testing.T, r *running, ip string) *source {
	t.Helper()
	s := newSource(t, ip)
	before := r.s.Stats().Packets
	for range 20 {
		s.send(t, r.addr, bytes.Repeat([]byte{0xff}, 1400))
	}
	eventually(t, "priming", func() bool { return r.s.Stats().Packets >= before+20 })
	return s
}

// floodRequests are each reflector's amplification request, as attack
// tools send it.
var floodRequests = map[string][]byte{
	"dns":       dnsQuery(0x5151, "isc.org", typeANY, classIN, true, 4096),
	"ntp":       ntpMonlistShort(),
	"ssdp":      ssdpSearch("ssdp:all"),
	"chargen":   {0x01},
	"memcached": mcRequest(0, "stats\r\n"),
}

func floodLimits() sensor.PacketLimits {
	l := sensor.DefaultPacketLimits()
	l.AttackRequests = 50
	l.AttackWindow = 300 * time.Millisecond
	l.AttackIdle = 500 * time.Millisecond
	l.SendBudget = 64 << 10
	l.MaxSources = 4096
	l.ScanEvents = 100
	return l
}

// TestSpoofedFloodOneAttackPerVictim has 3 scanners probe each reflector
// once, then floods it from 8 victim addresses (150 requests each,
// interleaved, as a spoofing botnet sends them): each scanner gets an answer
// and is one scan; each victim is one attack (one start, one end, the same
// id); bytes out stay below bytes in for every victim and overall.
func TestSpoofedFloodOneAttackPerVictim(t *testing.T) {
	const victims, per, scanners = 8, 150, 3
	hs := testHandlers()
	for i, p := range Protocols {
		proto := p.New(DefaultConfig(), "t").Proto()
		t.Run(proto, func(t *testing.T) {
			lim := floodLimits()
			r := start(t, hs[proto], lim, "127.0.0.1:0")
			req := floodRequests[proto]
			// Scanners find the reflector first; attacks follow.
			ps := prime(t, r, fmt.Sprintf("127.%d.9.9", 30+i))
			ss := make([]*source, scanners)
			for s := range ss {
				ss[s] = newSource(t, fmt.Sprintf("127.%d.2.%d", 30+i, s+1))
				ss[s].send(t, r.addr, req)
				ss[s].drain(200 * time.Millisecond)
			}
			vs := make([]*source, victims)
			for v := range vs {
				vs[v] = newSource(t, fmt.Sprintf("127.%d.1.%d", 30+i, v+1))
			}
			for range per {
				for _, v := range vs {
					v.send(t, r.addr, req)
				}
			}
			eventually(t, "the flood read", func() bool { return r.s.Stats().Packets == 20+scanners+victims*per })
			var wg sync.WaitGroup
			for _, v := range vs {
				wg.Go(func() { v.drain(200 * time.Millisecond) })
			}
			wg.Wait()
			eventually(t, "attacks ended and scans recorded", func() bool {
				return len(r.pub.OfKind("reflect.attack")) >= 2*victims && len(r.pub.OfKind("reflect.scan")) >= scanners
			})
			time.Sleep(lim.AttackIdle) // a duplicate record would show by now
			r.stop()

			var in, out int64
			for _, v := range vs {
				in += v.sent
				out += v.got
				// A victim is never sent more than was sent in its name plus
				// the allowance that lets a scanner see the service.
				if v.got > v.sent+lim.SourceAllowance || v.replies > int64(lim.ReplyBurst) {
					t.Errorf("victim %s: %d replies, %d bytes out for %d in", v.ip, v.replies, v.got, v.sent)
				}
			}
			ps.drain(10 * time.Millisecond) // chargen answers even the priming junk
			for _, s := range append(ss, ps) {
				if s == ps {
					in += s.sent
					out += s.got
					continue
				}
				in += s.sent
				out += s.got
				if s.replies != 1 {
					t.Errorf("scanner %s got %d replies; a scanner must see the service", s.ip, s.replies)
				}
			}
			st := r.s.Stats()
			if st.BytesOut >= st.BytesIn || out != st.BytesOut {
				t.Errorf("server: %d bytes out, %d in; clients received %d", st.BytesOut, st.BytesIn, out)
			}
			t.Logf("%s: %d bytes in, %d out (%.3f)", proto, in, out, float64(out)/float64(in))

			attacks := map[string][]event.Event{}
			for _, e := range r.pub.OfKind("reflect.attack") {
				attacks[e.SrcIP] = append(attacks[e.SrcIP], e)
			}
			if len(attacks) != victims {
				t.Errorf("attacks on %d sources, want %d", len(attacks), victims)
			}
			for _, v := range vs {
				es := attacks[v.ip]
				if len(es) != 2 || es[0].AttackID == "" || es[0].AttackID != es[1].AttackID || es[0].Proto != proto {
					t.Errorf("victim %s: %+v", v.ip, es)
					continue
				}
				want := hs[proto].(sensor.PacketDescriber).Describe(req)
				if end := es[1]; end.Phase != event.PhaseEnd || end.Packets != per || end.BytesIn != per*int64(len(req)) ||
					end.BytesOut != v.got || string(end.Request) != want || es[0].Phase != event.PhaseStart {
					t.Errorf("victim %s: end %+v, want request %q", v.ip, end.Reflection, want)
				}
			}
			scans := map[string]int{}
			for _, e := range r.pub.OfKind("reflect.scan") {
				scans[e.SrcIP]++
			}
			for _, s := range ss {
				if scans[s.ip] != 1 {
					t.Errorf("scanner %s: %d scan events", s.ip, scans[s.ip])
				}
			}
			if len(scans) != scanners+1 { // and the source that primed the ledger
				t.Errorf("scans from %v", scans)
			}
		})
	}
}
