// Package proxy is honeygate's HTTP/1.1 forward proxy: it judges every
// plain-HTTP request by its URL and every CONNECT by its host and by the TLS
// server name peeked from the ClientHello (never decrypting), answers blocks
// with a block page or 403, hashes downloads on the fly and cuts off a file
// whose SHA-256 is on the intel list, and refuses clients outside the
// configured networks and destinations that are private or honeygate's own.
//
// It is not a cache, not a reverse proxy, and not an HTTP/2 or HTTP/3 server;
// decisions are the gateway policy chain's, not this package's.
package proxy

import (
	"context"
	"crypto/x509"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/honeygate/honeygate/internal/gateway"
)

// Options configure a Server.
type Options struct {
	Chain    *gateway.Chain
	Recorder gateway.Recorder
	Log      *slog.Logger
	// AllowPrivateUpstream lets requests reach private destinations.
	AllowPrivateUpstream bool
	// Own returns honeygate's listener addresses, which are never dialled.
	Own func() []netip.AddrPort
	// Name is the pseudonym in Via headers (default "honeygate").
	Name string
	// Metrics counts decisions (nil: not counted).
	Metrics *gateway.Metrics
	// OriginRoots verify origins when decrypting everything; nil: the
	// system's roots.
	OriginRoots *x509.CertPool
	// CA enables the decrypting mode (block-only) for the networks whose
	// policy asks for it; nil: never decrypt.
	CA *CA
	// KillSwitches are never blocked and are reported (killswitch.go):
	// gateway.Config.KillSwitches, as the DNS filter has them.
	KillSwitches []string
	// HoldBudget bounds the bytes of small response bodies held whole
	// across all clients (hold.go); 0: 64 MiB.
	HoldBudget int64
	// ReadTimeout bounds the wait for the next byte of an origin's
	// response body, WriteTimeout a blocked write to a client
	// (timeouts.go); 0: 15 minutes each.
	ReadTimeout, WriteTimeout time.Duration
	// GCHeadroom, when positive, is how far the heap may grow past what
	// is live before the garbage collector runs, while the Server serves
	// (gcpace.go; process-wide, so only the application's proxy sets it);
	// ignored when GOGC is set in the environment.
	GCHeadroom int64
	// ConnectPorts are the only ports CONNECT tunnels to
	// (gateway.connect_ports, connectports.go); nil: any port.
	ConnectPorts []int
}

// Server is the proxy; it may serve several listeners.
type Server struct {
	opt     Options
	log     *slog.Logger
	dial    *dialer
	origins *origins
	via     string
	// viaField is []string{via}, shared by every message without a Via.
	viaField []string
	refused  *gateway.Throttle
	kill     killSwitches
	hold     *holdBudget
	// noDecrypt remembers (client, name) pairs whose client refused the
	// gateway CA, passed through undecrypted for an hour.
	noDecrypt *passList
	pacer     *gcPacer
	baseCtx   context.Context
	tunnels   sync.WaitGroup
	stop      chan struct{}

	mu        sync.Mutex
	closed    bool
	listeners []net.Listener
	conns     map[net.Conn]*connState
}

type ctxKey struct{}

// connInfo is what the proxy knows about one client connection. It is
// used by the connection's own goroutine only.
type connInfo struct {
	client netip.AddrPort
	// origin is the origin connection this client's last request used,
	// kept for its next one (see origins.roundTrip); nil when none.
	origin *originConn
}

// New returns a Server; Serve starts it on a listener.
func New(opt Options) *Server {
	if opt.Name == "" {
		opt.Name = "honeygate"
	}
	if opt.Own == nil {
		opt.Own = func() []netip.AddrPort { return nil }
	}
	s := &Server{opt: opt, log: opt.Log, via: "1.1 " + opt.Name, viaField: []string{"1.1 " + opt.Name},
		baseCtx: context.Background(), stop: make(chan struct{}), conns: map[net.Conn]*connState{}}
	s.refused = gateway.NewThrottleWith(gateway.ThrottleOptions{Period: time.Minute, Summary: func(n uint64) {
		s.log.Warn("proxy: reports of refused clients held back (per-client and overall limits)", "suppressed", n)
	}})
	s.dial = newDialer(opt.AllowPrivateUpstream, opt.Own)
	s.origins = newOrigins(s.dial.DialContext)
	s.origins.roots = opt.OriginRoots
	if opt.ReadTimeout > 0 {
		s.origins.readTimeout = opt.ReadTimeout
	}
	if s.opt.WriteTimeout <= 0 {
		s.opt.WriteTimeout = defaultWriteTimeout
	}
	s.noDecrypt = newPassList()
	s.kill = newKillSwitches(opt.KillSwitches)
	s.pacer = newGCPacer(opt.GCHeadroom, opt.Log)
	s.hold = &holdBudget{limit: opt.HoldBudget}
	if s.hold.limit <= 0 {
		s.hold.limit = defaultHoldBudget
	}
	return s
}

// handle dispatches one request: client check, then CONNECT or forward.
func (s *Server) handle(w http.ResponseWriter, r *http.Request, ci *connInfo) {
	if !s.opt.Chain.ClientAllowed(ci.client.Addr()) {
		s.refuse(w, r, ci)
		return
	}
	if r.Method == http.MethodConnect {
		s.connect(w, r, ci)
		return
	}
	if !r.URL.IsAbs() {
		// Origin-form: someone took the proxy for a web server.
		http.Error(w, "honeygate: this is a forward proxy; send absolute-form requests", http.StatusBadRequest)
		return
	}
	if r.URL.Scheme != "http" {
		http.Error(w, "honeygate: only http:// URLs are forwarded; use CONNECT for https", http.StatusBadRequest)
		return
	}
	s.forward(w, r, ci)
}

// refuse answers a client outside client_cidrs, reporting it at most once a
// minute per address and within the throttle's overall cap, so a scanner
// cannot flood the event stream.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, ci *connInfo) {
	s.opt.Metrics.Observe(gateway.EnforcerProxy, gateway.Decision{Verdict: gateway.Refused, Reason: gateway.ReasonClientRefused})
	w.Header().Set("Connection", "close")
	http.Error(w, "honeygate: your network may not use this proxy", http.StatusForbidden)
	if s.refused.Allow(ci.client.Addr()) {
		host := r.URL.Hostname()
		if r.Method == http.MethodConnect {
			host, _, _ = net.SplitHostPort(r.Host)
		}
		s.record(&gateway.Block{Kind: gateway.KindBlock, Client: ci.client, Host: host, Port: destPort(r), URL: urlString(r),
			Ref: gateway.NewRef(), Action: gateway.ActionRefuse, Reason: gateway.ReasonClientRefused})
	} else {
		s.opt.Metrics.Suppressed(gateway.EnforcerProxy)
	}
}

func (s *Server) record(b *gateway.Block) {
	if s.opt.Recorder == nil {
		return
	}
	b.Time = time.Now().UTC()
	b.Enforcer = "proxy"
	s.opt.Recorder.Record(b)
}

// destPort is the port a request is for, for the block record: a
// CONNECT's port, else the URL's, else the scheme's (80, 443); 0 if none.
func destPort(r *http.Request) int {
	port := r.URL.Port()
	if r.Method == http.MethodConnect {
		_, port, _ = net.SplitHostPort(r.Host)
	}
	if p, err := strconv.Atoi(port); err == nil && p > 0 && p <= 65535 {
		return p
	}
	switch r.URL.Scheme {
	case "http":
		return 80
	case "https":
		return 443
	}
	return 0
}

func urlString(r *http.Request) string {
	if r.Method == http.MethodConnect || !r.URL.IsAbs() {
		return ""
	}
	return r.URL.String()
}

// badGateway answers a failed origin request; a forbidden destination is
// 403, a refused or unreachable origin 502, a timeout 504.
func (s *Server) badGateway(w http.ResponseWriter, err error) {
	var ne net.Error
	switch {
	case errors.Is(err, errForbiddenDest):
		http.Error(w, "honeygate: "+err.Error(), http.StatusForbidden)
	case errors.As(err, &ne) && ne.Timeout():
		http.Error(w, "honeygate: origin timed out", http.StatusGatewayTimeout)
	default:
		msg := err.Error()
		if i := strings.LastIndex(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
		http.Error(w, "honeygate: origin unreachable: "+msg, http.StatusBadGateway)
	}
}
