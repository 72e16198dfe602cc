//go:build !linux

package dns

import "syscall"

// reusePort is a no-op where SO_REUSEPORT is not used: one socket, one
// reader.
func reusePort(network, address string, c syscall.RawConn) error { return nil }

const canReusePort = false
