package smb

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
)

// NTLMSSP (MS-NLMP 2.2): the sensor plays the server side far enough to
// collect what a client proves its identity with (domain, user,
// workstation and the challenge response), which it records in the form
// offline crackers read. It never checks a response: every NTLM login with
// a user name fails, as it would against an unknown account.

var ntlmSignature = []byte("NTLMSSP\x00")

// NTLM message types.
const (
	ntlmNegotiate    = 1
	ntlmChallenge    = 2
	ntlmAuthenticate = 3
)

// Negotiate flags (MS-NLMP 2.2.2.5) the sensor sets or reads.
const (
	ntlmUnicode        = 0x00000001
	ntlmOEM            = 0x00000002
	ntlmRequestTarget  = 0x00000004
	ntlmSign           = 0x00000010
	ntlmNTLM           = 0x00000200
	ntlmAlwaysSign     = 0x00008000
	ntlmTargetDomain   = 0x00010000
	ntlmExtSessionSec  = 0x00080000
	ntlmTargetInfo     = 0x00800000
	ntlmVersion        = 0x02000000
	ntlm128            = 0x20000000
	ntlmKeyExch        = 0x40000000
	ntlm56             = 0x80000000
	maxNTLMField       = 4096 // bytes kept of one field; real ones are far smaller
	maxNTLMResponseLen = 2048
)

// ntlmAuth is what an AUTHENTICATE_MESSAGE carries that the sensor records.
type ntlmAuth struct {
	Flags       uint32
	Domain      string
	User        string
	Workstation string
	LM, NT      []byte // challenge responses (copies)
}

// Anonymous reports an anonymous authentication (MS-NLMP 3.2.5.1.2: empty
// user and NT response, LM response empty or one zero byte).
func (a *ntlmAuth) Anonymous() bool { return a.User == "" && len(a.NT) == 0 }

var errNotNTLM = errors.New("ntlm: not an NTLMSSP message")

// findNTLM returns the NTLMSSP message inside a security blob: bare, or
// wrapped in SPNEGO/GSS-API. Rather than decode the ASN.1 around it, it
// finds the signature: every field offset in the message is relative to
// it, and the message runs to the end of its OCTET STRING, which is the end
// of the blob in every token a client sends.
func findNTLM(blob []byte) []byte {
	i := bytes.Index(blob, ntlmSignature)
	if i < 0 {
		return nil
	}
	return blob[i:]
}

// ntlmType returns the message type of an NTLMSSP message, or 0.
func ntlmType(b []byte) uint32 {
	if len(b) < 12 || !bytes.Equal(b[:8], ntlmSignature) {
		return 0
	}
	return binary.LittleEndian.Uint32(b[8:])
}

// ntlmField returns the payload a (len, maxlen, offset) field descriptor at
// b[at:] points to, bounded to maxNTLMField bytes; a descriptor pointing
// outside b is an error.
func ntlmField(b []byte, at int) ([]byte, error) {
	if at+8 > len(b) {
		return nil, errShort
	}
	n := int(binary.LittleEndian.Uint16(b[at:]))
	off := int(binary.LittleEndian.Uint32(b[at+4:]))
	if n == 0 {
		return nil, nil
	}
	if off < 0 || off > len(b) || n > len(b)-off {
		return nil, errShort
	}
	if n > maxNTLMField {
		n = maxNTLMField
	}
	return b[off : off+n], nil
}

// parseAuthenticate parses an AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3).
func parseAuthenticate(b []byte) (*ntlmAuth, error) {
	if ntlmType(b) != ntlmAuthenticate {
		return nil, errNotNTLM
	}
	if len(b) < 64 {
		return nil, errShort
	}
	a := &ntlmAuth{Flags: binary.LittleEndian.Uint32(b[60:])}
	var fields [5][]byte
	for i, at := range []int{12, 20, 28, 36, 44} {
		f, err := ntlmField(b, at)
		if err != nil {
			return nil, err
		}
		fields[i] = f
	}
	if len(fields[0]) > maxNTLMResponseLen || len(fields[1]) > maxNTLMResponseLen {
		return nil, errors.New("ntlm: challenge response too long")
	}
	a.LM = bytes.Clone(fields[0])
	a.NT = bytes.Clone(fields[1])
	text := func(f []byte) string {
		if a.Flags&ntlmUnicode != 0 {
			return decodeUTF16(f)
		}
		return string(f)
	}
	a.Domain, a.User, a.Workstation = text(fields[2]), text(fields[3]), text(fields[4])
	return a, nil
}

// negotiateFlags returns the flags of a NEGOTIATE_MESSAGE, or 0.
func negotiateFlags(b []byte) uint32 {
	if ntlmType(b) != ntlmNegotiate || len(b) < 16 {
		return 0
	}
	return binary.LittleEndian.Uint32(b[12:])
}

// serverIdentity names the host in CHALLENGE_MESSAGE target information.
type serverIdentity struct {
	Domain   string // NetBIOS domain (workgroup)
	Computer string // NetBIOS computer name
	DNSName  string // DNS computer name
}

// challengeMessage builds a CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2) answering a
// client that asked for clientFlags, as Windows 7 does: target name is the
// workgroup, target information lists the names and a timestamp.
func challengeMessage(challenge [8]byte, id serverIdentity, filetime uint64, clientFlags uint32) []byte {
	flags := uint32(ntlmUnicode|ntlmRequestTarget|ntlmNTLM|ntlmAlwaysSign|ntlmTargetDomain|
		ntlmExtSessionSec|ntlmTargetInfo|ntlmVersion|ntlm128|ntlm56) |
		clientFlags&(ntlmSign|ntlmKeyExch)
	if clientFlags&ntlmUnicode == 0 && clientFlags&ntlmOEM != 0 {
		flags = flags&^ntlmUnicode | ntlmOEM
	}
	target := encodeUTF16(id.Domain)
	var info []byte
	av := func(id uint16, v []byte) {
		info = binary.LittleEndian.AppendUint16(info, id)
		info = binary.LittleEndian.AppendUint16(info, uint16(len(v)))
		info = append(info, v...)
	}
	av(2, encodeUTF16(id.Domain))
	av(1, encodeUTF16(id.Computer))
	av(4, encodeUTF16(strings.ToLower(id.Domain)))
	av(3, encodeUTF16(id.DNSName))
	av(7, binary.LittleEndian.AppendUint64(nil, filetime))
	av(0, nil)

	const fixed = 56
	b := make([]byte, 0, fixed+len(target)+len(info))
	b = append(b, ntlmSignature...)
	b = le(b).u32(ntlmChallenge)
	b = le(b).u16(uint16(len(target))).u16(uint16(len(target))).u32(fixed)
	b = le(b).u32(flags)
	b = append(b, challenge[:]...)
	b = append(b, make([]byte, 8)...) // reserved
	b = le(b).u16(uint16(len(info))).u16(uint16(len(info))).u32(uint32(fixed + len(target)))
	b = append(b, 6, 1, 0xb1, 0x1d, 0, 0, 0, 15) // version 6.1 build 7601, NTLM revision 15
	b = append(b, target...)
	return append(b, info...)
}

// Hash formats, named as hashcat names its modes.
const (
	hashNetNTLMv1 = "netntlmv1" // hashcat -m 5500
	hashNetNTLMv2 = "netntlmv2" // hashcat -m 5600
)

// crackable returns the response in hashcat's input format and its type,
// or "" when there is nothing to crack (anonymous, or no NT response).
//
//	NetNTLMv2: user::domain:challenge:NTProofStr:blob
//	NetNTLMv1: user::domain:lm:nt:challenge
func crackable(user, domain string, lm, nt []byte, challenge [8]byte) (typ, line string) {
	switch {
	case len(nt) > 24:
		return hashNetNTLMv2, user + "::" + domain + ":" + hex.EncodeToString(challenge[:]) + ":" +
			hex.EncodeToString(nt[:16]) + ":" + hex.EncodeToString(nt[16:])
	case len(nt) == 24:
		return hashNetNTLMv1, user + "::" + domain + ":" + hex.EncodeToString(lm) + ":" +
			hex.EncodeToString(nt) + ":" + hex.EncodeToString(challenge[:])
	}
	return "", ""
}

// SPNEGO (RFC 4178) wrapping, DER-encoded by hand: the sensor only ever
// writes three fixed shapes of token.

var (
	oidSPNEGO = []byte{0x2b, 0x06, 0x01, 0x05, 0x05, 0x02}
	oidNTLM   = []byte{0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a}
)

func der(tag byte, body ...[]byte) []byte {
	n := 0
	for _, b := range body {
		n += len(b)
	}
	out := []byte{tag}
	switch {
	case n < 0x80:
		out = append(out, byte(n))
	case n < 0x100:
		out = append(out, 0x81, byte(n))
	default:
		out = append(out, 0x82, byte(n>>8), byte(n))
	}
	for _, b := range body {
		out = append(out, b...)
	}
	return out
}

// spnegoInit is the NegTokenInit a server puts in its NEGOTIATE response:
// it offers NTLMSSP only, with the hint Windows sends.
func spnegoInit() []byte {
	mechs := der(0xa0, der(0x30, der(0x06, oidNTLM)))
	hints := der(0xa3, der(0x30, der(0xa0, der(0x1b, []byte("not_defined_in_RFC4178@please_ignore")))))
	return der(0x60, der(0x06, oidSPNEGO), der(0xa0, der(0x30, mechs, hints)))
}

// SPNEGO negotiation states.
const (
	spnegoAcceptCompleted  = 0
	spnegoAcceptIncomplete = 1
	spnegoReject           = 2
)

// spnegoResp is a NegTokenResp with a state and, optionally, an NTLM token.
func spnegoResp(state byte, token []byte) []byte {
	parts := [][]byte{der(0xa0, der(0x0a, []byte{state}))}
	if token != nil {
		parts = append(parts, der(0xa1, der(0x06, oidNTLM)), der(0xa2, der(0x04, token)))
	}
	return der(0xa1, der(0x30, parts...))
}
