package e2e

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// Telnet bytes (RFC 854).
const (
	iac  = 255
	dont = 254
	do   = 253
	wont = 252
	will = 251
	sb   = 250
	se   = 240
	naws = 31
)

// worm is a telnet client that behaves like Mirai's scanner: it answers
// DO NAWS with WILL NAWS and a window size, refuses every other option, and
// waits for prompts by substring, as worms do.
type worm struct {
	t    *testing.T
	conn net.Conn
	buf  bytes.Buffer // cleaned output not yet consumed
	raw  []byte
}

func dialWorm(t *testing.T, addr string) *worm {
	t.Helper()
	w, err := tryDial(addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	w.t = t
	t.Cleanup(func() { w.conn.Close() })
	return w
}

// tryDial connects without a test to fail: for load where the server may go
// away mid-session. The caller closes the connection.
func tryDial(addr string) (*worm, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &worm{conn: c, raw: make([]byte, 4096)}, nil
}

func (w *worm) localPort() int { return w.conn.LocalAddr().(*net.TCPAddr).Port }

// expect reads until the cleaned output contains want, and returns the output
// up to and including it.
func (w *worm) expect(want string) string {
	w.t.Helper()
	out, err := w.tryExpect(want, 15*time.Second)
	if err != nil {
		w.t.Fatalf("waiting for %q: %v; got %q", want, err, w.buf.String())
	}
	return out
}

func (w *worm) tryExpect(want string, d time.Duration) (string, error) {
	deadline := time.Now().Add(d)
	for {
		if i := strings.Index(w.buf.String(), want); i >= 0 {
			s := w.buf.String()
			out := s[:i+len(want)]
			w.buf.Reset()
			w.buf.WriteString(s[i+len(want):])
			return out, nil
		}
		_ = w.conn.SetReadDeadline(deadline)
		n, err := w.conn.Read(w.raw)
		if n > 0 {
			w.feed(w.raw[:n])
		}
		if err != nil {
			return "", err
		}
	}
}

// feed strips telnet commands from p and answers them.
func (w *worm) feed(p []byte) {
	for i := 0; i < len(p); i++ {
		if p[i] != iac || i+1 >= len(p) {
			w.buf.WriteByte(p[i])
			continue
		}
		cmd := p[i+1]
		switch {
		case cmd == iac:
			w.buf.WriteByte(iac)
			i++
		case (cmd == do || cmd == dont || cmd == will || cmd == wont) && i+2 < len(p):
			opt := p[i+2]
			i += 2
			switch {
			case cmd == do && opt == naws:
				_ = w.write([]byte{iac, will, naws, iac, sb, naws, 0, 80, 0, 24, iac, se})
			case cmd == do:
				_ = w.write([]byte{iac, wont, opt})
			case cmd == will:
				_ = w.write([]byte{iac, do, opt})
			}
		case cmd == sb:
			j := bytes.Index(p[i:], []byte{iac, se})
			if j < 0 {
				return
			}
			i += j + 1
		default:
			i++
		}
	}
}

func (w *worm) write(b []byte) error {
	_ = w.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := w.conn.Write(b)
	return err
}

func (w *worm) line(s string) {
	w.t.Helper()
	if err := w.write([]byte(s + "\r\n")); err != nil {
		w.t.Fatalf("write %q: %v", s, err)
	}
}

// login answers the login and password prompts.
func (w *worm) login(user, pass string) {
	w.expect("ogin")
	w.line(user)
	w.expect("assword")
	w.line(pass)
}

// run sends a command line and waits for the applet check that follows it,
// the way Mirai's loader brackets every step with /bin/busybox ECCHI.
func (w *worm) run(cmd, token string) string {
	w.t.Helper()
	w.line(fmt.Sprintf("%s; /bin/busybox %s", cmd, token))
	return w.expect(token + ": applet not found")
}
