package proxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// origins is the pool of keep-alive connections to origin servers. It does
// what http.Transport does for a proxy and no more, on the requesting
// goroutine: one write and one read per request, no per-connection
// goroutines or channel hand-offs, which at proxy rates is most of the
// difference to a C proxy.
type origins struct {
	dial        func(ctx context.Context, network, addr string) (net.Conn, error)
	maxIdle     int // per host
	idleTimeout time.Duration
	// readTimeout bounds the wait for each read of a response body (an
	// origin that sends its head and stalls); see bodyDeadline.
	readTimeout time.Duration
	// headerTimeout bounds a request's send and its response head's wait
	// (originHeaderTimeout; tests shorten it).
	headerTimeout time.Duration

	// roots verify origins reached over TLS (decrypt: all); nil: the system's.
	roots *x509.CertPool

	mu   sync.Mutex
	idle map[string][]*originConn
	shut bool
	// reaping: a sweep of expired idle connections is scheduled (reap).
	reaping bool
}

type originConn struct {
	c        net.Conn
	lim      *headLimit
	br       *bufio.Reader
	bw       *bufio.Writer
	key      string
	scheme   string // the URL's scheme and host (as the request spelled
	host     string // it) the connection was last used for
	idleFrom time.Time
	reused   bool
	// deadline is the deadline set on c (zero: none), so that it is set
	// only when it must change.
	deadline time.Time
	// headerTimeout is the pool's (origins.headerTimeout).
	headerTimeout time.Duration
}

const (
	originHeaderTimeout = 2 * time.Minute
	maxResponseHeader   = 64 << 10
)

func newOrigins(dial func(ctx context.Context, network, addr string) (net.Conn, error)) *origins {
	return &origins{dial: dial, maxIdle: 1024, idleTimeout: 90 * time.Second, readTimeout: defaultReadTimeout, headerTimeout: originHeaderTimeout, idle: map[string][]*originConn{}}
}

func (o *origins) get(ctx context.Context, key string) (*originConn, error) {
	now := time.Now()
	o.mu.Lock()
	for l := o.idle[key]; len(l) > 0; l = o.idle[key] {
		oc := l[len(l)-1]
		l[len(l)-1] = nil
		if o.idle[key] = l[:len(l)-1]; len(l) == 1 {
			delete(o.idle, key)
		}
		if now.Sub(oc.idleFrom) < o.idleTimeout {
			o.mu.Unlock()
			oc.reused = true
			return oc, nil
		}
		oc.c.Close()
	}
	o.mu.Unlock()
	scheme, hostport, _ := strings.Cut(key, "://")
	c, err := o.dial(ctx, "tcp", hostport)
	if err != nil {
		return nil, err
	}
	if scheme == "https" {
		// The origin is verified as a browser would; a failure is the
		// client's error page, never a silently trusted origin.
		host, _, _ := net.SplitHostPort(hostport)
		tc := tls.Client(c, &tls.Config{ServerName: host, RootCAs: o.roots, NextProtos: []string{"http/1.1"}, MinVersion: tls.VersionTLS12})
		hctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("origin TLS: %w", err)
		}
		c = tc
	}
	rw := newRawIO(c)
	lim := &headLimit{r: rw}
	return &originConn{c: c, lim: lim, br: bufio.NewReaderSize(lim, 16<<10), bw: bufio.NewWriterSize(rw, 16<<10), key: key,
		headerTimeout: o.headerTimeout}, nil
}

func (o *origins) put(oc *originConn) {
	oc.idleFrom = time.Now()
	o.mu.Lock()
	if o.shut || len(o.idle[oc.key]) >= o.maxIdle {
		o.mu.Unlock()
		oc.c.Close()
		return
	}
	o.idle[oc.key] = append(o.idle[oc.key], oc)
	if !o.reaping {
		o.reaping = true
		time.AfterFunc(o.idleTimeout/2, o.reap)
	}
	o.mu.Unlock()
}

// reap closes the idle connections past the idle timeout and drops hosts
// left with none. get only expires a connection of the host it is asked
// for, so without a sweep a connection to a host never asked again (most
// of an ISP's hosts) would keep its socket, and its key, for good. The
// sweep runs every half timeout while anything is idle: a connection lives
// at most one and a half timeouts unused.
func (o *origins) reap() {
	now := time.Now()
	var expired []*originConn
	o.mu.Lock()
	o.reaping = false
	for k, l := range o.idle {
		keep := l[:0]
		for _, oc := range l {
			if now.Sub(oc.idleFrom) >= o.idleTimeout {
				expired = append(expired, oc)
			} else {
				keep = append(keep, oc)
			}
		}
		clear(l[len(keep):])
		if len(keep) == 0 {
			delete(o.idle, k)
		} else {
			o.idle[k] = keep
		}
	}
	if len(o.idle) > 0 && !o.shut {
		o.reaping = true
		time.AfterFunc(o.idleTimeout/2, o.reap)
	}
	o.mu.Unlock()
	for _, oc := range expired {
		oc.c.Close()
	}
}

// closeIdle closes every idle connection; after it the pool keeps none.
func (o *origins) closeIdle() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.shut = true
	for k, l := range o.idle {
		for _, oc := range l {
			oc.c.Close()
		}
		delete(o.idle, k)
	}
}

// roundTrip sends req (origin-form on the wire) and reads the response
// head. A reused connection that the origin had closed meanwhile is retried
// once on a new one when nothing of the request body can have been lost.
//
// The connection a client's last request used is kept for that client
// (ci.origin) rather than given back to the pool: a keep-alive client
// mostly asks the same origin again, and then takes it with no lock, map
// or key. Another origin's request puts it back in the pool; the client's
// end does too (release).
func (o *origins) roundTrip(req *http.Request, ci *connInfo) (*http.Response, error) {
	var oc *originConn
	if prev := ci.origin; prev != nil {
		ci.origin = nil
		if prev.scheme == req.URL.Scheme && prev.host == req.URL.Host && time.Since(prev.idleFrom) < o.idleTimeout {
			oc, prev.reused = prev, true
		} else {
			o.put(prev)
		}
	}
	var key string
	for attempt := 0; ; attempt++ {
		if oc == nil {
			if key == "" {
				key = originKey(req.URL)
			}
			var err error
			if oc, err = o.get(req.Context(), key); err != nil {
				return nil, err
			}
		}
		oc.scheme, oc.host = req.URL.Scheme, req.URL.Host
		resp, err := oc.exchange(req)
		if err == nil {
			o.wrapBody(oc, req, resp, ci)
			return resp, nil
		}
		oc.c.Close()
		if !oc.reused || attempt > 0 || (req.Body != nil && req.Body != http.NoBody) {
			return nil, err
		}
		oc = nil
	}
}

// originKey is the pool's key for u: scheme://host:port, port explicit.
func originKey(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return u.Scheme + "://" + net.JoinHostPort(u.Hostname(), port)
}

// release gives the connection kept for a client back to the pool, when
// the client's connection ends.
func (o *origins) release(ci *connInfo) {
	if oc := ci.origin; oc != nil {
		ci.origin = nil
		o.put(oc)
	}
}

// done is where a connection goes once its response was read whole: kept
// for the client that used it, or back to the pool.
func (o *origins) done(oc *originConn, ci *connInfo) {
	if ci != nil && ci.origin == nil {
		oc.idleFrom = time.Now()
		ci.origin = oc
		return
	}
	o.put(oc)
}

func (oc *originConn) exchange(req *http.Request) (*http.Response, error) {
	// One deadline for sending the request and reading the response head;
	// moved only when it is more than a second off, and left in place for
	// a body already buffered (originBody sets the body's own otherwise).
	oc.setDeadline(time.Now().Add(oc.headerTimeout), time.Second)
	var err error
	if leanWritable(req) {
		err = writeLean(oc.bw, req)
	} else {
		err = writeNetHTTP(oc.bw, req, oc)
	}
	if err == nil {
		err = oc.bw.Flush()
	}
	if err != nil {
		if resp := oc.earlyResponse(req, err); resp != nil {
			return resp, nil
		}
		return nil, err
	}
	oc.lim.set(maxResponseHeader)
	resp, err := readResponse(oc.br, req)
	oc.lim.set(-1)
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// earlyResponse reads the answer an origin sent before it stopped taking
// the request's body (werr, a failed write to it): nginx's 413 for a body
// over its limit, a 401 or a redirect before an upload, a 501. The client
// is owed that answer, as Squid and Go's Transport relay it, not a 502. nil
// when there is none, or when the request had no body or the error was not
// the origin's (the client's body failing to arrive).
func (oc *originConn) earlyResponse(req *http.Request, werr error) *http.Response {
	var ce clientBodyError
	if req.Body == nil || req.Body == http.NoBody || errors.As(werr, &ce) {
		return nil
	}
	// Sent already, or never: the origin stopped reading.
	oc.setDeadline(time.Now().Add(time.Second), 0)
	oc.lim.set(maxResponseHeader)
	resp, err := readResponse(oc.br, req)
	oc.lim.set(-1)
	if err != nil || resp.StatusCode == http.StatusSwitchingProtocols {
		return nil
	}
	resp.Close = true // the origin is closing: never pooled
	return resp
}

// writeNetHTTP writes req (head and body) with net/http, as a forward
// proxy sends it on: origin-form, keep-alive, no User-Agent of Go's own.
// The body is sent through sendingBody, for oc (nil: no deadline to move).
func writeNetHTTP(w io.Writer, req *http.Request, oc *originConn) error {
	out := *req // shallow: the header map is the request's, ours to edit
	out.RequestURI = ""
	out.Close = false
	var sb *sendingBody
	if req.ContentLength == 0 {
		out.Body = nil // no body: lets a stale pooled connection be retried
	} else if out.Body != nil && out.Body != http.NoBody {
		sb = &sendingBody{r: out.Body, oc: oc}
		out.Body = sb
	}
	if _, ok := out.Header["User-Agent"]; !ok {
		out.Header["User-Agent"] = []string{""} // Go's own would be added
	}
	err := out.Write(w)
	if err != nil && sb != nil && sb.err != nil {
		// net/http cannot tell a failed read of the body from a failed
		// write to the origin (its copy writes through ReadFrom); the
		// body can.
		return clientBodyError{sb.err}
	}
	return err
}

// clientBodyError is a request body that failed to arrive from the client,
// as opposed to the origin failing to take it. Like net/http's own, it
// does not unwrap: a client's slow body is no origin timeout (504).
type clientBodyError struct{ err error }

func (e clientBodyError) Error() string { return e.err.Error() }

// sendingBody is a client's request body as it is sent to the origin.
//
// Its Close does nothing: Request.Write closes the body it sent, but the
// client's body must stay open, so that the connection loop can read its
// end and keep the connection (and the requests pipelined behind it).
//
// Each read moves the origin connection's deadline (set for the head by
// exchange) a header timeout on: an upload from a slow uplink may take
// longer than that and still move, and only a client silent for that long
// cuts it. The deadline moves at most once a second (setDeadline).
type sendingBody struct {
	r   io.Reader
	oc  *originConn
	err error // the first read error other than io.EOF
}

func (b *sendingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	if b.oc != nil && n > 0 {
		b.oc.setDeadline(time.Now().Add(b.oc.headerTimeout), time.Second)
	}
	return n, err
}

func (b *sendingBody) Close() error { return nil }

// setDeadline sets d as the connection's deadline unless the one set is
// within slack of it: setting one is a runtime timer operation, too dear
// for every read of a streaming body or every request of a keep-alive
// connection.
func (oc *originConn) setDeadline(d time.Time, slack time.Duration) {
	if oc.deadline.IsZero() || d.Sub(oc.deadline) > slack || oc.deadline.Sub(d) > slack {
		_ = oc.c.SetDeadline(d)
		oc.deadline = d
	}
}

// clearDeadline drops the deadline (an upgraded connection sets none).
func (oc *originConn) clearDeadline() {
	if !oc.deadline.IsZero() {
		_ = oc.c.SetDeadline(time.Time{})
		oc.deadline = time.Time{}
	}
}

// bodyDeadline readies a body read: the origin has timeout (the proxy's
// read_timeout) to send its next byte, or the read fails and the
// connection is closed. A body may stream for hours; only silence ends it.
// The deadline moves once per slack (a second, less for a short timeout),
// so the idle limit is timeout minus at most slack.
func (oc *originConn) bodyDeadline(timeout time.Duration) {
	oc.setDeadline(time.Now().Add(timeout), min(time.Second, timeout/16))
}

// readResponse reads a response head, skipping 1xx interim responses other
// than 101 (100 Continue is answered by the proxy itself; 103 hints are
// dropped).
func readResponse(br *bufio.Reader, req *http.Request) (*http.Response, error) {
	for {
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			return resp, nil
		}
		resp.Body.Close()
	}
}

// wrapBody makes resp.Body hand the connection back to the pool at EOF, or
// close it when the body is abandoned; a 101 turns the connection into the
// body (read and write), as net/http does for upgrades.
func (o *origins) wrapBody(oc *originConn, req *http.Request, resp *http.Response, ci *connInfo) {
	if resp.StatusCode == http.StatusSwitchingProtocols {
		oc.clearDeadline()
		resp.Body = &upgradedConn{oc: oc}
		return
	}
	reuse := !resp.Close
	if resp.Body == http.NoBody || resp.Body == nil {
		if reuse {
			o.done(oc, ci)
		} else {
			oc.c.Close()
		}
		resp.Body = http.NoBody
		return
	}
	resp.Body = &originBody{rc: resp.Body, oc: oc, pool: o, reuse: reuse, ci: ci,
		small: resp.ContentLength >= 0 && resp.ContentLength <= int64(oc.br.Buffered())}
}

type originBody struct {
	rc    io.ReadCloser
	oc    *originConn
	pool  *origins
	ci    *connInfo
	reuse bool
	done  bool
	// small: the whole body is already buffered, so reading it cannot
	// wait on the origin and the head's deadline may stay.
	small bool
}

func (b *originBody) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	if !b.small {
		b.oc.bodyDeadline(b.pool.readTimeout)
	}
	n, err := b.rc.Read(p)
	if err == io.EOF {
		b.done = true
		if b.reuse {
			b.pool.done(b.oc, b.ci)
		} else {
			b.oc.c.Close()
		}
	} else if err != nil {
		b.done = true
		b.oc.c.Close()
	}
	return n, err
}

func (b *originBody) Close() error {
	if !b.done {
		b.done = true
		b.oc.c.Close()
	}
	return nil
}

// upgradedConn is an origin connection after 101 Switching Protocols.
type upgradedConn struct{ oc *originConn }

func (u *upgradedConn) Read(p []byte) (int, error)  { return u.oc.br.Read(p) }
func (u *upgradedConn) Write(p []byte) (int, error) { return u.oc.c.Write(p) }
func (u *upgradedConn) Close() error                { return u.oc.c.Close() }
func (u *upgradedConn) CloseWrite() error {
	if cw, ok := u.oc.c.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}

// headLimit bounds what a message head may read from the connection (the
// bufio reader above it reads ahead, so the bound is approximate by one
// buffer); n < 0 means no bound, while a body streams.
type headLimit struct {
	r io.Reader
	n int64
}

var errHeadTooLarge = errors.New("message head too large")

func (l *headLimit) set(n int64) { l.n = n }

func (l *headLimit) Read(p []byte) (int, error) {
	if l.n < 0 {
		return l.r.Read(p)
	}
	if l.n == 0 {
		return 0, errHeadTooLarge
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}
