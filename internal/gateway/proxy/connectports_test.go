package proxy

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestConnectPorts: with gateway.connect_ports given, a CONNECT to a port
// outside it gets 403 with the reason and never reaches the destination;
// one to a listed port tunnels; a listed host on an unlisted port is still
// recorded as a block (intel judges first).
func TestConnectPorts(t *testing.T) {
	open := echoListener(t)
	closed := echoListener(t)
	_, openPort, _ := net.SplitHostPort(open.Addr().String())
	p, _ := strconv.Atoi(openPort)
	f := startProxyOpts(t, true, nil, func(o *Options) { o.ConnectPorts = []int{443, p} })
	f.intel.Add("domain", "listed.test", "c2")

	connect := func(target string) (*http.Response, net.Conn, *bufio.Reader) {
		t.Helper()
		c, err := net.Dial("tcp", f.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, target)
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
		if err != nil {
			t.Fatal(err)
		}
		return resp, c, br
	}

	resp, _, _ := connect(closed.Addr().String())
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("X-Honeygate-Reason") != "connect-port" || !strings.Contains(string(body), "connect_ports") {
		t.Fatalf("unlisted port: %s %q", resp.Status, body)
	}
	if n := closed.accepted(); n != 0 {
		t.Fatalf("the refused CONNECT reached its destination (%d connections)", n)
	}
	if b := f.rec.Blocks(); len(b) != 0 {
		t.Fatalf("a port refusal recorded as a block: %+v", b)
	}

	resp, c, br := connect(open.Addr().String())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("listed port: %s", resp.Status)
	}
	// A tunnel carries TLS (plain bytes that are not HTTP are refused:
	// tunnelhttp.go), so the echo is of a ClientHello.
	hello := clientHello(t, "echo.test", tls.VersionTLS13)
	_, _ = c.Write(hello)
	echo := make([]byte, len(hello))
	if _, err := io.ReadFull(br, echo); err != nil || !bytes.Equal(echo, hello) {
		t.Fatalf("tunnel echo: %d bytes %v", len(echo), err)
	}

	resp, _, _ = connect("c2.listed.test:8080")
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("X-Honeygate-Ref") == "" {
		t.Fatalf("listed host on an unlisted port: %s %q", resp.Status, resp.Header)
	}
	if b := f.waitBlocks(t, 1); len(b) != 1 || b[0].Port != 8080 {
		t.Fatalf("listed host on an unlisted port not recorded as a block: %+v", b)
	}
}

type countingListener struct {
	net.Listener
	n chan struct{}
}

func (l *countingListener) accepted() int { return len(l.n) }

// echoListener serves a line echo on loopback and counts connections.
func echoListener(t *testing.T) *countingListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &countingListener{Listener: ln, n: make(chan struct{}, 100)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			l.n <- struct{}{}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	return l
}
