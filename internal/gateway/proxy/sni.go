package proxy

import (
	"bufio"
	"errors"
	"strings"
)

// TLS limits for the peek. A ClientHello is a handshake message that may span
// several records; 64 KiB is far above any real one (post-quantum key shares
// included) and bounds what one client can make us buffer.
const (
	maxRecord      = 16384 + 2048 // TLSCiphertext limit
	maxClientHello = 64 << 10
)

var (
	errNotTLS    = errors.New("not a TLS handshake")
	errMalformed = errors.New("malformed ClientHello")
)

// peekClientHello reads TLS records from r until one whole ClientHello
// handshake message is in, without consuming anything: the caller forwards
// the peeked bytes unchanged, so nothing is decrypted or re-encoded. It
// returns the server name (SNI, lower-case; "" if the hello carries none)
// and how many bytes it peeked. errNotTLS means the stream does not start
// with a handshake record (a plain protocol tunnelled through CONNECT).
func peekClientHello(r *bufio.Reader) (sni string, n int, err error) {
	var hs []byte // the handshake message bytes, gathered across records
	off := 0
	for {
		hdr, err := r.Peek(off + 5)
		if err != nil {
			if off == 0 && len(hdr) > 0 && hdr[0] != 0x16 {
				return "", 0, errNotTLS
			}
			return "", off, err
		}
		rec := hdr[off:]
		if rec[0] != 0x16 || rec[1] != 3 {
			if off == 0 {
				return "", 0, errNotTLS
			}
			return "", off, errMalformed
		}
		l := int(rec[3])<<8 | int(rec[4])
		if l == 0 || l > maxRecord || off+5+l > maxClientHello {
			return "", off, errMalformed
		}
		buf, err := r.Peek(off + 5 + l)
		if err != nil {
			return "", off, err
		}
		hs = append(hs, buf[off+5:]...)
		off += 5 + l
		if len(hs) >= 4 {
			if hs[0] != 1 { // not a ClientHello
				return "", off, errMalformed
			}
			want := 4 + (int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3]))
			if want > maxClientHello {
				return "", off, errMalformed
			}
			if len(hs) >= want {
				sni, err := parseClientHello(hs[4:want])
				return sni, off, err
			}
		}
	}
}

// parseClientHello returns the host_name of the server_name extension
// (RFC 6066) in a ClientHello body. With ECH the outer hello's public name is
// what we see and judge: the inner name is encrypted by design.
func parseClientHello(b []byte) (string, error) {
	s := cursor(b)
	if !s.skip(2+32) || !s.skipVec(1) || !s.skipVec(2) || !s.skipVec(1) {
		return "", errMalformed
	}
	if len(s) == 0 {
		return "", nil // no extensions
	}
	exts, ok := s.vec(2)
	if !ok {
		return "", errMalformed
	}
	for len(exts) > 0 {
		typ, ok1 := exts.u16()
		body, ok2 := exts.vec(2)
		if !ok1 || !ok2 {
			return "", errMalformed
		}
		if typ != 0 {
			continue
		}
		list, ok := body.vec(2)
		if !ok {
			return "", errMalformed
		}
		for len(list) > 0 {
			if len(list) < 1 {
				return "", errMalformed
			}
			nameType := list[0]
			list = list[1:]
			name, ok := list.vec(2)
			if !ok {
				return "", errMalformed
			}
			if nameType == 0 {
				return validSNI(string(name))
			}
		}
		return "", nil
	}
	return "", nil
}

// validSNI accepts a DNS host name (RFC 6066 forbids IP literals and a
// trailing dot; we tolerate the dot) and rejects anything else, so a crafted
// name cannot smuggle bytes into logs or matchers.
func validSNI(name string) (string, error) {
	name = strings.TrimSuffix(name, ".")
	if name == "" || len(name) > 253 {
		return "", errMalformed
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return "", errMalformed
		}
	}
	return strings.ToLower(name), nil
}

// cursor reads big-endian TLS vectors off a byte slice.
type cursor []byte

func (c *cursor) skip(n int) bool {
	if len(*c) < n {
		return false
	}
	*c = (*c)[n:]
	return true
}

func (c *cursor) u16() (int, bool) {
	if len(*c) < 2 {
		return 0, false
	}
	v := int((*c)[0])<<8 | int((*c)[1])
	*c = (*c)[2:]
	return v, true
}

// vec reads a vector with a lenBytes-byte length prefix.
func (c *cursor) vec(lenBytes int) (cursor, bool) {
	if len(*c) < lenBytes {
		return nil, false
	}
	n := 0
	for i := 0; i < lenBytes; i++ {
		n = n<<8 | int((*c)[i])
	}
	*c = (*c)[lenBytes:]
	if len(*c) < n {
		return nil, false
	}
	v := (*c)[:n]
	*c = (*c)[n:]
	return v, true
}

func (c *cursor) skipVec(lenBytes int) bool {
	_, ok := c.vec(lenBytes)
	return ok
}
