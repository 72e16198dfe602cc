package proxy

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// An origin may answer a request before it has read the body and close
// the connection: nginx's 413 for a body over client_max_body_size, a 401
// or a redirect before an upload, a server that does not take POST (501).
// The client is owed that answer, as Squid and Go's Transport relay it; the
// proxy, failing to write the rest of the body, used to answer 502.
func TestOriginEarlyResponseRelayed(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				br := bufio.NewReader(c)
				if _, err := http.ReadRequest(br); err != nil {
					return
				}
				// Answer at once, read none of the body, close: with
				// the body unread, the close is a reset.
				c.Write([]byte("HTTP/1.1 413 Payload Too Large\r\nContent-Type: text/plain\r\nContent-Length: 9\r\nConnection: close\r\n\r\ntoo large"))
			}(c)
		}
	}()
	f := startProxy(t, true, nil)
	const size = 16 << 20
	for _, tc := range []struct{ name, head string }{
		{"content-length", "Content-Length: 16777216\r\n"},
		{"chunked", "Transfer-Encoding: chunked\r\n"},
		{"expect-continue", "Content-Length: 16777216\r\nExpect: 100-continue\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", f.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second))
			fmt.Fprintf(c, "POST http://%s/upload HTTP/1.1\r\nHost: %s\r\n%s\r\n", l.Addr(), l.Addr(), tc.head)
			// The client sends its body as a client does, whatever comes
			// back meanwhile; the answer is read beside it.
			go func() {
				chunk := bytes.Repeat([]byte("x"), 64<<10)
				for sent := 0; sent < size; sent += len(chunk) {
					if strings.HasPrefix(tc.name, "chunked") {
						fmt.Fprintf(c, "%x\r\n", len(chunk))
					}
					if _, err := c.Write(chunk); err != nil {
						return
					}
					if strings.HasPrefix(tc.name, "chunked") {
						c.Write([]byte("\r\n"))
					}
				}
			}()
			br := bufio.NewReader(c)
			resp, err := http.ReadResponse(br, nil)
			for err == nil && resp.StatusCode == http.StatusContinue {
				resp, err = http.ReadResponse(br, nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusRequestEntityTooLarge || string(b) != "too large" {
				t.Errorf("got %d %q, want the origin's 413 %q", resp.StatusCode, b, "too large")
			}
		})
	}
}
