package proxy

import (
	"compress/flate"
	"errors"
	"hash"
	"io"
	"net/http"
	"sync"
)

// An encoded body too large to hold is decoded in lockstep with what the
// client is sent, and the client never gets enough of the wire to decode
// the whole content before the content's hash has been judged.
//
// Holding back one wire piece (as for an identity body) is not enough: a
// gzip stream's last 8 bytes are a checksum, not content, so an origin that
// sends them as a separate last piece had the client decode a listed file
// whole while only its checksum was held (the bypass of stop 5). And the
// end of the content is not a fixed distance from the end of the wire
// (deflate's end-of-block code, zlib's Adler-32, gzip members).
//
// So the decoder reads the wire through wireTail, which records where the
// decoder stood each time it asked for bytes not yet received (a mark).
// Go's inflater is greedy and reads input one byte at a time (wireTail is
// an io.ByteReader, so no bufio reads ahead): when it asks for byte c+1,
// every symbol that bytes [0, c) complete has been decoded into its 32 KiB
// window, and the decoder Read in progress returns all of it (its buffer,
// bufSize, is at least the window). So whatever any client can decode from
// wire[0:c] is at most R, the content returned once that Read is done (a
// match cut by a full window adds at most 258 bytes: tailMargin covers it).
// Wire bytes up to a mark are sent only once more content than that has
// been decoded: then they provably do not carry the content's end. What is
// held is the wire behind about one decoder read (at most ~32 KiB of
// content) plus the piece being read; the rest streams as it comes.
//
// When the content ends it is judged; a listed one is never completed (block
// page if nothing was sent, else the transfer is cut off). A clean one is
// released and the rest of the wire (a coding's trailer, junk after it)
// streams one piece behind, as an identity body does, for the wire bytes'
// own hash. tail_test.go checks the bound above over random contents,
// compression levels and write patterns, so that a change in the inflater
// that broke it fails a test rather than passing a listed file.
//
// Why not the alternative of asking the origin for identity encoding: the
// proxy cannot know before the response head whether a body will be held,
// so it would have to ask every origin for identity and every client would
// lose compression (HTML, scripts) to close a hole in downloads over 1 MiB.
// Decoding costs nothing new: the content was decoded for its hash before.
//
// Stacked codings ("gzip, gzip") break the bound (the inner decoder's
// window is not the content's); they are judged when held whole (up to
// holdMax) and refused when they would stream.
const (
	tailMargin = 512
	// tailMax bounds the wire held back; only a stream that carries
	// almost no content for its size (empty deflate blocks by the
	// megabyte) reaches it, and it is cut off.
	tailMax = holdMax
)

var errTailTooLong = errors.New("encoded body carries too little content to be judged")

// The bound relies on the decoder's Read emptying the inflater's 32 KiB
// window: a smaller bufSize does not compile.
const _ = uint(bufSize - 1<<15)

// tailMark: the decoder had consumed wire[0:at] and asked for more. bound
// is what a client can decode from wire[0:at] at most, known once the
// decoder Read in progress returned (-1 until then).
type tailMark struct{ at, bound int64 }

var tailStores = sync.Pool{New: func() any { b := make([]byte, 0, 4*bufSize); return &b }}

// wireTail is the wire of an encoded body: what the origin sent, read as
// the decoder asks for it, hashed, and passed to the client as the marks
// allow.
type wireTail struct {
	src   io.Reader
	sum   hash.Hash
	pool  *[]byte // buf's array, from and back to tailStores
	buf   []byte  // wire bytes [base, recv) at buf[start:]
	start int
	ri    int   // the decoder's position in buf: it consumed wire[:base+ri-start]
	base  int64 // bytes sent to the client
	marks []tailMark
	last  int // length of the last piece read
	eof   bool
	err   error // reading the origin failed (other than EOF)
	werr  error // writing to the client failed
	long  bool  // tailMax reached
	// check, when set (tests), is called after each release with the
	// wire sent and the content decoded so far.
	check func(sent, content int64)
	// firstEnd, when set, is gunzip's (gunzip.go): the first member is
	// judged where it ends.
	firstEnd func() error

	w          http.ResponseWriter
	flusher    http.Flusher // nil: no flushing
	flush      bool
	status     int
	headerSent bool
}

func newWireTail(src io.Reader, sum hash.Hash, w http.ResponseWriter, status int, flush, headerSent bool) *wireTail {
	t := &wireTail{src: src, sum: sum, pool: tailStores.Get().(*[]byte), w: w, status: status, flush: flush, headerSent: headerSent}
	t.buf = (*t.pool)[:0]
	t.flusher, _ = w.(http.Flusher)
	t.marks = make([]tailMark, 0, 8)
	return t
}

func (t *wireTail) free() {
	if t.pool != nil && cap(t.buf) <= 4*bufSize {
		*t.pool = t.buf[:0]
		tailStores.Put(t.pool)
	}
	t.pool, t.buf = nil, nil
}

func (t *wireTail) recv() int64   { return t.base + int64(len(t.buf)-t.start) }
func (t *wireTail) failed() error { return errors.Join(t.err, t.werr) }

// fill reads the origin's next piece, after marking where the decoder
// stands; it returns io.EOF at the end of the body, or why it cannot go on.
func (t *wireTail) fill() error {
	if t.err != nil || t.werr != nil {
		return t.failed()
	}
	if t.eof {
		return io.EOF
	}
	if t.recv()-t.base > tailMax {
		t.long = true
		return errTailTooLong
	}
	if t.ri == len(t.buf) { // the decoder asks (peek does not)
		t.marks = append(t.marks, tailMark{at: t.recv(), bound: -1})
	}
	s := t.buf
	if cap(s)-len(s) < bufSize {
		// Move what is held to the front, or into a larger array.
		held := s[t.start:]
		if cap(s)-len(held) < bufSize {
			s = make([]byte, 0, 2*cap(s)+bufSize)
		}
		s = append(s[:0], held...)
		t.ri = max(t.ri-t.start, 0) // below start only once decoding ended (rest)
		t.start = 0
	}
	for {
		n, err := t.src.Read(s[len(s) : len(s)+bufSize])
		if n > 0 {
			t.sum.Write(s[len(s) : len(s)+n])
			s = s[:len(s)+n]
			t.last = n
		}
		t.buf = s
		switch {
		case err == io.EOF:
			t.eof = true
		case err != nil:
			t.err = err
		}
		if n > 0 {
			return nil
		}
		if err != nil {
			return t.fillErr()
		}
	}
}

func (t *wireTail) fillErr() error {
	if t.eof {
		return io.EOF
	}
	return t.failed()
}

// ReadByte and Read are what the decoder reads the wire through.
func (t *wireTail) ReadByte() (byte, error) {
	if t.ri == len(t.buf) {
		if err := t.fill(); err != nil {
			return 0, err
		}
	}
	b := t.buf[t.ri]
	t.ri++
	return b, nil
}

func (t *wireTail) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if t.ri == len(t.buf) {
		if err := t.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, t.buf[t.ri:])
	t.ri += n
	return n, nil
}

var _ flate.Reader = (*wireTail)(nil)

// peek returns up to n bytes the decoder has not consumed, reading them
// first if need be (deflate's zlib-or-raw check).
func (t *wireTail) peek(n int) []byte {
	for len(t.buf)-t.ri < n && t.fill() == nil {
	}
	rest := t.buf[t.ri:]
	return rest[:min(n, len(rest))]
}

// decoded is called after each decoder Read, with the content returned so
// far: marks taken during that Read get their bound, and the wire up to
// the last mark whose bound the content has passed goes to the client.
func (t *wireTail) decoded(content int64) {
	upto := t.base
	drop := 0
	for i := range t.marks {
		m := &t.marks[i]
		if m.bound < 0 {
			m.bound = content + tailMargin
		}
		if drop == i && content > m.bound {
			upto, drop = m.at, i+1
		}
	}
	if drop > 0 {
		t.marks = t.marks[:copy(t.marks, t.marks[drop:])]
		t.release(upto)
		if t.check != nil {
			t.check(t.base, content)
		}
	}
}

// decodeContent decodes the content of one coding from the wire, hashing
// it into h (buf, at least bufSize, is the decoder's output), and releases
// the wire as it goes. judged says the content was decoded to its clean
// end; it is false when the coding did not start or failed (any decoder error),
// the wire failed, tailMax was reached or the expansion bound stopped
// decoding; the caller then refuses the body (fail closed).
func (t *wireTail) decodeContent(coding string, buf []byte, h hash.Hash) (decoded int64, judged bool) {
	dr, err := tailDecoder(t, coding)
	if err != nil {
		return 0, t.recv() == 0 && t.eof && t.failed() == nil
	}
	for {
		n, err := dr.Read(buf)
		h.Write(buf[:n])
		decoded += int64(n)
		t.decoded(decoded)
		if err != nil {
			// Only a clean end is judged: content that stopped decoding
			// (a broken stream, a header the decoder refused) may be a
			// listed file to a client whose decoder goes on (gunzip.go).
			if t.recv() == 0 && t.eof && t.failed() == nil {
				return 0, true // an empty body carries no content
			}
			return decoded, err == io.EOF && t.failed() == nil && !t.long
		}
		if decoded > maxExpansion*t.recv()+expansionSlack {
			return decoded, false
		}
	}
}

// release sends the client the wire up to offset upto.
func (t *wireTail) release(upto int64) {
	if upto <= t.base || t.werr != nil {
		return
	}
	n := int(upto - t.base)
	if !t.headerSent {
		t.w.WriteHeader(t.status)
		t.headerSent = true
	}
	if _, err := t.w.Write(t.buf[t.start : t.start+n]); err != nil {
		t.werr = err
		return
	}
	if t.flush && t.flusher != nil {
		t.flusher.Flush()
	}
	t.start += n
	t.base = upto
	if t.start == len(t.buf) && t.ri <= t.start {
		t.buf, t.start, t.ri = t.buf[:0], 0, 0
	}
}

// rest reads the wire to its end once the content is judged (or will not
// be), one piece behind: only the last piece read stays held.
func (t *wireTail) rest() {
	t.marks = t.marks[:0]
	for t.fill() == nil {
		t.release(t.recv() - int64(t.last))
	}
}

// tailDecoder stacks the decoder of one content coding on the wire tail,
// reading it byte-wise (no read-ahead).
func tailDecoder(t *wireTail, coding string) (io.Reader, error) {
	return contentDecoder(t, coding, t.firstEnd)
}

// rewind takes the decoder back to the first byte of the body (deflate's
// retry as raw deflate, gunzip.go), which is possible while none of it has
// gone to the client: the tail still holds it all.
func (t *wireTail) rewind() bool {
	if t.base != 0 || t.start != 0 {
		return false
	}
	t.ri = 0
	t.marks = t.marks[:0]
	return true
}
