package crawl

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"
)

// guardProxy is the HTTP proxy the browser engine sends all its traffic
// through: Chromium resolves and connects by itself, so the only place
// where the crawler can check the address it really connects to is a proxy
// that dials through the Guard. It forwards plain HTTP and tunnels CONNECT
// (HTTPS and WebSockets), refusing private destinations with a 403 that
// names the reason.
type guardProxy struct {
	guard        *Guard
	allowPrivate bool
	tr           *http.Transport
	srv          *http.Server
	ln           net.Listener
	log          *slog.Logger

	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	refused map[string]bool   // URLs (and CONNECT hosts) refused, so the engine can say why a load failed
	failed  map[string]string // URLs (and CONNECT hosts) not reached, with why (refusals included)
	bodies  *bodyLog          // plain-HTTP documents and scripts as passed on
}

// refusedHeader marks a proxy answer that refused a private destination.
const refusedHeader = "X-Honeygate-Refused"

// failedHeader marks an answer the proxy made up because it did not reach
// the destination (refused, connection refused, no such host, timed out),
// with the reason: the browser renders the proxy's error page as if it were
// the site's, and the engine must not take it for the site.
const failedHeader = "X-Honeygate-Proxy-Error"

func startGuardProxy(g *Guard, allowPrivate bool, bodies *bodyLog, log *slog.Logger) (*guardProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	if ap, err := netip.ParseAddrPort(ln.Addr().String()); err == nil {
		g.addSelf(ap)
	}
	p := &guardProxy{guard: g, allowPrivate: allowPrivate, ln: ln, log: log, bodies: bodies, conns: map[net.Conn]struct{}{}, refused: map[string]bool{}, failed: map[string]string{}}
	p.tr = &http.Transport{
		DialContext:            p.dial,
		MaxIdleConnsPerHost:    8,
		IdleConnTimeout:        30 * time.Second,
		ResponseHeaderTimeout:  20 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
		DisableCompression:     true, // pass the encoding through to the browser
	}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go p.srv.Serve(ln) //nolint:errcheck // ends with Close
	return p, nil
}

func (p *guardProxy) URL() string { return "http://" + p.ln.Addr().String() }

func (p *guardProxy) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if p.allowPrivate {
		ctx = WithPrivateAllowed(ctx)
	}
	return p.guard.DialContext(ctx, network, addr)
}

func (p *guardProxy) Close() {
	p.srv.Close()
	p.tr.CloseIdleConnections()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
}

var hopHeaders = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

func (p *guardProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		p.tunnel(w, r)
		return
	}
	if r.URL.Scheme != "http" || r.URL.Host == "" {
		http.Error(w, "honeygate proxy: not a proxy request", http.StatusBadRequest)
		return
	}
	out := r.Clone(r.Context())
	out.RequestURI = ""
	for _, h := range hopHeaders {
		out.Header.Del(h)
	}
	resp, err := p.tr.RoundTrip(out)
	if err != nil {
		p.fail(w, r.URL.String(), err)
		return
	}
	p.reached(r.URL.String())
	defer resp.Body.Close()
	for _, h := range hopHeaders {
		resp.Header.Del(h)
	}
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	enc := resp.Header.Get("Content-Encoding")
	if !p.bodies.wants(resp.StatusCode, resp.Header.Get("Content-Type"), enc) {
		io.Copy(w, resp.Body) //nolint:errcheck // the browser sees a short body
		return
	}
	if raw, whole, _ := teeBounded(w, resp.Body, p.bodies.maxBody); whole {
		p.bodies.put(r.URL.String(), raw, enc)
	}
}

func (p *guardProxy) fail(w http.ResponseWriter, what string, err error) {
	reason := errText(err)
	private := errors.Is(err, ErrPrivateAddress)
	p.mu.Lock()
	if len(p.failed) > 10000 {
		clear(p.refused)
		clear(p.failed)
	}
	if private {
		p.refused[what] = true
	}
	p.failed[what] = reason
	p.mu.Unlock()
	w.Header().Set(failedHeader, headerSafe(reason))
	if private {
		w.Header().Set(refusedHeader, "1")
		http.Error(w, "honeygate: "+reason, http.StatusForbidden)
		return
	}
	http.Error(w, "honeygate proxy: "+reason, http.StatusBadGateway)
}

// reached forgets an earlier failure to reach what (a URL, or a CONNECT
// host), so that a later visit's error is not put down to it.
func (p *guardProxy) reached(what string) {
	p.mu.Lock()
	if len(p.failed) > 0 {
		delete(p.failed, what)
		delete(p.refused, what)
	}
	p.mu.Unlock()
}

// headerSafe keeps s to what a header value may hold.
func headerSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

func (p *guardProxy) tunnel(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	up, err := p.dial(ctx, "tcp", r.Host)
	cancel()
	if err != nil {
		p.fail(w, r.Host, err)
		return
	}
	p.reached(r.Host)
	hj, ok := w.(http.Hijacker)
	if !ok {
		up.Close()
		http.Error(w, "honeygate proxy: cannot tunnel", http.StatusInternalServerError)
		return
	}
	down, buf, err := hj.Hijack()
	if err != nil {
		up.Close()
		return
	}
	p.track(up, true)
	p.track(down, true)
	defer p.track(up, false)
	defer p.track(down, false)
	if _, err := down.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
		up.Close()
		down.Close()
		return
	}
	// A tunnel lives at most as long as a visit may.
	deadline := time.Now().Add(2 * time.Minute)
	up.SetDeadline(deadline)
	down.SetDeadline(deadline)
	done := make(chan struct{}, 2)
	go func() {
		if n := buf.Reader.Buffered(); n > 0 {
			b, _ := buf.Reader.Peek(n)
			up.Write(b) //nolint:errcheck // the copy below sees the error
		}
		io.Copy(up, down) //nolint:errcheck // either side may end it
		closeWrite(up)
		done <- struct{}{}
	}()
	go func() {
		io.Copy(down, up) //nolint:errcheck // either side may end it
		closeWrite(down)
		done <- struct{}{}
	}()
	<-done
	<-done
	up.Close()
	down.Close()
}

func closeWrite(c net.Conn) {
	if tc, ok := c.(interface{ CloseWrite() error }); ok {
		tc.CloseWrite() //nolint:errcheck // best effort
	}
}

func (p *guardProxy) track(c net.Conn, add bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if add {
		p.conns[c] = struct{}{}
	} else {
		delete(p.conns, c)
	}
}

// wasRefused reports whether the proxy refused raw (or its host, tunnelled).
func (p *guardProxy) wasRefused(raw string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refused[raw] || p.refused[tunnelKey(raw)]
}

// failure is why the proxy did not reach raw (or its host, tunnelled), or
// "" when it did or was never asked.
func (p *guardProxy) failure(raw string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r, ok := p.failed[raw]; ok {
		return r
	}
	return p.failed[tunnelKey(raw)]
}

// tunnelKey is the CONNECT host:port a request for raw goes through, or ""
// for plain HTTP (which the proxy records by URL).
func tunnelKey(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "http" {
		return ""
	}
	port := u.Port()
	if port == "" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// proxyFailure is the reason a proxy answer carries when the proxy made it
// up (see failedHeader), or "".
func proxyFailure(h map[string]string) string {
	for k, v := range h {
		if strings.EqualFold(k, failedHeader) {
			return v
		}
	}
	return ""
}

// isRefused reports whether a proxy answer is a refusal of a private address.
func isRefused(h map[string]string) bool {
	for k := range h {
		if strings.EqualFold(k, refusedHeader) {
			return true
		}
	}
	return false
}
