package ssh

import (
	"errors"
	"net"
	"runtime/debug"
	"sync"
)

// sniffConn passes a connection to x/crypto/ssh unchanged and shows the
// client's first bytes to a hello parser on the way. When the parser has a
// result (or gives up), onHello is called once, from the reading
// goroutine, before the bytes that completed it reach the library: the
// session.connect event is therefore published before the key exchange can
// finish and any login can be seen.
type sniffConn struct {
	net.Conn
	h       hello
	once    sync.Once
	onHello func(*hello)
	onPanic func(v any, stack []byte)
}

func (c *sniffConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if !c.h.done() {
		c.look(p[:n])
	}
	return n, err
}

// look runs in x/crypto's reading goroutine, beyond the server's panic
// recovery: a panic here is caught, handed to onPanic, and the connection
// fails.
func (c *sniffConn) look(p []byte) {
	defer func() {
		if v := recover(); v != nil {
			c.h.fail(errors.New("hello parser failed"))
			c.onPanic(v, debug.Stack())
		}
	}()
	c.h.feed(p)
	if c.h.done() {
		c.report()
	}
}

// report calls onHello once; the session calls it too when the connection
// ends before a hello was complete, so that every session has its
// session.connect. Only the first call reports; sync.Once also makes a
// second caller wait for the first to finish.
func (c *sniffConn) report() { c.once.Do(func() { c.onHello(&c.h) }) }
