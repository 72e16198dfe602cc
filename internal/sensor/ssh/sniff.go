package ssh

import (
	"errors"
	"net"
	"runtime/debug"
	"strings"
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
	onHello func(*hello)
	onPanic func(v any, stack []byte)
	once    sync.Once

	// mu guards h: the library's reading goroutine feeds it, and the
	// session reports it when the handshake failed, while that goroutine
	// may still be in a Read.
	mu sync.Mutex
	h  hello
	// versionSeen: the client's identification was judged (compatible).
	versionSeen, badVersion bool
}

// errIncompatibleVersion ends a session whose client named a protocol
// other than SSH 2 (Dropbear's "Incompatible remote version").
var errIncompatibleVersion = errors.New("ssh: incompatible remote version")

func (c *sniffConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && c.look(p[:n]) {
		c.report()
	}
	if n > 0 && c.incompatible() {
		// Dropbear reads the client's identification and exits at once
		// unless it says SSH-2.x or SSH-1.99: an SSH-1 scanner (or a
		// banner like "SSH-1.5-") sees the connection closed, not a key
		// exchange. x/crypto would carry on with any "SSH-" line. The
		// library reads the identification a byte at a time, so this
		// error is its read of the line's last byte.
		return 0, errIncompatibleVersion
	}
	return n, err
}

// incompatible reports whether the client's identification, once read, is
// one Dropbear refuses.
func (c *sniffConn) incompatible() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.badVersion
}

// look feeds p to the parser and reports whether it has a result. It runs
// in x/crypto's reading goroutine, beyond the server's panic recovery: a
// panic here is caught, handed to onPanic, and the hello fails.
func (c *sniffConn) look(p []byte) (done bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.h.done() {
		return false // reported already, or about to be
	}
	defer func() {
		if v := recover(); v != nil {
			c.h.fail(errors.New("hello parser failed"))
			c.onPanic(v, debug.Stack())
			done = true
		}
	}()
	c.h.feed(p)
	if !c.versionSeen && c.h.Version != "" { // judged here, before report drops it
		c.versionSeen = true
		v := c.h.Version
		c.badVersion = !strings.HasPrefix(v, "SSH-2.") && !strings.HasPrefix(v, "SSH-1.99-")
	}
	return c.h.done()
}

// report calls onHello once with what the parser has; the session calls it
// too when the connection ends before a hello was complete, so that every
// session has its session.connect. Only the first call reports; sync.Once
// also makes a second caller wait for the first to finish. The connection
// lives on for minutes; its copy of the client's lists is dropped.
func (c *sniffConn) report() {
	c.once.Do(func() {
		c.mu.Lock()
		h := c.h
		c.h.Version, c.h.Kex, c.h.buf = "", nil, nil
		if !c.h.done() {
			c.h.state = stateFailed // nothing more to look at
		}
		c.mu.Unlock()
		c.onHello(&h)
	})
}
