package proxy

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// openTunnel CONNECTs to hostport through the proxy and returns the
// tunnel, its reader and the proxy's answer.
func openTunnel(t *testing.T, f *fixture, hostport string) (net.Conn, *bufio.Reader, int) {
	t.Helper()
	c, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %[1]s\r\n\r\n", hostport)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: "CONNECT"})
	if err != nil {
		t.Fatal(err)
	}
	return c, br, resp.StatusCode
}

// Plain HTTP through a CONNECT tunnel (curl -p) is judged as a proxied
// request is: a listed file gets the block page, a listed URL too, an
// unlisted page passes intact (keep-alive in the tunnel); a request for
// another host than the tunnel's, and bytes that are neither TLS nor HTTP,
// are refused instead of spliced through.
func TestPlainHTTPInTunnelJudged(t *testing.T) {
	f := startProxy(t, true, nil)
	listed := trojan(t, f, 27000)
	page := bytes.Repeat([]byte("an unlisted page in a tunnel. "), 100)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/file":
			_, _ = w.Write(listed)
		default:
			_, _ = w.Write(page)
		}
	}))
	defer origin.Close()
	hostport := origin.Listener.Addr().String()
	f.intel.Add("url", origin.URL+"/phish", "phishing")

	get := func(c net.Conn, br *bufio.Reader, path, host string) (*http.Response, []byte) {
		t.Helper()
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, host)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, b
	}

	c, br, code := openTunnel(t, f, hostport)
	if code != 200 {
		t.Fatalf("CONNECT: %d", code)
	}
	for i := 0; i < 2; i++ { // two requests, one tunnel
		resp, b := get(c, br, "/page", hostport)
		if resp.StatusCode != 200 || !bytes.Equal(b, page) {
			t.Fatalf("page %d: status %d, %d bytes", i, resp.StatusCode, len(b))
		}
	}
	for _, p := range []string{"/file", "/phish"} {
		c, br, _ := openTunnel(t, f, hostport)
		resp, b := get(c, br, p, hostport)
		if !blocked(resp.StatusCode, resp.Header, b, nil, []byte("x")) && !(p == "/phish" && resp.StatusCode == 403 && resp.Header.Get("X-Honeygate-Ref") != "") {
			t.Errorf("%s in a tunnel: status %d, %d bytes: want the block page", p, resp.StatusCode, len(b))
		}
		if bytes.Contains(b, listed[:64]) {
			t.Errorf("%s: the listed file came through the tunnel", p)
		}
	}
	if n := len(f.waitBlocks(t, 2)); n != 2 {
		t.Errorf("%d blocks recorded, want 2", n)
	}

	// Another host by Host, and something that is not HTTP at all.
	c, br, _ = openTunnel(t, f, hostport)
	resp, _ := get(c, br, "/page", "elsewhere.test")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("another host in the tunnel: status %d, want 400", resp.StatusCode)
	}
	c, br, _ = openTunnel(t, f, hostport)
	fmt.Fprint(c, "SSH-2.0-OpenSSH_9.6\r\n\r\n")
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("not TLS, not HTTP: %v %v, want 400", resp, err)
	}
	if _, err := io.ReadAll(br); err != nil {
		t.Errorf("the refused tunnel did not end cleanly: %v", err)
	}
}

// Only WebSocket switches protocols (TestWebSocketUpgrade); h2c is dropped
// (the request goes on as HTTP/1.1), any other protocol gets 501 and never
// reaches the origin.
func TestUpgradeOnlyWebSocket(t *testing.T) {
	var seen originLog
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.add(r.Header)
		if r.Header.Get("Upgrade") != "" {
			c, brw, _ := http.NewResponseController(w).Hijack()
			defer c.Close()
			fmt.Fprintf(brw, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: %s\r\n\r\nraw unhashed bytes", r.Header.Get("Upgrade"))
			brw.Flush()
			return
		}
		_, _ = io.WriteString(w, "plain answer")
	}))
	defer origin.Close()
	f := startProxy(t, true, nil)
	try := func(proto string) (int, string) {
		c, err := net.Dial("tcp", f.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprintf(c, "GET %s/x HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: %s\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n", origin.URL, origin.Listener.Addr(), proto)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("%s: %v", proto, err)
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		return resp.StatusCode, string(b)
	}
	for _, p := range []string{"x-file", "TLS/1.2", "websocket, x-file"} {
		if code, body := try(p); code != http.StatusNotImplemented || strings.Contains(body, "raw unhashed") {
			t.Errorf("Upgrade: %s: status %d %q, want 501", p, code, body)
		}
	}
	if code, body := try("h2c"); code != 200 || body != "plain answer" {
		t.Errorf("Upgrade: h2c: status %d %q, want the plain answer", code, body)
	}
	for _, h := range seen.all() {
		if h.Get("Upgrade") != "" {
			t.Errorf("the origin was asked to upgrade to %q", h.Get("Upgrade"))
		}
	}
}

// A TLS hello the peek cannot read has a server name nobody judged: the
// tunnel is refused with an access_denied alert and the origin gets nothing.
func TestMalformedHelloRefused(t *testing.T) {
	f := startProxy(t, true, nil)
	got := make(chan int, 1)
	addr, _ := silentServer(t, func(c net.Conn) {
		n, _ := io.Copy(io.Discard, c)
		got <- int(n)
	})
	c, br, code := openTunnel(t, f, addr)
	if code != 200 {
		t.Fatalf("CONNECT: %d", code)
	}
	// A handshake record with a ClientHello whose body is one byte.
	_, _ = c.Write([]byte{0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00})
	answer, _ := io.ReadAll(br)
	if !bytes.Equal(answer, tlsAccessDenied) {
		t.Errorf("malformed hello: the proxy answered %x, want the access_denied alert", answer)
	}
	select {
	case n := <-got:
		if n != 0 {
			t.Errorf("the origin got %d bytes of an unjudged hello", n)
		}
	case <-time.After(5 * time.Second):
		t.Error("the origin connection stayed open")
	}
}
