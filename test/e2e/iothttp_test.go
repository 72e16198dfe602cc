package e2e

import (
	"io"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"
)

// rawHTTP sends req on its own connection and returns all the server sent.
func rawHTTP(t *testing.T, addr, req string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, req)
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("answer to %q: %v", req, err)
	}
	return string(b)
}

// The router's web server answers what it cannot parse as mini_httpd 1.19
// does, never with Go's own 400 or 431, through the real binary; and the
// refusal is recorded.
func TestIoTHTTPMalformedAsMiniHTTPD(t *testing.T) {
	s := startServer(t, t.TempDir(), "--listen", "web=127.0.0.1:0", "--listen", "telnet=off", "--listen", "iot-http=127.0.0.1:0")
	addr := s.addrs["iot-http"][0]
	for _, c := range []struct{ req, status, text string }{
		{"GET http://www.example.com/ HTTP/1.1\r\nHost: www.example.com\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n", "Bad filename."},
		{"GET /\r\n\r\n", "(null) 400 Bad Request\r\n", "Can't parse request."},
		{"PUT /x HTTP/1.1\r\nHost: a\r\n\r\n", "HTTP/1.1 501 Not Implemented\r\n", "That method is not implemented."},
		{"GET /nothing.php HTTP/1.1\r\nHost: a\r\n\r\n", "HTTP/1.1 404 Not Found\r\n", "File not found."},
	} {
		got := rawHTTP(t, addr, c.req)
		if !strings.HasPrefix(got, c.status+"Server: mini_httpd/1.19 19dec2003\r\n") || !strings.Contains(got, "\r\n\r\n<HTML>") || !strings.Contains(got, "\n"+c.text+"\n") {
			t.Errorf("answer to %q:\n%s", c.req, got)
		}
	}
	// Go would answer 431; mini_httpd reads on.
	big := "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + strings.Repeat("a", 40<<10) + "\r\n\r\n"
	if got := rawHTTP(t, addr, big); !strings.HasPrefix(got, "HTTP/1.1 200 OK\r\n") {
		t.Errorf("a large header: %.80q", got)
	}
	waitFor(t, "the refusals recorded", 20*time.Second, func() bool {
		n := 0
		for _, e := range s.events(url.Values{"kind": {"http.request"}, "limit": {"100"}}) {
			if e.Message != "" {
				n++
			}
		}
		return n >= 3
	})
}
