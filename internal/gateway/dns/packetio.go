package dns

import (
	"net"
	"net/netip"
)

// packetIO reads queries from one UDP socket and writes answers to their
// senders, in batches where the system has the calls for it. It belongs to
// one reader goroutine.
type packetIO interface {
	// read waits for queries and returns how many it read.
	read() (int, error)
	// query returns the i-th query of the last read and its sender (an
	// invalid address when the sender cannot be answered); the bytes are
	// valid until the next read.
	query(i int) ([]byte, netip.AddrPort)
	// next returns an empty buffer to build the next answer in (nil when
	// no more answers fit in this batch).
	next() []byte
	// queue queues b, built in next's buffer, as the answer to query i.
	queue(i int, b []byte)
	// flush sends the queued answers (best effort).
	flush() error
}

// simpleIO is packetIO one packet at a time, for sockets and systems
// without batch calls.
type simpleIO struct {
	pc      net.PacketConn
	buf     []byte
	n       int
	from    netip.AddrPort
	out     []byte
	pending []byte
}

var _ packetIO = (*simpleIO)(nil)

func newSimpleIO(pc net.PacketConn) *simpleIO {
	return &simpleIO{pc: pc, buf: make([]byte, maxUDPQuery), out: make([]byte, 0, 4096)}
}

func (s *simpleIO) read() (int, error) {
	n, addr, err := s.pc.ReadFrom(s.buf)
	if err != nil {
		return 0, err
	}
	s.n, s.from = n, netip.AddrPort{}
	if ua, ok := addr.(*net.UDPAddr); ok {
		s.from = ua.AddrPort()
	}
	return 1, nil
}

func (s *simpleIO) query(int) ([]byte, netip.AddrPort) { return s.buf[:s.n], s.from }

func (s *simpleIO) next() []byte {
	if s.pending != nil {
		return nil
	}
	return s.out[:0]
}

func (s *simpleIO) queue(_ int, b []byte) { s.out, s.pending = b, b }

func (s *simpleIO) flush() error {
	if s.pending == nil {
		return nil
	}
	b := s.pending
	s.pending = nil
	_, err := s.pc.WriteTo(b, net.UDPAddrFromAddrPort(s.from))
	if err != nil && !isClosed(err) {
		return nil // best effort, as for a batch
	}
	return err
}
