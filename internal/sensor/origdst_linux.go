//go:build linux

package sensor

import (
	"encoding/binary"
	"net"
	"syscall"
	"unsafe"
)

// soOriginalDst is SO_ORIGINAL_DST from linux/netfilter_ipv4.h.
const soOriginalDst = 80

// originalDstPort returns the port the client connected to. When the kernel
// redirected the connection (iptables REDIRECT from 23 to an unprivileged
// port, as Cowrie's docs recommend) it asks conntrack for the original
// destination, so events say 23 and not the local port.
func originalDstPort(c net.Conn) int {
	local := 0
	if la, ok := c.LocalAddr().(*net.TCPAddr); ok {
		local = la.Port
	} else {
		return local
	}
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return local
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return local
	}
	port := local
	_ = raw.Control(func(fd uintptr) {
		var addr syscall.RawSockaddrInet4
		size := uint32(unsafe.Sizeof(addr))
		_, _, errno := syscall.Syscall6(syscall.SYS_GETSOCKOPT, fd, syscall.SOL_IP, soOriginalDst,
			uintptr(unsafe.Pointer(&addr)), uintptr(unsafe.Pointer(&size)), 0)
		if errno == 0 && addr.Family == syscall.AF_INET {
			b := (*[2]byte)(unsafe.Pointer(&addr.Port))
			if p := int(binary.BigEndian.Uint16(b[:])); p != 0 {
				port = p
			}
		}
	})
	return port
}
