//go:build !linux

package dns

import "net"

func newPacketIO(pc net.PacketConn) (packetIO, error) { return newSimpleIO(pc), nil }
