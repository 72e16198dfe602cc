package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// TestChunkedWithLengthClosesConnection: a request framed with
// Transfer-Encoding and carrying a Content-Length too is answered by its
// chunks and the connection then closed (RFC 9112 section 6.3: such a
// server "MUST close the connection after responding", since whoever
// framed it by the Content-Length takes the bytes after it for something
// else). The body reaches the origin whole, reframed; the smuggled request
// behind it is never read. A chunked request without a Content-Length
// keeps the connection (TestAdvPipelined pipelines them).
func TestChunkedWithLengthClosesConnection(t *testing.T) {
	o := newAdvOrigin(t)
	f := startProxy(t, true, nil)
	for _, spelling := range []string{"Content-Length: 3", "content-length:3", "CONTENT-LENGTH:  0"} {
		t.Run(spelling, func(t *testing.T) {
			c := dialProxy(t, f)
			fmt.Fprintf(c, "POST %s/sha HTTP/1.1\r\nHost: %s\r\n%s\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET %s/smuggled HTTP/1.1\r\nHost: %s\r\n\r\n",
				o.URL, o.Listener.Addr(), spelling, o.URL, o.Listener.Addr())
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			br := bufio.NewReader(c)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824 5" {
				t.Fatalf("origin got %q; want the 5-byte body hello", b)
			}
			if !resp.Close {
				t.Errorf("response lacks Connection: close")
			}
			rest, err := io.ReadAll(br)
			if len(rest) != 0 || err != nil {
				t.Fatalf("after the response: %q, %v; want the connection closed", rest, err)
			}
		})
	}
	stillServes(t, f, o)
}

func TestHasContentLength(t *testing.T) {
	for head, want := range map[string]bool{
		"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\n":          true,
		"POST / HTTP/1.1\r\ncOnTeNt-LeNgTh:1\r\n\r\n":                      true,
		"POST / HTTP/1.1\r\nX-Content-Length: 1\r\n\r\n":                   false,
		"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n": false,
		"POST /content-length: HTTP/1.1\r\n\r\n":                           false,
	} {
		if got := hasContentLength([]byte(head)); got != want {
			t.Errorf("hasContentLength(%q) = %v, want %v", head, got, want)
		}
	}
}
