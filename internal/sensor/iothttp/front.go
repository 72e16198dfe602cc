package iothttp

import (
	"bytes"
	"io"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

// The front door: what the device's web server (mini_httpd 1.19, the
// profile's Server) would refuse, it refuses as mini_httpd does, before Go's
// net/http sees the request. net/http answers malformed requests itself
// ("400 Bad Request" in plain text, "431 Request Header Fields Too Large",
// "505 HTTP Version Not Supported"), which no router does: a scanner that
// sends a broken request line reads "Go" off the answer.
//
// mini_httpd (acme.com, handle_request and send_error in mini_httpd.c)
// reads the request up to the first empty line, then: a request line
// without a method, path and protocol is "400 Bad Request / Can't parse
// request."; a Host header with a '/' or a leading '.' is the same; a method
// other than GET, HEAD or POST (any case) is "501 Not Implemented"; a path
// that does not start with '/' after %-decoding (an absolute URL, '*') is
// "400 Bad Request / Bad filename."; a path that still names the root or
// its parent after collapsing (//x, /..) is "400 Bad Request / Illegal
// filename."; nothing for 60 seconds is "408 Request Timeout". The status
// line repeats the protocol the client sent, or "(null)" (C's printf of a
// null string) when the request line could not be parsed. It ignores header
// lines it cannot read, has no header size limit, and serves one request
// per connection.
//
// What passes is handed to net/http rewritten into a form it accepts with
// the same meaning: header lines mini_httpd would ignore are dropped, a
// missing or unusable Host becomes the address the client connected to, the
// last Content-Length is kept as mini_httpd reads it (atol),
// Transfer-Encoding and Expect are dropped (mini_httpd knows neither), and a
// protocol other than HTTP/1.0 or 1.1 becomes HTTP/1.0. The answer's head
// is given back the client's protocol, and mini_httpd's "Connection:
// close" (fixHead). A NUL byte in the head hides its end, as from
// mini_httpd's strstr (readHead).

const (
	maxHeadKept    = 16 << 10  // the part of the head parsed and kept
	maxHeadSkipped = 256 << 10 // the most read past it looking for its end; then the connection is dropped
	// maxRewrittenHead bounds the head net/http gets (its MaxHeaderBytes):
	// the kept head rewritten, where a target net/http cannot parse is
	// %-escaped (a byte may become three) and Host may become the local
	// address. Under it net/http would answer its own "431 Request Header
	// Fields Too Large", which mini_httpd has no words for.
	maxRewrittenHead = 3*maxHeadKept + 1<<10
	miniHTTPDURL     = "http://www.acme.com/software/mini_httpd/"
	headTimeout      = 60 * time.Second // mini_httpd's READ_TIMEOUT
	bodyTimeout      = 30 * time.Second // the server's ReadTimeout, restored after the head
)

// WrapListener puts the front door in front of ln: serve the sensor's
// NewServer on what it returns.
func (s *Sensor) WrapListener(ln net.Listener) net.Listener {
	return &frontListener{Listener: ln, s: s}
}

type frontListener struct {
	net.Listener
	s *Sensor
}

func (l *frontListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &frontConn{Conn: c, s: l.s}, nil
}

// frontConn checks the head on net/http's first read; it is what the
// http.Server holds, and the inner connection is what the gate gave.
type frontConn struct {
	net.Conn
	s    *Sensor
	once sync.Once
	r    io.Reader
	err  error

	// protocol is what the client's request line said; the first write
	// (an answer's head) is given it (fixHead).
	protocol string
	wrote    atomic.Bool
}

// Write passes the first write, an answer's head, through fixHead.
func (c *frontConn) Write(p []byte) (int, error) {
	if c.protocol == "" || c.wrote.Swap(true) {
		return c.Conn.Write(p)
	}
	if _, err := c.Conn.Write(fixHead(p, c.protocol)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// fixHead makes net/http's answer head what mini_httpd's add_headers
// writes: the status line starts with the protocol the client sent
// (net/http writes HTTP/1.0 or 1.1, and the front door gave it one of
// those); the headers come in add_headers' order (Server, Date, the extra
// ones, Content-Type, Content-Length, Last-Modified) where net/http sorts
// the handler's by name and appends its own; and "Connection: close" ends
// them whatever the protocol (net/http drops it for HTTP/1.0, where
// closing is the default). An answer already in that form (the raw 404)
// is left alone.
func fixHead(p []byte, protocol string) []byte {
	end := bytes.Index(p, []byte("\r\n\r\n"))
	if end < 0 || !bytes.HasPrefix(p, []byte("HTTP/1.")) && !bytes.HasPrefix(p, []byte(protocol+" ")) {
		return p
	}
	status, rest, _ := bytes.Cut(p[:end], []byte("\r\n"))
	sp := bytes.IndexByte(status, ' ')
	if sp < 0 {
		return p
	}
	var lines [][]byte
	if len(rest) > 0 {
		lines = bytes.Split(rest, []byte("\r\n"))
	}
	lines = slices.DeleteFunc(lines, func(l []byte) bool { return headerRank(l) == rankConnection })
	slices.SortStableFunc(lines, func(a, b []byte) int { return headerRank(a) - headerRank(b) })
	out := make([]byte, 0, len(p)+len(protocol)+len("\r\nConnection: close"))
	if bytes.HasPrefix(status, []byte(protocol+" ")) {
		out = append(out, status...) // said already (the raw 404; HTTP/1.1)
	} else {
		out = append(append(out, protocol...), status[sp:]...)
	}
	for _, l := range lines {
		out = append(append(out, "\r\n"...), l...)
	}
	out = append(out, "\r\nConnection: close"...)
	return append(out, p[end:]...)
}

const rankConnection = 6

// headerRank is a header line's place in add_headers' order.
func headerRank(line []byte) int {
	name, _, _ := bytes.Cut(line, []byte(":"))
	switch strings.ToLower(string(name)) {
	case "server":
		return 0
	case "date":
		return 1
	case "content-type":
		return 3
	case "content-length":
		return 4
	case "last-modified":
		return 5
	case "connection":
		return rankConnection
	}
	return 2 // extra_header: Cache-Control, Location, WWW-Authenticate, Set-Cookie
}

func (c *frontConn) Read(p []byte) (int, error) {
	c.once.Do(c.check)
	if c.err != nil {
		return 0, c.err
	}
	return c.r.Read(p)
}

// check reads the head, answers and closes if mini_httpd would refuse it,
// and otherwise sets up the rewritten head and the rest for net/http.
func (c *frontConn) check() {
	timeout := headTimeout
	if c.s.headTimeout > 0 {
		timeout = c.s.headTimeout
	}
	_ = c.Conn.SetReadDeadline(time.Now().Add(timeout))
	head, rest, status := readHead(c.Conn)
	if status == headTooLong {
		c.s.dropReason(c, "request head too long")
		c.err = io.EOF
		c.Conn.Close()
		return
	}
	la, _ := c.Conn.LocalAddr().(*net.TCPAddr)
	local := ""
	if la != nil {
		local = la.String()
	}
	req := parseHead(head, status == headTimedOut, local)
	if req.refusal != nil {
		c.s.refused(c, req)
		_ = c.Conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
		_, _ = c.Conn.Write(req.refusal.bytes(c.s.cfg.Server, req.protocol, req.userAgent, time.Now()))
		c.err = io.EOF
		c.Conn.Close()
		return
	}
	c.s.noteProtocol(c, req.protocol)
	c.protocol = req.protocol
	_ = c.Conn.SetReadDeadline(time.Now().Add(bodyTimeout))
	c.r = io.MultiReader(bytes.NewReader(req.rewritten), bytes.NewReader(rest), c.Conn)
}

type headStatus int

const (
	headComplete headStatus = iota
	headTimedOut            // the client stopped before the empty line (or closed)
	headEOF
	headTooLong
)

// readHead reads up to the end of the head (an empty line: CRLFCRLF or
// LFLF, as mini_httpd looks for them). It keeps maxHeadKept bytes; past
// that it reads on without keeping, up to maxHeadSkipped. rest is what was
// read after the head.
//
// mini_httpd looks for the end with strstr on its request buffer, which
// stops at the first NUL byte: once a NUL came before the end, it never
// sees one, and reads on until the client closes or its timeout. So does
// readHead.
func readHead(r io.Reader) (head, rest []byte, st headStatus) {
	buf := make([]byte, 0, 2048)
	chunk := make([]byte, 4096)
	skipped := 0
	nul := false    // a NUL came before any end: no end is looked for any more
	var tail []byte // the last bytes seen while skipping, to find an end split across reads
	for {
		n, err := r.Read(chunk)
		if n > 0 {
			if skipped == 0 && len(buf)+n <= maxHeadKept {
				buf = append(buf, chunk[:n]...)
				if i := headEnd(buf); i >= 0 {
					return buf[:i], buf[i:], headComplete
				}
			} else {
				if skipped == 0 { // keep what fits, then look for the end in what follows
					keep := maxHeadKept - len(buf)
					buf = append(buf, chunk[:keep]...)
					chunk2 := chunk[keep:n]
					if i := headEnd(buf); i >= 0 { // the end was in the part kept
						return buf[:i], append(append([]byte(nil), buf[i:]...), chunk2...), headComplete
					}
					nul = bytes.IndexByte(buf, 0) >= 0
					tail = append([]byte(nil), buf[len(buf)-min(3, len(buf)):]...)
					skipped = 1
					joined := append(tail, chunk2...)
					if i := headEnd(joined); i >= 0 && !nul {
						return cutLastLine(buf), joined[i:], headComplete
					}
					nul = nul || bytes.IndexByte(chunk2, 0) >= 0
					tail = lastN(joined, 3)
				} else {
					joined := append(tail, chunk[:n]...)
					if i := headEnd(joined); i >= 0 && !nul {
						return cutLastLine(buf), joined[i:], headComplete
					}
					nul = nul || bytes.IndexByte(chunk[:n], 0) >= 0
					tail = lastN(joined, 3)
				}
				skipped += n
				if skipped > maxHeadSkipped {
					return nil, nil, headTooLong
				}
			}
		}
		if err != nil {
			if skipped > 0 {
				buf = cutLastLine(buf)
			}
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				return buf, nil, headTimedOut
			}
			return buf, nil, headEOF
		}
	}
}

// headEnd is the index just past the head's empty line in b, or -1: in
// the part of b before any NUL, as strstr sees it.
func headEnd(b []byte) int {
	if z := bytes.IndexByte(b, 0); z >= 0 {
		b = b[:z]
	}
	i, j := bytes.Index(b, []byte("\r\n\r\n")), bytes.Index(b, []byte("\n\n"))
	switch {
	case i < 0 && j < 0:
		return -1
	case i < 0:
		return j + 2
	case j < 0 || i+4 <= j+2:
		return i + 4
	default:
		return j + 2
	}
}

// cutLastLine drops an unfinished last line of a head cut at maxHeadKept,
// and ends the head with an empty line.
func cutLastLine(b []byte) []byte {
	if i := bytes.LastIndexAny(b, "\r\n"); i >= 0 {
		b = b[:i+1]
	}
	// A CR after a line's end is the start of the empty line, cut at the
	// bound: the head is whole.
	if n := len(b); n >= 2 && b[n-1] == '\r' && b[n-2] == '\n' {
		b = b[:n-1]
	}
	return append(b, "\r\n"...)
}

func lastN(b []byte, n int) []byte {
	if len(b) <= n {
		return append([]byte(nil), b...)
	}
	return append([]byte(nil), b[len(b)-n:]...)
}

// refusal is one of mini_httpd's error pages.
type refusal struct {
	status int
	title  string
	text   string
}

var (
	errCantParse   = &refusal{400, "Bad Request", "Can't parse request."}
	errBadFilename = &refusal{400, "Bad Request", "Bad filename."}
	errIllegalFile = &refusal{400, "Bad Request", "Illegal filename."}
	errNotImpl     = &refusal{501, "Not Implemented", "That method is not implemented."}
	errTimeout     = &refusal{408, "Request Timeout", "No request appeared within a reasonable time period."}
	errNotFound    = &refusal{404, "Not Found", "File not found."}
)

// bytes is the whole answer, as send_error writes it: the status line with
// the client's protocol, Server, Date, Cache-Control for errors, the
// Content-Type whose %s mini_httpd 1.19 never fills in, Connection: close,
// then the page (MSIE gets the padding that keeps its own error page away).
func (e *refusal) bytes(server, protocol, userAgent string, now time.Time) []byte {
	if protocol == "" {
		protocol = "(null)"
	}
	var b strings.Builder
	code := strconv.Itoa(e.status)
	b.WriteString(protocol + " " + code + " " + e.title + "\r\n")
	b.WriteString("Server: " + server + "\r\n")
	b.WriteString("Date: " + now.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT") + "\r\n")
	b.WriteString("Cache-Control: no-cache,no-store\r\n")
	b.WriteString("Content-Type: text/html; charset=%s\r\n")
	b.WriteString("Connection: close\r\n\r\n")
	b.WriteString("<HTML>\n<HEAD><TITLE>" + code + " " + e.title + "</TITLE></HEAD>\n")
	b.WriteString("<BODY BGCOLOR=\"#cc9999\" TEXT=\"#000000\" LINK=\"#2020ff\" VLINK=\"#4040cc\">\n")
	b.WriteString("<H4>" + code + " " + e.title + "</H4>\n" + e.text + "\n")
	if strings.Contains(userAgent, "MSIE") {
		b.WriteString("<!--\n")
		for range 6 {
			b.WriteString("Padding so that MSIE deigns to show this error instead of its own canned one.\n")
		}
		b.WriteString("-->\n")
	}
	b.WriteString("<HR>\n<ADDRESS><A HREF=\"" + miniHTTPDURL + "\">" + server + "</A></ADDRESS>\n</BODY>\n</HTML>\n")
	return []byte(b.String())
}

// frontRequest is a head as mini_httpd reads it.
type frontRequest struct {
	method, target, protocol, userAgent, host string
	refusal                                   *refusal
	rewritten                                 []byte
}

// splitLines splits a head as get_request_line does: a line ends at CR, LF
// or CRLF.
func splitLines(b []byte) []string {
	var out []string
	for len(b) > 0 {
		i := bytes.IndexAny(b, "\r\n")
		if i < 0 { // no terminator: get_request_line returns nothing
			break
		}
		out = append(out, string(b[:i]))
		if b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n' {
			i++
		}
		b = b[i+1:]
	}
	return out
}

// parseHead judges a head as mini_httpd would, in its order, and for one it
// accepts builds the head net/http gets. timedOut: the client stopped
// sending before the empty line.
func parseHead(head []byte, timedOut bool, local string) frontRequest {
	var r frontRequest
	if timedOut {
		r.refusal = errTimeout
		return r
	}
	lines := splitLines(head)
	for i, l := range lines { // each line is a C string: it ends at a NUL
		if z := strings.IndexByte(l, 0); z >= 0 {
			lines[i] = l[:z]
		}
	}
	if len(lines) == 0 {
		r.refusal = errCantParse
		return r
	}
	// "METHOD<ws>PATH<ws>PROTOCOL": the protocol is the rest of the line.
	first := lines[0]
	i := strings.IndexAny(first, " \t")
	if i < 0 {
		r.refusal = errCantParse
		return r
	}
	r.method = first[:i]
	path := strings.TrimLeft(first[i+1:], " \t")
	j := strings.IndexAny(path, " \t")
	if j < 0 {
		r.refusal = errCantParse
		return r
	}
	r.target, r.protocol = path[:j], strings.TrimLeft(path[j+1:], " \t")

	var headers []string
	contentLength := ""
	for _, line := range lines[1:] {
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		value = strings.TrimLeft(value, " \t")
		switch {
		case ok && strings.EqualFold(name, "Host"):
			if strings.Contains(value, "/") || strings.HasPrefix(value, ".") {
				r.refusal = errCantParse
				return r
			}
			if r.host == "" {
				r.host = value
			}
			continue
		case ok && strings.EqualFold(name, "User-Agent"):
			r.userAgent = value
		case ok && strings.EqualFold(name, "Content-Length"):
			contentLength = value
			continue
		case ok && (strings.EqualFold(name, "Transfer-Encoding") || strings.EqualFold(name, "Expect")):
			continue
		}
		if !ok || !validToken(name) || !validValue(value) {
			continue // a line mini_httpd never looks at
		}
		headers = append(headers, name+": "+value)
	}
	switch strings.ToUpper(r.method) {
	case "GET", "HEAD", "POST":
	default:
		r.refusal = errNotImpl
		return r
	}
	rawPath, _, _ := strings.Cut(r.target, "?")
	decoded := strdecode(rawPath)
	if !strings.HasPrefix(decoded, "/") {
		r.refusal = errBadFilename
		return r
	}
	if illegalFile(decoded[1:]) {
		r.refusal = errIllegalFile
		return r
	}
	if _, err := url.ParseRequestURI(r.target); err != nil || strings.ContainsAny(r.target, "\x00\x7f") {
		// mini_httpd would look for such a file and not find it; net/http
		// would not parse it. Only a 404 is left, and the router's answer
		// is that.
		r.target = "/" + url.PathEscape(strings.TrimPrefix(decoded, "/"))
	}

	proto := r.protocol
	if proto != "HTTP/1.0" && proto != "HTTP/1.1" {
		proto = "HTTP/1.0"
	}
	host := r.host
	if host == "" || !validHost(host) {
		host = local
	}
	var b bytes.Buffer
	b.WriteString(strings.ToUpper(r.method) + " " + r.target + " " + proto + "\r\n")
	b.WriteString("Host: " + host + "\r\n")
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	if contentLength != "" {
		b.WriteString("Content-Length: " + strconv.FormatInt(max(atol(contentLength), 0), 10) + "\r\n")
	}
	b.WriteString("\r\n")
	r.rewritten = b.Bytes()
	return r
}

// strdecode %-decodes as mini_httpd does: "%xx" with two hex digits
// becomes the byte, anything else is kept.
func strdecode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(v))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// illegalFile is mini_httpd's test after de_dotdot: with slashes collapsed
// and leading "./" and "../" removed, a file that still starts with '/' or
// is ".." (or under it) is refused.
func illegalFile(f string) bool {
	for strings.Contains(f, "//") {
		f = strings.ReplaceAll(f, "//", "/")
	}
	for strings.HasPrefix(f, "./") {
		f = f[2:]
	}
	for strings.HasPrefix(f, "../") {
		f = f[3:]
	}
	return strings.HasPrefix(f, "/") || f == ".." || strings.HasPrefix(f, "../")
}

// atol reads a number as C's atol: leading blanks, a sign, digits; anything
// else ends it.
func atol(s string) int64 {
	s = strings.TrimLeft(s, " \t")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var n int64
	for i := 0; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		if n > (1<<62)/10 {
			break
		}
		n = n*10 + int64(s[i]-'0')
	}
	if neg {
		return -n
	}
	return n
}

// refused records a request the front door answered: the session's
// http.request with what mini_httpd answered.
func (s *Sensor) refused(c *frontConn, r frontRequest) {
	v, ok := s.conns.Load(net.Conn(c))
	if !ok {
		return
	}
	cc := v.(*conn)
	cc.mu.Lock()
	defer cc.mu.Unlock()
	e := cc.event(s, event.HTTPRequest)
	e.HTTP.Method = text(r.method, 16)
	e.HTTP.URI = text(r.target, maxEventText)
	e.HTTP.Host = text(r.host, 256)
	e.HTTP.UserAgent = text(r.userAgent, 512)
	e.HTTP.Status = r.refusal.status
	e.Message = text(r.refusal.text, 128)
	s.emit(cc, e)
}

// validToken, validValue and validHost are what net/http accepts in a header
// name, a header value and Host (RFC 9110 tokens, no controls but tab, the
// URI host characters), written out here so that what they let through
// never meets net/http's own 400.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

func validValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

func validHost(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~:[]%!$&'()*+,;=", c) >= 0) {
			return false
		}
	}
	return true
}

// dropReason records why the front door dropped c without an answer, for
// its session.closed.
func (s *Sensor) dropReason(c *frontConn, reason string) {
	if v, ok := s.conns.Load(net.Conn(c)); ok {
		cc := v.(*conn)
		cc.mu.Lock()
		cc.reason = reason
		cc.mu.Unlock()
	}
}

// noteProtocol keeps the protocol the client sent on its session, for the
// status line of the answers written raw (mini_httpd echoes it).
func (s *Sensor) noteProtocol(c *frontConn, protocol string) {
	if v, ok := s.conns.Load(net.Conn(c)); ok {
		cc := v.(*conn)
		cc.mu.Lock()
		cc.protocol = protocol
		cc.mu.Unlock()
	}
}
