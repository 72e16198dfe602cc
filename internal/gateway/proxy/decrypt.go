package proxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/honeygate/honeygate/internal/gateway"
)

// The decrypting mode, block-only (docs/gateway.md): a blocked HTTPS
// connection from a network whose users installed the gateway CA is
// terminated here with a certificate minted for the name, and its request is
// answered with the block page. Allowed connections are never decrypted.

// decryptTimeout bounds the handshake and the one request.
const decryptTimeout = 30 * time.Second

// blockInTLS answers one request inside TLS with the block page and closes.
// r reads what the client sent, starting with its ClientHello. A client
// without the CA fails the handshake and sees a TLS error, as without the
// mode.
func (s *Server) blockInTLS(conn net.Conn, r io.Reader, name string, hit gateway.Hit, ref string) {
	_ = conn.SetDeadline(time.Now().Add(decryptTimeout))
	tc := tls.Server(&readerConn{Conn: conn, r: r}, &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"},
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			n := hello.ServerName
			if n == "" {
				n = name
			}
			return s.opt.CA.leaf(n)
		},
	})
	defer tc.Close()
	if err := tc.Handshake(); err != nil {
		return
	}
	br := bufio.NewReader(tc)
	bw := bufio.NewWriter(tc)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	req.Close = true
	host := tc.ConnectionState().ServerName
	if host == "" {
		host = name
	}
	w := &respWriter{conn: tc, br: br, bw: bw, req: req, header: make(http.Header)}
	writeBlockPage(w, req, "https://"+host+req.URL.RequestURI(), hit, ref)
	_ = w.finish()
}

// readerConn is a net.Conn whose reads come from r (buffered bytes first).
type readerConn struct {
	net.Conn
	r io.Reader
}

func (c *readerConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// decryptAll serves a tunnel of a network that decrypts everything: TLS is
// terminated with a leaf for name, and each request inside goes through
// the same forward path as plain HTTP (URL matching, block page, download
// hashing) to the origin at hostport over TLS. A client that refuses the
// CA is remembered and passed through undecrypted from then on.
func (s *Server) decryptAll(conn net.Conn, r io.Reader, name, hostport string, ci *connInfo) {
	_ = conn.SetDeadline(time.Now().Add(decryptTimeout))
	tc := tls.Server(&readerConn{Conn: conn, r: r}, &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"},
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			return s.opt.CA.leaf(name)
		},
	})
	defer tc.Close()
	if err := tc.Handshake(); err != nil {
		s.noDecrypt.add(ci.client.Addr(), name)
		return
	}
	_ = conn.SetDeadline(time.Time{})
	br := bufio.NewReaderSize(tc, 16<<10)
	dw := &deadlineWriter{c: tc, timeout: s.opt.WriteTimeout}
	bw := bufio.NewWriterSize(dw, 16<<10)
	ctx := context.WithValue(s.baseCtx, ctxKey{}, ci)
	for {
		_ = tc.SetReadDeadline(time.Now().Add(idleTimeout))
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		_ = tc.SetReadDeadline(time.Time{})
		req.URL.Scheme, req.URL.Host = "https", hostport
		if req.Host == "" {
			req.Host = name
		}
		req.RemoteAddr = conn.RemoteAddr().String()
		req = req.WithContext(ctx)
		if !s.serveInner(tc, br, bw, dw, req, ci) {
			return
		}
	}
}

// passList remembers (client, name) pairs for an hour, bounded.
type passList struct {
	mu sync.Mutex
	m  map[passKey]time.Time
}

type passKey struct {
	client netip.Addr
	name   string
}

func newPassList() *passList { return &passList{m: map[passKey]time.Time{}} }

func (p *passList) add(client netip.Addr, name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.m) > 100000 {
		clear(p.m)
	}
	p.m[passKey{client, name}] = time.Now().Add(time.Hour)
}

func (p *passList) has(client netip.Addr, name string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	until, ok := p.m[passKey{client, name}]
	return ok && time.Now().Before(until)
}
