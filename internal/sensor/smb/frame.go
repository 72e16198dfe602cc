package smb

import (
	"encoding/binary"
	"errors"
	"io"
)

// maxFrame bounds one message: SMBv1 lengths are 17 bits (MS-SMB 2.1), and
// no SMB2 message the sensor answers needs more.
const maxFrame = 0x1ffff

// NetBIOS session service message types (RFC 1002 4.3.1). On 445 only
// session messages (0x00) are used; 139-style clients open with a request.
const (
	nbSessionMessage  = 0x00
	nbSessionRequest  = 0x81
	nbPositiveSession = 0x82
	nbKeepAlive       = 0x85
)

// errFrameTooLarge is returned for a frame longer than maxFrame; its bytes
// were still read (and so kept in the sample).
var errFrameTooLarge = errors.New("smb: frame longer than the protocol allows")

// frame is one direct-TCP message.
type frame struct {
	Type    byte
	Payload []byte
	// Declared is the length the header announced; when reading failed
	// midway, Payload holds the part that arrived.
	Declared int
}

// readFrame reads one direct-TCP frame: a zero (or NBSS type) byte and a
// 24-bit big-endian length, then the message. buf is reused when large
// enough. On a partial frame it returns what arrived with the error.
func readFrame(r io.Reader, buf []byte) (frame, error) {
	var h [4]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return frame{}, err
	}
	f := frame{Type: h[0], Declared: int(h[1])<<16 | int(h[2])<<8 | int(h[3])}
	if f.Declared > maxFrame {
		// Drain (bounded by the connection's byte cap) so that the sample
		// holds what was sent, but do not keep it as one message.
		_, err := io.CopyN(io.Discard, r, int64(f.Declared))
		if err != nil {
			return f, err
		}
		return f, errFrameTooLarge
	}
	if cap(buf) < f.Declared {
		buf = make([]byte, f.Declared)
	}
	f.Payload = buf[:f.Declared]
	n, err := io.ReadFull(r, f.Payload)
	if err != nil {
		f.Payload = f.Payload[:n]
		return f, err
	}
	return f, nil
}

// frameOf prefixes msg with the direct-TCP header.
func frameOf(msg []byte) []byte {
	out := make([]byte, 4, 4+len(msg))
	binary.BigEndian.PutUint32(out, uint32(len(msg))&0xffffff)
	return append(out, msg...)
}
