package iothttp

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/testkit/eventkit"
)

// startFront serves a sensor through the front door as production does,
// with a short head timeout.
func startFront(t *testing.T) (string, *eventkit.Recorder) {
	t.Helper()
	col := &eventkit.Recorder{Closed: make(chan string, 64)}
	s, err := New(DefaultConfig(), Options{Publisher: col, Sensor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	s.headTimeout = 300 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := s.NewServer(ctx)
	done := make(chan struct{})
	go func() { _ = srv.Serve(s.WrapListener(ln)); close(done) }()
	t.Cleanup(func() {
		cancel()
		sctx, c2 := context.WithTimeout(context.Background(), 5*time.Second)
		defer c2()
		_ = srv.Shutdown(sctx)
		<-done
	})
	return ln.Addr().String(), col
}

// raw sends b on a new connection, half-closes nothing, and returns all the
// server sent until it closed.
func raw(t *testing.T, addr string, b string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, b); err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("reading the answer to %q: %v (have %q)", b, err, out)
	}
	return string(out)
}

// miniHTTPDError is mini_httpd 1.19's error page as its send_error writes
// it (mini_httpd.c: add_headers, send_error_body, send_error_tail), with
// the Date line left for the caller to check.
func miniHTTPDError(protocol, status, text string) string {
	return protocol + " " + status + "\r\n" +
		"Server: mini_httpd/1.19 19dec2003\r\n" +
		"Date: DATE\r\n" +
		"Cache-Control: no-cache,no-store\r\n" +
		"Content-Type: text/html; charset=%s\r\n" +
		"Connection: close\r\n" +
		"\r\n" +
		"<HTML>\n" +
		"<HEAD><TITLE>" + status + "</TITLE></HEAD>\n" +
		"<BODY BGCOLOR=\"#cc9999\" TEXT=\"#000000\" LINK=\"#2020ff\" VLINK=\"#4040cc\">\n" +
		"<H4>" + status + "</H4>\n" +
		text + "\n" +
		"<HR>\n" +
		"<ADDRESS><A HREF=\"http://www.acme.com/software/mini_httpd/\">mini_httpd/1.19 19dec2003</A></ADDRESS>\n" +
		"</BODY>\n" +
		"</HTML>\n"
}

// withoutDate replaces the Date header's value by DATE after checking it is
// an RFC 1123 GMT time within a minute of now.
func withoutDate(t *testing.T, got string) string {
	t.Helper()
	i := strings.Index(got, "\r\nDate: ")
	if i < 0 {
		return got
	}
	j := strings.Index(got[i+2:], "\r\n")
	v := got[i+8 : i+2+j]
	d, err := time.Parse("Mon, 02 Jan 2006 15:04:05 GMT", v)
	if err != nil || time.Since(d).Abs() > time.Minute {
		t.Errorf("Date %q: %v", v, err)
	}
	return got[:i+8] + "DATE" + got[i+2+j:]
}

func TestFrontAnswersAsMiniHTTPD(t *testing.T) {
	addr, col := startFront(t)
	for _, c := range []struct {
		name, req, want string
	}{
		{"no request line", "HELLO\r\n\r\n", miniHTTPDError("(null)", "400 Bad Request", "Can't parse request.")},
		{"HTTP/0.9", "GET /\r\n\r\n", miniHTTPDError("(null)", "400 Bad Request", "Can't parse request.")},
		{"empty", "\r\n\r\n", miniHTTPDError("(null)", "400 Bad Request", "Can't parse request.")},
		{"host with a slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", miniHTTPDError("HTTP/1.1", "400 Bad Request", "Can't parse request.")},
		{"host with a leading dot", "GET / HTTP/1.0\r\nHost: .example\r\n\r\n", miniHTTPDError("HTTP/1.0", "400 Bad Request", "Can't parse request.")},
		{"unknown method", "PUT /x HTTP/1.1\r\nHost: a\r\n\r\n", miniHTTPDError("HTTP/1.1", "501 Not Implemented", "That method is not implemented.")},
		{"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", miniHTTPDError("HTTP/1.1", "501 Not Implemented", "That method is not implemented.")},
		{"bad method token", "G@T / HTTP/1.1\r\n\r\n", miniHTTPDError("HTTP/1.1", "501 Not Implemented", "That method is not implemented.")},
		{"absolute form", "GET http://www.example.com/ HTTP/1.1\r\nHost: www.example.com\r\n\r\n", miniHTTPDError("HTTP/1.1", "400 Bad Request", "Bad filename.")},
		{"parent", "GET /.. HTTP/1.1\r\n\r\n", miniHTTPDError("HTTP/1.1", "400 Bad Request", "Illegal filename.")},
		{"root by double slash", "GET //etc/passwd HTTP/1.1\r\n\r\n", miniHTTPDError("HTTP/1.1", "400 Bad Request", "Illegal filename.")},
		{"odd protocol echoed", "DELETE / SIP/2.0\r\n\r\n", miniHTTPDError("SIP/2.0", "501 Not Implemented", "That method is not implemented.")},
		{"unfinished head", "GET / HTTP/1.1\r\nHost: a\r\n", miniHTTPDError("(null)", "408 Request Timeout", "No request appeared within a reasonable time period.")},
		// Past the front door, the device's own 404 is mini_httpd's too.
		{"not found", "GET /cgi-bin/nothing HTTP/1.1\r\nHost: a\r\n\r\n", miniHTTPDError("HTTP/1.1", "404 Not Found", "File not found.")},
		{"not found, HEAD", "HEAD /x.php HTTP/1.0\r\n\r\n", miniHTTPDError("HTTP/1.0", "404 Not Found", "File not found.")},
		{"not found, odd protocol echoed", "GET /nothing FOO/9\r\n\r\n", miniHTTPDError("FOO/9", "404 Not Found", "File not found.")},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := withoutDate(t, raw(t, addr, c.req))
			if got != c.want {
				t.Errorf("answer to %q:\n%s\nwant:\n%s", c.req, got, c.want)
			}
		})
	}
	// The refusals are recorded like any request.
	var refused []event.Event
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		refused = refused[:0]
		for _, e := range col.OfKind(event.HTTPRequest) {
			if e.HTTP.Status >= 400 {
				refused = append(refused, e)
			}
		}
		if len(refused) >= 16 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(refused) < 16 {
		t.Errorf("%d refused requests recorded, want 16", len(refused))
	}
}

// MSIE gets mini_httpd's padding.
func TestFrontMSIEPadding(t *testing.T) {
	addr, _ := startFront(t)
	got := raw(t, addr, "TRACE / HTTP/1.1\r\nUser-Agent: Mozilla/4.0 (compatible; MSIE 6.0)\r\n\r\n")
	if strings.Count(got, "Padding so that MSIE deigns to show this error instead of its own canned one.\n") != 6 {
		t.Errorf("no MSIE padding:\n%s", got)
	}
}

// What mini_httpd accepts and Go's server would refuse reaches the device:
// no 400, 431 or 505 from net/http.
func TestFrontPassesWhatMiniHTTPDAccepts(t *testing.T) {
	addr, _ := startFront(t)
	huge := strings.Repeat("a", 40<<10)
	for _, c := range []struct{ name, req string }{
		{"header line without a colon", "GET / HTTP/1.1\r\nHost: a\r\nthis is not a header\r\n\r\n"},
		{"no Host on HTTP/1.1", "GET / HTTP/1.1\r\n\r\n"},
		{"host Go refuses", "GET / HTTP/1.1\r\nHost: a b<c>\r\n\r\n"},
		{"two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"},
		{"huge header", "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + huge + "\r\n\r\n"},
		{"bare LF", "GET / HTTP/1.1\nHost: a\n\n"},
		{"lower-case method", "get / HTTP/1.0\r\n\r\n"},
		{"bad Content-Length", "POST /login.cgi HTTP/1.1\r\nHost: a\r\nContent-Length: 5x\r\nContent-Length: 7\r\n\r\nusername=a"},
		{"chunked ignored", "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := raw(t, addr, c.req)
			resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(got)), nil)
			if err != nil {
				t.Fatalf("answer %q: %v", got, err)
			}
			if resp.StatusCode != 200 || !resp.Close {
				t.Errorf("status %d close %v, answer:\n%s", resp.StatusCode, resp.Close, got)
			}
			if !strings.HasPrefix(got, "HTTP/1.1 200") && !strings.HasPrefix(got, "HTTP/1.0 200") {
				t.Errorf("status line %q", got[:min(len(got), 40)])
			}
		})
	}
}

// A head with no end is dropped after a bounded read, without an answer.
func TestFrontBoundsEndlessHead(t *testing.T) {
	addr, col := startFront(t)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	go func() {
		line := []byte("X-A: " + strings.Repeat("b", 1000) + "\r\n")
		io.WriteString(c, "GET / HTTP/1.1\r\n")
		for range 1000 {
			if _, err := c.Write(line); err != nil {
				return
			}
		}
	}()
	out, _ := io.ReadAll(c)
	if len(out) != 0 {
		t.Errorf("answered %q", out[:min(len(out), 80)])
	}
	// The session says why it ended.
	select {
	case <-col.Closed:
	case <-time.After(5 * time.Second):
		t.Fatal("no session.closed")
	}
	if cl := col.OfKind(event.SessionClosed); len(cl) != 1 || cl[0].Message != "request head too long" {
		t.Errorf("closed %+v", cl)
	}
}

// FuzzParseHead: whatever the head, parseHead never panics, and a head it
// accepts is rewritten into one net/http parses with the same method.
func FuzzParseHead(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"POST /ctrlt/DeviceUpgrade_1 HTTP/1.1\r\nContent-Length: 10\r\nAuthorization: Digest x\r\n\r\n",
		"GET /\r\n\r\n", "HELLO\r\n\r\n", "get /%2e%2e/x FOO\n\n", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
		"GET /a?b=%zz HTTP/1.0\r\nX: \x01\r\n\r\n", "GET /\x7f HTTP/1.1\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, head []byte) {
		r := parseHead(head, false, "127.0.0.1:80")
		if r.refusal != nil {
			if !bytes.HasPrefix(r.refusal.bytes("s", r.protocol, r.userAgent, time.Now()), []byte(orNull(r.protocol)+" ")) {
				t.Fatal("status line does not start with the protocol")
			}
			return
		}
		if len(r.rewritten) > maxRewrittenHead && len(head) <= maxHeadKept {
			t.Fatalf("a head of %d bytes rewritten to %d, over net/http's bound", len(head), len(r.rewritten))
		}
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(r.rewritten)))
		if err != nil {
			t.Fatalf("rewritten head %q does not parse: %v", r.rewritten, err)
		}
		if req.Method != strings.ToUpper(r.method) {
			t.Fatalf("method %q became %q", r.method, req.Method)
		}
	})
}

func orNull(p string) string {
	if p == "" {
		return "(null)"
	}
	return p
}

// chunkReader returns its bytes n at a time, as TCP segments may.
type chunkReader struct {
	b []byte
	n int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	k := min(r.n, len(p), len(r.b))
	copy(p, r.b[:k])
	r.b = r.b[k:]
	return k, nil
}

// However the bytes are cut, readHead finds the head's end and returns
// what follows it whole: near the kept bound, across it, and far past it.
func TestReadHeadCuts(t *testing.T) {
	body := "username=admin&password=admin"
	for _, headLen := range []int{100, maxHeadKept - 300, maxHeadKept - 2, maxHeadKept, maxHeadKept + 1, maxHeadKept + 2, maxHeadKept + 3, maxHeadKept + 5000, 100 << 10} {
		start := "POST /login.cgi HTTP/1.1\r\nHost: a\r\nX-Pad: "
		head := start + strings.Repeat("p", headLen-len(start)-4) + "\r\n\r\n"
		for _, cut := range []int{1, 7, 1000, 4000, 4096} {
			r := &chunkReader{b: []byte(head + body), n: cut}
			got, rest, st := readHead(r)
			if st != headComplete {
				t.Fatalf("head %d cut %d: status %v", headLen, cut, st)
			}
			// What follows the head: what readHead read past it, then
			// what it left on the connection.
			if after, _ := io.ReadAll(r); string(rest)+string(after) != body {
				t.Errorf("head %d cut %d: after the head %q", headLen, cut, string(rest)+string(after))
			}
			switch {
			case len(head) <= maxHeadKept:
				if string(got) != head {
					t.Errorf("head %d cut %d: head of %d bytes", headLen, cut, len(got))
				}
			case len(got) > maxHeadKept+2 || !strings.HasPrefix(string(got), "POST /login.cgi HTTP/1.1\r\nHost: a\r\n") || !strings.HasSuffix(string(got), "\r\n"):
				// Past the bound: the request line and whole header lines
				// kept, ended by an empty line.
				t.Errorf("head %d cut %d: kept %d bytes ending %q", headLen, cut, len(got), got[max(0, len(got)-8):])
			}
			if lines := splitLines(got); len(lines) < 3 || lines[len(lines)-1] != "" {
				t.Errorf("head %d cut %d: no empty line at the end", headLen, cut)
			}
		}
	}
}

// slowCloses is a bus that takes its time over session.closed, as a real
// one may.
type slowCloses struct{ *eventkit.Recorder }

func (p slowCloses) Publish(ctx context.Context, e *event.Event) error {
	if e.Kind == event.SessionClosed {
		time.Sleep(200 * time.Millisecond)
	}
	return p.Recorder.Publish(ctx, e)
}

// The raw 404 is written whole before the session ends: ending it closes
// the connection, and with a slow bus a close at the hijack would beat the
// answer (the real binary answered nothing).
func TestRaw404WithSlowBus(t *testing.T) {
	col := &eventkit.Recorder{Closed: make(chan string, 8)}
	s, err := New(DefaultConfig(), Options{Publisher: slowCloses{col}, Sensor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := s.NewServer(ctx)
	done := make(chan struct{})
	go func() { _ = srv.Serve(s.WrapListener(ln)); close(done) }()
	t.Cleanup(func() {
		cancel()
		sctx, c2 := context.WithTimeout(context.Background(), 5*time.Second)
		defer c2()
		_ = srv.Shutdown(sctx)
		<-done
	})
	got := withoutDate(t, raw(t, ln.Addr().String(), "GET /nothing HTTP/1.1\r\nHost: a\r\n\r\n"))
	if want := miniHTTPDError("HTTP/1.1", "404 Not Found", "File not found."); got != want {
		t.Errorf("answer:\n%s\nwant:\n%s", got, want)
	}
	select {
	case <-col.Closed:
	case <-time.After(5 * time.Second):
		t.Error("session not closed")
	}
}

// mini_httpd's add_headers starts every answer with the protocol the
// client sent and ends its headers with "Connection: close"; net/http
// writes its own protocol and drops Connection on HTTP/1.0 (what zgrab and
// masscan send). The device's pages get both back.
func TestFrontAnswerHeadAsMiniHTTPD(t *testing.T) {
	addr, _ := startFront(t)
	for _, c := range []struct{ req, status string }{
		{"GET / HTTP/1.1\r\nHost: a\r\n\r\n", "HTTP/1.1 200 OK"},
		{"GET / HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK"},
		{"get / http/1.1\r\n\r\n", "http/1.1 200 OK"},
		{"GET / HTTP/2.0\r\n\r\n", "HTTP/2.0 200 OK"},
		{"GET / FOO/9\r\n\r\n", "FOO/9 200 OK"},
		{"GET  /  HTTP/1.1 \r\n\r\n", "HTTP/1.1  200 OK"}, // the protocol is the rest of the line
		{"HEAD / HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK"},
	} {
		got := raw(t, addr, c.req)
		head, _, ok := strings.Cut(got, "\r\n\r\n")
		if !ok || !strings.HasPrefix(head, c.status+"\r\n") || !strings.HasSuffix(head, "\r\nConnection: close") || strings.Count(head, "Connection:") != 1 {
			t.Errorf("answer to %q:\n%s", c.req, head)
		}
		// add_headers' order: Server, Date, the extras, Content-Type,
		// Content-Length.
		var names []string
		for _, l := range strings.Split(head, "\r\n")[1:] {
			name, _, _ := strings.Cut(l, ":")
			names = append(names, name)
		}
		if len(names) < 5 || names[0] != "Server" || names[1] != "Date" ||
			slices.Index(names, "Content-Type") > slices.Index(names, "Content-Length") || slices.Index(names, "Cache-Control") > slices.Index(names, "Content-Type") {
			t.Errorf("answer to %q: headers in the order %v", c.req, names)
		}
	}
	// The raw 404, already in mini_httpd's form, is left alone.
	for _, p := range []string{"HTTP/1.1", "HTTP/1.1 ", "HTTP/1.0"} {
		ans := (&refusal{404, "Not Found", "File not found."}).bytes("s", p, "", time.Now())
		if got := fixHead(ans, p); !bytes.Equal(got, ans) {
			t.Errorf("protocol %q: raw answer changed to %q", p, got[:40])
		}
	}
}

// mini_httpd finds the head's end with strstr, which stops at a NUL: a
// head with a NUL before its end never ends, and a client that waits gets
// the 408 (and one that closes gets its lines read as C strings). Go's
// reader would have answered at once.
func TestFrontNULHidesHeadEnd(t *testing.T) {
	addr, col := startFront(t) // a 300 ms head timeout
	for _, req := range []string{
		"GET /\x00x HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n",
		"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n", // a TLS hello
	} {
		start := time.Now()
		got := withoutDate(t, raw(t, addr, req))
		if want := miniHTTPDError("(null)", "408 Request Timeout", "No request appeared within a reasonable time period."); got != want {
			t.Errorf("answer to %q:\n%s", req, got)
		}
		if time.Since(start) < 250*time.Millisecond {
			t.Errorf("%q answered before the timeout", req)
		}
	}
	// A client that half-closes: the request line is cut at the NUL.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET /\x00x HTTP/1.1\r\n\r\n")
	c.(*net.TCPConn).CloseWrite()
	out, _ := io.ReadAll(c)
	if got, want := withoutDate(t, string(out)), miniHTTPDError("(null)", "400 Bad Request", "Can't parse request."); got != want {
		t.Errorf("half-closed:\n%s", got)
	}
	// A NUL after the head (a binary body) changes nothing.
	got := raw(t, addr, "POST /login.cgi HTTP/1.1\r\nContent-Length: 4\r\n\r\n\x00\x01\x02\x03")
	if !strings.HasPrefix(got, "HTTP/1.1 200 ") {
		t.Errorf("binary body: %q", got[:min(len(got), 40)])
	}
	// Every one recorded, each session closed.
	deadline := time.Now().Add(5 * time.Second)
	for len(col.OfKind(event.SessionClosed)) < 5 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n, m := len(col.OfKind(event.SessionConnect)), len(col.OfKind(event.SessionClosed)); n != 5 || m != 5 {
		t.Errorf("%d sessions, %d closed, want 5", n, m)
	}
}

// However the bytes are cut, a NUL before the end hides it and one after
// it does not.
func TestReadHeadNULCuts(t *testing.T) {
	for _, headLen := range []int{100, maxHeadKept - 2, maxHeadKept + 3, 100 << 10} {
		start := "POST /login.cgi HTTP/1.1\r\nX-Pad: "
		head := start + strings.Repeat("p", headLen-len(start)-4) + "\r\n\r\n"
		for _, cut := range []int{1, 7, 4096} {
			withNUL := head[:len(head)-5] + "\x00" + head[len(head)-4:]
			if _, _, st := readHead(&chunkReader{b: []byte(withNUL + "body"), n: cut}); st != headEOF {
				t.Errorf("head %d cut %d, NUL before the end: status %v", headLen, cut, st)
			}
			if _, rest, st := readHead(&chunkReader{b: []byte(head + "\x00body"), n: cut}); st != headComplete {
				t.Errorf("head %d cut %d, NUL after the end: status %v %q", headLen, cut, st, rest)
			}
		}
	}
}

// A target net/http cannot parse is %-escaped on its way in, up to three
// bytes for one: a long one must still meet the device's 404, not
// net/http's "431 Request Header Fields Too Large".
func TestFrontLongTargetsNo431(t *testing.T) {
	addr, _ := startFront(t)
	for _, req := range []string{
		"GET /" + strings.Repeat("\x01", maxHeadKept-40) + " HTTP/1.1\r\n\r\n",
		"GET /" + strings.Repeat("%zz", (maxHeadKept-40)/3) + " HTTP/1.1\r\n\r\n",
		"GET /" + strings.Repeat("\x80", maxHeadKept-40) + " HTTP/1.1\r\nHost: a b\r\n\r\n",
	} {
		got := withoutDate(t, raw(t, addr, req))
		if want := miniHTTPDError("HTTP/1.1", "404 Not Found", "File not found."); got != want {
			t.Errorf("%d-byte request: %q", len(req), got[:min(len(got), 60)])
		}
	}
}

// FuzzFixHead: whatever protocol the client sent (any bytes but a line's
// end), an answer from net/http leaves fixHead starting with it, with one
// Connection header, and its body untouched.
func FuzzFixHead(f *testing.F) {
	f.Add("HTTP/1.1", "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nServer: s\r\nDate: d\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi")
	f.Add("FOO/9 ", "HTTP/1.0 200 OK\r\nServer: s\r\n\r\n")
	f.Add("", "HTTP/1.0 404 Not Found\r\n\r\nx")
	f.Fuzz(func(t *testing.T, protocol, answer string) {
		if protocol == "" || strings.ContainsAny(protocol, "\r\n") {
			return
		}
		got := string(fixHead([]byte(answer), protocol))
		end := strings.Index(answer, "\r\n\r\n")
		status, _, _ := strings.Cut(answer, "\r\n")
		if end < 0 || !strings.HasPrefix(answer, "HTTP/1.") || !strings.Contains(status, " ") || len(status) > end {
			return
		}
		head, body, _ := strings.Cut(got, "\r\n\r\n")
		if !strings.HasPrefix(got, protocol+" ") || strings.Count(head, "\r\nConnection: close") != 1 || body != answer[end+4:] {
			t.Fatalf("fixHead(%q, %q) = %q", answer, protocol, got)
		}
	})
}
