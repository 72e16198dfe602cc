package proxy

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
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
