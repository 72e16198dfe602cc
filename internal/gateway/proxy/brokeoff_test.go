package proxy

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"
)

// An origin that sends a whole listed file and then breaks the connection
// (no final chunk, or one byte short of its Content-Length, or a gzip
// stream that is complete but whose transfer is not) must not get the file
// to the client whole: the piece held back is the one that completes it,
// and a broken transfer is no reason to send it unjudged. Found by the
// adversarial review: the held piece used to be passed on before the abort,
// so the client had every byte of the listed file.
func TestListedFileThenBreakOffNeverWhole(t *testing.T) {
	f := startProxy(t, true, nil)
	bad := trojan(t, f, holdMax+200<<10) // too large to hold: streamed
	gz := gzipped(bad)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := bad
		switch r.URL.Path {
		case "/length":
			w.Header().Set("Content-Length", strconv.Itoa(len(bad)+1))
		case "/gzip":
			w.Header().Set("Content-Encoding", "gzip")
			body = gz
		}
		for i := 0; i < len(body); i += 64 << 10 {
			_, _ = w.Write(body[i:min(i+64<<10, len(body))])
			w.(http.Flusher).Flush()
		}
		panic(http.ErrAbortHandler) // close without a clean end
	}))
	defer origin.Close()
	for _, c := range []struct {
		path string
		want []byte
	}{{"/chunked", bad}, {"/length", bad}, {"/gzip", gz}} {
		_, _, body, _ := fetch(t, f, origin.URL+c.path, map[string]string{"Accept-Encoding": "gzip"})
		if len(body) >= len(c.want) || !bytes.Equal(body, c.want[:len(body)]) {
			t.Errorf("%s: the client got %d of %d bytes: the listed file passed whole", c.path, len(body), len(c.want))
		}
	}
	waitHoldFree(t, f, 0)
}

// rawOrigin answers every connection with head followed by body, as
// written, then closes: framing a Go server would never produce.
func rawOrigin(t *testing.T, head string, body []byte) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = http.ReadRequest(bufio.NewReader(c))
				_, _ = c.Write([]byte(head))
				_, _ = c.Write(body)
			}()
		}
	}()
	return "http://" + l.Addr().String() + "/f.exe"
}

// A small listed file with odd framing still gets the block page: with
// both Content-Length (a wrong one) and chunked, and as HTTP/1.0 read to
// the close without any length.
func TestListedFileOddFraming(t *testing.T) {
	f := startProxy(t, true, nil)
	bad := trojan(t, f, 5000)
	chunked := []byte(fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(bad), bad))
	for name, c := range map[string]struct {
		head string
		body []byte
	}{
		"length+chunked": {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n", chunked},
		"1.0 to close":   {"HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n", bad},
	} {
		status, h, body, rerr := fetch(t, f, rawOrigin(t, c.head, c.body), nil)
		if !blocked(status, h, body, rerr, bad) {
			t.Errorf("%s: status %d, %d bytes, err %v; want the block page", name, status, len(body), rerr)
		}
	}
}

// One client cannot take the whole hold budget: its requests to an origin
// that announces 1 MiB and then stalls hold at most its share, and another
// client's small listed file still gets the block page.
func TestHoldShareOneClient(t *testing.T) {
	f := startProxy(t, true, nil)
	stall := make(chan struct{})
	defer close(stall)
	staller, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer staller.Close()
	go func() {
		for {
			c, err := staller.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = http.ReadRequest(bufio.NewReader(c))
				_, _ = fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\nMZ", holdMax)
				<-stall
			}()
		}
	}()
	const stalled = holdShare + 2 // MiB asked for by one client: more than its share
	for range stalled {
		go func() {
			c := f.client()
			c.Timeout = 0
			if resp, err := c.Get("http://" + staller.Addr().String() + "/big"); err == nil {
				resp.Body.Close()
			}
		}()
	}
	share := max(f.srv.hold.limit/holdShare, holdMax)
	deadline := time.Now().Add(5 * time.Second)
	for f.srv.hold.used.Load() < share && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // the rest would have been held by now
	if used := f.srv.hold.used.Load(); used != share {
		t.Fatalf("one client holds %d bytes; its share is %d", used, share)
	}

	bad := trojan(t, f, 3000)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeIn(w, bad, "two", true)
	}))
	defer origin.Close()
	pu, _ := url.Parse("http://" + f.addr)
	other := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: http.ProxyURL(pu),
		DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}).DialContext}}
	resp, err := other.Get(origin.URL + "/f.exe")
	if err != nil {
		t.Fatal(err)
	}
	body, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !blocked(resp.StatusCode, resp.Header, body, rerr, bad) {
		t.Errorf("another client: status %d, %d bytes, err %v; want the block page", resp.StatusCode, len(body), rerr)
	}
}
