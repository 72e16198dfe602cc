package proxy

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// stallOrigin is a raw TCP origin that answers each connection with what
// answer writes and then keeps the connection open, silent, until the test
// ends; no goroutine of its own outlives answer.
type stallOrigin struct {
	l     net.Listener
	mu    sync.Mutex
	conns []net.Conn
	wg    sync.WaitGroup
}

func newStallOrigin(t *testing.T, answer func(c net.Conn)) *stallOrigin {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := &stallOrigin{l: l}
	o.wg.Add(1)
	go func() {
		defer o.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			o.mu.Lock()
			o.conns = append(o.conns, c)
			o.mu.Unlock()
			o.wg.Add(1)
			go func() {
				defer o.wg.Done()
				br := bufio.NewReader(c)
				if _, err := http.ReadRequest(br); err != nil {
					return
				}
				answer(c)
			}()
		}
	}()
	t.Cleanup(o.close)
	return o
}

func (o *stallOrigin) close() {
	o.l.Close()
	o.mu.Lock()
	for _, c := range o.conns {
		c.Close()
	}
	o.mu.Unlock()
	o.wg.Wait()
}

// settle waits until the process has at most n goroutines, or reports how
// many it still has after a few seconds.
func settle(n int) int {
	deadline := time.Now().Add(5 * time.Second)
	for {
		g := runtime.NumGoroutine()
		if g <= n || time.Now().After(deadline) {
			return g
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestStalledOriginBodyTimesOut: an origin that sends its head and part of
// the body and then nothing no longer holds the client: after the read
// timeout the client has the bytes so far (all but the piece held back for
// the hash) and its connection closes; a held (small) body that stalls is
// a 502; nothing is left running, and the proxy keeps serving.
func TestStalledOriginBodyTimesOut(t *testing.T) {
	const timeout = 300 * time.Millisecond
	f := startProxyOpts(t, true, nil, func(o *Options) { o.ReadTimeout = timeout })
	sent := bytes.Repeat([]byte("stalled body. "), (2<<20)/14)
	large := newStallOrigin(t, func(c net.Conn) {
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", 4<<20)
		for i := 0; i < len(sent); i += 64 << 10 {
			if _, err := c.Write(sent[i:min(i+64<<10, len(sent))]); err != nil {
				return
			}
			time.Sleep(time.Millisecond)
		}
	})
	small := newStallOrigin(t, func(c net.Conn) {
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly a part")
	})
	noise := make([]byte, 1<<20)
	for i := range noise {
		noise[i] = byte(i*7919 + i>>8*31)
	}
	gz := gzipped(noise)
	encoded := newStallOrigin(t, func(c net.Conn) {
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n", len(gz)+(2<<20))
		_, _ = c.Write(gz) // all but the promised rest: the tail (tail.go) waits
	})
	headOnly := newStallOrigin(t, func(c net.Conn) {
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
	})
	runtime.GC()
	base := runtime.NumGoroutine()

	get := func(origin net.Listener) (status int, body []byte, took time.Duration, rerr error) {
		t.Helper()
		c, err := net.Dial("tcp", f.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(30 * time.Second))
		start := time.Now()
		fmt.Fprintf(c, "GET http://%s/stall HTTP/1.1\r\nHost: %s\r\n\r\n", origin.Addr(), origin.Addr())
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("head: %v", err)
		}
		body, rerr = io.ReadAll(resp.Body)
		took = time.Since(start)
		if rerr != nil {
			// A broken body: the proxy closed the connection, nothing more comes.
			if _, err := br.ReadByte(); err == nil {
				t.Errorf("the connection stayed open after a broken body")
			}
		}
		return resp.StatusCode, body, took, rerr
	}

	st, body, took, rerr := get(large.l)
	if st != 200 || rerr == nil {
		t.Errorf("large stalled body: status %d, read error %v; want 200 and a broken transfer", st, rerr)
	}
	if len(body) < len(sent)-bufSize || !bytes.Equal(body, sent[:len(body)]) {
		t.Errorf("large stalled body: the client got %d bytes, want the %d sent so far (less one held piece), intact", len(body), len(sent))
	}
	if took > timeout+5*time.Second {
		t.Errorf("large stalled body: took %v", took)
	}

	st, body, took, rerr = get(encoded.l)
	if st != 200 || rerr == nil || took > timeout+5*time.Second || len(body) < len(gz)-bufSize || !bytes.Equal(body, gz[:len(body)]) {
		t.Errorf("large encoded stalled body: status %d, %d of %d bytes, err %v after %v; want 200, the wire so far (less one piece), a broken transfer", st, len(body), len(gz), rerr, took)
	}

	st, body, took, rerr = get(small.l)
	if st != http.StatusBadGateway || rerr != nil || !strings.Contains(string(body), "broke off") || took > timeout+5*time.Second {
		t.Errorf("small stalled body: status %d body %q err %v after %v, want a clean 502 after the read timeout", st, body, rerr, took)
	}
	st, _, took, _ = get(headOnly.l)
	if st != http.StatusBadGateway || took > timeout+5*time.Second {
		t.Errorf("chunked head then silence: status %d after %v, want 502 after the read timeout", st, took)
	}

	if g := settle(base); g > base {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after the stalls, %d before:\n%s", g, base, buf[:runtime.Stack(buf, true)])
	}

	// Still serving.
	ok := newStallOrigin(t, func(c net.Conn) {
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
	})
	if st, body, _, rerr := get(ok.l); st != 200 || rerr != nil || string(body) != "ok" {
		t.Errorf("after the stalls: status %d body %q err %v", st, body, rerr)
	}
}

// TestClientThatStopsReadingTimesOut: a client that asks for a large body
// and stops reading is dropped after the write timeout, and the origin
// connection with it; nothing is left running.
func TestClientThatStopsReadingTimesOut(t *testing.T) {
	const timeout = 300 * time.Millisecond
	f := startProxyOpts(t, true, nil, func(o *Options) { o.WriteTimeout = timeout })
	originDone := make(chan error, 1)
	chunk := bytes.Repeat([]byte{'x'}, 64<<10)
	origin := newStallOrigin(t, func(c net.Conn) {
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", 1<<30)
		for {
			if _, err := c.Write(chunk); err != nil {
				originDone <- err
				return
			}
		}
	})
	runtime.GC()
	base := runtime.NumGoroutine()
	c, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(64 << 10)
	}
	fmt.Fprintf(c, "GET http://%s/big HTTP/1.1\r\nHost: %s\r\n\r\n", origin.l.Addr(), origin.l.Addr())
	// The client reads nothing; the proxy's writes block, then time out,
	// and it closes the origin connection: the origin's write fails.
	select {
	case <-originDone:
	case <-time.After(20 * time.Second):
		t.Fatal("the proxy kept writing to a client that stopped reading")
	}
	c.Close()
	if g := settle(base); g > base {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after, %d before:\n%s", g, base, buf[:runtime.Stack(buf, true)])
	}
}
