package smb

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/honeygate/honeygate/internal/attrib"
	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/sensor"
)

// Bounds on what one session may make the sensor hold.
const (
	maxTrees        = 16      // tree connects open at once
	maxPipes        = 16      // pipes open at once
	maxPending      = 8       // multi-part transactions in progress
	maxTransTotal   = 1 << 20 // bytes of one reassembled transaction (EternalBlue's is 66 KiB)
	maxDialects     = 64      // dialect strings read from one NEGOTIATE
	maxMessages     = 1 << 16 // messages per session
	firstUID        = 2048    // Windows 7 hands out UIDs and TIDs from 2048
	firstTID        = 2048    //
	firstFID        = 0x4000  // and FIDs from 0x4000
	maxLoginsPerSes = 64      // session setups answered before the session is dropped
	closeGrace      = 5 * time.Second
)

// session is one SMB connection.
type session struct {
	s       *Sensor
	ctx     context.Context
	conn    *sensor.Conn
	info    sensor.ConnInfo
	id      string
	start   time.Time
	tracker *attrib.Tracker
	tap     *tap

	challenge [8]byte
	extSec    bool   // the client negotiated extended security (SPNEGO/NTLMSSP)
	dialect   string // negotiated dialect
	smb2      bool   // the connection switched to SMB2
	uid       uint16 // the UID handed out (with the challenge, or at logon)
	loggedOn  bool   // a logon succeeded under uid
	anonymous bool
	logins    int
	ntlmFlags uint32 // from the client's NEGOTIATE_MESSAGE

	trees   map[uint16]string // TID -> share path as sent
	nextTID uint16
	pipes   map[uint16]*pipe // by FID
	nextFID uint16
	pending map[uint16]*transaction // by MID
	seen    map[string]bool         // techniques already recorded
	pulsar  *pulsarUpload
	closing string // why the session ended, for session.closed
	msgs    int
	// keep is set once the session did something worth a sample.
	keep bool
	// payloadPartial marks the payload being recorded as incomplete.
	payloadPartial bool
}

func (s *Sensor) newSession(ctx context.Context, c *sensor.Conn, info sensor.ConnInfo) *session {
	ss := &session{
		s:       s,
		ctx:     ctx,
		conn:    c,
		info:    info,
		id:      info.Session,
		start:   s.now(),
		tracker: s.rules.NewTracker(),
		tap:     newTap(s.cfg.MaxSampleBytes, s.held),
		trees:   map[uint16]string{},
		nextTID: firstTID,
		pipes:   map[uint16]*pipe{},
		nextFID: firstFID,
		pending: map[uint16]*transaction{},
		seen:    map[string]bool{},
	}
	_, _ = io.ReadFull(s.rand, ss.challenge[:])
	return ss
}

// serve runs the session until the client leaves, a limit is hit or the
// context ends, then records the close.
func (ss *session) serve() {
	ss.emit(ss.event(event.SessionConnect))
	if ss.info.DstPort != 0 {
		ss.observe(attrib.Observation{Port: ss.info.DstPort})
	}
	// 1 KiB holds most requests whole in one read; larger frames (the
	// exploit's 4 KiB fragments) pass through to the connection.
	r := bufio.NewReaderSize(io.TeeReader(ss.conn, ss.tap), 1024)
	var buf []byte
loop:
	for ss.msgs < maxMessages {
		f, err := readFrame(r, buf)
		if err != nil {
			if errors.Is(err, errFrameTooLarge) {
				continue
			}
			ss.partial(f)
			ss.closing = closeReason(ss.ctx, err)
			break
		}
		if cap(f.Payload) > cap(buf) {
			buf = f.Payload[:0]
		}
		ss.msgs++
		switch f.Type {
		case nbSessionMessage:
		case nbSessionRequest:
			if !ss.write([]byte{nbPositiveSession, 0, 0, 0}) {
				break loop
			}
			continue
		default: // keep-alives and the rest carry nothing to answer
			continue
		}
		if !ss.handle(f.Payload) {
			break loop
		}
	}
	if ss.closing == "" {
		ss.closing = "limit"
	}
	ss.finish()
}

// closeReason names why reading stopped.
func closeReason(ctx context.Context, err error) string {
	switch {
	case ctx.Err() != nil:
		return "timeout"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "client"
	case errors.Is(err, sensor.ErrTooMuchInput):
		return "input limit"
	}
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) && ne.Timeout() {
		return "idle"
	}
	return "error"
}

// handle answers one message; false ends the session.
func (ss *session) handle(msg []byte) bool {
	if len(msg) >= 4 && string(msg[:4]) == smb2ProtocolID {
		return ss.handleSMB2(msg)
	}
	m, err := parseMessage(msg)
	if err != nil {
		// Windows drops a connection that sends garbage.
		ss.closing = "malformed"
		return false
	}
	if ss.smb2 && m.Command != cmdNegotiate {
		ss.closing = "protocol"
		return false
	}
	return ss.dispatch(m)
}

func (ss *session) dispatch(m *message) bool {
	switch m.Command {
	case cmdNegotiate:
		return ss.negotiate(m)
	case cmdSessionSetup, cmdTreeConnect:
		return ss.andxChain(m)
	case cmdTransaction, cmdTrans2, cmdNTTransact:
		return ss.transactionRequest(m)
	case cmdTransactionSec, cmdTrans2Sec, cmdNTTransactSec:
		return ss.secondary(m)
	case cmdEcho:
		return ss.echo(m)
	case cmdLogoffAndX:
		w := newReply(m, cmdLogoffAndX, statusSuccess)
		w.block(le{andxNone, 0}.u16(0), nil)
		ss.uid, ss.loggedOn = 0, false
		return ss.write(w.frame())
	case cmdTreeDisconnect:
		delete(ss.trees, m.TID)
		w := newReply(m, cmdTreeDisconnect, statusSuccess)
		w.empty()
		return ss.write(w.frame())
	case cmdNTCreateAndX:
		return ss.ntCreate(m)
	case cmdClose:
		status := uint32(statusSuccess)
		fid := m.word(0)
		if _, ok := ss.pipes[fid]; !ok {
			status = statusInvalidHandle
		}
		delete(ss.pipes, fid)
		w := newReply(m, cmdClose, status)
		w.empty()
		return ss.write(w.frame())
	case cmdWriteAndX:
		return ss.writeAndX(m)
	case cmdReadAndX:
		return ss.readAndX(m)
	}
	return ss.reply(m, statusSMBBadCommand)
}

// reply answers m with an empty body and status.
func (ss *session) reply(m *message, status uint32) bool {
	w := newReply(m, m.Command, status)
	w.empty()
	return ss.write(w.frame())
}

// write sends one frame; false when the client is gone.
func (ss *session) write(b []byte) bool {
	if _, err := ss.conn.Write(b); err != nil {
		ss.closing = closeReason(ss.ctx, err)
		return false
	}
	return true
}

// negotiate answers SMB_COM_NEGOTIATE (MS-CIFS 2.2.4.52, MS-SMB 2.2.4.5).
// "NT LM 0.12" is preferred; a client that offers only SMB2 dialects is
// answered in SMB2, as Windows answers a multi-protocol negotiate.
func (ss *session) negotiate(m *message) bool {
	var dialects []string
	r := reader{b: m.Bytes}
	for r.pos < len(r.b) && len(dialects) < maxDialects {
		if r.b[r.pos] != 0x02 {
			break
		}
		r.pos++
		dialects = append(dialects, event.Truncate(r.str(false), 64))
	}
	idx, smb2 := -1, ""
	for i, d := range dialects {
		switch d {
		case "NT LM 0.12":
			if idx < 0 {
				idx = i
			}
		case "SMB 2.???":
			smb2 = "2.???"
		case "SMB 2.002":
			if smb2 == "" {
				smb2 = "2.002"
			}
		}
	}
	e := ss.event(event.SMBNegotiate)
	e.SMB.Dialects = texts(dialects)
	switch {
	case idx >= 0:
		ss.dialect = "NT LM 0.12"
	case smb2 != "":
		ss.dialect = "SMB " + smb2
	}
	e.SMB.Dialect = ss.dialect
	ss.emit(e)
	if idx < 0 && smb2 != "" {
		ss.smb2 = true
		rev := uint16(0x02ff)
		if smb2 == "2.002" {
			rev = 0x0202
		}
		return ss.write(frameOf(ss.smb2NegotiateResponse(0, 0, rev)))
	}
	w := newReply(m, cmdNegotiate, statusSuccess)
	if idx < 0 {
		w.block(le{}.u16(0xffff), nil)
		return ss.write(w.frame())
	}
	ss.extSec = m.Flags2&flags2ExtSec != 0
	caps := uint32(0x0001f3fd)
	if ss.extSec {
		caps |= capExtendedSecurity
	}
	words := le{}.u16(uint16(idx)).u8(0x03). // user-level security, challenge/response
							u16(50).u16(1).u32(16644).u32(65536).u32(0).u32(caps).
							u64(filetime(ss.s.now())).u16(0)
	var data []byte
	if ss.extSec {
		words = words.u8(0)
		data = append(data, ss.s.guid[:]...)
		data = append(data, spnegoInit()...)
	} else {
		words = words.u8(8)
		data = append(data, ss.challenge[:]...)
		data = append(data, encodeUTF16(ss.s.cfg.Workgroup+"\x00")...)
		data = append(data, encodeUTF16(ss.s.cfg.ServerName+"\x00")...)
	}
	w.block(words, data)
	return ss.write(w.frame())
}

// andxChain answers a SESSION_SETUP_ANDX or TREE_CONNECT_ANDX with what
// follows it in its AndX chain (older clients send both in one message).
func (ss *session) andxChain(m *message) bool {
	w := newReply(m, m.Command, statusSuccess)
	cur := m
	prevWords := -1 // offset in w.b of the previous reply's words
	for depth := 0; cur != nil && depth < 4; depth++ {
		var (
			status uint32
			words  le
			data   []byte
			ok     = true
		)
		switch cur.Command {
		case cmdSessionSetup:
			status, words, data, ok = ss.sessionSetup(cur, w)
		case cmdTreeConnect:
			status, words, data = ss.treeConnect(cur, w)
		default:
			status = statusSMBBadCommand
		}
		if !ok {
			return false
		}
		if status != statusSuccess && status != statusMoreProcessingRequired {
			if prevWords < 0 {
				w.b = w.b[:headerLen]
				setStatus(w.b, status)
				w.empty()
			} else {
				setStatus(w.b, status)
			}
			break
		}
		setStatus(w.b, status)
		if prevWords >= 0 {
			w.b[prevWords] = cur.Command
			putU16(w.b[prevWords+2:], uint16(len(w.b)))
		}
		prevWords = len(w.b) + 1
		w.block(words, data)
		next, off := cur.andx()
		if next == andxNone || status != statusSuccess {
			break
		}
		cur = cur.subMessage(next, off)
	}
	return ss.write(w.frame())
}

// sessionSetup handles one SESSION_SETUP_ANDX (MS-CIFS 2.2.4.53, MS-SMB
// 2.2.4.6). It returns the reply's words (AndX first) and data.
func (ss *session) sessionSetup(m *message, w *builder) (uint32, le, []byte, bool) {
	ss.logins++
	if ss.logins > maxLoginsPerSes {
		ss.closing = "limit"
		return 0, nil, nil, false
	}
	uni := m.unicode()
	r := reader{b: m.Bytes, base: m.Off}
	switch len(m.Words) / 2 {
	case 12: // extended security: a security blob
		if m.Flags2&flags2ExtSec == 0 {
			// A security-blob layout under a header that says otherwise:
			// EternalBlue's trick to make the server misread the byte count
			// and allocate a large buffer (its "allocation" connections).
			ss.exploit(techEternalBlueAlloc, m.raw, nil)
		}
		blob := r.bytes(int(m.word(14)))
		os, lanman := r.str(uni), r.str(uni)
		return ss.ntlmStep(m, w, blob, os, lanman)
	case 13, 10: // NT LM 0.12 without extended security, or LANMAN
		var lm, nt []byte
		if len(m.Words) == 26 {
			lm, nt = r.bytes(int(m.word(14))), r.bytes(int(m.word(16)))
		} else {
			lm = r.bytes(int(m.word(14)))
		}
		user, domain := r.str(uni), r.str(uni)
		os, lanman := r.str(uni), r.str(uni)
		auth := &ntlmAuth{User: user, Domain: domain, LM: lm, NT: nt}
		if user == "" && len(nt) == 0 && len(lm) <= 1 {
			auth.LM, auth.NT = nil, nil
		}
		status := ss.login(auth, ss.challenge, os, lanman)
		if status != statusSuccess {
			return status, nil, nil, true
		}
		w.setUID(ss.uid)
		words := le{andxNone, 0}.u16(0).u16(ss.guestAction())
		return status, words, ss.nativeStrings(uni, dataStart(w, words)), true
	}
	return statusInvalidParameter, nil, nil, true
}

// ntlmStep handles one leg of an extended-security logon: the client's
// NEGOTIATE_MESSAGE gets a challenge, its AUTHENTICATE_MESSAGE a verdict.
func (ss *session) ntlmStep(m *message, w *builder, blob []byte, os, lanman string) (uint32, le, []byte, bool) {
	tok := findNTLM(blob)
	switch ntlmType(tok) {
	case ntlmNegotiate:
		ss.ntlmFlags = negotiateFlags(tok)
		sb := spnegoResp(spnegoAcceptIncomplete, ss.challengeToken())
		// The UID is assigned with the challenge, as Windows does.
		ss.uid = firstUID
		w.setUID(ss.uid)
		words := le{andxNone, 0}.u16(0).u16(0).u16(uint16(len(sb)))
		return statusMoreProcessingRequired, words, append(sb, ss.nativeStrings(m.unicode(), dataStart(w, words)+len(sb))...), true
	case ntlmAuthenticate:
		auth, err := parseAuthenticate(tok)
		if err != nil {
			return statusInvalidParameter, nil, nil, true
		}
		status := ss.login(auth, ss.challenge, os, lanman)
		if status != statusSuccess {
			return status, nil, nil, true
		}
		w.setUID(ss.uid)
		sb := spnegoResp(spnegoAcceptCompleted, nil)
		words := le{andxNone, 0}.u16(0).u16(ss.guestAction()).u16(uint16(len(sb)))
		return status, words, append(sb, ss.nativeStrings(m.unicode(), dataStart(w, words)+len(sb))...), true
	}
	if len(blob) == 0 {
		// No blob at all: EternalBlue's allocation connections send none.
		return statusInvalidParameter, nil, nil, true
	}
	return statusLogonFailure, nil, nil, true
}

// challengeToken is the CHALLENGE_MESSAGE for this session.
func (ss *session) challengeToken() []byte {
	return challengeMessage(ss.challenge, serverIdentity{
		Domain:   ss.s.cfg.Workgroup,
		Computer: ss.s.cfg.ServerName,
		DNSName:  strings.ToLower(ss.s.cfg.ServerName),
	}, filetime(ss.s.now()), ss.ntlmFlags)
}

// guestAction is the Action word of a successful logon: anonymous logons
// are not guest logons.
func (ss *session) guestAction() uint16 { return 0 }

// login records a logon and decides it: anonymous logons succeed (a null
// session, which every tool this sensor waits for needs); named accounts
// fail, since the sensor cannot check a response and a real host would
// not know them.
func (ss *session) login(a *ntlmAuth, challenge [8]byte, os, lanman string) uint32 {
	anon := a.Anonymous()
	kind := event.LoginSuccess
	if !anon {
		kind = event.LoginFailed
	}
	e := ss.event(kind)
	e.Username = text(a.User, 256)
	e.NTLM.Domain = text(a.Domain, 256)
	e.NTLM.Workstation = text(a.Workstation, 256)
	e.SMB.NativeOS = text(os, 256)
	e.SMB.NativeLanMan = text(lanman, 256)
	if anon {
		e.SMB.Auth = "anonymous"
	} else {
		e.SMB.Auth = "ntlm"
		if len(a.NT) == 0 && len(a.LM) > 0 && len(a.LM) != 24 {
			// A pre-NT client that sends its password in the clear.
			p := string(a.LM)
			if i := strings.IndexByte(p, 0); i >= 0 {
				p = p[:i]
			}
			e.Password = event.TextPtr(event.Truncate(p, 256))
			e.SMB.Auth = "plaintext"
		}
		typ, line := crackable(a.User, a.Domain, a.LM, a.NT, challenge)
		e.NTLM.HashType, e.NTLM.Hash = typ, event.Text(line)
	}
	ss.emit(e)
	ss.observe(attrib.Observation{Login: true, Username: a.User, Client: os})
	if lanman != "" {
		ss.observe(attrib.Observation{Client: lanman})
	}
	if !anon {
		return statusLogonFailure
	}
	ss.anonymous = true
	ss.loggedOn = true
	if ss.uid == 0 {
		ss.uid = firstUID
	}
	return statusSuccess
}

// nativeStrings is the end of a logon reply's data section: NativeOS,
// NativeLanMan and the workgroup. at is the offset from the header where
// they start; UTF-16 strings are 2-aligned from the header, as Windows
// aligns them.
func (ss *session) nativeStrings(uni bool, at int) []byte {
	var out []byte
	strs := []string{ss.s.cfg.NativeOS, ss.s.cfg.NativeLanMan, ss.s.cfg.Workgroup}
	if !uni {
		for _, s := range strs {
			out = append(out, s...)
			out = append(out, 0)
		}
		return out
	}
	if at%2 == 1 {
		out = append(out, 0)
	}
	for _, s := range strs {
		out = append(out, encodeUTF16(s+"\x00")...)
	}
	return out
}

// dataStart is where the data section of a block with words will start
// in w.
func dataStart(w *builder, words le) int { return len(w.b) + 1 + len(words) + 2 }

// treeConnect handles TREE_CONNECT_ANDX (MS-CIFS 2.2.4.55, MS-SMB 2.2.4.7).
func (ss *session) treeConnect(m *message, w *builder) (uint32, le, []byte) {
	uni := m.unicode()
	r := reader{b: m.Bytes, base: m.Off}
	r.bytes(int(m.word(6))) // password
	path := r.str(uni)
	service := r.str(false)
	e := ss.event(event.SMBTreeConnect)
	e.SMB.Tree = text(path, 512)
	e.SMB.Service = text(service, 16)
	status := ss.shareStatus(path)
	if status == statusSuccess && m.UID != ss.uid && !m.chained {
		status = statusBadUID
	}
	e.SMB.Status = statusName(status)
	ss.emit(e)
	ss.observeTree(path)
	if status != statusSuccess {
		return status, nil, nil
	}
	if len(ss.trees) >= maxTrees {
		return statusInsuffServerResources, nil, nil
	}
	tid := ss.nextTID
	ss.nextTID++
	ss.trees[tid] = shareName(path)
	w.setTID(tid)
	words := le{andxNone, 0}.u16(0).u16(0x0001) // optional support: search bits
	if m.word(4)&0x0008 != 0 {                  // TREE_CONNECT_ANDX_EXTENDED_RESPONSE
		words = words.u32(0x001f01ff).u32(0)
	}
	data := []byte("IPC\x00")
	if uni {
		// NativeFileSystem, empty, after alignment.
		if (len(w.b)+1+len(words)+2+len(data))%2 == 1 {
			data = append(data, 0)
		}
		data = append(data, 0, 0)
	} else {
		data = append(data, 0)
	}
	return statusSuccess, words, data
}

// shareName is the share part of a UNC path, upper-cased.
func shareName(path string) string {
	if i := strings.LastIndexByte(path, '\\'); i >= 0 {
		path = path[i+1:]
	}
	return strings.ToUpper(path)
}

// shareStatus decides a tree connect: IPC$ is open to the null session
// (what MS17-010 scanners and worms need); the administrative shares exist
// but refuse it; anything else does not exist.
func (ss *session) shareStatus(path string) uint32 {
	if !ss.loggedOn {
		return statusAccessDenied
	}
	switch share := shareName(path); {
	case share == "IPC$":
		return statusSuccess
	case share == "ADMIN$" || share == "C$":
		return statusAccessDenied
	}
	return statusBadNetworkName
}

// observeTree feeds a tree path to attribution.
func (ss *session) observeTree(path string) { ss.observe(attrib.Observation{Tree: path}) }

// echo answers SMB_COM_ECHO: one reply per requested echo (bounded).
func (ss *session) echo(m *message) bool {
	n := int(m.word(0))
	if n > 8 {
		n = 8
	}
	for i := 1; i <= n; i++ {
		w := newReply(m, cmdEcho, statusSuccess)
		w.block(le{}.u16(uint16(i)), m.Bytes)
		if !ss.write(w.frame()) {
			return false
		}
	}
	return true
}

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

// partial looks at a frame the client began but never finished: the
// EternalBlue groom connections send the start of a 64 KiB SMB2-looking
// frame and hold it open.
func (ss *session) partial(f frame) {
	if len(f.Payload) < 4 || string(f.Payload[:4]) != smb2ProtocolID {
		return
	}
	if isGroom(f.Payload) {
		// The rest of the frame, which would carry the shellcode, never
		// came: what did is the fake pool header, not a payload.
		ss.exploit(techEternalBlueGroom, nil, nil)
	}
}

// finish records the session's end, keeping its bytes as a sample when it
// tried an exploit.
func (ss *session) finish() {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ss.ctx), closeGrace)
	defer cancel()
	ss.flushPulsar()
	e := ss.event(event.SessionClosed)
	e.Duration = ss.s.now().Sub(ss.start).Seconds()
	e.Bytes = ss.conn.BytesRead()
	e.Message = event.Text(ss.closing)
	if ss.keep {
		if sum, n, kept, err := ss.s.samples.save(ss.tap.bytes()); err != nil {
			ss.s.log.Error("smb: sample not saved", "session", ss.id, "err", err)
		} else {
			e.Exploit.Sample = sum
			e.Exploit.SampleSize = n
			e.Exploit.SampleTruncated = ss.tap.truncated
			e.Exploit.SampleDropped = !kept
		}
	}
	ss.release()
	if ss.tracker.Family() != attrib.Unknown {
		e.Reasons = ss.tracker.Reasons()
	}
	ss.s.publish(ctx, e)
}

// release gives what the session holds in memory back to the sensor's
// budget. It is idempotent.
func (ss *session) release() {
	ss.tap.release()
	if p := ss.pulsar; p != nil {
		p.budget.give(p.taken)
		p.taken, p.buf = 0, nil
	}
}

// observe feeds the attribution tracker and records a change of family.
func (ss *session) observe(o attrib.Observation) {
	if ss.tracker.Observe(o) {
		e := ss.event(event.SessionAttributed)
		e.Reasons = ss.tracker.Reasons()
		ss.emit(e)
	}
}

// event returns an event of kind for this session.
func (ss *session) event(kind event.Kind) *event.Event {
	e := ss.info.Event(kind, ss.s.name, "smb")
	if f := ss.tracker.Family(); f != attrib.Unknown {
		e.Family = f
	}
	return e
}

// emit publishes e before the answer to what caused it is written.
func (ss *session) emit(e *event.Event) { ss.s.publish(ss.ctx, e) }

// text bounds attacker text for an event.
func text(s string, n int) event.Text { return event.Text(event.Truncate(s, n)) }

func texts(ss []string) []event.Text {
	out := make([]event.Text, len(ss))
	for i, s := range ss {
		out[i] = event.Text(s)
	}
	return out
}

// filetime converts t to a Windows FILETIME (100 ns since 1601).
func filetime(t time.Time) uint64 {
	return uint64(t.UnixNano()/100) + 116444736000000000
}

func setStatus(b []byte, status uint32) { putU32(b[5:], status) }

// statusName names the statuses the sensor sends, for events.
func statusName(s uint32) string {
	switch s {
	case statusSuccess:
		return "STATUS_SUCCESS"
	case statusAccessDenied:
		return "STATUS_ACCESS_DENIED"
	case statusBadNetworkName:
		return "STATUS_BAD_NETWORK_NAME"
	case statusLogonFailure:
		return "STATUS_LOGON_FAILURE"
	case statusInsuffServerResources:
		return "STATUS_INSUFF_SERVER_RESOURCES"
	case statusInvalidParameter:
		return "STATUS_INVALID_PARAMETER"
	case statusNotImplemented:
		return "STATUS_NOT_IMPLEMENTED"
	case statusInvalidHandle:
		return "STATUS_INVALID_HANDLE"
	}
	return fmt.Sprintf("0x%08x", s)
}
