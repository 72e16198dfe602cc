package ssh

import (
	"testing"
)

// FuzzKexInit: ParseKexInit never panics on any payload, and what it parses
// encodes and parses back to the same value.
func FuzzKexInit(f *testing.F) {
	f.Add(opensshKex.Marshal())
	f.Add((&KexInit{Kex: "diffie-hellman-group1-sha1", EncCS: "aes128-cbc", FirstKexFollow: true}).Marshal())
	f.Add([]byte{20})
	f.Add(append([]byte{20}, make([]byte, 60)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := ParseKexInit(b)
		if err != nil {
			return
		}
		k2, err := ParseKexInit(k.Marshal())
		if err != nil || *k2 != *k {
			t.Fatalf("round trip: %+v -> %+v, %v", k, k2, err)
		}
		if len(k.HASSH()) != 32 {
			t.Fatalf("HASSH %q", k.HASSH())
		}
	})
}

// FuzzHello: the hello parser never panics, holds no more than one packet,
// and its result does not depend on how the stream is cut into reads.
func FuzzHello(f *testing.F) {
	f.Add([]byte("SSH-2.0-OpenSSH_9.2p1\r\n"), uint16(5))
	f.Add(append([]byte("SSH-2.0-Go\r\n"), packet(opensshKex.Marshal(), 4)...), uint16(17))
	f.Add(append([]byte("junk\nSSH-2.0-libssh\n"), packet(opensshKex.Marshal(), 255)...), uint16(1))
	f.Add([]byte("SSH-2.0-x\r\n\x00\x00\x88\xb8\x04"), uint16(12))
	f.Fuzz(func(t *testing.T, b []byte, cut uint16) {
		var whole, split hello
		whole.feed(b)
		c := min(int(cut), len(b))
		split.feed(b[:c])
		split.feed(b[c:])
		if whole.state != split.state || whole.Version != split.Version || (whole.Kex == nil) != (split.Kex == nil) {
			t.Fatalf("whole %d %q, split at %d %d %q", whole.state, whole.Version, c, split.state, split.Version)
		}
		if whole.Kex != nil && *whole.Kex != *split.Kex {
			t.Fatalf("kex differs")
		}
		if cap(whole.buf) > maxPacketBytes || len(whole.Version) > maxLineBytes {
			t.Fatalf("held %d bytes, version %d", cap(whole.buf), len(whole.Version))
		}
	})
}
