package proxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// Plain HTTP inside a CONNECT tunnel (curl -p, some libraries) used to be
// spliced through unread: a listed URL reached and a listed file fetched,
// neither judged. A tunnel whose first bytes are not a TLS ClientHello is
// therefore read as HTTP/1.1 and each request in it goes through the same
// forward path as a proxied plain-HTTP request (URL judged, download
// hashed, block page), to the tunnel's host and port. What is neither TLS
// nor HTTP (SSH, a raw protocol) is refused with a 400 in the tunnel: it
// could not be judged, and the gateway fails closed.
//
// A request in the tunnel must name the tunnel's host (its Host field, or
// an absolute-form target): otherwise a client could tunnel to one name's
// address and ask its server, by Host, for a listed site that shares it.

var errTunnelHost = errors.New("a request in a CONNECT tunnel must be for the tunnel's host")

// plainInTunnel serves HTTP requests read from r (the tunnel's client side,
// buffered bytes first) through the forward path to hostport, whose host
// part is host, as a client connection's requests are served.
func (s *Server) plainInTunnel(conn net.Conn, r io.Reader, host, hostport string, ci *connInfo) {
	lim := &headLimit{r: r, n: -1}
	br := bufio.NewReaderSize(lim, 16<<10)
	dw := &deadlineWriter{c: conn, timeout: s.opt.WriteTimeout}
	bw := bufio.NewWriterSize(dw, 16<<10)
	ctx := context.WithValue(s.baseCtx, ctxKey{}, ci)
	remote := conn.RemoteAddr().String()
	for first := true; ; first = false {
		if !first {
			_ = conn.SetReadDeadline(time.Now().Add(idleTimeout))
			if _, err := br.Peek(1); err != nil {
				return
			}
		}
		_ = conn.SetReadDeadline(time.Now().Add(readHeaderTimeout))
		lim.set(maxRequestHead)
		req, err := http.ReadRequest(br)
		lim.set(-1)
		_ = conn.SetReadDeadline(time.Time{})
		if err == nil && (req.Method == http.MethodConnect || !sameHost(req.Host, host)) {
			err = errTunnelHost
		}
		if err != nil {
			s.log.Info("proxy: tunnel refused: not TLS and not an HTTP request for its host", "client", remote, "host", hostport, "err", err)
			fmt.Fprintf(conn, "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"+
				"honeygate: a CONNECT tunnel carries TLS, or plain HTTP requests for the tunnel's host, and nothing else\n")
			return
		}
		req.URL.Scheme, req.URL.Host = "http", hostport
		req.RemoteAddr = remote
		req = req.WithContext(ctx)
		if !s.serveInner(conn, br, bw, dw, req, ci) {
			return
		}
	}
}

// sameHost reports whether a Host field (with or without a port) names host.
func sameHost(field, host string) bool {
	h := field
	if hh, _, err := net.SplitHostPort(field); err == nil {
		h = hh
	}
	h = strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"), ".")
	return h != "" && strings.EqualFold(h, strings.TrimSuffix(host, "."))
}

// serveInner answers one request read from inside a tunnel (plain HTTP, or
// decrypted TLS) on conn, through the same forward path as a proxied
// request, and reports whether the connection may carry another: not after
// a hijack, a write error, a close asked by either side, or a request body
// too long to drain.
func (s *Server) serveInner(conn net.Conn, br *bufio.Reader, bw *bufio.Writer, dw *deadlineWriter, req *http.Request, ci *connInfo) bool {
	if req.Body != http.NoBody {
		// As on a client connection: silent for the read timeout, the
		// body is cut (engine.go, clientBody).
		var deadline time.Time
		req.Body = &clientBody{rc: req.Body, c: conn, timeout: s.origins.readTimeout, deadline: &deadline}
	}
	w := &respWriter{conn: conn, br: br, bw: bw, dw: dw, req: req, header: make(http.Header, 8)}
	s.forward(w, req, ci)
	if w.hijacked {
		return false
	}
	if err := w.finish(); err != nil || w.closeAfter || req.Close {
		return false
	}
	_, err := io.CopyN(io.Discard, req.Body, maxDrain)
	return err == io.EOF
}
