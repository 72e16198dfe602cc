package proxy

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The lean writer sends the origin the same head as net/http's
// Request.Write (the request line and Host first, the other fields in any
// order) for every request it takes; the rest it leaves to net/http.
func TestLeanWriteMatchesNetHTTP(t *testing.T) {
	for _, raw := range []string{
		"GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.5\r\nAccept: */*\r\n\r\n",
		"GET http://example.com:8080/a/b%2Fc?q=1&r=%20x HTTP/1.1\r\nHost: other.example\r\nAccept: */*\r\nX-Multi: a\r\nX-Multi: b\r\n\r\n",
		"HEAD http://EXAMPLE.com./x HTTP/1.1\r\nHost: example.com\r\nUser-Agent:\r\n\r\n",
		"POST http://example.com/form HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n",
		"DELETE http://example.com/item/1 HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n",
		"OPTIONS http://example.com/ HTTP/1.1\r\nHost: example.com\r\nCookie: a=1; b=2\r\nAuthorization: Basic eDp5\r\n\r\n",
		"GET http://user:pw@example.com/secret HTTP/1.1\r\nHost: example.com\r\n\r\n",
		"GET http://[::1]:8080/v6 HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
		"GET http://example.com/ HTTP/1.0\r\nUser-Agent: old/1.0\r\n\r\n",
		"GET http://example.com/ws HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
	} {
		t.Run(strings.SplitN(raw, "\r\n", 2)[0], func(t *testing.T) {
			parse := func() *http.Request {
				req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
				if err != nil {
					t.Fatal(err)
				}
				up := upgradeType(req.Header)
				removeHopByHop(req.Header)
				if up != "" {
					req.Header.Set("Connection", "Upgrade")
					req.Header.Set("Upgrade", up)
				}
				addVia(req.Header, "1.1 honeygate", []string{"1.1 honeygate"})
				return req
			}
			lean := parse()
			if !leanWritable(lean) {
				t.Fatal("not taken by the lean writer")
			}
			var a, b bytes.Buffer
			bw := bufio.NewWriter(&a)
			if err := writeLean(bw, lean); err != nil {
				t.Fatal(err)
			}
			_ = bw.Flush()
			if err := writeNetHTTP(&b, parse(), nil); err != nil {
				t.Fatal(err)
			}
			if got, want := headLines(a.String()), headLines(b.String()); !slices.Equal(got, want) {
				t.Fatalf("lean:\n%s\nnet/http:\n%s", a.String(), b.String())
			}
		})
	}
}

// headLines is a head's lines with the first two (request line, Host) in
// place and the fields after them sorted.
func headLines(h string) []string {
	lines := strings.Split(strings.TrimSuffix(h, "\r\n\r\n"), "\r\n")
	if len(lines) > 2 {
		slices.Sort(lines[2:])
	}
	return lines
}

func TestLeanWritableLeavesTheRest(t *testing.T) {
	for _, raw := range []string{
		"POST http://example.com/ HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\n\r\nabc",
		"POST http://example.com/ HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"GET http://b\xc3\xbccher.example/ HTTP/1.1\r\nHost: b\xc3\xbccher.example\r\n\r\n",
		"GET http://[fe80::1%25eth0]:80/ HTTP/1.1\r\nHost: [fe80::1%25eth0]:80\r\n\r\n",
	} {
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			continue // refused by the parser: never written at all
		}
		if leanWritable(req) {
			t.Errorf("lean writer took %q", raw)
		}
	}
}

// countingOrigin counts the connections an origin accepts.
func countingOrigin(t *testing.T, body string) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	o := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, body) }))
	o.Config.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateNew {
			n.Add(1)
		}
	}
	o.Start()
	t.Cleanup(o.Close)
	return o, &n
}

// One client connection alternating between two origins, then a second
// client after the first has gone: every request is answered by the right
// origin, and each origin sees one connection in all (the one kept for the
// client goes back to the pool when it moves on or leaves).
func TestOriginConnectionKeptPerClient(t *testing.T) {
	a, na := countingOrigin(t, "from a")
	b, nb := countingOrigin(t, "from b")
	f := startProxy(t, true, nil)
	ask := func(br *bufio.Reader, c net.Conn, o *httptest.Server, i int) {
		t.Helper()
		fmt.Fprintf(c, "GET %s/%d HTTP/1.1\r\nHost: %s\r\n\r\n", o.URL, i, o.Listener.Addr())
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if want := map[*httptest.Server]string{a: "from a", b: "from b"}[o]; string(got) != want {
			t.Fatalf("request %d: %q, want %q", i, got, want)
		}
	}
	for client := range 2 {
		c, err := net.Dial("tcp", f.addr)
		if err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(c)
		for i := range 10 {
			o := a
			if i%3 == 2 || client == 1 && i%2 == 1 {
				o = b
			}
			ask(br, c, o, i)
		}
		c.Close()
		// The proxy sees the close and releases the client's origin
		// connection before the next client asks.
		waitFor(t, func() bool { f.srv.mu.Lock(); defer f.srv.mu.Unlock(); return len(f.srv.conns) == 0 })
	}
	if na.Load() != 1 || nb.Load() != 1 {
		t.Fatalf("origins saw %d and %d connections, want 1 each", na.Load(), nb.Load())
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 500 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition not met in 5s")
}
