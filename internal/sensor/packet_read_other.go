//go:build !linux

package sensor

import "net"

func newBatchReader(pc net.PacketConn) batchReader {
	uc, _ := pc.(*net.UDPConn)
	return &singleReader{pc: pc, udp: uc}
}

func setReadBuffer(c *net.UDPConn, n int) { _ = c.SetReadBuffer(n) }
