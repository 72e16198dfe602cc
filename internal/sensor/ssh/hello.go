package ssh

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
)

// What the client says before encryption starts, read off the wire beside
// golang.org/x/crypto/ssh (which keeps the client's KEXINIT to itself): the
// identification line and the first binary packet, which RFC 4253 says is
// the KEXINIT. Its name-lists fingerprint the client's SSH library (HASSH,
// https://github.com/salesforce/hassh): bots built on libssh2, paramiko,
// Go's x/crypto or a custom stack each have their own.

const (
	maxLineBytes   = 255   // RFC 4253 4.2: the identification line, and x/crypto's limit per line
	maxPreLines    = 64    // lines a client sends before its identification (it should send none)
	maxPacketBytes = 35000 // RFC 4253 6.1: every implementation handles packets this long
	msgKexInit     = 20
)

// KexInit is the client's SSH_MSG_KEXINIT (RFC 4253 7.1). The name-lists are
// kept as sent: comma-separated, attacker-controlled text.
type KexInit struct {
	Kex, HostKey   string
	EncCS, EncSC   string
	MacCS, MacSC   string
	CompCS, CompSC string
	LangCS, LangSC string
	FirstKexFollow bool
}

// HASSHAlgorithms is the string HASSH hashes: the client's key exchange,
// encryption, MAC and compression lists (client to server), joined by ';'.
func (k *KexInit) HASSHAlgorithms() string {
	return k.Kex + ";" + k.EncCS + ";" + k.MacCS + ";" + k.CompCS
}

// HASSH is the MD5 of HASSHAlgorithms, in hex: the client fingerprint the
// HASSH tools and feeds use.
func (k *KexInit) HASSH() string {
	sum := md5.Sum([]byte(k.HASSHAlgorithms()))
	return hex.EncodeToString(sum[:])
}

var errNotKexInit = errors.New("first packet is not a KEXINIT")

// ParseKexInit parses a KEXINIT payload (from the message number on). It
// reads at most len(b) bytes and allocates at most that much.
func ParseKexInit(b []byte) (*KexInit, error) {
	if len(b) < 17 || b[0] != msgKexInit {
		return nil, errNotKexInit
	}
	b = b[17:] // message number and 16-byte cookie
	k := &KexInit{}
	for _, f := range []*string{&k.Kex, &k.HostKey, &k.EncCS, &k.EncSC, &k.MacCS, &k.MacSC, &k.CompCS, &k.CompSC, &k.LangCS, &k.LangSC} {
		if len(b) < 4 {
			return nil, errors.New("KEXINIT: truncated name-list")
		}
		n := binary.BigEndian.Uint32(b)
		b = b[4:]
		if uint64(n) > uint64(len(b)) {
			return nil, errors.New("KEXINIT: name-list longer than the packet")
		}
		*f = string(b[:n])
		b = b[n:]
	}
	if len(b) < 5 {
		return nil, errors.New("KEXINIT: truncated after the name-lists")
	}
	k.FirstKexFollow = b[0] != 0
	return k, nil
}

// Marshal encodes k as a KEXINIT payload with a zero cookie; for tests and
// the fuzz target's round trip.
func (k *KexInit) Marshal() []byte {
	b := make([]byte, 17, 64)
	b[0] = msgKexInit
	for _, s := range []string{k.Kex, k.HostKey, k.EncCS, k.EncSC, k.MacCS, k.MacSC, k.CompCS, k.CompSC, k.LangCS, k.LangSC} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	if k.FirstKexFollow {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	return append(b, 0, 0, 0, 0)
}

// helloState is where a hello sniffer is.
type helloState uint8

const (
	stateVersion helloState = iota
	stateHeader
	stateBody
	stateDone   // the KEXINIT was parsed
	stateFailed // the bytes were not a well-formed hello; Version may be set
)

// hello reads a client's opening bytes incrementally: however a stream is
// cut into reads, the result is the same. It holds at most one line or one
// packet (maxPacketBytes) and stops looking once it has a result.
type hello struct {
	state   helloState
	lines   int
	buf     []byte
	need    int // body bytes expected in stateBody
	pad     int // the packet's padding length
	Version string
	Kex     *KexInit
	Err     error
}

// done reports whether feed needs no more bytes.
func (h *hello) done() bool { return h.state >= stateDone }

// feed consumes p; it returns once p is used up or a result is reached.
func (h *hello) feed(p []byte) {
	for len(p) > 0 && !h.done() {
		switch h.state {
		case stateVersion:
			i := 0
			for ; i < len(p); i++ {
				if p[i] == '\n' {
					break
				}
			}
			if len(h.buf)+i > maxLineBytes {
				h.fail(errors.New("identification line longer than 255 bytes"))
				return
			}
			h.buf = append(h.buf, p[:i]...)
			if i == len(p) {
				return
			}
			p = p[i+1:]
			line := strings.TrimSuffix(string(h.buf), "\r")
			h.buf = h.buf[:0]
			if !strings.HasPrefix(line, "SSH-") {
				if h.lines++; h.lines > maxPreLines {
					h.fail(errors.New("too many lines before the identification"))
					return
				}
				continue
			}
			h.Version = line
			h.state = stateHeader
		case stateHeader:
			n := min(5-len(h.buf), len(p))
			h.buf = append(h.buf, p[:n]...)
			p = p[n:]
			if len(h.buf) < 5 {
				return
			}
			length := binary.BigEndian.Uint32(h.buf)
			pad := uint32(h.buf[4])
			if length < 1+17 || length > maxPacketBytes || pad >= length {
				h.fail(errors.New("first packet length out of range"))
				return
			}
			h.need, h.pad = int(length)-1, int(pad)
			h.buf = make([]byte, 0, h.need)
			h.state = stateBody
		case stateBody:
			n := min(h.need-len(h.buf), len(p))
			h.buf = append(h.buf, p[:n]...)
			p = p[n:]
			if len(h.buf) < h.need {
				return
			}
			// The padding length says where the payload ends.
			k, err := ParseKexInit(h.buf[:h.need-h.pad])
			h.buf = nil
			if err != nil {
				h.fail(err)
				return
			}
			h.Kex, h.state = k, stateDone
		}
	}
}

func (h *hello) fail(err error) {
	h.Err, h.state, h.buf = err, stateFailed, nil
}
