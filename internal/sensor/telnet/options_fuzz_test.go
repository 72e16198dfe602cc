package telnet

import "testing"

func FuzzOptionParser(f *testing.F) {
	for _, s := range [][]byte{
		{255, 251, 31, 255, 250, 31, 0, 80, 0, 24, 255, 240},
		{255, 253, 1, 255, 252, 3, 'a', '\r', 0, 'b', '\r', '\n'},
		{255, 255, 255, 250, 255, 255, 255},
		[]byte("root\r\nxc3511\r\n"),
		{255, 250, 24},
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var p optionParser
		var n negotiator
		n.opening()
		data, cmds := p.feed(in, nil, nil)
		if len(data) > len(in) {
			t.Fatalf("%d data bytes from %d input bytes", len(data), len(in))
		}
		var reply []byte
		for _, c := range cmds {
			if len(c.data) > maxSubneg {
				t.Fatalf("sub-negotiation of %d bytes", len(c.data))
			}
			reply = n.answer(c, reply)
		}
		// At most one 3-byte answer per 3-byte command.
		if len(reply) > len(in) {
			t.Fatalf("%d reply bytes for %d input bytes", len(reply), len(in))
		}
	})
}
