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
	refused map[string]bool // URLs (and CONNECT hosts) refused, so the engine can say why a load failed
	bodies  *bodyLog        // plain-HTTP documents and scripts as passed on
}

// refusedHeader marks a proxy answer that refused a private destination.
const refusedHeader = "X-Honeygate-Refused"

func startGuardProxy(g *Guard, allowPrivate bool, bodies *bodyLog, log *slog.Logger) (*guardProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	if ap, err := netip.ParseAddrPort(ln.Addr().String()); err == nil {
		g.addSelf(ap)
	}
	p := &guardProxy{guard: g, allowPrivate: allowPrivate, ln: ln, log: log, bodies: bodies, conns: map[net.Conn]struct{}{}, refused: map[string]bool{}}
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
	if errors.Is(err, ErrPrivateAddress) {
		p.mu.Lock()
		if len(p.refused) > 10000 {
			clear(p.refused)
		}
		p.refused[what] = true
		p.mu.Unlock()
		w.Header().Set(refusedHeader, "1")
		http.Error(w, "honeygate: "+ErrPrivateAddress.Error(), http.StatusForbidden)
		return
	}
	http.Error(w, "honeygate proxy: "+errText(err), http.StatusBadGateway)
}

func (p *guardProxy) tunnel(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	up, err := p.dial(ctx, "tcp", r.Host)
	cancel()
	if err != nil {
		p.fail(w, r.Host, err)
		return
	}
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
	if p.refused[raw] {
		return true
	}
	if u, err := url.Parse(raw); err == nil && u.Scheme != "http" {
		port := u.Port()
		if port == "" {
			port = "443"
		}
		return p.refused[net.JoinHostPort(u.Hostname(), port)]
	}
	return false
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
