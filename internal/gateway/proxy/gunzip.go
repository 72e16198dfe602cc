package proxy

import (
	"bufio"
	"compress/flate"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
)

// The content decoders the proxy hashes with: gzip parsed as zlib parses it,
// and deflate tried the way clients try it.
//
// Go's gzip.NewReader refuses a header whose file name or comment is longer
// than 511 bytes; zlib (curl, browsers) takes any length. A listed file
// gzipped with a 600-byte name therefore decoded in every client but not in
// the proxy, which then judged the wire bytes alone and passed it. So the
// gzip header is parsed here, skipping FEXTRA, FNAME, FCOMMENT and FHCRC of
// any length up to gzipHeaderMax (past it the body is refused, never passed
// unjudged), and the members are inflated with compress/flate.
//
// "deflate" is zlib by RFC 9110, raw deflate from some servers. A raw
// stream may begin with two bytes that pass zlib's header check (08 1d
// ...); zlib then fails on it, and curl and browsers retry as raw deflate.
// The proxy does the same: a zlib attempt that fails before any content
// came out restarts from the first byte as raw deflate.
//
// Any decoder error is the caller's to refuse (decode.go): content that did
// not decode was not judged.

// gzipHeaderMax bounds a gzip header with its optional fields.
const gzipHeaderMax = 1 << 20

var (
	errGzipHeader   = errors.New("gzip: invalid header")
	errGzipChecksum = errors.New("gzip: checksum error")
	errGzipHuge     = errors.New("gzip: header longer than the gateway inspects")
)

// decodeSource is the encoded input a content decoder reads: byte-wise (no
// read-ahead, which the tail bound needs), with a look ahead, and rewound
// to where decoding began when it can be (for the raw-deflate retry).
type decodeSource interface {
	flate.Reader
	peek(n int) []byte
	rewind() bool
}

// contentDecoder returns the decoder of one coding over src; firstEnd (may
// be nil) is gunzip's.
func contentDecoder(src decodeSource, coding string, firstEnd func() error) (io.Reader, error) {
	switch coding {
	case "gzip", "x-gzip":
		g := &gunzip{src: src, firstEnd: firstEnd}
		if err := g.member(); err != nil {
			return nil, err
		}
		return g, nil
	case "deflate":
		return newDeflate(src), nil
	}
	return nil, errUndecodable
}

// gunzip decodes gzip members one after another, as zlib's gunzip, Go and
// Firefox do; bytes after a member that do not begin another are ignored,
// as browsers ignore them. Chrome and curl stop after the first member, so
// a listed file sent as a first member with a second behind it would be
// hashed as something else: firstEnd, when set, is called where the first
// member ends and another follows, before any of that one is read, so the
// caller can judge the content so far (the first member's) then; an error
// it returns ends decoding.
type gunzip struct {
	src      decodeSource
	fr       io.ReadCloser
	crc      uint32
	size     uint32
	members  int
	ended    bool // the member's deflate data ended; its trailer is next
	firstEnd func() error
	err      error
}

// member parses a member's header and starts inflating its data.
func (g *gunzip) member() error {
	var hdr [10]byte
	if _, err := io.ReadFull(g.src, hdr[:]); err != nil {
		return errGzipHeader
	}
	if hdr[0] != 0x1f || hdr[1] != 0x8b || hdr[2] != 8 {
		return errGzipHeader
	}
	flg := hdr[3]
	if flg&0xe0 != 0 {
		return errGzipHeader // reserved bits, as zlib refuses them
	}
	var n int64 = 10
	if flg&0x04 != 0 { // FEXTRA
		var xl [2]byte
		if _, err := io.ReadFull(g.src, xl[:]); err != nil {
			return errGzipHeader
		}
		k := int64(binary.LittleEndian.Uint16(xl[:]))
		if _, err := io.CopyN(io.Discard, g.src, k); err != nil {
			return errGzipHeader
		}
		n += 2 + k
	}
	for _, bit := range []byte{0x08, 0x10} { // FNAME, FCOMMENT: NUL-terminated
		if flg&bit == 0 {
			continue
		}
		for {
			b, err := g.src.ReadByte()
			if err != nil {
				return errGzipHeader
			}
			if n++; n > gzipHeaderMax {
				return errGzipHuge
			}
			if b == 0 {
				break
			}
		}
	}
	if flg&0x02 != 0 { // FHCRC: zlib checks it only when asked; so do we not
		var c [2]byte
		if _, err := io.ReadFull(g.src, c[:]); err != nil {
			return errGzipHeader
		}
	}
	if g.fr == nil {
		g.fr = flate.NewReader(g.src)
	} else if err := g.fr.(flate.Resetter).Reset(g.src, nil); err != nil {
		return err
	}
	g.crc, g.size = 0, 0
	return nil
}

func (g *gunzip) Read(p []byte) (int, error) {
	for g.err == nil { // a loop, not recursion: members may be empty
		if !g.ended {
			n, err := g.fr.Read(p)
			g.crc = crc32.Update(g.crc, crc32.IEEETable, p[:n])
			g.size += uint32(n)
			switch {
			case err == nil:
				return n, nil
			case err != io.EOF:
				g.err = err
				return n, err
			}
			g.ended = true
			if n > 0 {
				// The member's end is handled on the next Read, once
				// the caller has hashed these bytes (firstEnd sees them).
				return n, nil
			}
		}
		g.err = g.next()
	}
	return 0, g.err
}

// next checks the ended member's trailer and starts the next member, or
// reports the end (io.EOF).
func (g *gunzip) next() error {
	var tr [8]byte
	if _, err := io.ReadFull(g.src, tr[:]); err != nil {
		return io.ErrUnexpectedEOF
	}
	if binary.LittleEndian.Uint32(tr[:4]) != g.crc || binary.LittleEndian.Uint32(tr[4:]) != g.size {
		return errGzipChecksum
	}
	// Another member, or the end (junk after a member is not content).
	if next := g.src.peek(2); len(next) < 2 || next[0] != 0x1f || next[1] != 0x8b {
		return io.EOF
	}
	if g.members++; g.members == 1 && g.firstEnd != nil {
		if err := g.firstEnd(); err != nil {
			return err
		}
	}
	if err := g.member(); err != nil {
		return err
	}
	g.ended = false
	return nil
}

// deflate decodes zlib, or raw deflate when the stream does not look like
// zlib or zlib fails on it before producing any content.
type deflate struct {
	src  decodeSource
	r    io.Reader
	zlib bool
	out  int64
}

func newDeflate(src decodeSource) *deflate {
	d := &deflate{src: src}
	if hdr := src.peek(2); len(hdr) == 2 && hdr[0]&0x0f == 8 && (uint16(hdr[0])<<8|uint16(hdr[1]))%31 == 0 {
		if zr, err := zlib.NewReader(src); err == nil {
			d.r, d.zlib = zr, true
			return d
		}
		if !src.rewind() {
			d.r = errReader{errors.New("deflate: zlib header refused and the stream cannot be retried")}
			return d
		}
	}
	d.r = flate.NewReader(src)
	return d
}

func (d *deflate) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	d.out += int64(n)
	if err != nil && err != io.EOF && d.zlib && d.out == 0 && d.src.rewind() {
		d.zlib = false
		d.r = flate.NewReader(d.src)
		return d.Read(p)
	}
	return n, err
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// memSource is a held body as a decodeSource.
type memSource struct {
	b   []byte
	off int
}

func (m *memSource) Read(p []byte) (int, error) {
	if m.off >= len(m.b) {
		return 0, io.EOF
	}
	n := copy(p, m.b[m.off:])
	m.off += n
	return n, nil
}

func (m *memSource) ReadByte() (byte, error) {
	if m.off >= len(m.b) {
		return 0, io.EOF
	}
	m.off++
	return m.b[m.off-1], nil
}

func (m *memSource) peek(n int) []byte { return m.b[m.off:min(m.off+n, len(m.b))] }
func (m *memSource) rewind() bool      { m.off = 0; return true }

// readerSource is a decoder's output as the next decoder's input (stacked
// codings): read ahead freely, never rewound.
type readerSource struct{ *bufio.Reader }

func (r readerSource) peek(n int) []byte { b, _ := r.Peek(n); return b }
func (r readerSource) rewind() bool      { return false }

var (
	_ decodeSource = (*memSource)(nil)
	_ decodeSource = readerSource{}
	_ decodeSource = (*wireTail)(nil)
)
