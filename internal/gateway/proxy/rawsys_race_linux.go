//go:build linux && race

package proxy

import (
	"errors"
	"syscall"
)

// Under the race detector the socket calls go through the syscall package,
// whose reads and writes tell the detector that I/O orders what happens on
// either side of a connection (as net's own calls do); raw calls would hide
// that order and turn correct tests into reported races.
func sysRead(fd uintptr, p []byte) (int, syscall.Errno) {
	n, err := syscall.Read(int(fd), p)
	return max(n, 0), errnoOf(err)
}

func sysWrite(fd uintptr, p []byte) (int, syscall.Errno) {
	n, err := syscall.Write(int(fd), p)
	return max(n, 0), errnoOf(err)
}

func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	if err != nil && !errors.As(err, &e) {
		return syscall.EIO
	}
	return e
}

const rawSyscalls = false
