package proxy

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// silentServer accepts connections on loopback and, per connection, runs
// serve (nil: reads and never answers); it reports each connection's end.
func silentServer(t *testing.T, serve func(c net.Conn)) (addr string, ended chan time.Time) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	ended = make(chan time.Time, 16)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if serve != nil {
					serve(c)
				} else {
					_, _ = io.Copy(io.Discard, c)
				}
				ended <- time.Now()
			}()
		}
	}()
	return l.Addr().String(), ended
}

// waitEnd reads c until it ends and returns how long after start it did.
func waitEnd(t *testing.T, c net.Conn, r io.Reader, start time.Time) time.Duration {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := io.Copy(io.Discard, r)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the connection was still up after 10 s")
	}
	return time.Since(start)
}

// A tunnel and an upgraded connection whose peers are both silent are
// closed after the read timeout (both sockets: the client's and the
// origin's); a tunnel with traffic, however slow, stays up past it.
func TestTunnelsTimeOutWhenIdle(t *testing.T) {
	// Long enough that a loaded machine (and -race) does not stall a
	// busy tunnel's sender past it.
	const limit = 500 * time.Millisecond
	f := startProxyOpts(t, true, nil, func(o *Options) { o.ReadTimeout = limit })

	t.Run("silent tunnel", func(t *testing.T) {
		addr, ended := silentServer(t, nil)
		c, br, code := openTunnel(t, f, addr)
		if code != 200 {
			t.Fatalf("CONNECT: %d", code)
		}
		start := time.Now()
		_, _ = c.Write(clientHello(t, "quiet.test", tls.VersionTLS13))
		if d := waitEnd(t, c, br, start); d < limit || d > 5*limit+time.Second {
			t.Errorf("the silent tunnel ended after %v, want about %v", d, limit)
		}
		select {
		case <-ended:
		case <-time.After(5 * time.Second):
			t.Error("the origin side of the tunnel stayed open")
		}
	})

	t.Run("busy tunnel", func(t *testing.T) {
		addr, _ := silentServer(t, func(c net.Conn) { _, _ = io.Copy(c, c) }) // an echo
		c, br, _ := openTunnel(t, f, addr)
		hello := clientHello(t, "busy.test", tls.VersionTLS13)
		_, _ = c.Write(hello)
		if _, err := io.ReadFull(br, make([]byte, len(hello))); err != nil {
			t.Fatal(err)
		}
		// A byte each way every limit/5, for six times the limit.
		for i := 0; i < 30; i++ {
			time.Sleep(limit / 5)
			if _, err := c.Write([]byte{'x'}); err != nil {
				t.Fatalf("write %d: %v", i, err)
			}
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := br.ReadByte(); err != nil {
				t.Fatalf("after %v of slow traffic the tunnel ended: %v", time.Duration(i+1)*limit/5, err)
			}
		}
	})

	t.Run("silent upgrade", func(t *testing.T) {
		addr, ended := silentServer(t, func(c net.Conn) {
			br := bufio.NewReader(c)
			if _, err := http.ReadRequest(br); err != nil {
				return
			}
			fmt.Fprint(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
			_, _ = io.Copy(io.Discard, br)
		})
		c, err := net.Dial("tcp", f.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "GET http://%s/ws HTTP/1.1\r\nHost: %[1]s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", addr)
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil || resp.StatusCode != 101 {
			t.Fatalf("upgrade: %v %v", resp, err)
		}
		start := time.Now()
		if d := waitEnd(t, c, br, start); d < limit || d > 5*limit+time.Second {
			t.Errorf("the silent upgraded connection ended after %v, want about %v", d, limit)
		}
		select {
		case <-ended:
		case <-time.After(5 * time.Second):
			t.Error("the origin side of the upgrade stayed open")
		}
	})
}
