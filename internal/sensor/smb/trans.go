package smb

import (
	"encoding/binary"
)

// Transaction subcommands the sensor acts on (MS-CIFS 2.2.5, 2.2.6).
const (
	transPeekNamedPipe  = 0x23
	transTransactNmPipe = 0x26
	transReadNmPipe     = 0x36
	trans2SessionSetup  = 0x0e
)

// transaction is a TRANSACTION, TRANSACTION2 or NT_TRANSACT whose parameters
// or data come in several messages (MS-CIFS 3.3.5.57).
type transaction struct {
	cmd         byte // the primary's command
	tid, uid    uint16
	mid         uint16
	timeout     uint32
	setup       []uint16
	function    uint16 // NT_TRANSACT function
	totalParam  int
	totalData   int
	param, data []byte // sized to the totals, filled at displacements
	gotParam    int
	gotData     int
	secondaries int
	mismatched  bool // a secondary of another transaction type continued it
}

// transRequest is the fields of a primary transaction request.
type transRequest struct {
	totalParam, totalData int
	param, data           []byte
	setup                 []uint16
	timeout               uint32
	function              uint16
}

// parseTransRequest reads a primary TRANSACTION/TRANSACTION2 (MS-CIFS
// 2.2.4.33.1, 2.2.4.46.1) or NT_TRANSACT (2.2.4.62.1) request. ok is false
// when the counts point outside the message.
func parseTransRequest(m *message) (transRequest, bool) {
	var t transRequest
	var pc, po, dc, do, sc, so int
	switch m.Command {
	case cmdTransaction, cmdTrans2:
		if len(m.Words) < 28 {
			return t, false
		}
		t.totalParam, t.totalData = int(m.word(0)), int(m.word(2))
		t.timeout = m.dword(12)
		pc, po, dc, do = int(m.word(18)), int(m.word(20)), int(m.word(22)), int(m.word(24))
		sc, so = int(m.Words[26]), 28
	case cmdNTTransact:
		if len(m.Words) < 38 {
			return t, false
		}
		t.totalParam, t.totalData = int(m.dword(3)), int(m.dword(7))
		pc, po, dc, do = int(m.dword(19)), int(m.dword(23)), int(m.dword(27)), int(m.dword(31))
		sc, so = int(m.Words[35]), 38
		t.function = m.word(36)
	default:
		return t, false
	}
	for i := 0; i < sc && so+2*i+2 <= len(m.Words); i++ {
		t.setup = append(t.setup, m.word(so+2*i))
	}
	t.param, t.data = m.slice(po, pc), m.slice(do, dc)
	if (pc > 0 && t.param == nil) || (dc > 0 && t.data == nil) {
		return t, false
	}
	if t.totalParam < pc {
		t.totalParam = pc
	}
	if t.totalData < dc {
		t.totalData = dc
	}
	return t, true
}

// transSecondary is the fields of a secondary request.
type transSecondary struct {
	param, data         []byte
	paramDisp, dataDisp int
}

// parseSecondary reads TRANSACTION_SECONDARY (MS-CIFS 2.2.4.34.1),
// TRANSACTION2_SECONDARY (2.2.4.47.1) or NT_TRANSACT_SECONDARY (2.2.4.63.1).
func parseSecondary(m *message) (transSecondary, bool) {
	var t transSecondary
	var pc, po, dc, do int
	switch m.Command {
	case cmdTransactionSec, cmdTrans2Sec:
		if len(m.Words) < 16 {
			return t, false
		}
		pc, po, t.paramDisp = int(m.word(4)), int(m.word(6)), int(m.word(8))
		dc, do, t.dataDisp = int(m.word(10)), int(m.word(12)), int(m.word(14))
	case cmdNTTransactSec:
		if len(m.Words) < 35 {
			return t, false
		}
		pc, po, t.paramDisp = int(m.dword(11)), int(m.dword(15)), int(m.dword(19))
		dc, do, t.dataDisp = int(m.dword(23)), int(m.dword(27)), int(m.dword(31))
	default:
		return t, false
	}
	t.param, t.data = m.slice(po, pc), m.slice(do, dc)
	if (pc > 0 && t.param == nil) || (dc > 0 && t.data == nil) {
		return t, false
	}
	return t, true
}

// secondaryOf names the primary command a secondary continues.
func secondaryOf(cmd byte) byte {
	switch cmd {
	case cmdTransactionSec:
		return cmdTransaction
	case cmdTrans2Sec:
		return cmdTrans2
	case cmdNTTransactSec:
		return cmdNTTransact
	}
	return 0
}

// transactionRequest handles a primary transaction request.
func (ss *session) transactionRequest(m *message) bool {
	if _, ok := ss.trees[m.TID]; !ok || m.UID != ss.uid || !ss.loggedOn {
		// DoublePulsar answers before srv.sys checks the tree: an implant
		// ping on a bad TID still gets the implant's answer.
		if m.Command == cmdTrans2 && len(m.Words) > 28 && m.word(28) == trans2SessionSetup {
			return ss.doublePulsar(m)
		}
		return ss.reply(m, statusInvalidHandle)
	}
	if m.Command == cmdTransaction {
		if _, isPipe := ss.pipes[m.MID]; isPipe && len(ss.pending) > 0 {
			// EternalRomance: a transaction whose MID is an open FID, so
			// that the server mistakes a write for this transaction's
			// data (the type confusion of CVE-2017-0145).
			ss.exploit(techEternalRomance, m.raw, nil)
		}
	}
	req, ok := parseTransRequest(m)
	if !ok {
		return ss.reply(m, statusInvalidParameter)
	}
	if req.totalParam+req.totalData > maxTransTotal {
		return ss.reply(m, statusInvalidParameter)
	}
	t := &transaction{
		cmd: m.Command, tid: m.TID, uid: m.UID, mid: m.MID,
		timeout: req.timeout, setup: req.setup, function: req.function,
		totalParam: req.totalParam, totalData: req.totalData,
	}
	if len(req.param) == t.totalParam && len(req.data) == t.totalData {
		t.param, t.data = req.param, req.data
		t.gotParam, t.gotData = len(req.param), len(req.data)
		return ss.complete(m, t)
	}
	if len(ss.pending) >= maxPending {
		return ss.reply(m, statusInsuffServerResources)
	}
	t.param = make([]byte, t.totalParam)
	t.data = make([]byte, t.totalData)
	t.gotParam = copy(t.param, req.param)
	t.gotData = copy(t.data, req.data)
	ss.pending[m.MID] = t
	// The interim response: send the rest (MS-CIFS 3.3.5.57).
	return ss.reply(m, statusSuccess)
}

// secondary adds a secondary request to its transaction; the server
// answers only when the transaction is complete.
func (ss *session) secondary(m *message) bool {
	t := ss.pending[m.MID]
	if t == nil || t.uid != m.UID || t.tid != m.TID {
		return true // nothing to continue: Windows stays silent
	}
	sec, ok := parseSecondary(m)
	if !ok {
		delete(ss.pending, m.MID)
		return ss.reply(m, statusInvalidParameter)
	}
	t.secondaries++
	if secondaryOf(m.Command) != t.cmd {
		// srv.sys finds the transaction by ids only: a TRANSACTION2
		// secondary continues an NT_TRANSACT, and the data then goes
		// through the OS/2 FEA conversion that overflows: EternalBlue.
		t.mismatched = true
		ss.exploit(techEternalBlue, nil, nil)
	}
	if sec.paramDisp < 0 || sec.paramDisp+len(sec.param) > len(t.param) ||
		sec.dataDisp < 0 || sec.dataDisp+len(sec.data) > len(t.data) {
		delete(ss.pending, m.MID)
		return ss.reply(m, statusInvalidParameter)
	}
	t.gotParam += copy(t.param[sec.paramDisp:], sec.param)
	t.gotData += copy(t.data[sec.dataDisp:], sec.data)
	if t.gotParam < t.totalParam || t.gotData < t.totalData {
		return true
	}
	delete(ss.pending, m.MID)
	if t.mismatched {
		// What an unpatched server answers once the FEA list has
		// overflowed; EternalBlue checks for it.
		w := newReply(m, cmdTrans2, statusInvalidParameter)
		w.empty()
		return ss.write(w.frame())
	}
	return ss.complete(m, t)
}

// complete answers a transaction whose parameters and data are all in.
func (ss *session) complete(m *message, t *transaction) bool {
	sub := uint16(0xffff)
	if len(t.setup) > 0 {
		sub = t.setup[0]
	}
	switch t.cmd {
	case cmdTransaction:
		return ss.transaction(m, t, sub)
	case cmdTrans2:
		if sub == trans2SessionSetup {
			return ss.doublePulsarTrans(m, t)
		}
		return ss.replyCmd(m, cmdTrans2, statusNotSupported)
	}
	return ss.replyCmd(m, cmdNTTransact, statusNotSupported)
}

// transaction answers SMB_COM_TRANSACTION subcommands on named pipes.
func (ss *session) transaction(m *message, t *transaction, sub uint16) bool {
	var fid uint16
	if len(t.setup) > 1 {
		fid = t.setup[1]
	}
	p := ss.pipes[fid]
	open := p != nil
	switch sub {
	case transPeekNamedPipe:
		if fid == 0 && ss.trees[m.TID] == "IPC$" {
			// An unpatched Windows 7 runs out of resources here; patched
			// ones answer STATUS_INVALID_HANDLE or ACCESS_DENIED. nmap's
			// smb-vuln-ms17-010, Metasploit's scanner, EternalBlue and
			// WannaCry all decide on this answer.
			ss.exploit(techMS17010Check, nil, nil)
			return ss.replyCmd(m, cmdTransaction, statusInsuffServerResources)
		}
		if !open {
			return ss.replyCmd(m, cmdTransaction, statusInvalidHandle)
		}
		// Nothing to read; the pipe is connected (state 3).
		return ss.transReply(m, cmdTransaction, le{}.u16(0).u16(0).u16(3), nil)
	case transTransactNmPipe:
		if !open {
			return ss.replyCmd(m, cmdTransaction, statusInvalidHandle)
		}
		return ss.transReply(m, cmdTransaction, nil, rpcCall(p.name, t.data))
	case transReadNmPipe:
		if !open {
			return ss.replyCmd(m, cmdTransaction, statusInvalidHandle)
		}
		out := p.out
		p.out = nil
		return ss.transReply(m, cmdTransaction, nil, out)
	}
	return ss.replyCmd(m, cmdTransaction, statusNotSupported)
}

// replyCmd answers m as command cmd with an empty body.
func (ss *session) replyCmd(m *message, cmd byte, status uint32) bool {
	w := newReply(m, cmd, status)
	w.empty()
	return ss.write(w.frame())
}

// transReply sends a successful single-message transaction response
// (MS-CIFS 2.2.4.33.2) with the given parameters and data.
func (ss *session) transReply(m *message, cmd byte, param, data []byte) bool {
	w := newReply(m, cmd, statusSuccess)
	const wc = 10
	start := headerLen + 1 + 2*wc + 2 // where the data section starts
	pad1 := (4 - start%4) % 4
	po := start + pad1
	pad2 := (4 - (po+len(param))%4) % 4
	do := po + len(param) + pad2
	words := le{}.u16(uint16(len(param))).u16(uint16(len(data))).u16(0).
		u16(uint16(len(param))).u16(uint16(po)).u16(0).
		u16(uint16(len(data))).u16(uint16(do)).u16(0).u8(0).u8(0)
	body := make([]byte, 0, pad1+len(param)+pad2+len(data))
	body = append(body, make([]byte, pad1)...)
	body = append(body, param...)
	body = append(body, make([]byte, pad2)...)
	body = append(body, data...)
	w.block(words, body)
	return ss.write(w.frame())
}

func putU16(b []byte, v uint16) { binary.LittleEndian.PutUint16(b, v) }
func putU32(b []byte, v uint32) { binary.LittleEndian.PutUint32(b, v) }
