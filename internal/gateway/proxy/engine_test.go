package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// raw sends one raw request on a fresh connection and returns the reply.
func raw(t *testing.T, addr, req string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(c)
	return string(b)
}

func TestHTTP10AndHead(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/stream" {
			_, _ = io.WriteString(w, "a")
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, "b")
			return
		}
		w.Header().Set("Content-Length", "5")
		_, _ = io.WriteString(w, "hello")
	}))
	defer origin.Close()
	f := startProxy(t, true, nil)
	host := origin.Listener.Addr().String()

	// HTTP/1.0 without keep-alive: the proxy closes after the response, and
	// a body of unknown length is delimited by that close (no chunking).
	got := raw(t, f.addr, "GET "+origin.URL+"/stream HTTP/1.0\r\nHost: "+host+"\r\n\r\n")
	if !strings.HasPrefix(got, "HTTP/1.1 200 OK\r\n") || strings.Contains(got, "chunked") || !strings.HasSuffix(got, "\r\n\r\nab") {
		t.Errorf("HTTP/1.0: %q", got)
	}
	// HEAD: headers with the length, no body.
	got = raw(t, f.addr, "HEAD "+origin.URL+"/ HTTP/1.1\r\nHost: "+host+"\r\nConnection: close\r\n\r\n")
	if !strings.Contains(got, "Content-Length: 5\r\n") || !strings.HasSuffix(got, "\r\n\r\n") {
		t.Errorf("HEAD: %q", got)
	}
	// A malformed request gets 400 and a close.
	if got = raw(t, f.addr, "GARBAGE\r\n\r\n"); !strings.HasPrefix(got, "HTTP/1.1 400 ") {
		t.Errorf("garbage: %q", got)
	}
	// An oversized head gets 431.
	if got = raw(t, f.addr, "GET "+origin.URL+"/ HTTP/1.1\r\nX: "+strings.Repeat("a", 200<<10)+"\r\n\r\n"); !strings.HasPrefix(got, "HTTP/1.1 431 ") {
		t.Errorf("huge head: %.80q", got)
	}
}

func TestExpectContinue(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "got %s", b)
	}))
	defer origin.Close()
	f := startProxy(t, true, nil)
	c, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "POST %s/ HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n", origin.URL)
	br := bufio.NewReader(c)
	line, _ := br.ReadString('\n')
	if line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("want 100 Continue first, got %q", line)
	}
	_, _ = br.ReadString('\n')
	_, _ = io.WriteString(c, "body")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "got body" {
		t.Fatalf("%q", b)
	}
}

func TestStalePooledConnectionRetried(t *testing.T) {
	n := 0
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		_, _ = io.WriteString(w, "ok")
	}))
	defer origin.Close()
	f := startProxy(t, true, nil)
	cl := f.client()
	for i := 0; i < 2; i++ {
		resp, err := cl.Get(origin.URL)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "ok" || resp.StatusCode != 200 {
			t.Fatalf("request %d: %d %q", i, resp.StatusCode, b)
		}
		// The origin drops its idle connections (as servers do on timeout).
		origin.CloseClientConnections()
		time.Sleep(50 * time.Millisecond)
	}
}
