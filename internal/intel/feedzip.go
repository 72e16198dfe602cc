package intel

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
)

// ErrBomb is returned for a compressed feed that expands far more than any
// real list does, or holds another archive.
var ErrBomb = errors.New("intel: compressed feed refused")

// maxExpandRatio is how many times its compressed size a feed may expand
// to. Real lists compress 4-15 times (text with repeated suffixes); one
// line repeated compresses a thousand times, and it is the lines, not the
// bytes, that cost memory. Apache POI refuses OOXML past the same 100:1
// (ZipSecureFile's minimum inflate ratio of 0.01).
const maxExpandRatio = 100

// expandFree is how much a compressed feed may expand before the ratio is
// checked: a short list's headers and dictionary skew it.
const expandFree = 1 << 20

// expand returns the content of a compressed feed, recognized by its first
// bytes: the publishers' main downloads are compressed (URLhaus's full dump
// is csv.txt.zip, PhishTank's online-valid.csv.gz), and a subscribed URL
// has no file name to go by. A ZIP must hold one file. Anything else is
// returned as it is. The caller bounds what is read from the result, so the
// expanded size is bounded too; a ZIP's compressed bytes are bounded by
// maxBytes here, as archive/zip needs them all. The content may expand at
// most maxExpandRatio times, and may not itself be compressed.
func expand(r io.Reader, maxBytes int64) (io.Reader, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(4)
	var out io.Reader
	var in *int64
	var kind string
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		cr := &countReader{r: br}
		zr, err := gzip.NewReader(cr)
		if err != nil {
			return nil, fmt.Errorf("intel: gzip feed: %w", err)
		}
		out, in, kind = zr, &cr.n, "gzip"
	case bytes.Equal(head, []byte("PK\x03\x04")):
		data, err := io.ReadAll(io.LimitReader(br, maxBytes+1))
		if err != nil {
			return nil, fmt.Errorf("intel: reading zip feed: %w", err)
		}
		if int64(len(data)) > maxBytes {
			return nil, ErrTooLarge
		}
		ra := &countReaderAt{r: bytes.NewReader(data)}
		zr, err := zip.NewReader(ra, int64(len(data)))
		if err != nil {
			return nil, fmt.Errorf("intel: zip feed: %w", err)
		}
		var files []*zip.File
		for _, f := range zr.File {
			if !f.FileInfo().IsDir() {
				files = append(files, f)
			}
		}
		if len(files) != 1 {
			return nil, fmt.Errorf("intel: zip feed: want one file, it holds %d", len(files))
		}
		rc, err := files[0].Open()
		if err != nil {
			return nil, fmt.Errorf("intel: zip feed: %w", err)
		}
		// The bytes archive/zip reads, not the sizes its headers claim:
		// a lying header changes nothing here.
		out, in, kind = rc, &ra.n, "zip"
	default:
		return br, nil
	}
	ob := bufio.NewReader(&ratioReader{r: out, in: in, kind: kind})
	inner, err := ob.Peek(4)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("intel: %s feed: %w", kind, err)
	}
	if bytes.HasPrefix(inner, []byte{0x1f, 0x8b}) || bytes.Equal(inner, []byte("PK\x03\x04")) {
		// Feeds are compressed once; a second layer is a bomb's way of
		// multiplying the ratio, and no publisher ships one.
		return nil, fmt.Errorf("%w: a compressed file inside the %s feed", ErrBomb, kind)
	}
	return ob, nil
}

// countReader counts the compressed bytes a decompressor has read.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

// countReaderAt counts the bytes archive/zip has read.
type countReaderAt struct {
	r *bytes.Reader
	n int64
}

func (c *countReaderAt) ReadAt(b []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(b, off)
	c.n += int64(n)
	return n, err
}

// ratioReader fails once the expanded bytes pass maxExpandRatio times the
// compressed bytes read so far.
type ratioReader struct {
	r    io.Reader
	in   *int64
	out  int64
	kind string
}

func (x *ratioReader) Read(b []byte) (int, error) {
	n, err := x.r.Read(b)
	x.out += int64(n)
	if x.out > expandFree && x.out > maxExpandRatio*max(*x.in, 1) {
		return 0, fmt.Errorf("%w: the %s feed expands more than %d times its %d bytes (a decompression bomb?)", ErrBomb, x.kind, maxExpandRatio, *x.in)
	}
	return n, err
}
