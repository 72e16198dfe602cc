package smb

import (
	"strings"

	"github.com/honeygate/honeygate/internal/attrib"
	"github.com/honeygate/honeygate/internal/event"
)

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
