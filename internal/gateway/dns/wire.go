package dns

import (
	"errors"
	"strings"
	"time"

	mdns "github.com/miekg/dns"
)

// The cache-hit fast path. A cached answer is packed once, with the offsets
// of its TTL fields; each hit copies those bytes, writes the query's id and
// its spelling of the name (0x20 case randomization) into the copy and lowers
// the TTLs by the entry's age. No unpack, copy or pack of a message per hit.

// wireAnswer is a packed answer and where its TTLs are.
type wireAnswer struct {
	b    []byte
	ttls []int // offsets of 32-bit TTL fields (OPT's is not a TTL and is not listed)
	qEnd int   // end of the question name (it starts at 12)
}

var errWire = errors.New("dns: malformed packed message")

// packWire packs m as the filter answers it: QR and RA set, id 0, the
// upstream's OPT replaced by ours when the client speaks EDNS.
func packWire(m *mdns.Msg, edns, do bool) (*wireAnswer, error) {
	c := m.Copy()
	c.Id = 0
	c.Response, c.RecursionAvailable = true, true
	c.Compress = false // no pointer into the question, whose spelling each hit rewrites
	extra := c.Extra[:0]
	for _, rr := range c.Extra {
		if rr.Header().Rrtype != mdns.TypeOPT {
			extra = append(extra, rr)
		}
	}
	c.Extra = extra
	if edns {
		c.SetEdns0(1232, do)
	}
	b, err := c.Pack()
	if err != nil {
		return nil, err
	}
	w := &wireAnswer{b: b}
	if w.qEnd, w.ttls, err = ttlOffsets(b); err != nil {
		return nil, err
	}
	return w, nil
}

// ttlOffsets walks a packed message with exactly one question and returns
// the end of the question name and the offsets of the RR TTL fields.
func ttlOffsets(b []byte) (qEnd int, ttls []int, err error) {
	if len(b) < 12 || b[4] != 0 || b[5] != 1 {
		return 0, nil, errWire
	}
	// (| and + bind alike in Go: each count is parenthesized.)
	n := (int(b[6])<<8 | int(b[7])) + (int(b[8])<<8 | int(b[9])) + (int(b[10])<<8 | int(b[11]))
	off, err := skipName(b, 12)
	if err != nil {
		return 0, nil, err
	}
	qEnd = off
	off += 4
	for i := 0; i < n; i++ {
		if off, err = skipName(b, off); err != nil {
			return 0, nil, err
		}
		if off+10 > len(b) {
			return 0, nil, errWire
		}
		if typ := int(b[off])<<8 | int(b[off+1]); typ != int(mdns.TypeOPT) {
			ttls = append(ttls, off+4)
		}
		off += 10 + (int(b[off+8])<<8 | int(b[off+9]))
	}
	if off != len(b) {
		return 0, nil, errWire
	}
	return qEnd, ttls, nil
}

func skipName(b []byte, off int) (int, error) {
	for hops := 0; hops < 128; hops++ {
		if off >= len(b) {
			return 0, errWire
		}
		l := int(b[off])
		switch {
		case l == 0:
			return off + 1, nil
		case l&0xC0 == 0xC0:
			if off+2 > len(b) {
				return 0, errWire
			}
			return off + 2, nil
		case l&0xC0 != 0:
			return 0, errWire
		}
		off += 1 + l
	}
	return 0, errWire
}

// wireName is the wire form of a presentation name without escapes; ok is
// false for names the fast path leaves to the slow one.
func appendWireName(dst []byte, name string) ([]byte, bool) {
	if strings.IndexByte(name, '\\') >= 0 || !strings.HasSuffix(name, ".") {
		return dst, false
	}
	if name == "." {
		return append(dst, 0), true
	}
	for name != "" {
		i := strings.IndexByte(name, '.')
		if i <= 0 || i > 63 {
			return dst, false
		}
		dst = append(dst, byte(i))
		dst = append(dst, name[:i]...)
		name = name[i+1:]
	}
	return append(dst, 0), true
}

// render writes into dst the answer for a query with id and question name
// qname, aged by age.
func (w *wireAnswer) render(dst []byte, id uint16, qname string, age time.Duration) ([]byte, bool) {
	dst = append(dst[:0], w.b...)
	dst[0], dst[1] = byte(id>>8), byte(id)
	var nb [256]byte
	wn, ok := appendWireName(nb[:0], qname)
	if !ok || len(wn) != w.qEnd-12 {
		return dst, false
	}
	copy(dst[12:], wn)
	a := uint32(age / time.Second)
	for _, o := range w.ttls {
		ttl := uint32(dst[o])<<24 | uint32(dst[o+1])<<16 | uint32(dst[o+2])<<8 | uint32(dst[o+3])
		if ttl > a {
			ttl -= a
		} else {
			ttl = 0
		}
		dst[o], dst[o+1], dst[o+2], dst[o+3] = byte(ttl>>24), byte(ttl>>16), byte(ttl>>8), byte(ttl)
	}
	return dst, true
}
