package proxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/honeygate/honeygate/internal/gateway"
)

// peekTimeout bounds how long a tunnel waits for the client's first bytes;
// tunnelLinger how long it stays up for the client after the origin ended.
const (
	peekTimeout  = 15 * time.Second
	tunnelLinger = 10 * time.Second
)

// tlsAccessDenied is a fatal TLS alert record, access_denied (RFC 8446 6.2):
// after the 200 has been sent, an SNI block can no longer be a 403, so the
// client's TLS stack reports "access denied" instead.
var tlsAccessDenied = []byte{0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 49}

var peekPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, maxClientHello+5) }}

// connect handles CONNECT: judge the host, dial, answer 200, peek the
// ClientHello and judge its SNI, then splice the two connections.
func (s *Server) connect(w http.ResponseWriter, r *http.Request, ci *connInfo) {
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		http.Error(w, "honeygate: CONNECT needs host:port", http.StatusBadRequest)
		return
	}
	kill := s.killSwitch(ci, host, "", destPort(r), nil) // passed, never judged
	d := gateway.Decision{Verdict: gateway.Allowed}
	if !kill {
		d = s.opt.Chain.Decide(&gateway.Query{Client: ci.client.Addr(), Host: host})
		s.opt.Metrics.Observe(gateway.EnforcerProxy, d)
	}
	if d.Verdict != gateway.Allowed {
		ref := gateway.NewRef()
		s.record(&gateway.Block{Kind: gateway.KindBlock, Client: ci.client, Host: host, Port: destPort(r), Hit: d.Hit, Ref: ref,
			Action: gateway.ActionBlock, Reason: d.Reason, Policy: d.Policy})
		if d.Decrypt && s.opt.CA != nil {
			conn, brw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
				return
			}
			s.blockInTLS(conn, brw.Reader, host, d.Hit, ref)
			return
		}
		w.Header().Set("X-Honeygate-Ref", ref)
		http.Error(w, "honeygate: blocked ("+d.Hit.Category+", reference "+ref+")", http.StatusForbidden)
		return
	}
	// The port after intel: a listed host is recorded as a block whatever
	// port it was asked on (an infected client's C2 on 8080 is evidence).
	if port := destPort(r); !s.connectPortAllowed(port) {
		s.refusePort(w, ci, host, port)
		return
	}
	up, err := s.dial.DialContext(r.Context(), "tcp", r.Host)
	if err != nil {
		s.badGateway(w, err)
		return
	}
	defer up.Close()
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	s.tunnels.Add(1)
	defer s.tunnels.Done()
	if _, err := io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}

	// Everything the client sends goes through br: first what net/http had
	// already buffered, then the connection.
	br := peekPool.Get().(*bufio.Reader)
	defer peekPool.Put(br)
	var src io.Reader = conn
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		src = io.MultiReader(bytesReader(b), conn)
	}
	br.Reset(src)
	defer br.Reset(nil)

	_ = conn.SetReadDeadline(time.Now().Add(peekTimeout))
	sni, _, perr := safePeek(br)
	_ = conn.SetReadDeadline(time.Time{})
	switch {
	case perr == nil && sni != "" && !kill && !s.killSwitch(ci, host, sni, destPort(r), nil):
		d := s.opt.Chain.Decide(&gateway.Query{Client: ci.client.Addr(), SNI: sni})
		if d.Verdict != gateway.Allowed {
			s.opt.Metrics.Observe(gateway.EnforcerProxy, d) // the host's decision was counted as allowed
			ref := gateway.NewRef()
			s.record(&gateway.Block{Kind: gateway.KindBlock, Client: ci.client, Host: host, Port: destPort(r), SNI: sni, Hit: d.Hit, Ref: ref,
				Action: gateway.ActionBlock, Reason: d.Reason, Policy: d.Policy})
			if d.Decrypt && s.opt.CA != nil {
				s.blockInTLS(conn, br, sni, d.Hit, ref)
				return
			}
			_, _ = conn.Write(tlsAccessDenied)
			return
		}
	case errors.Is(perr, errNotTLS):
		// Not TLS: plain HTTP is judged request by request, anything
		// else refused (tunnelhttp.go); never spliced unread.
		up.Close()
		s.plainInTunnel(conn, br, host, r.Host, ci)
		return
	case perr == nil:
		// No SNI: the CONNECT host was judged already.
	default:
		// A client that went away: nothing to forward. A hello the
		// peek cannot read (malformed, or past its bounds) has a server
		// name that was not judged: refused as a blocked one is, never
		// spliced (fail closed).
		if !errors.Is(perr, io.EOF) && !isTimeout(perr) {
			_, _ = conn.Write(tlsAccessDenied)
		}
		return
	}
	if perr == nil && s.opt.CA != nil && s.opt.Chain.DecryptAll(ci.client.Addr()) {
		name := sni
		if name == "" {
			name = host
		}
		if !s.noDecrypt.has(ci.client.Addr(), name) {
			up.Close() // the decrypted requests go through the origin pool
			s.decryptAll(conn, br, name, r.Host, ci)
			return
		}
	}
	splice(conn, br, up, s.stop, s.origins.readTimeout)
}

// safePeek is peekClientHello with the per-connection panic recovery that
// every parser of network input gets.
func safePeek(br *bufio.Reader) (sni string, n int, err error) {
	defer func() {
		if p := recover(); p != nil {
			sni, n, err = "", 0, errMalformed
		}
	}()
	return peekClientHello(br)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// splice copies both ways until both directions end, stop closes, or
// neither side has sent a byte for idle (tunnelidle.go). fromClient reads
// what the client sends (it may hold buffered bytes); client is written.
func splice(client net.Conn, fromClient io.Reader, upstream io.ReadWriteCloser, stop <-chan struct{}, idle time.Duration) {
	w := newIdleWatch(idle, client, upstream)
	defer w.stop()
	done := make(chan struct{}, 2)
	go func() {
		_, _ = io.Copy(upstream, w.reader(fromClient))
		closeWrite(upstream)
		done <- struct{}{}
	}()
	go func() {
		_, _ = io.Copy(client, w.reader(upstream))
		closeWrite(client)
		// The origin is done: give the client a moment to finish its side,
		// so a client that never closes does not hold the tunnel forever.
		_ = client.SetReadDeadline(time.Now().Add(tunnelLinger))
		done <- struct{}{}
	}()
	for n := 0; n < 2; {
		select {
		case <-done:
			n++
		case <-stop:
			client.Close()
			upstream.Close()
			for ; n < 2; n++ {
				<-done
			}
		}
	}
}

// closeWrite half-closes c when it can, so the peer sees the end of this
// direction while the other still flows.
func closeWrite(c io.Closer) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
		return
	}
	_ = c.Close()
}

type byteReader struct{ b []byte }

func bytesReader(b []byte) *byteReader { return &byteReader{b: append([]byte(nil), b...)} }

func (r *byteReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}
