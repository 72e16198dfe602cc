package proxy

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// A client configured for a SOCKS proxy (curl -x socks5://, a browser's
// SOCKS setting) pointed at the HTTP proxy used to wait, silent, until the
// 20 s header timeout and then get an HTTP 400 it cannot read. It is
// refused at once in its own protocol: SOCKS5 "no acceptable method"
// (RFC 1928, 3), SOCKS4 "request rejected" (91), and the connection closed.
func TestSOCKSClientRefusedAtOnce(t *testing.T) {
	f := startProxy(t, true, nil)
	for _, tc := range []struct {
		name        string
		hello, want []byte
	}{
		{"socks5", []byte{5, 1, 0}, []byte{5, 0xff}},
		{"socks5-auth", []byte{5, 2, 0, 2}, []byte{5, 0xff}},
		{"socks4", []byte{4, 1, 0, 80, 127, 0, 0, 1, 'u', 0}, []byte{0, 91, 0, 0, 0, 0, 0, 0}},
		{"socks4a", append([]byte{4, 1, 0, 80, 0, 0, 0, 1, 0}, "x.example\x00"...), []byte{0, 91, 0, 0, 0, 0, 0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", f.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			start := time.Now()
			_ = c.SetDeadline(start.Add(5 * time.Second))
			if _, err := c.Write(tc.hello); err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(c)
			if err != nil {
				t.Fatalf("after %v: %v (got % x)", time.Since(start), err, got)
			}
			if !bytes.Equal(got, tc.want) {
				t.Errorf("got % x, want % x then close", got, tc.want)
			}
		})
	}
}
