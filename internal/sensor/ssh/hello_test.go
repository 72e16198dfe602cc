package ssh

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// opensshKex is the KEXINIT name-lists of OpenSSH 9.2 (Debian 12) as it
// sends them, enough to pin HASSH's definition.
var opensshKex = KexInit{
	Kex:     "sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256,ext-info-c,kex-strict-c-v00@openssh.com",
	HostKey: "ssh-ed25519,rsa-sha2-512",
	EncCS:   "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com",
	EncSC:   "chacha20-poly1305@openssh.com",
	MacCS:   "umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com",
	MacSC:   "hmac-sha2-256",
	CompCS:  "none,zlib@openssh.com",
	CompSC:  "none",
}

// packet frames payload as an unencrypted binary packet with pad bytes of
// padding.
func packet(payload []byte, pad int) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(1+len(payload)+pad))
	b = append(b, byte(pad))
	b = append(b, payload...)
	return append(b, make([]byte, pad)...)
}

func TestHASSH(t *testing.T) {
	// HASSH of the algorithms above, computed independently with
	// printf '%s' "$KEX;$ENC;$MAC;$CMP" | md5sum.
	k := KexInit{Kex: "curve25519-sha256", EncCS: "aes128-ctr", MacCS: "hmac-sha2-256", CompCS: "none"}
	if got, want := k.HASSHAlgorithms(), "curve25519-sha256;aes128-ctr;hmac-sha2-256;none"; got != want {
		t.Fatalf("HASSHAlgorithms = %q, want %q", got, want)
	}
	if got, want := k.HASSH(), "e97d07603350d1111ec2b64bf25413c9"; got != want {
		t.Fatalf("HASSH = %s, want %s", got, want)
	}
}

func TestHelloSplitAnywhere(t *testing.T) {
	stream := append([]byte("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"), packet(opensshKex.Marshal(), 7)...)
	stream = append(stream, "trailing encrypted bytes"...)
	for cut := 0; cut <= len(stream); cut += 3 {
		var h hello
		h.feed(stream[:cut])
		h.feed(stream[cut:])
		if h.state != stateDone {
			t.Fatalf("cut %d: state %d err %v", cut, h.state, h.Err)
		}
		if h.Version != "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3" || *h.Kex != opensshKex {
			t.Fatalf("cut %d: got %q %+v", cut, h.Version, h.Kex)
		}
	}
}

func TestHelloRejects(t *testing.T) {
	long := bytes.Repeat([]byte("a"), 300)
	cases := map[string][]byte{
		"long line":     append(long, '\n'),
		"huge packet":   append([]byte("SSH-2.0-x\r\n"), 0, 1, 0, 0, 4),
		"not kexinit":   append([]byte("SSH-2.0-x\r\n"), packet(append([]byte{21}, make([]byte, 40)...), 4)...),
		"short list":    append([]byte("SSH-2.0-x\r\n"), packet(append([]byte{20}, append(make([]byte, 16), 0, 0, 0, 99)...), 4)...),
		"many preamble": bytes.Repeat([]byte("hello\n"), maxPreLines+1),
	}
	for name, in := range cases {
		var h hello
		h.feed(in)
		if h.state != stateFailed || h.Err == nil {
			t.Errorf("%s: state %d err %v, want failed", name, h.state, h.Err)
		}
	}
}

func TestHelloPreamble(t *testing.T) {
	var h hello
	h.feed([]byte("junk\r\nmore junk\nSSH-2.0-libssh2_1.4.3\r\n"))
	if h.Version != "SSH-2.0-libssh2_1.4.3" || h.state != stateHeader {
		t.Fatalf("got %q state %d", h.Version, h.state)
	}
}
