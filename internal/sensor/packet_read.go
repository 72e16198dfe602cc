package sensor

import (
	"net"
	"net/netip"
)

// batchReader fills a batch with datagrams and returns how many it read.
// Implementations keep all their buffers across calls: reading allocates
// nothing.
type batchReader interface {
	ReadBatch(b *batch) (int, error)
}

// singleReader reads one datagram per call, for sockets and systems without
// recvmmsg. ReadFromUDPAddrPort allocates nothing; a generic PacketConn's
// ReadFrom does, and serves tests and odd wrappers only.
type singleReader struct {
	pc  net.PacketConn
	udp *net.UDPConn
}

func (r *singleReader) ReadBatch(b *batch) (int, error) {
	if r.udp != nil {
		n, a, err := r.udp.ReadFromUDPAddrPort(b.bufs[0])
		if err != nil {
			return 0, err
		}
		b.n[0], b.addrs[0] = n, a
		return 1, nil
	}
	n, a, err := r.pc.ReadFrom(b.bufs[0])
	if err != nil {
		return 0, err
	}
	ua, ok := a.(*net.UDPAddr)
	if !ok {
		return 0, nil
	}
	b.n[0], b.addrs[0] = n, ua.AddrPort()
	if !b.addrs[0].Addr().IsValid() {
		return 0, nil
	}
	b.addrs[0] = netip.AddrPortFrom(b.addrs[0].Addr().Unmap(), b.addrs[0].Port())
	return 1, nil
}

// ListenPacket opens a UDP socket for a PacketServer, with the deep receive
// queue a flood needs already set, so that no datagram that arrives before
// ServePacket starts is dropped for the default queue.
func ListenPacket(network, addr string) (*net.UDPConn, error) {
	ua, err := net.ResolveUDPAddr(network, addr)
	if err != nil {
		return nil, err
	}
	c, err := net.ListenUDP(network, ua)
	if err != nil {
		return nil, err
	}
	setReadBuffer(c, readBuffer)
	return c, nil
}
