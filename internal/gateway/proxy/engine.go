package proxy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The client side of the proxy: an HTTP/1.1 connection loop of its own
// rather than net/http's server. A forward proxy needs little of what
// http.Server does (no routing, no HTTP/2, no TLS), and what it costs per
// request (a background read and its goroutine hand-offs) is, at proxy
// rates, most of the difference to a C proxy. Parsing stays net/http's
// (http.ReadRequest); framing of what we send is done here.

const (
	maxRequestHead    = 64 << 10
	readHeaderTimeout = 20 * time.Second
	idleTimeout       = 2 * time.Minute
	maxDrain          = 256 << 10 // unread request body drained to keep a connection
	// maxConns bounds client connections (and tunnels) at once: past it a
	// new connection is closed at once, so no client can exhaust the
	// process's file descriptors and memory.
	maxConns = 20000
)

var (
	readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 16<<10) }}
	writerPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 16<<10) }}
)

// Serve accepts on l until Shutdown; it then returns http.ErrServerClosed.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return http.ErrServerClosed
	}
	s.listeners = append(s.listeners, l)
	s.mu.Unlock()
	s.pacer.start()
	var delay time.Duration
	for {
		c, err := l.Accept()
		if err != nil {
			select {
			case <-s.stop:
				return http.ErrServerClosed
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			if errors.Is(err, net.ErrClosed) {
				return http.ErrServerClosed
			}
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			s.log.Warn("proxy: accept", "err", err)
			time.Sleep(delay)
			continue
		}
		delay = 0
		st, ok := s.track(c)
		if !ok {
			c.Close()
			return http.ErrServerClosed
		}
		if st != nil {
			go s.serveConn(c, st)
		}
	}
}

// track adds a connection; ok is false once shut down, and st nil when the
// proxy is full (the connection is closed then, refused).
func (s *Server) track(c net.Conn) (st *connState, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, false
	}
	if len(s.conns) >= maxConns {
		c.Close()
		return nil, true
	}
	st = &connState{}
	s.conns[c] = st
	return st, true
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// connState is what Shutdown needs to know of a connection: whether a
// request is in flight (an atomic, so that the request loop marks it with
// no lock shared by every connection).
type connState struct{ active atomic.Bool }

// Shutdown stops accepting, closes idle client connections, waits for
// requests and tunnels in flight until ctx ends, then closes the rest and the
// idle origin connections. It is idempotent.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.stop)
		for _, l := range s.listeners {
			l.Close()
		}
	}
	s.mu.Unlock()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var err error
	for {
		s.mu.Lock()
		for c, st := range s.conns {
			if !st.active.Load() {
				c.Close()
			}
		}
		n := len(s.conns)
		s.mu.Unlock()
		if n == 0 {
			break
		}
		select {
		case <-tick.C:
			continue
		case <-ctx.Done():
			err = ctx.Err()
			s.mu.Lock()
			for c := range s.conns {
				c.Close()
			}
			s.mu.Unlock()
		}
		break
	}
	s.origins.closeIdle()
	s.pacer.close()
	return err
}

// serveConn runs one client connection's requests, one at a time.
//
// Deadlines: the read deadline is what bounds a client that sends nothing
// (idleTimeout) or a head too slowly (readHeaderTimeout). Setting one is a
// runtime timer operation, so a keep-alive connection does not set them per
// request: the idle deadline is renewed at most once a second, the header
// deadline only when a head is not already in the buffer, and the deadline
// is cleared only before something may read for long (a request body, a
// hijacked connection).
func (s *Server) serveConn(c net.Conn, st *connState) {
	ci := &connInfo{}
	defer func() {
		if p := recover(); p != nil && p != http.ErrAbortHandler {
			s.log.Error("proxy: panic serving a client", "client", c.RemoteAddr().String(), "panic", fmt.Sprint(p))
		}
		c.Close()
		s.origins.release(ci)
		s.untrack(c)
	}()
	remote := c.RemoteAddr().String()
	ap, _ := netip.ParseAddrPort(remote)
	ci.client = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	rw := newRawIO(c)
	lim := &headLimit{r: rw, n: -1}
	br := readerPool.Get().(*bufio.Reader)
	br.Reset(lim)
	bw := writerPool.Get().(*bufio.Writer)
	dw := &deadlineWriter{c: c, w: rw, timeout: s.opt.WriteTimeout}
	bw.Reset(dw)
	w := &respWriter{conn: c, br: br, bw: bw, dw: dw, header: make(http.Header, 8)}
	hijacked := false
	defer func() {
		if !hijacked {
			br.Reset(nil)
			readerPool.Put(br)
			bw.Reset(nil)
			writerPool.Put(bw)
		}
	}()
	var deadline time.Time // the read deadline now set on c (zero: none)
	first := true
	for {
		if br.Buffered() == 0 {
			now := time.Now()
			if d := now.Add(idleTimeout); deadline.IsZero() || d.Sub(deadline) > time.Second {
				_ = c.SetReadDeadline(d)
				deadline = d
			}
			if _, err := br.Peek(1); err != nil {
				return
			}
		}
		if first {
			if refuseSOCKS(c, br) {
				return
			}
			first = false
		}
		st.active.Store(true)
		head := bufferedHead(br)
		if head == nil {
			deadline = time.Now().Add(readHeaderTimeout)
			_ = c.SetReadDeadline(deadline)
		}
		lim.set(maxRequestHead)
		req, err := http.ReadRequest(br)
		lim.set(-1)
		if err != nil {
			code := http.StatusBadRequest
			if errors.Is(err, errHeadTooLarge) {
				code = http.StatusRequestHeaderFieldsTooLarge
			}
			fmt.Fprintf(c, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\nhoneygate: %s\n", code, http.StatusText(code), http.StatusText(code))
			return
		}
		if req.Method == http.MethodConnect {
			// A tunnel sets its own.
			_ = c.SetReadDeadline(time.Time{})
			deadline = time.Time{}
		} else if req.Body != http.NoBody {
			// A body may take long to arrive (an upload), but not fall
			// silent for longer than the read timeout (clientBody).
			req.Body = &clientBody{rc: req.Body, c: c, timeout: s.origins.readTimeout, deadline: &deadline}
		}
		req.RemoteAddr = remote
		w.reset(req)
		if len(req.TransferEncoding) > 0 && (head == nil || hasContentLength(head)) {
			// Chunked with a Content-Length beside it (which
			// http.ReadRequest drops): whoever framed it by that length
			// reads what follows differently, so answer it and close
			// (RFC 9112 section 6.3). A head that did not arrive whole
			// cannot be checked after the fact: close then too.
			w.closeAfter = true
		}
		if req.ProtoAtLeast(1, 1) && req.Body != http.NoBody && strings.EqualFold(req.Header.Get("Expect"), "100-continue") {
			req.Body = &expectContinue{rc: req.Body, w: w}
			req.Header.Del("Expect")
		}
		s.handle(w, req, ci)
		if w.hijacked {
			hijacked = true
			return
		}
		if err := w.finish(); err != nil || w.closeAfter || req.Close {
			return
		}
		if req.Body != nil && req.Body != http.NoBody {
			if ec, ok := req.Body.(*expectContinue); ok && !ec.sent {
				return // the client never sent the body: it waits for a 100
			}
			if _, err := io.CopyN(io.Discard, req.Body, maxDrain); err != io.EOF {
				return
			}
			// The body's deadline may be later than the idle one:
			// zero makes the next wait set its own.
			deadline = time.Time{}
		}
		st.active.Store(false)
	}
}

// bufferedHead is the request head (through its blank line) when all of
// it is already in br, nil when it is not (read with a deadline, then).
// The slice is br's own buffer: it stays valid while br is not refilled,
// which reading a head that is all buffered never does.
func bufferedHead(br *bufio.Reader) []byte {
	b, _ := br.Peek(br.Buffered())
	if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 {
		return b[:i+4]
	}
	return nil
}

// hasContentLength reports a Content-Length field in a request head.
func hasContentLength(head []byte) bool {
	const name = "content-length:"
	for len(head) > 0 {
		i := bytes.IndexByte(head, '\n')
		if i < 0 {
			return false
		}
		head = head[i+1:]
		if len(head) >= len(name) && strings.EqualFold(string(head[:len(name)]), name) {
			return true
		}
	}
	return false
}

// respWriter is http.ResponseWriter over the client connection with HTTP/1.1
// framing: the origin's Content-Length when known, chunked otherwise (or,
// for an HTTP/1.0 client, the end of the connection).
type respWriter struct {
	conn       net.Conn
	br         *bufio.Reader
	bw         *bufio.Writer
	dw         *deadlineWriter // what bw writes to; nil: no write timeout
	req        *http.Request
	header     http.Header
	wrote      bool
	status     int
	chunked    bool
	noBody     bool
	remaining  int64 // bytes still due under Content-Length; -1 without one
	closeAfter bool
	hijacked   bool
}

var (
	_ http.ResponseWriter = (*respWriter)(nil)
	_ http.Flusher        = (*respWriter)(nil)
	_ http.Hijacker       = (*respWriter)(nil)
)

func (w *respWriter) Header() http.Header { return w.header }

// reset readies w, kept for the connection's life, for the response to req.
func (w *respWriter) reset(req *http.Request) {
	clear(w.header)
	*w = respWriter{conn: w.conn, br: w.br, bw: w.bw, dw: w.dw, req: req, header: w.header}
}

// adoptHeader makes h the response header when none is set yet, instead of
// copying it field by field; h then belongs to w.
func (w *respWriter) adoptHeader(h http.Header) bool {
	if w.wrote || len(w.header) != 0 {
		return false
	}
	w.header = h
	return true
}

var crlf = []byte("\r\n")

func (w *respWriter) WriteHeader(code int) {
	if w.wrote || w.hijacked {
		return
	}
	w.wrote, w.status, w.remaining = true, code, -1
	h := w.header
	w.noBody = w.req.Method == http.MethodHead || code == http.StatusNoContent || code == http.StatusNotModified || code < 200
	if v := h.Get("Content-Length"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			w.remaining = n
		} else {
			h.Del("Content-Length")
		}
	}
	if w.remaining < 0 && !w.noBody {
		if w.req.ProtoAtLeast(1, 1) {
			w.chunked = true
			h["Transfer-Encoding"] = []string{"chunked"}
		} else {
			w.closeAfter = true
		}
	}
	if w.noBody {
		w.remaining = -1
	}
	switch {
	case w.closeAfter || w.req.Close:
		w.closeAfter = true
		h["Connection"] = []string{"close"}
	case !w.req.ProtoAtLeast(1, 1):
		h["Connection"] = []string{"keep-alive"}
	}
	w.bw.WriteString("HTTP/1.1 ")
	w.bw.Write(strconv.AppendInt(w.bw.AvailableBuffer(), int64(code), 10))
	w.bw.WriteByte(' ')
	w.bw.WriteString(http.StatusText(code))
	w.bw.Write(crlf)
	for k, vv := range h {
		if strings.HasPrefix(k, http.TrailerPrefix) {
			continue
		}
		for _, v := range vv {
			w.bw.WriteString(k)
			w.bw.WriteString(": ")
			w.bw.WriteString(headerValue(v))
			w.bw.Write(crlf)
		}
	}
	w.bw.Write(crlf)
}

// headerValue keeps CR and LF out of a field value (no response splitting).
func headerValue(v string) string {
	if strings.ContainsAny(v, "\r\n") {
		return strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
	}
	return v
}

func (w *respWriter) Write(p []byte) (int, error) {
	if w.hijacked {
		return 0, http.ErrHijacked
	}
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.noBody || len(p) == 0 {
		return len(p), nil
	}
	if w.chunked {
		w.bw.Write(strconv.AppendInt(w.bw.AvailableBuffer(), int64(len(p)), 16))
		w.bw.Write(crlf)
		n, err := w.bw.Write(p)
		w.bw.Write(crlf)
		return n, err
	}
	if w.remaining >= 0 {
		if int64(len(p)) > w.remaining {
			return 0, http.ErrContentLength
		}
		w.remaining -= int64(len(p))
	}
	return w.bw.Write(p)
}

func (w *respWriter) Flush() { _ = w.FlushError() }

// FlushError sends what is buffered (http.ResponseController uses it).
func (w *respWriter) FlushError() error {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.bw.Flush()
}

// Hijack hands the connection over (CONNECT, upgrades); buffered output is
// flushed first, buffered input stays in the returned reader.
func (w *respWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.hijacked {
		return nil, nil, http.ErrHijacked
	}
	if err := w.bw.Flush(); err != nil {
		return nil, nil, err
	}
	_ = w.conn.SetReadDeadline(time.Time{}) // the new owner sets its own
	if w.dw != nil {
		w.dw.off()
	}
	w.hijacked = true
	return w.conn, bufio.NewReadWriter(w.br, w.bw), nil
}

// finish ends the response: the last chunk and trailers, or a check that
// the promised length was sent (if not, the connection cannot be reused).
func (w *respWriter) finish() error {
	if !w.wrote {
		if _, ok := w.header["Content-Length"]; !ok && w.req.Method != http.MethodHead {
			w.header["Content-Length"] = []string{"0"}
		}
		w.WriteHeader(http.StatusOK)
	}
	if w.chunked {
		w.bw.WriteString("0\r\n")
		for k, vv := range w.header {
			name, ok := strings.CutPrefix(k, http.TrailerPrefix)
			if !ok {
				continue
			}
			for _, v := range vv {
				w.bw.WriteString(name + ": " + headerValue(v) + "\r\n")
			}
		}
		w.bw.Write(crlf)
	}
	if w.remaining > 0 {
		w.closeAfter = true
	}
	return w.bw.Flush()
}

// clientBody is a request body as read from the client: each read has
// timeout (the proxy's read timeout) for the client's next bytes, so an
// upload may take hours while it moves but a client that falls silent
// mid-body (slowloris) no longer holds its connection, a goroutine and an
// origin connection for good. The deadline moves at most once per slack
// (a second, less for a short timeout); deadline is serveConn's record of
// the one set on c.
type clientBody struct {
	rc       io.ReadCloser
	c        net.Conn
	timeout  time.Duration
	deadline *time.Time
}

func (b *clientBody) Read(p []byte) (int, error) {
	d, slack := time.Now().Add(b.timeout), min(time.Second, b.timeout/16)
	if old := *b.deadline; old.IsZero() || d.Sub(old) > slack || old.Sub(d) > slack {
		_ = b.c.SetReadDeadline(d)
		*b.deadline = d
	}
	return b.rc.Read(p)
}

func (b *clientBody) Close() error { return b.rc.Close() }

// expectContinue answers "100 Continue" when the handler first reads the
// body, so a client that waits for it sends the body then.
type expectContinue struct {
	rc   io.ReadCloser
	w    *respWriter
	sent bool
}

func (e *expectContinue) Read(p []byte) (int, error) {
	if !e.sent {
		e.sent = true
		if !e.w.wrote {
			e.w.bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n")
			if err := e.w.bw.Flush(); err != nil {
				return 0, err
			}
		}
	}
	return e.rc.Read(p)
}

func (e *expectContinue) Close() error { return e.rc.Close() }
