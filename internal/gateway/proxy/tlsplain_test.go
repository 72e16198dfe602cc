package proxy

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// A client that speaks TLS to the plain proxy port (https:// proxy URL
// set by mistake) must be answered or dropped at once, not held for the
// header timeout: its first byte, 0x16, is no SOCKS version and no
// request line.
func TestTLSOnPlainPortEndsQuickly(t *testing.T) {
	f := startProxy(t, true, nil)
	c, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	err = tls.Client(c, &tls.Config{ServerName: "proxy.example", InsecureSkipVerify: true}).Handshake()
	if err == nil {
		t.Fatal("a TLS handshake with the plain port succeeded")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("TLS on the plain port held %v (%v)", d, err)
	}
}

// A CONNECT after a request on the same keep-alive connection opens the
// tunnel (browsers reuse a proxy connection so), and the tunnel carries
// TLS to the origin.
func TestConnectAfterKeepAlive(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "plain") }))
	defer plain.Close()
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secure") }))
	defer secure.Close()
	f := startProxy(t, true, nil)
	c, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	fmt.Fprintf(c, "GET %s/ HTTP/1.1\r\nHost: %s\r\n\r\n", plain.URL, plain.Listener.Addr())
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "plain" {
		t.Fatalf("GET: %d %q", resp.StatusCode, b)
	}
	host := secure.Listener.Addr().String()
	fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", host, host)
	resp, err = http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("CONNECT after a GET: %v %v", resp, err)
	}
	tc := tls.Client(&bufConn{Conn: c, r: br}, &tls.Config{InsecureSkipVerify: true})
	fmt.Fprintf(tc, "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", host)
	resp, err = http.ReadResponse(bufio.NewReader(tc), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	if string(b) != "secure" {
		t.Errorf("through the tunnel: %d %q", resp.StatusCode, b)
	}
}

type bufConn struct {
	net.Conn
	r *bufio.Reader
}

func (b *bufConn) Read(p []byte) (int, error) { return b.r.Read(p) }
