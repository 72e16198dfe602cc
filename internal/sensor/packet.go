package sensor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

// PacketHandler answers one UDP request datagram. It is the UDP counterpart
// of Handler, in the style of CoreDNS's ServePacket: the PacketServer reads,
// counts, limits and aggregates; the handler only speaks the protocol.
//
// ServePacket appends the reply to req to out and returns the result; it
// returns out unchanged (or nil) to send nothing. It must not keep req or out
// after it returns, must not block, and is called from one goroutine per
// server (it need not be safe for concurrent use by one server, but a handler
// shared by several servers must be). A panic is recovered per packet and the
// packet goes unanswered.
//
// The reply is only a proposal: the server sends it only while the source's
// and the whole process's limits allow (see PacketLimits), so a handler
// answers as the real service would and leaves "never amplify" to the server.
type PacketHandler interface {
	// Proto names the protocol for metrics and events ("dns", "ntp", ...).
	Proto() string
	ServePacket(out, req []byte, info PacketInfo) []byte
}

// PacketDescriber is implemented by handlers that can summarise a request
// for an attack or scan record ("ANY isc.org", "monlist"). Describe is called
// off the hot path, once per record, with the first request of the record
// (at most maxSample bytes of it); it must not panic, but a panic is recovered.
type PacketDescriber interface {
	Describe(req []byte) string
}

// PacketInfo says where one datagram came from and where it was sent.
type PacketInfo struct {
	Src     netip.AddrPort // the (possibly spoofed) source: the victim of a reflection attack
	DstPort int            // the port the request was sent to, before any local redirect
}

// PacketServer runs one PacketHandler on one UDP socket.
//
// It never amplifies: a source (an IPv4 address or an IPv6 /64) gets at most
// Limits.ReplyBurst replies per Limits.ReplyWindow; a reply goes out only
// while that source's bytes out stay within its bytes in plus
// Limits.SourceAllowance (the little that shows a scanner's probe the
// service; zero makes it strict), while the process's bytes out stay below
// its bytes in, and while the shared send budget (bytes per second) has
// room. Once a source is seen as an attack, it gets no reply at all.
//
// It turns traffic into records: a source that sends Limits.AttackRequests
// requests within Limits.AttackWindow is an attack victim, and gets one
// reflect.attack event when the attack is seen and one when it ends (after
// Limits.AttackIdle of silence); a source that sends fewer and goes quiet is
// a scan. Records are published from a separate goroutine, so a slow bus
// never stalls the read loop; memory for the per-source table is fixed by
// Limits.MaxSources, whatever the number of spoofed sources.
type PacketServer struct {
	Handler PacketHandler
	Limits  PacketLimits
	// Budget is shared by every packet server of a process so the send
	// budget and the bytes-out-below-bytes-in rule hold across protocols.
	// Nil means a private budget from Limits.SendBudget.
	Budget    *SendBudget
	Metrics   *PacketMetrics // may be nil
	Publisher event.Publisher
	Sensor    string // the sensor name events carry
	Log       *slog.Logger
	// DstPort is the port events name as the destination (the service's
	// well-known port when the kernel redirects it to this socket); zero
	// means the socket's own port.
	DstPort int
	// OnePerRead makes the server read one datagram per system call instead
	// of a batch: the baseline the benchmark compares batching with.
	OnePerRead bool

	cur atomic.Pointer[loop] // the running loop, for Stats
}

// PacketStats are a server's running totals, for tests and benchmarks.
type PacketStats struct {
	Packets, BytesIn, Replies, BytesOut int64
	Attacks, Scans                      int64
}

// Stats returns the totals so far (zero before Serve).
func (s *PacketServer) Stats() PacketStats {
	if l := s.cur.Load(); l != nil {
		p := l.stats
		return PacketStats{
			Packets:  atomic.LoadInt64(&p.Packets),
			BytesIn:  atomic.LoadInt64(&p.BytesIn),
			Replies:  atomic.LoadInt64(&p.Replies),
			BytesOut: atomic.LoadInt64(&p.BytesOut),
			Attacks:  atomic.LoadInt64(&p.Attacks),
			Scans:    atomic.LoadInt64(&p.Scans),
		}
	}
	return PacketStats{}
}

// batchSize is how many datagrams one read takes at most (recvmmsg on Linux).
// 64 amortises the system call well; more only adds latency to the first.
const batchSize = 64

// maxDatagram is the largest request read whole; longer ones are read
// truncated (no real request to these services comes near it) and counted at
// the length read.
const maxDatagram = 2048

// readBuffer is the socket receive queue asked for: at about 800 bytes of
// kernel memory per queued datagram, 16 MiB hold some 20,000, a tenth of a
// second of flood at 200,000 a second.
const readBuffer = 16 << 20

// ServePacket reads from pc until ctx is done or pc fails; it then closes pc,
// publishes the end of every attack still open, and returns nil on a clean
// stop. Start errors (bad limits) are returned before anything is read.
func (s *PacketServer) ServePacket(ctx context.Context, pc net.PacketConn) error {
	proto := s.Handler.Proto()
	if err := s.Limits.Validate().Err(); err != nil {
		pc.Close()
		return fmt.Errorf("packet server %s: %w", proto, err)
	}
	if s.Budget == nil {
		s.Budget = NewSendBudget(s.Limits.SendBudget)
	}
	log := s.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dstPort := s.DstPort
	if dstPort == 0 {
		if ua, ok := pc.LocalAddr().(*net.UDPAddr); ok {
			dstPort = ua.Port
		}
	}
	st := &PacketStats{}
	l := &loop{
		s:       s,
		proto:   proto,
		log:     log,
		dstPort: dstPort,
		pc:      pc,
		table:   newSourceTable(s.Limits.MaxSources),
		stats:   st,
		m:       s.Metrics.forProto(proto),
	}
	if uc, ok := pc.(*net.UDPConn); ok {
		l.udp = uc
		// A flood comes in bursts; a deep queue lets the loop catch up
		// after a scheduling delay instead of the kernel dropping.
		setReadBuffer(uc, readBuffer)
	}
	if s.OnePerRead {
		l.reader = &singleReader{pc: pc, udp: l.udp}
	} else {
		l.reader = newBatchReader(pc)
	}
	s.cur.Store(l)
	rec := &recorder{
		l:       l,
		pub:     s.Publisher,
		scanTok: float64(s.Limits.ScanEvents),
	}
	if d, ok := s.Handler.(PacketDescriber); ok {
		rec.describe = d
	}

	stop := context.AfterFunc(ctx, func() { pc.Close() })
	defer stop()
	var wg sync.WaitGroup
	wg.Add(1)
	done := make(chan struct{})
	go func() {
		defer wg.Done()
		rec.run(ctx, done)
	}()
	err := l.run(ctx)
	pc.Close()
	close(done)
	wg.Wait()
	if err != nil && ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("packet server %s: %w", proto, err)
	}
	return nil
}

// loop is the read loop's state: only its goroutine touches the buffers; the
// table is shared with the recorder under table.mu.
type loop struct {
	s       *PacketServer
	proto   string
	log     *slog.Logger
	dstPort int
	pc      net.PacketConn
	udp     *net.UDPConn
	reader  batchReader
	table   *sourceTable
	stats   *PacketStats
	m       protoMetrics

	out       []byte
	panics    atomic.Int64
	lastPanic atomic.Int64
}

// batch is what one read returned.
type batch struct {
	bufs  [batchSize][]byte
	n     [batchSize]int
	addrs [batchSize]netip.AddrPort
}

// counts are one batch's totals, flushed to metrics once per batch so that
// the per-packet path touches no shared counter.
type counts struct {
	packets, bytesIn, replies, bytesOut int64
	drop                                [numDropReasons]int64
}

func (l *loop) run(ctx context.Context) error {
	b := new(batch)
	for i := range b.bufs {
		b.bufs[i] = make([]byte, maxDatagram)
	}
	l.out = make([]byte, 0, l.s.Limits.MaxReply+512)
	var backoff time.Duration
	for {
		n, err := l.reader.ReadBatch(b)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			// Transient errors (ICMP errors reported on the socket, out of
			// memory): back off rather than spin, as Server.Serve does.
			if backoff == 0 {
				backoff = 5 * time.Millisecond
			} else if backoff *= 2; backoff > time.Second {
				backoff = time.Second
			}
			l.log.Warn("read failed", "err", err, "retry_in", backoff)
			select {
			case <-time.After(backoff):
				continue
			case <-ctx.Done():
				return nil
			}
		}
		backoff = 0
		l.handle(b, n, time.Now())
	}
}

// handle accounts for and answers one batch.
func (l *loop) handle(b *batch, n int, now time.Time) {
	var c counts
	for i := 0; i < n; i++ {
		c.packets++
		c.bytesIn += int64(b.n[i])
	}
	// The process's bytes in are counted before any reply of the batch, so
	// the overall rule compares like with like.
	l.s.Budget.received(c.bytesIn)
	nowNs := now.UnixNano()
	lim := &l.s.Limits
	t := l.table
	t.mu.Lock()
	for i := 0; i < n; i++ {
		src := b.addrs[i]
		req := b.bufs[i][:b.n[i]]
		e := t.lookup(src, nowNs)
		if e == nil {
			c.drop[dropUntracked]++
			continue
		}
		e.count(req, nowNs, lim)
		if e.attack {
			c.drop[dropAttack]++
			continue
		}
		if nowNs-e.replyWin >= int64(lim.ReplyWindow) {
			e.replyWin, e.replies = nowNs, 0
		}
		if e.replies >= int32(lim.ReplyBurst) {
			c.drop[dropRate]++
			continue
		}
		if src.Port() == 0 {
			// Nothing can be sent to port 0; such "requests" are crafted.
			c.drop[dropNoAnswer]++
			continue
		}
		if l.s.Budget.empty(nowNs) {
			c.drop[dropBudget]++
			continue
		}
		reply, ok := l.answer(req, PacketInfo{Src: src, DstPort: l.dstPort})
		if !ok {
			c.drop[dropPanic]++
			continue
		}
		size := int64(len(reply))
		switch {
		case size == 0:
			c.drop[dropNoAnswer]++
			continue
		case size > int64(lim.MaxReply):
			c.drop[dropOversize]++
			continue
		case e.bytesOut+size > e.bytesIn+lim.SourceAllowance:
			c.drop[dropSourceBytes]++
			continue
		case !l.s.Budget.take(size, nowNs):
			c.drop[dropBudget]++
			continue
		}
		// Counted as spent before the write: a failed write must not turn
		// into credit for another reply.
		e.replies++
		e.bytesOut += size
		if _, err := l.write(reply, src); err != nil {
			c.drop[dropWriteError]++
			continue
		}
		c.replies++
		c.bytesOut += size
	}
	t.mu.Unlock()
	l.flush(&c)
}

// answer calls the handler with panic recovery; ok is false after a panic.
func (l *loop) answer(req []byte, info PacketInfo) (reply []byte, ok bool) {
	defer func() {
		if v := recover(); v != nil {
			reply, ok = nil, false
			l.panicked(info, v)
		}
	}()
	return l.s.Handler.ServePacket(l.out[:0], req, info), true
}

// panicked logs a handler panic at most once every ten seconds: a packet
// that crashes a handler can be sent a million times a second.
func (l *loop) panicked(info PacketInfo, v any) {
	n := l.panics.Add(1)
	now := time.Now().UnixNano()
	last := l.lastPanic.Load()
	if now-last < int64(10*time.Second) || !l.lastPanic.CompareAndSwap(last, now) {
		return
	}
	l.log.Error("handler panicked", "proto", l.proto, "src", info.Src.String(),
		"panic", fmt.Sprint(v), "panics_total", n, "stack", string(debug.Stack()))
}

func (l *loop) write(p []byte, to netip.AddrPort) (int, error) {
	if l.udp != nil {
		return l.udp.WriteToUDPAddrPort(p, to)
	}
	return l.pc.WriteTo(p, net.UDPAddrFromAddrPort(to))
}

func (l *loop) flush(c *counts) {
	atomic.AddInt64(&l.stats.Packets, c.packets)
	atomic.AddInt64(&l.stats.BytesIn, c.bytesIn)
	atomic.AddInt64(&l.stats.Replies, c.replies)
	atomic.AddInt64(&l.stats.BytesOut, c.bytesOut)
	l.m.add(c)
}
