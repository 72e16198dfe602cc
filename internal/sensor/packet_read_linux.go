//go:build linux

package sensor

import (
	"encoding/binary"
	"net"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// newBatchReader reads with recvmmsg(2): one system call for up to batchSize
// datagrams, which is what lets one core keep up with a flood. It is
// written against golang.org/x/sys directly because golang.org/x/net's
// ReadBatch allocates a net.UDPAddr per datagram.
func newBatchReader(pc net.PacketConn) batchReader {
	uc, ok := pc.(*net.UDPConn)
	if !ok {
		return &singleReader{pc: pc}
	}
	rc, err := uc.SyscallConn()
	if err != nil {
		return &singleReader{pc: pc, udp: uc}
	}
	r := &mmsgReader{rc: rc}
	r.readFn = r.read // one method value for the life of the reader, not one per call
	return r
}

type mmsgReader struct {
	rc     syscall.RawConn
	readFn func(fd uintptr) bool
	hdrs   [batchSize]unix.Mmsghdr
	iovs   [batchSize]unix.Iovec
	names  [batchSize]unix.RawSockaddrInet6
	b      *batch
	n      int
	errno  syscall.Errno
}

func (r *mmsgReader) ReadBatch(b *batch) (int, error) {
	r.b = b
	for i := range r.hdrs {
		r.iovs[i].Base = &b.bufs[i][0]
		r.iovs[i].SetLen(len(b.bufs[i]))
		h := &r.hdrs[i].Hdr
		h.Name = (*byte)(unsafe.Pointer(&r.names[i]))
		h.Namelen = unix.SizeofSockaddrInet6
		h.Iov = &r.iovs[i]
		h.SetIovlen(1)
		h.Control, h.Controllen, h.Flags = nil, 0, 0
	}
	r.n, r.errno = 0, 0
	if err := r.rc.Read(r.readFn); err != nil {
		return 0, err
	}
	if r.errno != 0 {
		return 0, &net.OpError{Op: "recvmmsg", Net: "udp", Err: r.errno}
	}
	// Keep only datagrams with an address we understand; compact in place.
	k := 0
	for i := 0; i < r.n; i++ {
		a, ok := sockaddr(&r.names[i], r.hdrs[i].Hdr.Namelen)
		if !ok {
			continue
		}
		if k != i {
			b.bufs[k], b.bufs[i] = b.bufs[i], b.bufs[k]
		}
		b.n[k], b.addrs[k] = int(r.hdrs[i].Len), a
		k++
	}
	return k, nil
}

// read is the RawConn callback: false asks the runtime poller to wait for
// the socket to be readable and call again.
func (r *mmsgReader) read(fd uintptr) bool {
	n, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&r.hdrs[0])),
		batchSize, unix.MSG_DONTWAIT, 0, 0)
	switch errno {
	case 0:
		r.n = int(n)
		return true
	case unix.EAGAIN, unix.EINTR:
		return false
	default:
		r.errno = errno
		return true
	}
}

// sockaddr decodes a kernel socket address without allocating.
func sockaddr(sa *unix.RawSockaddrInet6, n uint32) (netip.AddrPort, bool) {
	switch sa.Family {
	case unix.AF_INET:
		if n < unix.SizeofSockaddrInet4 {
			return netip.AddrPort{}, false
		}
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		port := binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&sa4.Port))[:])
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), port), true
	case unix.AF_INET6:
		if n < unix.SizeofSockaddrInet6 {
			return netip.AddrPort{}, false
		}
		port := binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&sa.Port))[:])
		// Unmapped: a dual-stack socket reports IPv4 sources as ::ffff:a.b.c.d,
		// and a victim is one address whichever socket saw it.
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), port), true
	}
	return netip.AddrPort{}, false
}

// setReadBuffer asks for a receive queue of n bytes. SO_RCVBUFFORCE (root or
// CAP_NET_ADMIN) may exceed net.core.rmem_max, which is often far smaller
// than a flood needs to ride out a scheduling delay; otherwise the kernel
// caps the size at rmem_max.
func setReadBuffer(c *net.UDPConn, n int) {
	if rc, err := c.SyscallConn(); err == nil {
		var serr error
		if err := rc.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, n)
		}); err == nil && serr == nil {
			return
		}
	}
	_ = c.SetReadBuffer(n)
}
