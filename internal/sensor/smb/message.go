package smb

import (
	"encoding/binary"
	"errors"
	"unicode/utf16"
)

// SMBv1 commands the sensor understands (MS-CIFS 2.2.2.1).
const (
	cmdClose          = 0x04
	cmdTransaction    = 0x25
	cmdTransactionSec = 0x26
	cmdEcho           = 0x2b
	cmdReadAndX       = 0x2e
	cmdWriteAndX      = 0x2f
	cmdTrans2         = 0x32
	cmdTrans2Sec      = 0x33
	cmdTreeDisconnect = 0x71
	cmdNegotiate      = 0x72
	cmdSessionSetup   = 0x73
	cmdLogoffAndX     = 0x74
	cmdTreeConnect    = 0x75
	cmdNTTransact     = 0xa0
	cmdNTTransactSec  = 0xa1
	cmdNTCreateAndX   = 0xa2
	andxNone          = 0xff
)

// NT status codes the sensor answers with (MS-ERREF 2.3.1).
const (
	statusSuccess                = 0x00000000
	statusNotImplemented         = 0xc0000002
	statusInvalidHandle          = 0xc0000008
	statusInvalidParameter       = 0xc000000d
	statusMoreProcessingRequired = 0xc0000016
	statusAccessDenied           = 0xc0000022
	statusObjectNameNotFound     = 0xc0000034
	statusLogonFailure           = 0xc000006d
	statusBadNetworkName         = 0xc00000cc
	statusNotSupported           = 0xc00000bb
	statusInsuffServerResources  = 0xc0000205
	statusPipeEmpty              = 0xc00000d9
	statusSMBBadCommand          = 0x00160002 // ERRSRV/ERRbadcmd in the DOS error form Windows sends
	statusBadUID                 = 0x005b0002 // ERRSRV/ERRbaduid
)

// Header flags (MS-CIFS 2.2.3.1).
const (
	flagsReply          = 0x80
	flags2LongNames     = 0x0001
	flags2ExtSec        = 0x0800
	flags2NTStatus      = 0x4000
	flags2Unicode       = 0x8000
	headerLen           = 32
	maxWordCount        = 255
	smb1ProtocolID      = "\xffSMB"
	smb2ProtocolID      = "\xfeSMB"
	capExtendedSecurity = 0x80000000
)

// errShort is returned for a message that ends before its own fields say.
var errShort = errors.New("smb: message truncated")

// message is one parsed SMBv1 request: the header fields the sensor uses, the
// parameter words and the data bytes. Words and Bytes alias raw.
type message struct {
	Command  byte
	Status   uint32
	Flags    byte
	Flags2   uint16
	PIDHigh  uint16
	Security [8]byte
	TID      uint16
	PID      uint16
	UID      uint16
	MID      uint16
	Words    []byte // 2*WordCount bytes
	Bytes    []byte
	// Off is the offset of Bytes from the start of the header: SMB offsets
	// (parameter and data offsets of transactions) count from there.
	Off int
	// chained marks a command that followed another in an AndX chain.
	chained bool
	raw     []byte // the whole message from the protocol id on
}

// parseMessage parses one SMBv1 message (without the 4-byte direct-TCP
// header). It never reads outside b; a message whose counts point beyond its
// end is an error.
func parseMessage(b []byte) (*message, error) {
	if len(b) < headerLen+1 || string(b[:4]) != smb1ProtocolID {
		return nil, errShort
	}
	m := &message{
		Command: b[4],
		Status:  binary.LittleEndian.Uint32(b[5:]),
		Flags:   b[9],
		Flags2:  binary.LittleEndian.Uint16(b[10:]),
		PIDHigh: binary.LittleEndian.Uint16(b[12:]),
		TID:     binary.LittleEndian.Uint16(b[24:]),
		PID:     binary.LittleEndian.Uint16(b[26:]),
		UID:     binary.LittleEndian.Uint16(b[28:]),
		MID:     binary.LittleEndian.Uint16(b[30:]),
		raw:     b,
	}
	copy(m.Security[:], b[14:22])
	wc := int(b[headerLen])
	end := headerLen + 1 + 2*wc
	if end+2 > len(b) {
		// Some clients omit ByteCount on an empty data section; accept a
		// message that ends right after its words.
		if end == len(b) {
			m.Words = b[headerLen+1 : end]
			m.Off = end
			return m, nil
		}
		return nil, errShort
	}
	m.Words = b[headerLen+1 : end]
	bc := int(binary.LittleEndian.Uint16(b[end:]))
	m.Off = end + 2
	if m.Off+bc > len(b) {
		// EternalBlue's allocation session setup claims more bytes than it
		// sends; keep what is there rather than refuse the message.
		bc = len(b) - m.Off
	}
	m.Bytes = b[m.Off : m.Off+bc]
	return m, nil
}

// word returns the little-endian 16-bit parameter at byte offset i of Words,
// or 0 beyond them.
func (m *message) word(i int) uint16 {
	if i+2 > len(m.Words) {
		return 0
	}
	return binary.LittleEndian.Uint16(m.Words[i:])
}

// dword returns the 32-bit parameter at byte offset i of Words, or 0.
func (m *message) dword(i int) uint32 {
	if i+4 > len(m.Words) {
		return 0
	}
	return binary.LittleEndian.Uint32(m.Words[i:])
}

// slice returns raw[off:off+n] (offsets from the header), or nil when the
// range is not inside the message.
func (m *message) slice(off, n int) []byte {
	if off < 0 || n < 0 || off > len(m.raw) || n > len(m.raw)-off {
		return nil
	}
	return m.raw[off : off+n]
}

// unicode reports whether strings in the message are UTF-16LE.
func (m *message) unicode() bool { return m.Flags2&flags2Unicode != 0 }

// andx returns the next command of an AndX chain and its offset, or
// andxNone.
func (m *message) andx() (byte, int) {
	if len(m.Words) < 4 {
		return andxNone, 0
	}
	return m.Words[0], int(m.word(2))
}

// subMessage returns the AndX follow-up command at off (from the header),
// sharing m's header fields, or nil if it does not fit.
func (m *message) subMessage(cmd byte, off int) *message {
	if off <= headerLen || off >= len(m.raw) {
		return nil
	}
	wc := int(m.raw[off])
	end := off + 1 + 2*wc
	if end+2 > len(m.raw) {
		return nil
	}
	s := *m
	s.Command = cmd
	s.chained = true
	s.Words = m.raw[off+1 : end]
	bc := int(binary.LittleEndian.Uint16(m.raw[end:]))
	s.Off = end + 2
	if s.Off+bc > len(m.raw) {
		bc = len(m.raw) - s.Off
	}
	s.Bytes = m.raw[s.Off : s.Off+bc]
	return &s
}

// reader walks a data section: strings (OEM or UTF-16, aligned as SMB
// aligns them from the header) and fixed fields. It never fails; reads
// beyond the end return zero values, which is what a lenient server does.
type reader struct {
	b    []byte
	pos  int
	base int // offset of b[0] from the header, for alignment
}

func (r *reader) bytes(n int) []byte {
	if n < 0 || r.pos+n > len(r.b) {
		out := r.b[min(r.pos, len(r.b)):]
		r.pos = len(r.b)
		return out
	}
	out := r.b[r.pos : r.pos+n]
	r.pos += n
	return out
}

// str reads a NUL-terminated string; UTF-16 strings start 2-aligned from
// the header.
func (r *reader) str(uni bool) string {
	if !uni {
		for i := r.pos; i < len(r.b); i++ {
			if r.b[i] == 0 {
				s := string(r.b[r.pos:i])
				r.pos = i + 1
				return s
			}
		}
		s := string(r.b[min(r.pos, len(r.b)):])
		r.pos = len(r.b)
		return s
	}
	if (r.base+r.pos)%2 == 1 && r.pos < len(r.b) {
		r.pos++
	}
	start := r.pos
	for i := r.pos; i+1 < len(r.b); i += 2 {
		if r.b[i] == 0 && r.b[i+1] == 0 {
			r.pos = i + 2
			return decodeUTF16(r.b[start:i])
		}
	}
	r.pos = len(r.b)
	return decodeUTF16(r.b[min(start, len(r.b)):])
}

// decodeUTF16 decodes UTF-16LE; an odd trailing byte is dropped.
func decodeUTF16(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

// encodeUTF16 encodes s as UTF-16LE, without a terminator.
func encodeUTF16(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return b
}

// builder writes one SMBv1 response.
type builder struct {
	b []byte
}

// newReply starts a reply to req with the given command and status. The
// header echoes the request's ids, as a server must.
func newReply(req *message, cmd byte, status uint32) *builder {
	b := make([]byte, headerLen, 128)
	copy(b, smb1ProtocolID)
	b[4] = cmd
	binary.LittleEndian.PutUint32(b[5:], status)
	b[9] = flagsReply | 0x08 // case-insensitive paths, as Windows answers
	f2 := uint16(flags2NTStatus|flags2LongNames|0x0002) | req.Flags2&(flags2Unicode|flags2ExtSec)
	binary.LittleEndian.PutUint16(b[10:], f2)
	binary.LittleEndian.PutUint16(b[12:], req.PIDHigh)
	binary.LittleEndian.PutUint16(b[24:], req.TID)
	binary.LittleEndian.PutUint16(b[26:], req.PID)
	binary.LittleEndian.PutUint16(b[28:], req.UID)
	binary.LittleEndian.PutUint16(b[30:], req.MID)
	return &builder{b: b}
}

func (w *builder) setTID(v uint16) { binary.LittleEndian.PutUint16(w.b[24:], v) }
func (w *builder) setUID(v uint16) { binary.LittleEndian.PutUint16(w.b[28:], v) }
func (w *builder) setMID(v uint16) { binary.LittleEndian.PutUint16(w.b[30:], v) }

// block appends one parameter block (words) and data block (bytes); AndX
// replies call it once per command of the chain.
func (w *builder) block(words, data []byte) {
	w.b = append(w.b, byte(len(words)/2))
	w.b = append(w.b, words...)
	w.b = binary.LittleEndian.AppendUint16(w.b, uint16(len(data)))
	w.b = append(w.b, data...)
}

// empty appends an empty block (WordCount 0, ByteCount 0): the body of an
// error reply.
func (w *builder) empty() { w.b = append(w.b, 0, 0, 0) }

// frame returns the reply with its direct-TCP header.
func (w *builder) frame() []byte { return frameOf(w.b) }

// le is a small little-endian appender for building parameter words.
type le []byte

func (l le) u8(v byte) le    { return append(l, v) }
func (l le) u16(v uint16) le { return binary.LittleEndian.AppendUint16(l, v) }
func (l le) u32(v uint32) le { return binary.LittleEndian.AppendUint32(l, v) }
func (l le) u64(v uint64) le { return binary.LittleEndian.AppendUint64(l, v) }
