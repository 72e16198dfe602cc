package telnet

// Telnet command bytes (RFC 854) and the options we know by name (RFC 855
// and the option RFCs). Only what the emulation uses is listed.
const (
	cmdSE   = 240
	cmdNOP  = 241
	cmdSB   = 250
	cmdWILL = 251
	cmdWONT = 252
	cmdDO   = 253
	cmdDONT = 254
	cmdIAC  = 255

	optEcho = 1
	optSGA  = 3
	optNAWS = 31 // RFC 1073
)

// maxSubneg bounds the payload of one IAC SB ... IAC SE: nothing we parse
// needs more than a few bytes, and an attacker must not make us buffer.
const maxSubneg = 64

// telnetCmd is one telnet command taken out of the byte stream.
type telnetCmd struct {
	verb byte   // cmdWILL, cmdWONT, cmdDO, cmdDONT, cmdSB, or another command byte
	opt  byte   // the option for WILL/WONT/DO/DONT/SB
	data []byte // the sub-negotiation payload (at most maxSubneg bytes), for SB only
}

// Parser states.
const (
	stData  = iota
	stIAC   // saw IAC
	stVerb  // saw IAC WILL/WONT/DO/DONT, waiting for the option
	stSBOpt // saw IAC SB, waiting for the option
	stSB    // inside a sub-negotiation
	stSBIAC // saw IAC inside a sub-negotiation
)

// optionParser splits a telnet byte stream into data and commands. It is a
// state machine fed one read at a time, so a command or a CR LF split across
// reads is handled. It also normalises line ends: CR NUL, CR LF, a bare CR and
// a bare LF each become a single '\n' (RFC 854 says CR must be followed by NUL
// or LF; clients and worms send all four forms).
type optionParser struct {
	state   uint8
	verb    byte
	sbOpt   byte
	sbLen   int
	sbOver  bool // the sub-negotiation overflowed; its payload is dropped
	sb      [maxSubneg]byte
	afterCR bool // the last data byte was a CR turned into '\n'
}

// feed parses in, appending data bytes to data and commands to cmds, and
// returns both. It never fails: malformed sequences are dropped as a real
// telnetd would.
func (p *optionParser) feed(in []byte, data []byte, cmds []telnetCmd) ([]byte, []telnetCmd) {
	for _, b := range in {
		switch p.state {
		case stData:
			if b == cmdIAC {
				p.state = stIAC
				continue
			}
			data = p.dataByte(data, b)
		case stIAC:
			switch b {
			case cmdIAC: // IAC IAC is a literal 255
				p.state = stData
				data = p.dataByte(data, b)
			case cmdWILL, cmdWONT, cmdDO, cmdDONT:
				p.verb, p.state = b, stVerb
			case cmdSB:
				p.state = stSBOpt
			default: // NOP, GA, AYT, BRK, a stray SE...: no option byte follows
				p.state = stData
				cmds = append(cmds, telnetCmd{verb: b})
			}
		case stVerb:
			p.state = stData
			cmds = append(cmds, telnetCmd{verb: p.verb, opt: b})
		case stSBOpt:
			p.sbOpt, p.sbLen, p.sbOver, p.state = b, 0, false, stSB
		case stSB:
			if b == cmdIAC {
				p.state = stSBIAC
				continue
			}
			p.sbByte(b)
		case stSBIAC:
			switch b {
			case cmdSE:
				p.state = stData
				if !p.sbOver {
					d := make([]byte, p.sbLen)
					copy(d, p.sb[:p.sbLen])
					cmds = append(cmds, telnetCmd{verb: cmdSB, opt: p.sbOpt, data: d})
				}
			case cmdIAC: // escaped 255 inside the payload
				p.state = stSB
				p.sbByte(b)
			default:
				// RFC 855 leaves IAC <other> inside SB undefined; most
				// telnetds end the sub-negotiation there. Do the same so a
				// missing SE cannot swallow the rest of the session.
				p.state = stData
			}
		}
	}
	return data, cmds
}

func (p *optionParser) sbByte(b byte) {
	if p.sbLen == maxSubneg {
		p.sbOver = true
		return
	}
	p.sb[p.sbLen] = b
	p.sbLen++
}

func (p *optionParser) dataByte(data []byte, b byte) []byte {
	if p.afterCR {
		p.afterCR = false
		if b == 0 || b == '\n' {
			return data
		}
	}
	switch b {
	case '\r':
		p.afterCR = true
		return append(data, '\n')
	case 0:
		return data
	}
	return append(data, b)
}

// parseNAWS decodes an RFC 1073 window size payload.
func parseNAWS(d []byte) (width, height int, ok bool) {
	if len(d) != 4 {
		return 0, 0, false
	}
	return int(d[0])<<8 | int(d[1]), int(d[2])<<8 | int(d[3]), true
}
