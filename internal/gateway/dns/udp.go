package dns

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	mdns "github.com/miekg/dns"

	"github.com/honeygate/honeygate/internal/gateway"
)

// The UDP side of the filter. Queries are read and answers written in
// batches (recvmmsg/sendmmsg on Linux, see mmsg_linux.go), and a query that
// a cached answer serves is answered straight from the bytes: parse the
// header and question in place, ask the chain about the name, find the
// packed answer, patch it, queue it. Everything else (misses, blocks, kill
// switches, refusals, odd messages) goes to ServeDNS like a TCP query, on
// its own goroutine. Where a C resolver spends a system call per query each
// way, this spends one per batch.

const (
	batchSize   = 64
	maxUDPQuery = 4096
	maxSlow     = 4096 // queries on the slow path at once; more are dropped
)

// serveUDP answers on pc until it is closed. It reads with one goroutine
// per CPU, each on a socket of its own: pc, and (on Linux) more sockets
// bound to the same address with SO_REUSEPORT, among which the kernel
// spreads clients by their address and port. Reads on one socket are
// serialized by the runtime, so readers sharing pc would only take turns.
func (s *Server) serveUDP(pc net.PacketConn) error {
	pcs := []net.PacketConn{pc}
	if canReusePort {
		lc := net.ListenConfig{Control: reusePort}
		for len(pcs) < runtime.GOMAXPROCS(0) {
			more, err := lc.ListenPacket(context.Background(), "udp", pc.LocalAddr().String())
			if err != nil {
				break // pc was not opened by Listen: it reads alone
			}
			if !s.addPacketConn(more) {
				more.Close()
				break // shut down meanwhile
			}
			pcs = append(pcs, more)
		}
	}
	slow := make(chan struct{}, maxSlow)
	var wg sync.WaitGroup
	errc := make(chan error, len(pcs))
	for _, pc := range pcs {
		pio, err := newPacketIO(pc)
		if err != nil {
			errc <- err
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errc <- s.udpLoop(pc, pio, slow)
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil && !isClosed(err) {
			return err
		}
	}
	return nil
}

func isClosed(err error) bool { return errors.Is(err, net.ErrClosed) }

// reader is the state of one UDP reader goroutine: its key buffer, the
// clock read once a batch, and the decisions it counted since the last
// flush to the shared metrics.
type reader struct {
	key   [255 + 5]byte
	now   time.Time // zero: read the cache's clock per query
	tally gateway.Tally
}

func (s *Server) udpLoop(pc net.PacketConn, pio packetIO, slow chan struct{}) error {
	rd := new(reader)
	for {
		n, err := pio.read()
		if err != nil {
			if isClosed(err) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) {
				continue // an ICMP error for an earlier answer: nothing to do
			}
			return err
		}
		rd.now = s.cache.now()
		for i := 0; i < n; i++ {
			q, from := pio.query(i)
			if !from.IsValid() || len(q) == 0 {
				continue
			}
			if out := pio.next(); out != nil {
				if b, ok := s.fastAnswer(q, from, rd, out); ok {
					pio.queue(i, b)
					continue
				}
			}
			select {
			case slow <- struct{}{}:
				cp := append([]byte(nil), q...)
				ua := net.UDPAddrFromAddrPort(from)
				go func() {
					defer func() { <-slow }()
					s.slowUDP(pc, cp, ua)
				}()
			default: // overloaded: drop, as a busy resolver does
			}
		}
		err = pio.flush()
		s.opt.Metrics.Flush(gateway.EnforcerDNS, &rd.tally)
		if err != nil && isClosed(err) {
			return nil
		}
	}
}

// fastAnswer answers q from the cache, or with the block answer kept for
// its name, when it can; ok false sends q down the slow path. It never
// allocates on the way to a cached answer (a block allocates its record).
func (s *Server) fastAnswer(q []byte, from netip.AddrPort, rd *reader, out []byte) (_ []byte, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false // the slow path answers, or reports the bug
		}
	}()
	addr := from.Addr().Unmap()
	key := rd.key[:0]
	if len(q) < 12+5 {
		return nil, false
	}
	flags := uint16(q[2])<<8 | uint16(q[3])
	if flags&0x8000 != 0 || (flags>>11)&0xF != 0 || q[4] != 0 || q[5] != 1 || q[6]|q[7]|q[8]|q[9]|q[10] != 0 || q[11] > 1 {
		return nil, false
	}
	// The question name, lower-cased into key.
	off := 12
	for {
		l := int(q[off])
		if l == 0 {
			key = append(key, 0)
			off++
			break
		}
		if l > 63 || off+1+l >= len(q) || len(key)+1+l > 255 {
			return nil, false
		}
		key = append(key, byte(l))
		for _, c := range q[off+1 : off+1+l] {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			key = append(key, c)
		}
		off += 1 + l
	}
	qEnd := off
	if off+4 > len(q) {
		return nil, false
	}
	qtype := uint16(q[off])<<8 | uint16(q[off+1])
	qclass := uint16(q[off+2])<<8 | uint16(q[off+3])
	off += 4
	edns, do, size := false, false, mdns.MinMsgSize
	if q[11] == 1 { // one additional record: it must be our kind of OPT
		if off+11 > len(q) || q[off] != 0 || q[off+1] != 0 || q[off+2] != byte(mdns.TypeOPT) || q[off+6] != 0 {
			return nil, false
		}
		edns = true
		size = max(int(q[off+3])<<8|int(q[off+4]), mdns.MinMsgSize)
		do = q[off+7]&0x80 != 0
		rdlen := int(q[off+9])<<8 | int(q[off+10])
		off += 11 + rdlen
	}
	if off != len(q) || qclass != mdns.ClassINET {
		return nil, false
	}
	cd := flags&0x10 != 0

	chain := s.opt.Chain
	if !chain.ClientAllowed(addr) {
		return nil, false
	}
	host := key2host(key, out[:0])
	if s.isKillSwitchHost(host) {
		return nil, false
	}
	key = appendKeyTail(key, qtype, qclass, do, cd, edns)
	cur := chain.Matcher()
	if cur == nil {
		return nil, false // intel unavailable: the policy's fail mode decides, slowly
	}
	e, age := s.cache.lookupAt(key, rd.now)
	if mark, ok := cleanOf(e); ok && mark.m == any(cur) {
		var d gateway.Decision
		if mark.name {
			// Intel lists nothing for the name under cur: only the client's
			// allowlist can still change the reason, never the verdict.
			d = chain.DecideUnlisted(addr, host)
		} else {
			d = chain.Decide(&gateway.Query{Client: addr, Host: host})
		}
		if d.Verdict == gateway.Allowed {
			return s.answerCached(q, qEnd, size, e, age, d, rd, out)
		}
	}
	// Not cached, not judged under cur (the slow path judges it and marks
	// it clean), or listed since: a block answer kept for the name under
	// cur, or the slow path.
	a := s.blocks.get(key)
	if a == nil || a.m != any(cur) || a.qEnd != qEnd || len(a.b) > min(size, 4096) {
		return nil, false
	}
	d := chain.DecideListed(addr, host, a.hit)
	if d.Verdict != gateway.Blocked {
		return nil, false // this client's network lets it through: forwarded
	}
	rd.tally.Observe(d)
	// host lives in out, which the answer overwrites: the record takes a copy.
	s.recordBlock(netip.AddrPortFrom(addr, from.Port()), strings.Clone(host), d, a.action)
	return a.render(out, q), true
}

func cleanOf(e *cacheEntry) (cleanMark, bool) {
	if e == nil {
		return cleanMark{}, false
	}
	m, ok := e.cleanFor.Load().(cleanMark)
	return m, ok
}

// answerCached writes into out the cached answer e, aged by age, for the
// query q allowed by d.
func (s *Server) answerCached(q []byte, qEnd, size int, e *cacheEntry, age time.Duration, d gateway.Decision, rd *reader, out []byte) ([]byte, bool) {
	wa := e.wireFor()
	if wa == nil || len(wa.b) > min(size, 4096) || wa.qEnd != qEnd {
		return nil, false
	}
	out = append(out[:0], wa.b...)
	out[0], out[1] = q[0], q[1]
	copy(out[12:qEnd], q[12:qEnd]) // the client's spelling
	out[2] = out[2]&^1 | q[2]&1    // RD as asked
	out[3] = out[3]&^0x10 | q[3]&0x10
	a := uint32(age / time.Second)
	for _, o := range wa.ttls {
		ttl := uint32(out[o])<<24 | uint32(out[o+1])<<16 | uint32(out[o+2])<<8 | uint32(out[o+3])
		if ttl > a {
			ttl -= a
		} else {
			ttl = 0
		}
		out[o], out[o+1], out[o+2], out[o+3] = byte(ttl>>24), byte(ttl>>16), byte(ttl>>8), byte(ttl)
	}
	rd.tally.Observe(d)
	return out, true
}

// key2host writes the dotted form of a lower-case wire name into buf (which
// the caller reuses for the answer right after) and returns it as a string
// that shares buf: it must not outlive the call that made it.
func key2host(wire, buf []byte) string {
	buf = buf[:0]
	for i := 0; i < len(wire) && wire[i] != 0; {
		l := int(wire[i])
		if len(buf) > 0 {
			buf = append(buf, '.')
		}
		buf = append(buf, wire[i+1:i+1+l]...)
		i += 1 + l
	}
	if len(buf) == 0 {
		return ""
	}
	return unsafe.String(&buf[0], len(buf))
}

// isKillSwitchHost is isKillSwitch for a name without its trailing dot.
func (s *Server) isKillSwitchHost(host string) bool {
	if len(s.kill) == 0 {
		return false
	}
	for {
		if s.killHosts[host] {
			return true
		}
		i := strings.IndexByte(host, '.')
		if i < 0 {
			return false
		}
		host = host[i+1:]
	}
}

// slowUDP answers one query through ServeDNS, as the library server would.
func (s *Server) slowUDP(pc net.PacketConn, q []byte, ua *net.UDPAddr) {
	r := new(mdns.Msg)
	if err := r.Unpack(q); err != nil {
		s.formErrUDP(pc, q, ua)
		return
	}
	var dh mdns.Header
	dh.Bits = uint16(q[2])<<8 | uint16(q[3])
	dh.Qdcount, dh.Ancount, dh.Nscount, dh.Arcount = uint16(len(r.Question)), uint16(len(r.Answer)), uint16(len(r.Ns)), uint16(len(r.Extra))
	w := &udpWriter{pc: pc, addr: ua}
	switch acceptQuery(dh) {
	case mdns.MsgAccept:
		s.ServeDNS(w, r)
	case mdns.MsgReject, mdns.MsgRejectNotImplemented:
		m := new(mdns.Msg)
		m.SetRcodeFormatError(r)
		if acceptQuery(dh) == mdns.MsgRejectNotImplemented {
			m.Rcode = mdns.RcodeNotImplemented
		}
		m.Ns, m.Answer, m.Extra = nil, nil, nil
		_ = w.WriteMsg(m)
	}
}

// formErrUDP answers a query that does not unpack as the library server
// answers one over TCP: the query's header bits, FORMERR (NOTIMP for an
// opcode other than QUERY), and no sections (so the answer is never larger
// than the query: no amplification). A packet too short for a header, or
// that is itself a response (QR set), gets no answer: there is nothing to
// answer, or answering could start a loop between two servers.
func (s *Server) formErrUDP(pc net.PacketConn, q []byte, ua *net.UDPAddr) {
	if len(q) < 12 {
		return
	}
	bits := uint16(q[2])<<8 | uint16(q[3])
	dh := mdns.Header{Id: uint16(q[0])<<8 | uint16(q[1]), Bits: bits,
		Qdcount: uint16(q[4])<<8 | uint16(q[5]), Ancount: uint16(q[6])<<8 | uint16(q[7]),
		Nscount: uint16(q[8])<<8 | uint16(q[9]), Arcount: uint16(q[10])<<8 | uint16(q[11])}
	action := acceptQuery(dh)
	if action == mdns.MsgIgnore {
		return
	}
	m := &mdns.Msg{MsgHdr: mdns.MsgHdr{Id: dh.Id,
		Opcode:           int(bits>>11) & 0xF,
		Truncated:        bits&(1<<9) != 0,
		RecursionDesired: bits&(1<<8) != 0, RecursionAvailable: bits&(1<<7) != 0,
		AuthenticatedData: bits&(1<<5) != 0, CheckingDisabled: bits&(1<<4) != 0}}
	opcode := m.Opcode
	m.SetRcodeFormatError(m)
	if action == mdns.MsgRejectNotImplemented {
		m.Opcode, m.Rcode = opcode, mdns.RcodeNotImplemented
	}
	b, err := m.Pack()
	if err != nil {
		return
	}
	_, _ = pc.WriteTo(b, ua)
}

// udpWriter is a mdns.ResponseWriter for one UDP client.
type udpWriter struct {
	pc   net.PacketConn
	addr *net.UDPAddr
}

var _ mdns.ResponseWriter = (*udpWriter)(nil)

func (w *udpWriter) LocalAddr() net.Addr  { return w.pc.LocalAddr() }
func (w *udpWriter) RemoteAddr() net.Addr { return w.addr }
func (w *udpWriter) WriteMsg(m *mdns.Msg) error {
	b, err := m.Pack()
	if err != nil {
		return err
	}
	_, err = w.pc.WriteTo(b, w.addr)
	return err
}
func (w *udpWriter) Write(b []byte) (int, error) { return w.pc.WriteTo(b, w.addr) }
func (w *udpWriter) Close() error                { return nil }
func (w *udpWriter) TsigStatus() error           { return nil }
func (w *udpWriter) TsigTimersOnly(bool)         {}
func (w *udpWriter) Hijack()                     {}
