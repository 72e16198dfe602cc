package proxy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/gateway"
)

// Attacks on the raw socket I/O (rawio_linux.go) from outside: clients and
// origins that reset, half-close, pipeline, stream hundreds of MiB or come
// by the thousand. Each test states what the proxy must still do.

// rst closes c with SO_LINGER 0: the peer gets a reset, not a FIN.
func rst(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	c.Close()
}

// tracked is how many client connections the proxy holds.
func (f *fixture) tracked() int {
	f.srv.mu.Lock()
	defer f.srv.mu.Unlock()
	return len(f.srv.conns)
}

// waitUntracked waits for the proxy to let go of every client connection.
func (f *fixture) waitUntracked(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for f.tracked() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("proxy still holds %d client connections", f.tracked())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// fdCount is how many file descriptors the process has open.
func fdCount(t *testing.T) int {
	t.Helper()
	d, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(d)
}

// pattern is the deterministic byte at offset i of a generated body.
func pattern(i int64) byte { return byte(i*7 + i>>9) }

// patternReader yields n bytes of pattern.
type patternReader struct{ off, n int64 }

func (r *patternReader) Read(p []byte) (int, error) {
	if r.off >= r.n {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.n-r.off)]
	for i := range p {
		p[i] = pattern(r.off + int64(i))
	}
	r.off += int64(len(p))
	return len(p), nil
}

// advOrigin serves /gen?n=N (N pattern bytes, with Content-Length unless
// chunked=1), /sha (the SHA-256 and length of the request body) and
// /slow?n=N (N bytes in 64 KiB pieces, 20 ms apart). ended counts
// handlers that returned, failed tells why a write or read failed.
type advOrigin struct {
	*httptest.Server
	ended  atomic.Int64
	failed atomic.Int64
}

func newAdvOrigin(t *testing.T) *advOrigin {
	o := &advOrigin{}
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer o.ended.Add(1)
		switch r.URL.Path {
		case "/gen", "/slow":
			n, _ := strconv.ParseInt(r.URL.Query().Get("n"), 10, 64)
			if r.URL.Query().Get("chunked") == "" {
				w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
			}
			w.Header().Set("Content-Type", "application/octet-stream")
			var src io.Reader = &patternReader{n: n}
			if r.URL.Path == "/slow" {
				buf := make([]byte, 64<<10)
				for {
					k, _ := src.Read(buf)
					if k == 0 {
						return
					}
					if _, err := w.Write(buf[:k]); err != nil {
						o.failed.Add(1)
						return
					}
					w.(http.Flusher).Flush()
					time.Sleep(20 * time.Millisecond)
				}
			}
			if _, err := io.Copy(w, src); err != nil {
				o.failed.Add(1)
			}
		case "/sha":
			h := sha256.New()
			n, err := io.Copy(h, r.Body)
			if err != nil {
				o.failed.Add(1)
				return
			}
			fmt.Fprintf(w, "%x %d", h.Sum(nil), n)
		default:
			fmt.Fprintf(w, "path=%s method=%s", r.URL.Path, r.Method)
		}
	}))
	t.Cleanup(o.Close)
	return o
}

func patternSum(n int64) string {
	h := sha256.New()
	io.Copy(h, &patternReader{n: n})
	return fmt.Sprintf("%x %d", h.Sum(nil), n)
}

func dialProxy(t *testing.T, f *fixture) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// stillServes checks a plain request through a new connection.
func stillServes(t *testing.T, f *fixture, o *advOrigin) {
	t.Helper()
	cl := f.client()
	defer cl.CloseIdleConnections()
	resp, err := cl.Get(o.URL + "/ok")
	if err != nil {
		t.Fatalf("proxy no longer serves: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "path=/ok method=GET" {
		t.Fatalf("proxy no longer serves: %q", b)
	}
}

// A client that resets its connection mid-head, mid-body or mid-response
// costs nothing after: the proxy lets go of its connection, the origin's
// exchange ends (its handler returns), and the proxy still serves.
func TestAdvClientResets(t *testing.T) {
	o := newAdvOrigin(t)
	f := startProxy(t, true, nil)
	stillServes(t, f, o)
	f.waitUntracked(t)
	base := settle(0)

	t.Run("mid-head", func(t *testing.T) {
		c := dialProxy(t, f)
		fmt.Fprintf(c, "GET %s/x HTTP/1.1\r\nHost: %s\r\nX-A: ", o.URL, o.Listener.Addr())
		time.Sleep(50 * time.Millisecond)
		rst(c)
		f.waitUntracked(t)
	})
	t.Run("mid-body", func(t *testing.T) {
		before := o.ended.Load()
		c := dialProxy(t, f)
		fmt.Fprintf(c, "POST %s/sha HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n", o.URL, o.Listener.Addr(), 8<<20)
		c.Write(bytes.Repeat([]byte("b"), 256<<10))
		time.Sleep(100 * time.Millisecond)
		rst(c)
		f.waitUntracked(t)
		waitFor(t, func() bool { return o.ended.Load() > before })
	})
	t.Run("mid-response", func(t *testing.T) {
		before := o.ended.Load()
		c := dialProxy(t, f)
		fmt.Fprintf(c, "GET %s/gen?n=%d HTTP/1.1\r\nHost: %s\r\n\r\n", o.URL, 256<<20, o.Listener.Addr())
		if _, err := io.ReadFull(c, make([]byte, 1<<20)); err != nil {
			t.Fatal(err)
		}
		rst(c)
		f.waitUntracked(t)
		waitFor(t, func() bool { return o.ended.Load() > before })
	})
	t.Run("mid-chunked-upload", func(t *testing.T) {
		before := o.ended.Load()
		c := dialProxy(t, f)
		fmt.Fprintf(c, "POST %s/sha HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n\r\n", o.URL, o.Listener.Addr())
		for range 16 {
			fmt.Fprintf(c, "4000\r\n%s\r\n", bytes.Repeat([]byte("c"), 0x4000))
		}
		time.Sleep(50 * time.Millisecond)
		rst(c)
		f.waitUntracked(t)
		waitFor(t, func() bool { return o.ended.Load() > before })
	})
	stillServes(t, f, o)
	f.waitUntracked(t)
	if g := settle(base + 2); g > base+2 {
		t.Fatalf("goroutines: %d, were %d", g, base)
	}
}

// An origin that resets mid-response: the client gets fewer bytes than the
// length promised and its connection closes (no hang, no reuse of a broken
// framing), and the proxy still serves.
func TestAdvOriginResetMidResponse(t *testing.T) {
	const n = 4 << 20
	so := newStallOrigin(t, func(c net.Conn) {
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nContent-Type: application/octet-stream\r\n\r\n", n)
		c.Write(bytes.Repeat([]byte("o"), 1<<20))
		time.Sleep(100 * time.Millisecond)
		rst(c)
	})
	o := newAdvOrigin(t)
	f := startProxy(t, true, nil)
	c := dialProxy(t, f)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "GET http://%s/r HTTP/1.1\r\nHost: %s\r\n\r\n", so.l.Addr(), so.l.Addr())
	got, err := io.ReadAll(c)
	if err != nil && !isReset(err) {
		t.Fatalf("client read: %v (after %d bytes)", err, len(got))
	}
	if bytes.Contains(got, []byte("200 OK")) && len(got) >= n {
		t.Fatalf("client got %d bytes: a whole body that the origin never sent", len(got))
	}
	f.waitUntracked(t)
	stillServes(t, f, o)
}

func isReset(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "reset") || strings.Contains(err.Error(), "broken pipe"))
}

// Half-closes: a client that sends its request and shuts its write side
// still gets the whole response; an origin that ends a length-less body
// by shutting its write side gives the client the whole body, chunked.
func TestAdvHalfClose(t *testing.T) {
	o := newAdvOrigin(t)
	f := startProxy(t, true, nil)
	for _, hdr := range []string{"", "Connection: close\r\n"} {
		c := dialProxy(t, f).(*net.TCPConn)
		c.SetDeadline(time.Now().Add(20 * time.Second))
		fmt.Fprintf(c, "GET %s/gen?n=%d HTTP/1.1\r\nHost: %s\r\n%s\r\n", o.URL, 32<<20, o.Listener.Addr(), hdr)
		c.CloseWrite()
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("%q: %v", hdr, err)
		}
		h := sha256.New()
		k, err := io.Copy(h, resp.Body)
		if err != nil || fmt.Sprintf("%x %d", h.Sum(nil), k) != patternSum(32<<20) {
			t.Fatalf("%q: body %d bytes, %v", hdr, k, err)
		}
		if _, err := br.ReadByte(); err != io.EOF {
			t.Fatalf("%q: connection not closed after the response: %v", hdr, err)
		}
	}

	so := newStallOrigin(t, func(c net.Conn) {
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n")
		io.Copy(c, &patternReader{n: 8 << 20})
		c.(*net.TCPConn).CloseWrite()
	})
	c := dialProxy(t, f)
	c.SetDeadline(time.Now().Add(20 * time.Second))
	fmt.Fprintf(c, "GET http://%s/h HTTP/1.1\r\nHost: %s\r\n\r\n", so.l.Addr(), so.l.Addr())
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	k, err := io.Copy(h, resp.Body)
	if err != nil || fmt.Sprintf("%x %d", h.Sum(nil), k) != patternSum(8<<20) || len(resp.TransferEncoding) == 0 {
		t.Fatalf("origin half-close: %d bytes, %v, TE %v", k, err, resp.TransferEncoding)
	}
	// The connection stays usable.
	fmt.Fprintf(c, "GET %s/again HTTP/1.1\r\nHost: %s\r\n\r\n", o.URL, o.Listener.Addr())
	resp, err = http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "path=/again method=GET" {
		t.Fatalf("after: %q", b)
	}
}

// Pipelined requests in one write, GET, HEAD, a POST with a body and a
// chunked POST among them, are answered in order, each whole.
func TestAdvPipelined(t *testing.T) {
	o := newAdvOrigin(t)
	f := startProxy(t, true, nil)
	c := dialProxy(t, f)
	c.SetDeadline(time.Now().Add(20 * time.Second))
	host := o.Listener.Addr().String()
	var b strings.Builder
	var want []string
	for i := range 30 {
		switch i % 5 {
		case 0:
			fmt.Fprintf(&b, "GET %s/p%d HTTP/1.1\r\nHost: %s\r\n\r\n", o.URL, i, host)
			want = append(want, fmt.Sprintf("path=/p%d method=GET", i))
		case 1:
			fmt.Fprintf(&b, "HEAD %s/gen?n=100000 HTTP/1.1\r\nHost: %s\r\n\r\n", o.URL, host)
			want = append(want, "")
		case 2:
			fmt.Fprintf(&b, "POST %s/sha HTTP/1.1\r\nHost: %s\r\nContent-Length: 5\r\n\r\nhello", o.URL, host)
			want = append(want, fmt.Sprintf("%x 5", sha256.Sum256([]byte("hello"))))
		case 3:
			fmt.Fprintf(&b, "POST %s/sha HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", o.URL, host)
			want = append(want, fmt.Sprintf("%x 5", sha256.Sum256([]byte("abcde"))))
		case 4:
			fmt.Fprintf(&b, "GET %s/gen?n=70000&chunked=1 HTTP/1.1\r\nHost: %s\r\n\r\n", o.URL, host)
			want = append(want, patternSum(70000))
		}
	}
	if _, err := io.WriteString(c, b.String()); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	for i, w := range want {
		req := &http.Request{Method: http.MethodGet}
		if i%5 == 1 {
			req.Method = http.MethodHead
		}
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("response %d body: %v", i, err)
		}
		got := string(body)
		if i%5 == 4 {
			got = fmt.Sprintf("%x %d", sha256.Sum256(body), len(body))
		}
		if i%5 == 1 && resp.ContentLength != 100000 {
			t.Fatalf("HEAD %d: Content-Length %d", i, resp.ContentLength)
		}
		if got != w {
			t.Fatalf("response %d: %q, want %q", i, got, w)
		}
	}
}

// A 256 MiB download (with and without a length) and a 256 MiB chunked
// upload pass byte for byte; the heap stays small meanwhile.
func TestAdvLargeBothWays(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 768 MiB")
	}
	const n = 256 << 20
	o := newAdvOrigin(t)
	f := startProxy(t, true, nil)
	c := dialProxy(t, f)
	c.SetDeadline(time.Now().Add(2 * time.Minute))
	br := bufio.NewReader(c)
	host := o.Listener.Addr().String()
	for _, q := range []string{"", "&chunked=1"} {
		fmt.Fprintf(c, "GET %s/gen?n=%d%s HTTP/1.1\r\nHost: %s\r\n\r\n", o.URL, n, q, host)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		k, err := io.Copy(h, resp.Body)
		if err != nil || fmt.Sprintf("%x %d", h.Sum(nil), k) != patternSum(n) {
			t.Fatalf("download%s: %d bytes, %v", q, k, err)
		}
	}
	pr, pw := io.Pipe()
	go func() {
		cw := httputilChunked(pw)
		io.Copy(cw, &patternReader{n: n})
		cw.Close()
		pw.Close()
	}()
	fmt.Fprintf(c, "POST %s/sha HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n\r\n", o.URL, host)
	if _, err := io.Copy(c, pr); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if string(body) != patternSum(n) {
		t.Fatalf("upload: origin got %q", body)
	}
}

// httputilChunked writes HTTP/1.1 chunked framing (64 KiB chunks) to w.
func httputilChunked(w io.Writer) io.WriteCloser { return &chunkWriter{w: w} }

type chunkWriter struct{ w io.Writer }

func (c *chunkWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if _, err := fmt.Fprintf(c.w, "%x\r\n", len(p)); err != nil {
		return 0, err
	}
	if _, err := c.w.Write(p); err != nil {
		return 0, err
	}
	_, err := io.WriteString(c.w, "\r\n")
	return len(p), err
}

func (c *chunkWriter) Close() error { _, err := io.WriteString(c.w, "0\r\n\r\n"); return err }

// Interim 1xx responses from the origin are dropped, and Connection:
// close from the client closes after the response.
func TestAdvInterimAndClose(t *testing.T) {
	so := newStallOrigin(t, func(c net.Conn) {
		io.WriteString(c, "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n")
		time.Sleep(20 * time.Millisecond)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody")
	})
	f := startProxy(t, true, nil)
	c := dialProxy(t, f)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "GET http://%s/i HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", so.l.Addr(), so.l.Addr())
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(got, []byte("HTTP/1.1 200 OK\r\n")) || !bytes.HasSuffix(got, []byte("\r\n\r\nbody")) {
		t.Fatalf("got %q", got)
	}
}

// A CONNECT tunnel and a WebSocket upgrade after keep-alive requests on
// the same connection, with the tunnel's first bytes sent in the same
// write as the requests before it: every byte arrives once, in order.
func TestAdvHijackAfterKeepAlive(t *testing.T) {
	o := newAdvOrigin(t)
	f := startProxy(t, true, nil)
	host := o.Listener.Addr().String()

	ws := newStallOrigin(t, func(c net.Conn) {
		io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n")
		io.Copy(c, c) // echo, until the client half-closes
		c.(*net.TCPConn).CloseWrite()
	})
	c := dialProxy(t, f).(*net.TCPConn)
	c.SetDeadline(time.Now().Add(20 * time.Second))
	var b strings.Builder
	for i := range 3 {
		fmt.Fprintf(&b, "GET %s/k%d HTTP/1.1\r\nHost: %s\r\n\r\n", o.URL, i, host)
	}
	fmt.Fprintf(&b, "GET http://%s/ws HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", ws.l.Addr(), ws.l.Addr())
	frames := make([]byte, 200<<10)
	for i := range frames {
		frames[i] = byte(i * 31)
	}
	b.Write(frames[:5000]) // sent with the upgrade request, before any 101
	io.WriteString(c, b.String())
	br := bufio.NewReader(c)
	for i := range 3 {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if want := fmt.Sprintf("path=/k%d method=GET", i); string(body) != want {
			t.Fatalf("keep-alive %d: %q", i, body)
		}
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	go func() {
		c.Write(frames[5000:])
		c.CloseWrite()
	}()
	echo, err := io.ReadAll(br)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(echo, frames) {
		t.Fatalf("echo: %d bytes, want %d; equal prefix %d", len(echo), len(frames), commonPrefix(echo, frames))
	}
}

func commonPrefix(a, b []byte) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

// Thousands of client connections that open and close (some idle, some
// after a request, some reset mid-request or mid-tunnel) leave no file descriptor and no
// goroutine behind.
func TestAdvManyConnectionsNoLeak(t *testing.T) {
	o := newAdvOrigin(t)
	f := startProxy(t, true, nil)
	stillServes(t, f, o)
	f.waitUntracked(t)
	time.Sleep(100 * time.Millisecond)
	fds, gs := fdCount(t), settle(0)
	host := o.Listener.Addr().String()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 200)
	var errs atomic.Int64
	for i := range 3000 {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := net.Dial("tcp", f.addr)
			if err != nil {
				errs.Add(1)
				return
			}
			c.SetDeadline(time.Now().Add(10 * time.Second))
			switch i % 6 {
			case 0:
				c.Close()
			case 4: // a tunnel whose client resets before its ClientHello
				fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", host, host)
				c.Read(make([]byte, 100))
				rst(c)
			case 5: // a tunnel whose client resets mid-ClientHello
				fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n\x16\x03\x01\x02\x00\x01", host, host)
				c.Read(make([]byte, 100))
				rst(c)
			case 1:
				fmt.Fprintf(c, "GET %s/m HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", o.URL, host)
				io.Copy(io.Discard, c)
				c.Close()
			case 2:
				fmt.Fprintf(c, "GET %s/gen?n=300000 HTTP/1.1\r\nHost: %s\r\n\r\n", o.URL, host)
				c.Read(make([]byte, 1000))
				rst(c)
			case 3:
				fmt.Fprintf(c, "GET %s/m HTTP/1.1\r\nHo", o.URL)
				rst(c)
			}
		}()
	}
	wg.Wait()
	if e := errs.Load(); e > 0 {
		t.Fatalf("%d dials failed", e)
	}
	f.waitUntracked(t)
	// Origin connections kept idle by the pool are not leaks: drop them.
	f.srv.origins.closeIdle()
	f.srv.origins.mu.Lock()
	f.srv.origins.shut = false
	f.srv.origins.mu.Unlock()
	o.CloseClientConnections()
	deadline := time.Now().Add(5 * time.Second)
	for fdCount(t) > fds+2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := fdCount(t); n > fds+2 {
		t.Fatalf("file descriptors: %d, were %d", n, fds)
	}
	if g := settle(gs + 2); g > gs+2 {
		t.Fatalf("goroutines: %d, were %d", g, gs)
	}
	stillServes(t, f, o)
}

// Shutdown with a download in flight lets it finish whole, then returns.
func TestAdvShutdownInFlight(t *testing.T) {
	const n = 4 << 20 // 64 pieces, about 1.3 s
	o := newAdvOrigin(t)
	f := startProxy(t, true, nil)
	c := dialProxy(t, f)
	c.SetDeadline(time.Now().Add(20 * time.Second))
	fmt.Fprintf(c, "GET %s/slow?n=%d HTTP/1.1\r\nHost: %s\r\n\r\n", o.URL, n, o.Listener.Addr())
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		ctx, cancel := contextWithTimeout(10 * time.Second)
		defer cancel()
		done <- f.srv.Shutdown(ctx)
	}()
	h := sha256.New()
	k, err := io.Copy(h, resp.Body)
	if err != nil || fmt.Sprintf("%x %d", h.Sum(nil), k) != patternSum(n) {
		t.Fatalf("download during shutdown: %d bytes, %v", k, err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("shutdown did not return after the download ended")
	}
	if _, err := net.DialTimeout("tcp", f.addr, time.Second); err == nil {
		t.Fatal("still accepting after shutdown")
	}
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// Origin connections left idle in the pool are closed once idle for the
// pool's idle timeout, whether or not their host is asked again: an ISP's
// clients visit hosts by the million, and a pool that only expires a
// connection when its own host is asked again keeps a socket (and its key)
// for every host ever visited.
func TestAdvIdleOriginConnectionsClosed(t *testing.T) {
	f := startProxy(t, true, nil)
	f.srv.origins.idleTimeout = 300 * time.Millisecond
	fds := fdCount(t)
	var origins []*advOrigin
	for range 20 {
		origins = append(origins, newAdvOrigin(t))
	}
	cl := f.client()
	for _, o := range origins {
		resp, err := cl.Get(o.URL + "/x")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	cl.CloseIdleConnections()
	f.waitUntracked(t)
	pooled := func() (n, keys int) {
		f.srv.origins.mu.Lock()
		defer f.srv.origins.mu.Unlock()
		for _, l := range f.srv.origins.idle {
			n += len(l)
		}
		return n, len(f.srv.origins.idle)
	}
	if n, _ := pooled(); n == 0 {
		t.Fatal("no origin connection was pooled: the test proves nothing")
	}
	time.Sleep(3 * f.srv.origins.idleTimeout)
	if n, keys := pooled(); n != 0 || keys != 0 {
		t.Fatalf("after 3 idle timeouts the pool still holds %d connections under %d keys", n, keys)
	}
	// 20 listeners of the test's own stay open.
	if n := fdCount(t); n > fds+20+2 {
		t.Fatalf("file descriptors: %d, were %d before 20 origins", n, fds)
	}
}

// A client that half-closes or resets partway through a request body must
// not leave the origin connection desynchronised: the origin got a short
// body, so that connection is never used again, and the next client's
// request reaches the origin as its own request, not as body bytes.
func TestAdvShortBodyNeverReusesOrigin(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%s %s %d %v", r.Method, r.URL.Path, len(b), err != nil))
		mu.Unlock()
		fmt.Fprintf(w, "path=%s", r.URL.Path)
	}))
	defer o.Close()
	f := startProxy(t, true, nil)
	host := o.Listener.Addr().String()
	for i, end := range []func(c *net.TCPConn){func(c *net.TCPConn) { c.CloseWrite() }, func(c *net.TCPConn) { rst(c) }} {
		c := dialProxy(t, f).(*net.TCPConn)
		c.SetDeadline(time.Now().Add(10 * time.Second))
		// The short body itself looks like a request: if the origin
		// connection were reused, the origin would read it as one.
		inner := fmt.Sprintf("GET /smuggled%d HTTP/1.1\r\nHost: %s\r\n\r\n", i, host)
		fmt.Fprintf(c, "POST %s/short%d HTTP/1.1\r\nHost: %s\r\nContent-Length: 100000\r\n\r\n%s", o.URL, i, host, inner)
		time.Sleep(50 * time.Millisecond)
		end(c)
		f.waitUntracked(t)
		for j := range 3 {
			cl := f.client()
			resp, err := cl.Get(fmt.Sprintf("%s/next%d-%d", o.URL, i, j))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			cl.CloseIdleConnections()
			if want := fmt.Sprintf("path=/next%d-%d", i, j); string(b) != want {
				t.Fatalf("next request got %q, want %q", b, want)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, s := range seen {
		if strings.Contains(s, "smuggled") {
			t.Fatalf("the origin read a short body's bytes as a request: %q", seen)
		}
	}
}

// prefixConn sends pre with its first write (so requests and a TLS
// ClientHello leave in one segment) and, before its first read, lets skip
// read the proxy's answers to those requests from br.
type prefixConn struct {
	net.Conn
	pre  []byte
	br   *bufio.Reader
	skip func(*bufio.Reader) error
}

func (p *prefixConn) Write(b []byte) (int, error) {
	if p.pre != nil {
		all := append(p.pre, b...)
		p.pre = nil
		if _, err := p.Conn.Write(all); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	return p.Conn.Write(b)
}

func (p *prefixConn) Read(b []byte) (int, error) {
	if p.skip != nil {
		skip := p.skip
		p.skip = nil
		if err := skip(p.br); err != nil {
			return 0, err
		}
	}
	return p.br.Read(b)
}

// A CONNECT after keep-alive requests, sent in the same write as those
// requests and as the TLS ClientHello behind it: the requests are answered
// in order, then the tunnel carries TLS to the origin intact.
func TestAdvConnectAfterKeepAlive(t *testing.T) {
	tlsOrigin := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "tls path=%s", r.URL.Path)
	}))
	defer tlsOrigin.Close()
	o := newAdvOrigin(t)
	f := startProxy(t, true, nil)
	host := o.Listener.Addr().String()
	c := dialProxy(t, f)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	var pre strings.Builder
	for i := range 3 {
		fmt.Fprintf(&pre, "GET %s/k%d HTTP/1.1\r\nHost: %s\r\n\r\n", o.URL, i, host)
	}
	target := tlsOrigin.Listener.Addr().String()
	fmt.Fprintf(&pre, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, target)
	pc := &prefixConn{Conn: c, pre: []byte(pre.String()), br: bufio.NewReader(c), skip: func(br *bufio.Reader) error {
		for i := range 3 {
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				return err
			}
			b, _ := io.ReadAll(resp.Body)
			if want := fmt.Sprintf("path=/k%d method=GET", i); string(b) != want {
				return fmt.Errorf("keep-alive %d: %q", i, b)
			}
		}
		resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
		if err != nil {
			return err
		}
		if resp.StatusCode != 200 {
			return fmt.Errorf("CONNECT: %s", resp.Status)
		}
		return nil
	}}
	pool := tlsOrigin.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	tc := tlsClient(pc, pool)
	if err := tc.Handshake(); err != nil {
		t.Fatalf("TLS through the tunnel: %v", err)
	}
	fmt.Fprintf(tc, "GET /inner HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target)
	resp, err := http.ReadResponse(bufio.NewReader(tc), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "tls path=/inner" {
		t.Fatalf("inner: %q", b)
	}
}

func tlsClient(c net.Conn, roots *x509.CertPool) *tls.Conn {
	return tls.Client(c, &tls.Config{RootCAs: roots, ServerName: "example.com"})
}

// 2,000 requests pipelined while the client reads concurrently: all are
// answered, in order, each whole (the proxy's writes wait for the client
// and its reads for the proxy's writes, with no deadlock and no loss).
func TestAdvPipelineFlood(t *testing.T) {
	o := newAdvOrigin(t)
	f := startProxy(t, true, nil)
	c := dialProxy(t, f)
	c.SetDeadline(time.Now().Add(60 * time.Second))
	host := o.Listener.Addr().String()
	const n = 2000
	go func() {
		var b bytes.Buffer
		for i := range n {
			fmt.Fprintf(&b, "GET %s/gen?n=%d HTTP/1.1\r\nHost: %s\r\n\r\n", o.URL, 1000+i*7, host)
		}
		c.Write(b.Bytes())
	}()
	br := bufio.NewReader(c)
	for i := range n {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil || fmt.Sprintf("%x %d", sha256.Sum256(body), len(body)) != patternSum(int64(1000+i*7)) {
			t.Fatalf("response %d: %d bytes, %v", i, len(body), err)
		}
	}
}

// Expect: 100-continue: the client that gets its 100 and then resets, and
// the one that never sends the body, both end cleanly; the proxy serves on.
func TestAdvExpectContinueResets(t *testing.T) {
	o := newAdvOrigin(t)
	f := startProxy(t, true, nil)
	host := o.Listener.Addr().String()
	c := dialProxy(t, f)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "POST %s/sha HTTP/1.1\r\nHost: %s\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\n\r\n", o.URL, host)
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("no 100: %q %v", line, err)
	}
	c.Write(make([]byte, 1000))
	time.Sleep(20 * time.Millisecond)
	rst(c)
	f.waitUntracked(t)
	stillServes(t, f, o)
	f.waitUntracked(t)
}

// An upload that keeps moving is not cut by the origin's header timeout,
// however long it takes (a large file from a slow uplink); a client that
// falls silent mid-body for longer than the read timeout is (slowloris).
func TestAdvLongUploadNotCut(t *testing.T) {
	o := newAdvOrigin(t)
	f := startProxy(t, true, func(c *gateway.Config) { c.ProxyReadTimeout = time.Second })
	f.srv.origins.headerTimeout = time.Second
	host := o.Listener.Addr().String()
	const piece, pieces = 1000, 30 // 3 s at 100 ms a piece
	c := dialProxy(t, f)
	c.SetDeadline(time.Now().Add(20 * time.Second))
	fmt.Fprintf(c, "POST %s/sha HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n", o.URL, host, piece*pieces)
	var all []byte
	for i := range pieces {
		b := bytes.Repeat([]byte{byte('a' + i%26)}, piece)
		all = append(all, b...)
		if _, err := c.Write(b); err != nil {
			t.Fatalf("piece %d: %v", i, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if want := fmt.Sprintf("%x %d", sha256.Sum256(all), len(all)); resp.StatusCode != 200 || string(body) != want {
		t.Fatalf("steady 3 s upload: %s %q, want %q", resp.Status, body, want)
	}

	// Silent past the timeout: cut, the client told so or its connection closed.
	c2 := dialProxy(t, f)
	c2.SetDeadline(time.Now().Add(20 * time.Second))
	fmt.Fprintf(c2, "POST %s/sha HTTP/1.1\r\nHost: %s\r\nContent-Length: 2000\r\n\r\n", o.URL, host)
	c2.Write(make([]byte, 1000))
	start := time.Now()
	got, _ := io.ReadAll(c2)
	if d := time.Since(start); d > 5*time.Second || bytes.Contains(got, []byte("200 OK")) {
		t.Fatalf("silent upload: ended after %v with %q", d, got)
	}
}

// Plain HTTP inside a CONNECT tunnel gets the same bound: a request body
// silent for the read timeout is cut; one that moves is not.
func TestAdvSilentBodyInTunnelCut(t *testing.T) {
	o := newAdvOrigin(t)
	f := startProxy(t, true, func(c *gateway.Config) { c.ProxyReadTimeout = time.Second })
	host := o.Listener.Addr().String()
	c := dialProxy(t, f)
	c.SetDeadline(time.Now().Add(20 * time.Second))
	fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", host, host)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("CONNECT: %v %v", resp, err)
	}
	// A moving body first: 2 s in pieces 100 ms apart.
	fmt.Fprintf(c, "POST /sha HTTP/1.1\r\nHost: %s\r\nContent-Length: 2000\r\n\r\n", host)
	for range 20 {
		c.Write(make([]byte, 100))
		time.Sleep(100 * time.Millisecond)
	}
	resp, err = http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if want := fmt.Sprintf("%x 2000", sha256.Sum256(make([]byte, 2000))); string(body) != want {
		t.Fatalf("moving body in a tunnel: %s %q", resp.Status, body)
	}
	fmt.Fprintf(c, "POST /sha HTTP/1.1\r\nHost: %s\r\nContent-Length: 2000\r\n\r\n", host)
	c.Write(make([]byte, 1000))
	start := time.Now()
	got, _ := io.ReadAll(br)
	if d := time.Since(start); d > 5*time.Second || bytes.Contains(got, []byte("200 OK")) {
		t.Fatalf("silent body in a tunnel: ended after %v with %q", d, got)
	}
}

// And inside a decrypted tunnel: a request body silent for the read
// timeout is cut.
func TestAdvSilentBodyDecryptedCut(t *testing.T) {
	ca, err := LoadOrCreateCA(t.TempDir() + "/ca")
	if err != nil {
		t.Fatal(err)
	}
	origin := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		fmt.Fprintf(w, "got %d", n)
	}))
	t.Cleanup(origin.Close) // after the client's connection closes
	f := startProxy(t, true, func(c *gateway.Config) { c.Default.Decrypt = "all"; c.ProxyReadTimeout = time.Second })
	f.srv.opt.CA = ca
	originRoots := x509.NewCertPool()
	originRoots.AddCert(origin.Certificate())
	f.srv.origins.roots = originRoots
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.CertPEM())

	target := origin.Listener.Addr().String()
	c := dialProxy(t, f)
	c.SetDeadline(time.Now().Add(20 * time.Second))
	fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, target)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("CONNECT: %v %v", resp, err)
	}
	tc := tls.Client(&prefixConn{Conn: c, br: br}, &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"})
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	if tc.ConnectionState().PeerCertificates[0].Issuer.CommonName != "honeygate gateway CA" {
		t.Fatal("not decrypted: the test proves nothing")
	}
	fmt.Fprintf(tc, "POST /up HTTP/1.1\r\nHost: %s\r\nContent-Length: 2000\r\n\r\n", target)
	tc.Write(make([]byte, 1000))
	start := time.Now()
	got, _ := io.ReadAll(tc)
	if d := time.Since(start); d > 5*time.Second || bytes.Contains(got, []byte("200 OK")) {
		t.Fatalf("silent body, decrypted: ended after %v with %q", d, got)
	}
}
