//go:build !linux

package sensor

import "net"

func originalDstPort(c net.Conn) int {
	if la, ok := c.LocalAddr().(*net.TCPAddr); ok {
		return la.Port
	}
	return 0
}
