//go:build linux && !race

package proxy

import (
	"syscall"
	"unsafe"
)

// sysRead and sysWrite are read(2) and send(2) on a non-blocking socket,
// as raw system calls (rawio_linux.go says why); p is not empty.
func sysRead(fd uintptr, p []byte) (int, syscall.Errno) {
	n, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	return int(n), e
}

// sysWrite sends with MSG_NOSIGNAL: a peer gone is EPIPE, never a signal.
func sysWrite(fd uintptr, p []byte) (int, syscall.Errno) {
	n, _, e := syscall.RawSyscall6(syscall.SYS_SENDTO, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), syscall.MSG_NOSIGNAL, 0, 0)
	return int(n), e
}

// rawSyscalls says the socket calls are raw (not under the race detector).
const rawSyscalls = true
