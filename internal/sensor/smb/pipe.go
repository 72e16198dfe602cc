package smb

import (
	"strings"

	"github.com/honeygate/honeygate/internal/event"
)

// ntCreate opens a named pipe on IPC$ (NT_CREATE_ANDX, MS-CIFS 2.2.4.64):
// enough for EternalRomance and DCE/RPC clients to get a handle.
func (ss *session) ntCreate(m *message) bool {
	share, ok := ss.trees[m.TID]
	if !ok || share != "IPC$" {
		return ss.reply(m, statusAccessDenied)
	}
	r := reader{b: m.Bytes, base: m.Off}
	name := r.str(m.unicode())
	e := ss.event(event.SMBPipeOpen)
	e.SMB.Pipe = text(name, 256)
	ss.emit(e)
	if len(ss.pipes) >= maxPipes {
		return ss.reply(m, statusInsuffServerResources)
	}
	fid := ss.nextFID
	ss.nextFID++
	ss.pipes[fid] = &pipe{name: pipeName(name)}
	w := newReply(m, cmdNTCreateAndX, statusSuccess)
	words := le{andxNone, 0}.u16(0).
		u8(0).u16(fid).u32(1).       // no oplock, FID, FILE_OPEN
		u64(0).u64(0).u64(0).u64(0). // times
		u32(0x80).                   // FILE_ATTRIBUTE_NORMAL
		u64(4096).u64(0).            // allocation size, end of file
		u16(2).u16(0x05ff).u8(0)     // message-mode pipe, pipe state, not a directory
	w.block(words, nil)
	return ss.write(w.frame())
}

// writeAndX takes a write to an open pipe: a DCE/RPC PDU, whose answer
// waits for the client's read.
func (ss *session) writeAndX(m *message) bool {
	p := ss.pipes[m.word(4)]
	if p == nil {
		return ss.reply(m, statusInvalidHandle)
	}
	n := m.word(20)
	if data := m.slice(int(m.word(22)), int(n)); data != nil {
		p.out = rpcCall(p.name, data)
	}
	w := newReply(m, cmdWriteAndX, statusSuccess)
	w.block(le{andxNone, 0}.u16(0).u16(n).u16(0xffff).u16(0).u16(0), nil)
	return ss.write(w.frame())
}

// readAndX returns what a pipe has to say (MS-CIFS 2.2.4.42).
func (ss *session) readAndX(m *message) bool {
	p := ss.pipes[m.word(4)]
	if p == nil {
		return ss.reply(m, statusInvalidHandle)
	}
	max := int(m.word(10))
	data := p.out[:min(len(p.out), max)]
	p.out = p.out[len(data):]
	w := newReply(m, cmdReadAndX, statusSuccess)
	const wc = 12
	off := headerLen + 1 + 2*wc + 2 + 1 // one pad byte, as Windows aligns
	words := le{andxNone, 0}.u16(0).u16(0xffff).u16(0).u16(0).u16(uint16(len(data))).u16(uint16(off))
	words = append(words, make([]byte, 10)...)
	w.block(words, append([]byte{0}, data...))
	return ss.write(w.frame())
}

// pipe is an open named pipe and the answer it holds for the next read.
type pipe struct {
	name string // lower case, without \PIPE\
	out  []byte
}

// pipeName normalizes a pipe name as clients send it ("\srvsvc",
// "\PIPE\srvsvc", "srvsvc").
func pipeName(s string) string {
	s = strings.ToLower(strings.TrimLeft(s, "\\"))
	return strings.TrimPrefix(s, "pipe\\")
}
