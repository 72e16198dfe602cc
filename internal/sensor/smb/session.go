package smb

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
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
	ss.observe(attrib.Observation{Port: ss.info.DstPort, Proto: "smb"}) // port 0 matches no rule
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

// closeReason names why reading stopped, in the words the telnet and SSH
// sensors use (README, Events), so that one query on session.closed's
// message finds every sensor's idle or client-closed sessions.
func closeReason(ctx context.Context, err error) string {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "session time limit"
	case ctx.Err() != nil:
		return "server stop"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "client closed"
	case errors.Is(err, sensor.ErrTooMuchInput):
		return "input limit"
	}
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) && ne.Timeout() {
		return "idle timeout"
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
