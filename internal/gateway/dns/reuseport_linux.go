package dns

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// reusePort lets several UDP sockets share the filter's address, so that
// each reader has a socket (and a kernel receive queue) of its own: reads
// on one socket are serialized, whatever number of goroutines wait on it.
// Linux lets only sockets of the same user join a SO_REUSEPORT group.
func reusePort(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	})
	if err != nil {
		return err
	}
	return serr
}

const canReusePort = true
