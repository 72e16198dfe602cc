package dns

import (
	"net"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmsgIO reads and writes a UDP socket in batches with recvmmsg and
// sendmmsg, called as raw system calls on the non-blocking socket: the
// runtime's netpoller still does the waiting (RawConn), but a call does not
// enter the scheduler's syscall state, so a batch that takes a while to
// send does not make the runtime's monitor hand the goroutine's processor
// to another thread (a thread wake-up per batch, most of what a busy filter
// spent beyond the kernel's own work). The senders' addresses stay raw
// sockaddrs, copied to the answers: nothing is allocated per packet.
type mmsgIO struct {
	rc syscall.RawConn

	in     []mmsghdr
	inIov  []unix.Iovec
	inBuf  [][]byte
	inName []unix.RawSockaddrInet6 // large enough for either family

	out     []mmsghdr
	outIov  []unix.Iovec
	outBuf  [][]byte
	outName []unix.RawSockaddrInet6
	nOut    int
}

// mmsghdr is struct mmsghdr: a msghdr and the length the kernel transferred
// (Go pads the struct to its alignment as C does).
type mmsghdr struct {
	hdr unix.Msghdr
	n   uint32
}

var _ packetIO = (*mmsgIO)(nil)

func newPacketIO(pc net.PacketConn) (packetIO, error) {
	sc, ok := pc.(syscall.Conn)
	if !ok {
		return newSimpleIO(pc), nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	m := &mmsgIO{rc: rc,
		in: make([]mmsghdr, batchSize), inIov: make([]unix.Iovec, batchSize), inBuf: make([][]byte, batchSize), inName: make([]unix.RawSockaddrInet6, batchSize),
		out: make([]mmsghdr, batchSize), outIov: make([]unix.Iovec, batchSize), outBuf: make([][]byte, batchSize), outName: make([]unix.RawSockaddrInet6, batchSize),
	}
	for i := range m.in {
		m.inBuf[i] = make([]byte, maxUDPQuery)
		m.inIov[i].Base = &m.inBuf[i][0]
		m.inIov[i].SetLen(maxUDPQuery)
		m.in[i].hdr.Iov = &m.inIov[i]
		m.in[i].hdr.SetIovlen(1)
		m.in[i].hdr.Name = (*byte)(unsafe.Pointer(&m.inName[i]))
		m.outBuf[i] = make([]byte, 0, 4096)
		m.out[i].hdr.Iov = &m.outIov[i]
		m.out[i].hdr.SetIovlen(1)
		m.out[i].hdr.Name = (*byte)(unsafe.Pointer(&m.outName[i]))
	}
	return m, nil
}

func (m *mmsgIO) read() (int, error) {
	for i := range m.in {
		m.in[i].hdr.Namelen = uint32(unsafe.Sizeof(m.inName[i]))
		m.in[i].hdr.Flags = 0
	}
	var n int
	var errno syscall.Errno
	err := m.rc.Read(func(fd uintptr) bool {
		for {
			r, _, e := unix.RawSyscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&m.in[0])), uintptr(len(m.in)), unix.MSG_DONTWAIT, 0, 0)
			switch e {
			case unix.EINTR:
				continue
			case unix.EAGAIN:
				return false // wait until readable
			}
			n, errno = int(r), e
			return true
		}
	})
	if err != nil {
		return 0, err
	}
	if errno != 0 {
		return 0, errno
	}
	return n, nil
}

func (m *mmsgIO) query(i int) ([]byte, netip.AddrPort) {
	q := m.inBuf[i][:m.in[i].n]
	if m.in[i].hdr.Flags&unix.MSG_TRUNC != 0 {
		q = nil // larger than any query we take: dropped
	}
	return q, sockaddrAddrPort(&m.inName[i], m.in[i].hdr.Namelen)
}

func (m *mmsgIO) next() []byte {
	if m.nOut == len(m.out) {
		return nil
	}
	return m.outBuf[m.nOut][:0]
}

func (m *mmsgIO) queue(i int, b []byte) {
	j := m.nOut
	if j == len(m.out) || len(b) == 0 {
		return
	}
	m.outBuf[j] = b // keeps a buffer that had to grow
	m.outName[j] = m.inName[i]
	m.outIov[j].Base = &b[0]
	m.outIov[j].SetLen(len(b))
	m.out[j].hdr.Namelen = m.in[i].hdr.Namelen
	m.nOut++
}

func (m *mmsgIO) flush() error {
	sent := 0
	defer func() { m.nOut = 0 }()
	for sent < m.nOut {
		var n int
		var errno syscall.Errno
		err := m.rc.Write(func(fd uintptr) bool {
			for {
				r, _, e := unix.RawSyscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&m.out[sent])), uintptr(m.nOut-sent), unix.MSG_DONTWAIT, 0, 0)
				switch e {
				case unix.EINTR:
					continue
				case unix.EAGAIN:
					return false // the send buffer is full: wait
				}
				n, errno = int(r), e
				return true
			}
		})
		if err != nil {
			return err
		}
		if errno != 0 || n <= 0 {
			// The first message failed (a destination the kernel refuses):
			// answers are best effort, the rest still go.
			sent++
			continue
		}
		sent += n
	}
	return nil
}

// sockaddrAddrPort reads an AF_INET or AF_INET6 sockaddr.
func sockaddrAddrPort(sa *unix.RawSockaddrInet6, n uint32) netip.AddrPort {
	switch sa.Family {
	case unix.AF_INET:
		if n < unix.SizeofSockaddrInet4 {
			return netip.AddrPort{}
		}
		s4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		p := (*[2]byte)(unsafe.Pointer(&s4.Port))
		return netip.AddrPortFrom(netip.AddrFrom4(s4.Addr), uint16(p[0])<<8|uint16(p[1]))
	case unix.AF_INET6:
		if n < unix.SizeofSockaddrInet6 {
			return netip.AddrPort{}
		}
		p := (*[2]byte)(unsafe.Pointer(&sa.Port))
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), uint16(p[0])<<8|uint16(p[1]))
	}
	return netip.AddrPort{}
}
