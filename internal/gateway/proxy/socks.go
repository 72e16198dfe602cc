package proxy

import (
	"bufio"
	"net"
	"time"
)

// refuseSOCKS answers a SOCKS client in its own protocol and reports true
// when the connection's first byte is a SOCKS version (4 or 5), which no
// HTTP request line starts with. A client set up for a SOCKS proxy (curl -x
// socks5://, a browser's SOCKS field) otherwise waits, silent, for the
// header timeout and then gets an HTTP 400 it cannot read; this gives it a
// refusal it can show: SOCKS5 "no acceptable authentication method" (RFC
// 1928, 3), SOCKS4 "request rejected or failed" (91). The proxy speaks HTTP
// only; there is no SOCKS to fall back to.
func refuseSOCKS(c net.Conn, br *bufio.Reader) bool {
	b, err := br.Peek(1)
	if err != nil {
		return false
	}
	var reply []byte
	switch b[0] {
	case 5:
		reply = []byte{5, 0xff}
	case 4:
		reply = []byte{0, 91, 0, 0, 0, 0, 0, 0}
	default:
		return false
	}
	_ = c.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = c.Write(reply)
	// Closing with the greeting unread would reset the connection, and the
	// client could see the reset before the reply: drop what it sent (a
	// greeting is one segment, already buffered) before the caller closes.
	_, _ = br.Discard(br.Buffered())
	return true
}
