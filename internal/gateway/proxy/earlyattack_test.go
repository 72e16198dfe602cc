package proxy

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Second read of the early-answer relay (origin.go earlyResponse), by an
// origin that answers an upload early and keeps its connection open, and
// a client whose body carries what looks like a second request. The rest
// of that body must never reach any origin as a request (request
// smuggling across clients through a pooled origin connection), the origin
// connection that answered early must not be reused, and a slow early
// answer (chunked over three seconds) must reach the client whole.
func TestEarlyAnswerNoSmuggling(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var mu sync.Mutex
	var seen []string // request lines the origin read, "conn#: line"
	conns := 0
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns++
			id := conns
			mu.Unlock()
			go func(c net.Conn) {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					mu.Lock()
					seen = append(seen, fmt.Sprintf("%d: %s %s", id, req.Method, req.URL.Path))
					mu.Unlock()
					if req.Method == http.MethodPost {
						// Early, kept alive, chunked and slow; the
						// body is never read.
						c.Write([]byte("HTTP/1.1 413 Payload Too Large\r\nTransfer-Encoding: chunked\r\n\r\n"))
						for _, part := range []string{"too ", "large", "!"} {
							time.Sleep(time.Second)
							fmt.Fprintf(c, "%x\r\n%s\r\n", len(part), part)
						}
						c.Write([]byte("0\r\n\r\n"))
						// Then, as a keep-alive server does, skip
						// the body by its framing and wait for the
						// next request on this connection.
						io.Copy(io.Discard, req.Body)
						continue
					}
					io.Copy(io.Discard, req.Body)
					c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
				}
			}(c)
		}
	}()
	f := startProxy(t, true, nil)

	// Client A: a 4 MiB body whose bytes are requests.
	smuggled := fmt.Sprintf("GET /smuggled HTTP/1.1\r\nHost: %s\r\n\r\n", l.Addr())
	body := bytes.Repeat([]byte(smuggled), (4<<20)/len(smuggled))
	a, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(a, "POST http://%s/upload HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n", l.Addr(), l.Addr(), len(body))
	go a.Write(body)
	resp, err := http.ReadResponse(bufio.NewReader(a), nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || string(got) != "too large!" {
		t.Errorf("client A got %d %q (%v), want the origin's whole 413 'too large!'", resp.StatusCode, got, err)
	}

	// Client B, another connection, to the same origin.
	b, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(b, "GET http://%s/b HTTP/1.1\r\nHost: %s\r\n\r\n", l.Addr(), l.Addr())
	resp, err = http.ReadResponse(bufio.NewReader(b), nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ = io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(got) != "ok" {
		t.Errorf("client B got %d %q", resp.StatusCode, got)
	}
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	for _, s := range seen {
		if strings.Contains(s, "/smuggled") {
			t.Fatalf("the origin read a request from inside client A's body: %d requests, first %v", len(seen), seen[:min(len(seen), 4)])
		}
	}
	if len(seen) != 2 || seen[0] != "1: POST /upload" || !strings.HasSuffix(seen[1], ": GET /b") || strings.HasPrefix(seen[1], "1:") {
		t.Errorf("origin saw %v; want the upload on one connection and B's GET on another", seen)
	}
}
