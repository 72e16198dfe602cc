package telnet

// Option states of RFC 1143's Q method, without the queue bits: we never
// change our mind mid-negotiation, so NO, YES, WANTNO and WANTYES suffice to
// guarantee that no reply of ours is ever answered by a reply that we answer
// again (the negotiation loops RFC 854 warns about).
const (
	qNo = iota
	qYes
	qWantNo
	qWantYes
)

// negotiator is the server side of option negotiation for one session.
type negotiator struct {
	us  [256]uint8 // options we perform (WILL/WONT from us)
	him [256]uint8 // options the client performs (DO/DONT from us)
}

// opening is what BusyBox telnetd sends on connect, in its order: it asks the
// client to echo (an oddity of its source), to report its window size, and
// offers to echo and suppress go-ahead itself. Mirai's scanner will not move
// on to the login prompt until it has consumed at least one IAC sequence, so
// this must come first.
func (n *negotiator) opening() []byte {
	n.him[optEcho] = qWantYes
	n.him[optNAWS] = qWantYes
	n.us[optEcho] = qWantYes
	n.us[optSGA] = qWantYes
	return []byte{
		cmdIAC, cmdDO, optEcho,
		cmdIAC, cmdDO, optNAWS,
		cmdIAC, cmdWILL, optEcho,
		cmdIAC, cmdWILL, optSGA,
	}
}

// weWill reports the options we agree to perform.
func weWill(opt byte) bool { return opt == optEcho || opt == optSGA }

// heMay reports the options we let the client perform.
func heMay(opt byte) bool { return opt == optEcho || opt == optSGA || opt == optNAWS }

// answer handles one WILL/WONT/DO/DONT from the client and appends our reply,
// if one is due, to out. DO/DONT are about our side of the option, answered
// with WILL/WONT; WILL/WONT about the client's side, answered with DO/DONT.
func (n *negotiator) answer(c command, out []byte) []byte {
	switch c.verb {
	case cmdDO, cmdDONT:
		return step(&n.us[c.opt], c.opt, c.verb == cmdDO, weWill, cmdWILL, cmdWONT, out)
	case cmdWILL, cmdWONT:
		return step(&n.him[c.opt], c.opt, c.verb == cmdWILL, heMay, cmdDO, cmdDONT, out)
	}
	return out
}

// step is RFC 1143's state machine for one side of one option: enable is
// the peer asking for the option (DO or WILL), allowed says whether we
// agree, and yes/no are the verbs of our reply.
func step(st *uint8, opt byte, enable bool, allowed func(byte) bool, yes, no byte, out []byte) []byte {
	switch {
	case enable && *st == qNo:
		if allowed(opt) {
			*st = qYes
			return append(out, cmdIAC, yes, opt)
		}
		return append(out, cmdIAC, no, opt)
	case enable && *st == qWantYes:
		*st = qYes
	case enable && *st == qWantNo: // they disagree with our refusal: RFC 1143 says stop here
		*st = qNo
	case !enable && *st == qYes:
		*st = qNo
		return append(out, cmdIAC, no, opt)
	case !enable && (*st == qWantYes || *st == qWantNo):
		*st = qNo
	}
	return out
}
