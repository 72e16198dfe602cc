// Package dns is honeygate's DNS filter: a forwarding resolver on UDP and
// TCP that answers names the gateway policy chain blocks with NXDOMAIN or a
// sinkhole address, forwards the rest to the configured upstream resolvers
// through a bounded TTL-respecting cache, always resolves WannaCry-style kill
// switches and reports the clients that look them up as likely infected.
//
// It is not an authoritative server, not a validating resolver (DNSSEC data
// passes through untouched), and not a recursive resolver of its own.
package dns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/honeygate/honeygate/internal/gateway"
)

// Options configure a Server.
type Options struct {
	Chain    *gateway.Chain
	Recorder gateway.Recorder
	Log      *slog.Logger
	Config   gateway.Config   // sinkhole, upstreams, kill switches, cache, TTLs
	Metrics  *gateway.Metrics // nil: decisions not counted
}

// Server is the DNS filter on one address (UDP and TCP).
type Server struct {
	opt         Options
	log         *slog.Logger
	cache       *cache
	blocks      *blockCache
	up          *upstream
	sink4       netip.Addr
	sink6       netip.Addr
	killAddr    netip.Addr
	kill        map[string]bool // FQDN, lower-case
	killHosts   map[string]bool // the same without the trailing dot
	blockTTL    uint32
	reported    *gateway.Throttle
	servers     []*mdns.Server
	packetConns []net.PacketConn
	shut        bool
	mu          sync.Mutex
}

var _ mdns.Handler = (*Server)(nil)

// New returns a Server for opt; Serve starts it.
func New(opt Options) (*Server, error) {
	cfg := &opt.Config
	s := &Server{opt: opt, log: opt.Log, kill: map[string]bool{}}
	s.reported = gateway.NewThrottleWith(gateway.ThrottleOptions{Period: time.Minute, Summary: func(n uint64) {
		s.log.Warn("dns: reports of refused clients held back (per-client and overall limits)", "suppressed", n)
	}})
	var err error
	if s.sink4, s.sink6, err = cfg.SinkholeAddrs(); err != nil {
		return nil, fmt.Errorf("dns: sinkhole: %w", err)
	}
	if cfg.KillSwitchAddress != "" {
		if s.killAddr, err = netip.ParseAddr(cfg.KillSwitchAddress); err != nil {
			return nil, fmt.Errorf("dns: kill_switch_address: %w", err)
		}
	}
	s.killHosts = map[string]bool{}
	for _, k := range cfg.KillSwitches {
		s.kill[mdns.Fqdn(strings.ToLower(k))] = true
		s.killHosts[strings.TrimSuffix(strings.ToLower(k), ".")] = true
	}
	s.blockTTL = uint32(cfg.BlockTTL / time.Second)
	maxTTL := cfg.MaxCacheTTL
	if maxTTL <= 0 {
		maxTTL = time.Hour
	}
	s.cache = newCache(cfg.CacheEntries, maxTTL)
	s.blocks = newBlockCache(cfg.CacheEntries)
	s.up = newUpstream(cfg.Upstreams)
	return s, nil
}

// Listen opens UDP and TCP on the same address. With port 0, TCP takes the
// port UDP got; when that TCP port is taken, it tries again with a new one.
//
// The UDP socket allows SO_REUSEPORT (Linux), so that Serve can add a
// socket per reader on the same address. Since the kernel lets sockets of
// one user share such a port, and even hands out a shared one for port 0,
// the address is first bound plainly: an address in use fails as it would
// without the option, and port 0 becomes a port no one holds.
func Listen(addr string) (net.PacketConn, net.Listener, error) {
	_, port, _ := net.SplitHostPort(addr)
	lc := net.ListenConfig{Control: reusePort}
	for attempt := 0; ; attempt++ {
		probe, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("dns: %w", err)
		}
		at := probe.LocalAddr().String()
		probe.Close()
		pc, err := lc.ListenPacket(context.Background(), "udp", at)
		if err != nil {
			if port == "0" && attempt < 20 {
				continue // taken between the probe and now
			}
			return nil, nil, fmt.Errorf("dns: %w", err)
		}
		l, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, l, nil
		}
		pc.Close()
		if port != "0" || attempt == 20 {
			return nil, nil, fmt.Errorf("dns: %w", err)
		}
	}
}

// Serve answers on pc and l until Shutdown; both are closed then. It returns
// the first error that ended a server early.
func (s *Server) Serve(pc net.PacketConn, l net.Listener) error {
	tcp := &mdns.Server{Listener: l, Handler: s, MsgAcceptFunc: acceptQuery,
		ReadTimeout: 5 * time.Second, IdleTimeout: func() time.Duration { return 10 * time.Second }, MaxTCPQueries: 1000}
	s.mu.Lock()
	s.servers = append(s.servers, tcp)
	s.packetConns = append(s.packetConns, pc)
	s.mu.Unlock()
	errc := make(chan error, 2)
	go func() { errc <- s.serveUDP(pc) }()
	go func() { errc <- tcp.ActivateAndServe() }()
	err1, err2 := <-errc, <-errc
	return errors.Join(err1, err2)
}

// addPacketConn registers another socket for Shutdown to close; false once
// shut down.
func (s *Server) addPacketConn(pc net.PacketConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shut {
		return false
	}
	s.packetConns = append(s.packetConns, pc)
	return true
}

// Shutdown stops both servers; it is idempotent.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	servers, pcs := s.servers, s.packetConns
	s.servers, s.packetConns = nil, nil
	s.shut = true
	s.mu.Unlock()
	var errs []error
	for _, pc := range pcs {
		_ = pc.Close() // ends the UDP readers
	}
	for _, srv := range servers {
		if err := srv.ShutdownContext(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// acceptQuery lets only standard queries with exactly one question reach
// the handler; anything else gets FORMERR or NOTIMP from the library, and a
// response (QR set) is dropped, so we never answer answers (reflection).
func acceptQuery(dh mdns.Header) mdns.MsgAcceptAction {
	const qrBit = 1 << 15
	if dh.Bits&qrBit != 0 {
		return mdns.MsgIgnore
	}
	if opcode := int(dh.Bits>>11) & 0xF; opcode != mdns.OpcodeQuery {
		return mdns.MsgRejectNotImplemented
	}
	if dh.Qdcount != 1 || dh.Ancount != 0 || dh.Nscount != 0 || dh.Arcount > 2 {
		return mdns.MsgReject
	}
	return mdns.MsgAccept
}
