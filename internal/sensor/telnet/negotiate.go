package telnet

// busyboxOpening is what BusyBox telnetd sends on connect, in its order: it
// asks the client to echo (an oddity of its source), to report its window
// size, and offers to echo and suppress go-ahead itself. Mirai's scanner
// will not move on to the login prompt until it has consumed at least one
// IAC sequence, so this must come first.
//
// After it, BusyBox telnetd never answers the client's negotiation: it
// strips DO/DONT/WILL/WONT from the input and reads only NAWS
// sub-negotiations (telnetd.c, remove_iacs). We do the same, because an
// RFC-correct refusal of every option is a fingerprint that no real device
// of this kind shows, and because silence cannot loop.
var busyboxOpening = []byte{
	cmdIAC, cmdDO, optEcho,
	cmdIAC, cmdDO, optNAWS,
	cmdIAC, cmdWILL, optEcho,
	cmdIAC, cmdWILL, optSGA,
}
