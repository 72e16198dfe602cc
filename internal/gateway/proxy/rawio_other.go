//go:build !linux

package proxy

import (
	"io"
	"net"
)

// newRawIO is c itself where raw socket calls are not written (rawio_linux.go).
func newRawIO(c net.Conn) io.ReadWriter { return c }

const (
	isLinux     = false
	rawSyscalls = false
)
