package smb

import (
	"encoding/binary"
)

// DoublePulsar, the kernel implant EternalBlue installs, hooks the
// TRANSACTION2 SESSION_SETUP subcommand (0x0E, reserved in MS-CIFS). Its
// command is the byte sum of the request's Timeout field; it answers with
// STATUS_NOT_IMPLEMENTED and a Multiplex ID raised by 0x10 on success, and
// puts the value its XOR key derives from in the Signature field.
const (
	pulsarPing = 0x23
	pulsarExec = 0xc8
	pulsarKill = 0x77
	// pulsarOK is what the implant adds to the MID on success.
	pulsarOK = 0x10
)

// pulsarSignature is the value the sensor's "implant" reports; its XOR
// key follows from it as the implant's does.
var pulsarSignature = [8]byte{0x79, 0xe7, 0xdf, 0x90, 0, 0, 0, 0}

// pulsarOpcode returns the command a Timeout value encodes.
func pulsarOpcode(timeout uint32) byte {
	return byte(timeout) + byte(timeout>>8) + byte(timeout>>16) + byte(timeout>>24)
}

// pulsarKey derives the implant's XOR key from its signature.
func pulsarKey(sig uint32) uint32 {
	return 2*sig ^ ((((sig >> 16) | (sig & 0xff0000)) >> 8) | (((sig << 16) | (sig & 0xff00)) << 8))
}

// pulsarUpload reassembles the payload an exec command uploads in chunks.
// Each chunk's 12 parameter bytes are the total size, the chunk size and
// the chunk's offset, XORed with the key; so is its data.
type pulsarUpload struct {
	max       int     // bytes kept (smb.max_sample_bytes)
	budget    *budget // the sensor's, for what buf holds
	taken     int64
	key       uint32
	known     bool // key found
	total     int
	buf       []byte
	got       int
	chunks    int
	done      bool
	truncated bool
}

// chunkHeader decodes a chunk's parameters with key; ok when they describe
// the chunk actually sent.
func chunkHeader(param []byte, key uint32, dataLen int) (total, size, off int, ok bool) {
	if len(param) < 12 {
		return 0, 0, 0, false
	}
	total = int(binary.LittleEndian.Uint32(param) ^ key)
	size = int(binary.LittleEndian.Uint32(param[4:]) ^ key)
	off = int(binary.LittleEndian.Uint32(param[8:]) ^ key)
	ok = size == dataLen && total > 0 && off >= 0 && off < total && size <= total
	return total, size, off, ok
}

// add takes one exec chunk. The key is the sensor's own when the client
// used the signature it was given; otherwise it is recovered from the
// first chunk, whose offset field is zero and so is the key itself.
func (p *pulsarUpload) add(param, data []byte) {
	p.chunks++
	if !p.known {
		ours := pulsarKey(binary.LittleEndian.Uint32(pulsarSignature[:]))
		switch {
		case func() bool { _, _, _, ok := chunkHeader(param, ours, len(data)); return ok }():
			p.key, p.known = ours, true
		case len(param) >= 12:
			k := binary.LittleEndian.Uint32(param[8:])
			if _, _, off, ok := chunkHeader(param, k, len(data)); ok && off == 0 {
				p.key, p.known = k, true
			}
		}
		if !p.known {
			return
		}
	}
	total, size, off, ok := chunkHeader(param, p.key, len(data))
	if !ok {
		return
	}
	if p.total == 0 {
		p.total = total
	}
	end := off + size
	if end > p.max || end > p.total {
		p.truncated = true
		end = min(p.total, p.max)
		if off >= end {
			return
		}
		size = end - off
	}
	if len(p.buf) < end {
		want := int64(end - len(p.buf))
		g := p.budget.take(want)
		p.taken += g
		if g < want { // the sensor holds all it may: keep what fits
			p.truncated = true
			end = len(p.buf) + int(g)
			if off >= end {
				return
			}
			size = end - off
		}
		p.buf = append(p.buf, make([]byte, end-len(p.buf))...)
	}
	var k [4]byte
	binary.LittleEndian.PutUint32(k[:], p.key)
	for i := 0; i < size; i++ {
		// The key runs from the start of each chunk.
		p.buf[off+i] = data[i] ^ k[i%4]
	}
	p.got += size
	if p.got >= min(p.total, p.max) {
		p.done = true
	}
}

// doublePulsar handles a TRANS2 SESSION_SETUP sent outside a tree.
func (ss *session) doublePulsar(m *message) bool {
	req, ok := parseTransRequest(m)
	if !ok {
		return ss.replyCmd(m, cmdTrans2, statusInvalidParameter)
	}
	return ss.doublePulsarTrans(m, &transaction{cmd: cmdTrans2, timeout: req.timeout, param: req.param, data: req.data, setup: req.setup})
}

// doublePulsarTrans answers as an infected host: nmap's
// smb-double-pulsar-backdoor and the worms' "already infected?" checks see
// the implant, and an exec upload hands the sensor the payload.
func (ss *session) doublePulsarTrans(m *message, t *transaction) bool {
	op := pulsarOpcode(t.timeout)
	switch op {
	case pulsarPing:
		ss.exploit(techPulsarPing, nil, nil)
	case pulsarKill:
		ss.exploit(techPulsarKill, nil, nil)
	case pulsarExec:
		ss.exploit(techPulsarExec, nil, nil)
		if ss.pulsar == nil {
			ss.pulsar = &pulsarUpload{max: ss.s.cfg.MaxSampleBytes, budget: ss.s.held}
		}
		ss.pulsar.add(t.param, t.data)
		if ss.pulsar.done {
			ss.flushPulsar()
		}
	default:
		// Not a command the implant knows: srv.sys itself answers.
		ss.exploit(techPulsarUnknown, nil, nil)
		return ss.replyCmd(m, cmdTrans2, statusNotImplemented)
	}
	w := newReply(m, cmdTrans2, statusNotImplemented)
	w.setMID(m.MID + pulsarOK)
	copy(w.b[14:22], pulsarSignature[:])
	w.empty()
	return ss.write(w.frame())
}

// flushPulsar records an uploaded payload, complete or not, once.
func (ss *session) flushPulsar() {
	p := ss.pulsar
	if p == nil || len(p.buf) == 0 {
		return
	}
	ss.pulsar = nil
	// A session that ended mid-upload (or a payload over the limits)
	// leaves a partial payload: still worth keeping, marked as such.
	ss.payloadPartial = !p.done || p.truncated
	ss.exploit(techPulsarPayload, nil, p.buf)
	ss.payloadPartial = false
	p.budget.give(p.taken)
	p.taken = 0
}
