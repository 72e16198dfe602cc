package smb

import (
	"encoding/binary"
	"fmt"

	"github.com/honeygate/honeygate/internal/event"
)

// SMB2 (MS-SMB2): the sensor answers NEGOTIATE as Windows 7 does (dialects
// 2.0.2 and 2.1), then plays an NTLM logon far enough to record who logs
// on, connects IPC$ and says goodbye. Anything else gets
// STATUS_NOT_SUPPORTED: the exploits it waits for are SMBv1.

const (
	smb2HeaderLen       = 64
	smb2Negotiate       = 0x00
	smb2SessionSetup    = 0x01
	smb2Logoff          = 0x02
	smb2TreeConnect     = 0x03
	smb2TreeDisconnect  = 0x04
	smb2Create          = 0x05
	smb2Close           = 0x06
	smb2Read            = 0x08
	smb2Write           = 0x09
	smb2Ioctl           = 0x0b
	smb2Echo            = 0x0d
	fsctlPipeTransceive = 0x0011c017
	maxSMB2Dialects     = 64
)

// smb2Header is the part of an SMB2 header the sensor echoes.
type smb2Header struct {
	command   uint16
	credits   uint16
	messageID uint64
	pid       uint32
	treeID    uint32
	sessionID uint64
}

func parseSMB2Header(b []byte) (smb2Header, bool) {
	if len(b) < smb2HeaderLen || string(b[:4]) != smb2ProtocolID || binary.LittleEndian.Uint16(b[4:]) != smb2HeaderLen {
		return smb2Header{}, false
	}
	return smb2Header{
		command:   binary.LittleEndian.Uint16(b[12:]),
		credits:   binary.LittleEndian.Uint16(b[14:]),
		messageID: binary.LittleEndian.Uint64(b[24:]),
		pid:       binary.LittleEndian.Uint32(b[32:]),
		treeID:    binary.LittleEndian.Uint32(b[36:]),
		sessionID: binary.LittleEndian.Uint64(b[40:]),
	}, true
}

// smb2Reply builds a response header for h with status and body.
func smb2Reply(h smb2Header, status uint32, body []byte) []byte {
	b := make([]byte, smb2HeaderLen, smb2HeaderLen+len(body))
	copy(b, smb2ProtocolID)
	binary.LittleEndian.PutUint16(b[4:], smb2HeaderLen)
	binary.LittleEndian.PutUint32(b[8:], status)
	binary.LittleEndian.PutUint16(b[12:], h.command)
	binary.LittleEndian.PutUint16(b[14:], max(h.credits, 1))
	binary.LittleEndian.PutUint32(b[16:], 0x1) // SERVER_TO_REDIR
	binary.LittleEndian.PutUint64(b[24:], h.messageID)
	binary.LittleEndian.PutUint32(b[32:], h.pid)
	binary.LittleEndian.PutUint32(b[36:], h.treeID)
	binary.LittleEndian.PutUint64(b[40:], h.sessionID)
	return append(b, body...)
}

// smb2Error is an ERROR response body (MS-SMB2 2.2.2).
func smb2Error(h smb2Header, status uint32) []byte {
	return smb2Reply(h, status, []byte{9, 0, 0, 0, 0, 0, 0, 0, 0})
}

// dialectName writes an SMB2 dialect revision as people write it.
func dialectName(d uint16) string {
	switch d {
	case 0x0202:
		return "2.0.2"
	case 0x0210:
		return "2.1"
	case 0x0300:
		return "3.0"
	case 0x0302:
		return "3.0.2"
	case 0x0311:
		return "3.1.1"
	case 0x02ff:
		return "2.???"
	}
	return fmt.Sprintf("0x%04x", d)
}

// handleSMB2 answers one SMB2 message; false ends the session.
func (ss *session) handleSMB2(msg []byte) bool {
	if isGroom(msg) {
		ss.exploit(techEternalBlueGroom, nil, groomPayload(msg))
		return true // a groom is never answered: the server waits for more
	}
	h, ok := parseSMB2Header(msg)
	if !ok {
		ss.closing = "malformed"
		return false
	}
	body := msg[smb2HeaderLen:]
	switch h.command {
	case smb2Negotiate:
		return ss.smb2Negotiate(h, body)
	case smb2SessionSetup:
		return ss.smb2SessionSetup(h, msg, body)
	case smb2TreeConnect:
		return ss.smb2TreeConnect(h, msg, body)
	case smb2Logoff, smb2TreeDisconnect, smb2Echo:
		return ss.write(frameOf(smb2Reply(h, statusSuccess, []byte{4, 0, 0, 0})))
	case smb2Create:
		return ss.smb2Create(h, msg, body)
	case smb2Close:
		return ss.smb2Close(h, body)
	case smb2Write:
		return ss.smb2Write(h, msg, body)
	case smb2Read:
		return ss.smb2Read(h, body)
	case smb2Ioctl:
		return ss.smb2Ioctl(h, msg, body)
	}
	return ss.write(frameOf(smb2Error(h, statusNotSupported)))
}

// smb2Negotiate answers NEGOTIATE (MS-SMB2 2.2.3, 2.2.4) with the best
// dialect Windows 7 has among those offered.
func (ss *session) smb2Negotiate(h smb2Header, body []byte) bool {
	if len(body) < 36 {
		return ss.write(frameOf(smb2Error(h, statusInvalidParameter)))
	}
	n := int(binary.LittleEndian.Uint16(body[2:]))
	var dialects []string
	var best uint16
	for i := 0; i < n && i < maxSMB2Dialects && 36+2*i+2 <= len(body); i++ {
		d := binary.LittleEndian.Uint16(body[36+2*i:])
		dialects = append(dialects, dialectName(d))
		if (d == 0x0202 || d == 0x0210) && d > best {
			best = d
		}
	}
	ss.smb2 = true
	e := ss.event(event.SMBNegotiate)
	e.SMB.Dialects = texts(dialects)
	if best != 0 {
		ss.dialect = "SMB " + dialectName(best)
		e.SMB.Dialect = ss.dialect
	}
	ss.emit(e)
	if best == 0 {
		return ss.write(frameOf(smb2Error(h, statusNotSupported)))
	}
	return ss.write(frameOf(ss.smb2NegotiateResponse(h.messageID, h.credits, best)))
}

// smb2NegotiateResponse is a NEGOTIATE response for dialect rev.
func (ss *session) smb2NegotiateResponse(mid uint64, credits uint16, rev uint16) []byte {
	blob := spnegoInit()
	now := filetime(ss.s.now())
	body := le{}.u16(65).u16(0x0001). // structure size; signing enabled, not required
						u16(rev).u16(0)
	body = append(body, ss.s.guid[:]...)
	body = body.u32(0x1). // DFS
				u32(65536).u32(65536).u32(65536).
				u64(now).u64(filetime(ss.s.started)).
				u16(smb2HeaderLen + 64).u16(uint16(len(blob))).u32(0)
	body = append(body, blob...)
	return smb2Reply(smb2Header{command: smb2Negotiate, messageID: mid, credits: credits}, statusSuccess, body)
}

// smb2SessionSetup plays the server side of an NTLM logon over SMB2
// (MS-SMB2 2.2.5, 2.2.6).
func (ss *session) smb2SessionSetup(h smb2Header, msg, body []byte) bool {
	ss.logins++
	if ss.logins > maxLoginsPerSes || len(body) < 24 {
		ss.closing = "limit"
		return false
	}
	off, n := int(binary.LittleEndian.Uint16(body[12:])), int(binary.LittleEndian.Uint16(body[14:]))
	if off > len(msg) || n > len(msg)-off {
		return ss.write(frameOf(smb2Error(h, statusInvalidParameter)))
	}
	tok := findNTLM(msg[off : off+n])
	if h.sessionID == 0 {
		h.sessionID = 0x0000040000000001 // the shape of a Windows session id
	}
	resp := func(status uint32, flags uint16, blob []byte) bool {
		b := le{}.u16(9).u16(flags).u16(smb2HeaderLen + 8).u16(uint16(len(blob)))
		return ss.write(frameOf(smb2Reply(h, status, append(b, blob...))))
	}
	switch ntlmType(tok) {
	case ntlmNegotiate:
		ss.ntlmFlags = negotiateFlags(tok)
		return resp(statusMoreProcessingRequired, 0, spnegoResp(spnegoAcceptIncomplete, ss.challengeToken()))
	case ntlmAuthenticate:
		a, err := parseAuthenticate(tok)
		if err != nil {
			return ss.write(frameOf(smb2Error(h, statusInvalidParameter)))
		}
		if status := ss.login(a, ss.challenge, "", ""); status != statusSuccess {
			return ss.write(frameOf(smb2Error(h, status)))
		}
		return resp(statusSuccess, 0x0002, spnegoResp(spnegoAcceptCompleted, nil)) // IS_NULL
	}
	return ss.write(frameOf(smb2Error(h, statusLogonFailure)))
}

// smb2TreeConnect connects IPC$ (MS-SMB2 2.2.9, 2.2.10); other shares are
// refused as for SMBv1.
func (ss *session) smb2TreeConnect(h smb2Header, msg, body []byte) bool {
	if len(body) < 8 {
		return ss.write(frameOf(smb2Error(h, statusInvalidParameter)))
	}
	off, n := int(binary.LittleEndian.Uint16(body[4:])), int(binary.LittleEndian.Uint16(body[6:]))
	if off > len(msg) || n > len(msg)-off {
		return ss.write(frameOf(smb2Error(h, statusInvalidParameter)))
	}
	path := decodeUTF16(msg[off : off+n])
	status := ss.shareStatus(path)
	e := ss.event(event.SMBTreeConnect)
	e.SMB.Tree = text(path, 512)
	e.SMB.Status = statusName(status)
	ss.emit(e)
	ss.observeTree(path)
	if status != statusSuccess {
		return ss.write(frameOf(smb2Error(h, status)))
	}
	h.treeID = 1
	b := le{}.u16(16).u8(2).u8(0).u32(0x30).u32(0).u32(0x001f01ff) // pipe share
	return ss.write(frameOf(smb2Reply(h, statusSuccess, b)))
}

// smb2Pipe returns the pipe a request's FileId (its persistent half, at
// off in body) names.
func (ss *session) smb2Pipe(body []byte, off int) *pipe {
	if off+16 > len(body) {
		return nil
	}
	return ss.pipes[uint16(binary.LittleEndian.Uint64(body[off:]))]
}

// smb2Create opens a named pipe on IPC$ (MS-SMB2 2.2.13, 2.2.14).
func (ss *session) smb2Create(h smb2Header, msg, body []byte) bool {
	if len(body) < 56 || !ss.loggedOn || h.treeID != 1 {
		return ss.write(frameOf(smb2Error(h, statusAccessDenied)))
	}
	off, n := int(binary.LittleEndian.Uint16(body[44:])), int(binary.LittleEndian.Uint16(body[46:]))
	if off > len(msg) || n > len(msg)-off {
		return ss.write(frameOf(smb2Error(h, statusInvalidParameter)))
	}
	name := decodeUTF16(msg[off : off+n])
	e := ss.event(event.SMBPipeOpen)
	e.SMB.Pipe = text(name, 256)
	ss.emit(e)
	if pipeName(name) != "srvsvc" {
		return ss.write(frameOf(smb2Error(h, statusObjectNameNotFound)))
	}
	if len(ss.pipes) >= maxPipes {
		return ss.write(frameOf(smb2Error(h, statusInsuffServerResources)))
	}
	fid := ss.nextFID
	ss.nextFID++
	ss.pipes[fid] = &pipe{name: pipeName(name)}
	b := le{}.u16(89).u8(0).u8(0).u32(1). // no oplock, FILE_OPENED
						u64(0).u64(0).u64(0).u64(0).u64(4096).u64(0).u32(0x80).u32(0).
						u64(uint64(fid)).u64(uint64(fid)).u32(0).u32(0)
	return ss.write(frameOf(smb2Reply(h, statusSuccess, b)))
}

func (ss *session) smb2Close(h smb2Header, body []byte) bool {
	if ss.smb2Pipe(body, 8) == nil {
		return ss.write(frameOf(smb2Error(h, statusInvalidHandle)))
	}
	delete(ss.pipes, uint16(binary.LittleEndian.Uint64(body[8:])))
	b := le{}.u16(60).u16(0).u32(0)
	b = append(b, make([]byte, 52)...)
	return ss.write(frameOf(smb2Reply(h, statusSuccess, b)))
}

// smb2Write takes a DCE/RPC PDU written to a pipe (MS-SMB2 2.2.21).
func (ss *session) smb2Write(h smb2Header, msg, body []byte) bool {
	p := ss.smb2Pipe(body, 16)
	if p == nil || len(body) < 48 {
		return ss.write(frameOf(smb2Error(h, statusInvalidHandle)))
	}
	off, n := int(binary.LittleEndian.Uint16(body[2:])), int(binary.LittleEndian.Uint32(body[4:]))
	if off > len(msg) || n > len(msg)-off {
		return ss.write(frameOf(smb2Error(h, statusInvalidParameter)))
	}
	p.out = rpcCall(p.name, msg[off:off+n])
	return ss.write(frameOf(smb2Reply(h, statusSuccess, le{}.u16(17).u16(0).u32(uint32(n)).u32(0).u32(0).u16(0).u8(0))))
}

// smb2Read returns what a pipe holds (MS-SMB2 2.2.19, 2.2.20).
func (ss *session) smb2Read(h smb2Header, body []byte) bool {
	p := ss.smb2Pipe(body, 16)
	if p == nil || len(body) < 48 {
		return ss.write(frameOf(smb2Error(h, statusInvalidHandle)))
	}
	max := int(binary.LittleEndian.Uint32(body[4:]))
	data := p.out[:min(len(p.out), max)]
	p.out = p.out[len(data):]
	if len(data) == 0 {
		return ss.write(frameOf(smb2Error(h, statusPipeEmpty)))
	}
	b := le{}.u16(17).u8(smb2HeaderLen + 16).u8(0).u32(uint32(len(data))).u32(0).u32(0)
	return ss.write(frameOf(smb2Reply(h, statusSuccess, append(b, data...))))
}

// smb2Ioctl answers FSCTL_PIPE_TRANSCEIVE: a PDU in, its answer out
// (MS-SMB2 2.2.31, 2.2.32).
func (ss *session) smb2Ioctl(h smb2Header, msg, body []byte) bool {
	if len(body) < 56 {
		return ss.write(frameOf(smb2Error(h, statusInvalidParameter)))
	}
	ctl := binary.LittleEndian.Uint32(body[4:])
	p := ss.smb2Pipe(body, 8)
	if ctl != fsctlPipeTransceive || p == nil {
		return ss.write(frameOf(smb2Error(h, statusNotSupported)))
	}
	off, n := int(binary.LittleEndian.Uint32(body[24:])), int(binary.LittleEndian.Uint32(body[28:]))
	if off > len(msg) || n > len(msg)-off {
		return ss.write(frameOf(smb2Error(h, statusInvalidParameter)))
	}
	out := rpcCall(p.name, msg[off:off+n])
	fid := uint64(binary.LittleEndian.Uint64(body[8:]))
	b := le{}.u16(49).u16(0).u32(ctl).u64(fid).u64(fid).
		u32(smb2HeaderLen + 48).u32(0).u32(smb2HeaderLen + 48).u32(uint32(len(out))).u32(0).u32(0)
	return ss.write(frameOf(smb2Reply(h, statusSuccess, append(b, out...))))
}
