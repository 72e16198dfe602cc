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
// if one is due, to out.
func (n *negotiator) answer(c command, out []byte) []byte {
	o := c.opt
	switch c.verb {
	case cmdDO:
		switch n.us[o] {
		case qNo:
			if weWill(o) {
				n.us[o] = qYes
				return append(out, cmdIAC, cmdWILL, o)
			}
			return append(out, cmdIAC, cmdWONT, o)
		case qWantYes:
			n.us[o] = qYes
		case qWantNo: // they disagree with our WONT: RFC 1143 says stop here
			n.us[o] = qNo
		}
	case cmdDONT:
		switch n.us[o] {
		case qYes:
			n.us[o] = qNo
			return append(out, cmdIAC, cmdWONT, o)
		case qWantYes, qWantNo:
			n.us[o] = qNo
		}
	case cmdWILL:
		switch n.him[o] {
		case qNo:
			if heMay(o) {
				n.him[o] = qYes
				return append(out, cmdIAC, cmdDO, o)
			}
			return append(out, cmdIAC, cmdDONT, o)
		case qWantYes:
			n.him[o] = qYes
		case qWantNo:
			n.him[o] = qNo
		}
	case cmdWONT:
		switch n.him[o] {
		case qYes:
			n.him[o] = qNo
			return append(out, cmdIAC, cmdDONT, o)
		case qWantYes, qWantNo:
			n.him[o] = qNo
		}
	}
	return out
}
