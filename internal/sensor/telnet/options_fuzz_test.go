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
		data, cmds := p.feed(in, nil, nil)
		if len(data) > len(in) {
			t.Fatalf("%d data bytes from %d input bytes", len(data), len(in))
		}
		for _, c := range cmds {
			if len(c.data) > maxSubneg {
				t.Fatalf("sub-negotiation of %d bytes", len(c.data))
			}
			if c.verb == cmdSB && c.opt == optNAWS {
				parseNAWS(c.data) // must not panic on any payload
			}
		}
	})
}
