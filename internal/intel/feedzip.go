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

// expand returns the content of a compressed feed, recognized by its first
// bytes: the publishers' main downloads are compressed (URLhaus's full dump
// is csv.txt.zip, PhishTank's online-valid.csv.gz), and a subscribed URL
// has no file name to go by. A ZIP must hold one file. Anything else is
// returned as it is. The caller bounds what is read from the result, so the
// expanded size is bounded too; a ZIP's compressed bytes are bounded by
// maxBytes here, as archive/zip needs them all.
func expand(r io.Reader, maxBytes int64) (io.Reader, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("intel: gzip feed: %w", err)
		}
		return zr, nil
	case bytes.Equal(head, []byte("PK\x03\x04")):
		data, err := io.ReadAll(io.LimitReader(br, maxBytes+1))
		if err != nil {
			return nil, fmt.Errorf("intel: reading zip feed: %w", err)
		}
		if int64(len(data)) > maxBytes {
			return nil, ErrTooLarge
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
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
		return rc, nil
	}
	return br, nil
}
