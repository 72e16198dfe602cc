package proxy

import (
	"io"
	"net"
	"time"
)

// Idle limits on a response in flight, as Squid's read_timeout and
// write_timeout (15 minutes each by default there and here): an origin that
// sends its head and then nothing, or a client that stops reading, would
// otherwise hold a client connection, an origin connection and a goroutine
// for ever. They bound silence, not length: a download may take hours as
// long as bytes move. 15 minutes rather than less because a long poll or a
// slow report generator may be quiet for minutes, and what they cost while
// quiet is a goroutine and two sockets, not CPU; an operator who expects
// stalling origins by the thousand lowers gateway.proxy_read_timeout.
const (
	defaultReadTimeout  = 15 * time.Minute
	defaultWriteTimeout = 15 * time.Minute
)

// deadlineWriter is the client connection as the response writer's buffer
// sees it: every write to the socket has timeout to complete. The deadline
// is moved at most once per slack (a second, less for a short timeout),
// not per write: setting one is a runtime timer operation.
type deadlineWriter struct {
	c        net.Conn
	w        io.Writer     // c's writes (newRawIO); nil: c
	timeout  time.Duration // 0: none (the connection was hijacked)
	deadline time.Time
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	if d.timeout > 0 {
		t := time.Now().Add(d.timeout)
		if t.Sub(d.deadline) > min(time.Second, d.timeout/16) {
			_ = d.c.SetWriteDeadline(t)
			d.deadline = t
		}
	}
	if d.w != nil {
		return d.w.Write(p)
	}
	return d.c.Write(p)
}

// off clears the deadline and stops setting one: the connection's new owner
// (a tunnel, an upgrade) sets its own.
func (d *deadlineWriter) off() {
	if d.timeout > 0 && !d.deadline.IsZero() {
		_ = d.c.SetWriteDeadline(time.Time{})
	}
	d.timeout, d.deadline = 0, time.Time{}
}
