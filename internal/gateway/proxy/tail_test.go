package proxy

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
)

// pieceReader yields data in pieces of the given sizes (cycled).
type pieceReader struct {
	data  []byte
	sizes []int
	i     int
}

func (p *pieceReader) Read(b []byte) (int, error) {
	if len(p.data) == 0 {
		return 0, io.EOF
	}
	k := len(p.data)
	if len(p.sizes) > 0 {
		k = max(1, p.sizes[p.i%len(p.sizes)])
		p.i++
	}
	n := copy(b, p.data[:min(k, len(p.data))])
	p.data = p.data[n:]
	return n, nil
}

// tailRun decodes wire through a wireTail as streamDecoded does and checks
// the bound tail.go rests on after every release: what a client can decode
// from the wire sent so far is less than the content decoded so far (so
// less than the whole content, whatever it turns out to be). It returns
// the content and the wire the client got in the end.
func tailRun(t testing.TB, coding string, wire []byte, sizes []int) (content, sent []byte, judged bool) {
	rec := httptest.NewRecorder()
	wireSum := sha256.New()
	tl := newWireTail(&pieceReader{data: wire, sizes: sizes}, wireSum, rec, 200, true, false)
	defer tl.free()
	tl.check = func(n, decoded int64) {
		got := rec.Body.Bytes()
		if int64(len(got)) != n || !bytes.Equal(got, wire[:n]) {
			t.Fatalf("%s: the client got %d bytes that are not the wire's first %d", coding, len(got), n)
		}
		if d := int64(len(lenientDecode(coding, got))); d >= decoded {
			t.Fatalf("%s: %d wire bytes sent decode to %d content bytes, and only %d are decoded yet (pieces %v)", coding, n, d, decoded, sizes[:min(len(sizes), 4)])
		}
	}
	var out bytes.Buffer
	buf := make([]byte, bufSize)
	h := &teeHash{Hash: sha256.New(), out: &out}
	_, judged = tl.decodeContent(tailCoding(coding), buf, h)
	tl.rest()
	tl.release(tl.recv())
	return out.Bytes(), rec.Body.Bytes(), judged
}

type teeHash struct {
	hash.Hash
	out *bytes.Buffer
}

func (h *teeHash) Write(p []byte) (int, error) { h.out.Write(p); return h.Hash.Write(p) }

func tailCoding(c string) string {
	if c == "gzip" {
		return "gzip"
	}
	return "deflate"
}

// TestWireTailBound checks the bound over contents (random, text, runs,
// mixed), every compression level including stored and Huffman-only,
// gzip (one member and several), zlib and raw deflate, and piece sizes
// from one byte up; and that a clean run delivers the wire intact.
func TestWireTailBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	contents := map[string][]byte{}
	noise := make([]byte, 150<<10)
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	contents["noise"] = noise
	var text bytes.Buffer
	for i := 0; text.Len() < 200<<10; i++ {
		fmt.Fprintf(&text, "%d: the quick brown fox %x\n", i, rng.Uint32()%16)
	}
	contents["text"] = text.Bytes()
	contents["runs"] = bytes.Repeat([]byte{'a'}, 300<<10)
	contents["mixed"] = append(append(append([]byte{}, text.Bytes()[:50<<10]...), noise[:70<<10]...), bytes.Repeat([]byte("zz"), 40<<10)...)
	contents["tiny"] = []byte("MZ")
	sizes := [][]int{nil, {1}, {7, 300, 1}, {4096}, {bufSize}, {65 << 10, 3}}
	for name, c := range contents {
		for _, level := range []int{flate.HuffmanOnly, flate.NoCompression, flate.BestSpeed, flate.DefaultCompression, flate.BestCompression} {
			for _, coding := range []string{"gzip", "zlib", "raw"} {
				wire := encodeAs(coding, level, c)
				for _, sz := range sizes {
					if len(sz) > 0 && sz[0] == 1 && len(wire) > 64<<10 {
						sz = []int{1, 997} // byte-wise costs a decode per byte
					}
					got, sent, judged := tailRun(t, coding, wire, sz)
					if !bytes.Equal(got, c) || !bytes.Equal(sent, wire) || !judged {
						t.Errorf("%s level %d %s pieces %v: content %d of %d, wire %d of %d, judged %v", name, level, coding, sz, len(got), len(c), len(sent), len(wire), judged)
					}
				}
			}
		}
	}
	// Several gzip members: the content goes on after a member's end.
	multi := append(encodeAs("gzip", 6, contents["text"]), encodeAs("gzip", 0, noise)...)
	got, sent, _ := tailRun(t, "gzip", multi, []int{8000})
	if !bytes.Equal(got, append(append([]byte{}, contents["text"]...), noise...)) || !bytes.Equal(sent, multi) {
		t.Errorf("two gzip members: content %d, wire %d of %d", len(got), len(sent), len(multi))
	}
}

// FuzzWireTail: an origin's encoded body (attacker input) and the sizes of
// the pieces it arrives in never panic the tail, every release keeps the
// bound (what was sent decodes to less than what was decoded), and what
// the client gets is always a prefix of the wire, all of it at the end.
func FuzzWireTail(f *testing.F) {
	f.Add(gzipped([]byte("MZ a small program")), uint8(0), uint16(1), uint16(0))
	f.Add(encodeAs("zlib", 9, bytes.Repeat([]byte("abc"), 5000)), uint8(1), uint16(100), uint16(3))
	f.Add(encodeAs("raw", 0, bytes.Repeat([]byte{1, 2, 3}, 20000)), uint8(2), uint16(4096), uint16(1))
	f.Add([]byte("\x1f\x8b\x08\x00junk"), uint8(0), uint16(2), uint16(2))
	f.Fuzz(func(t *testing.T, wire []byte, which uint8, a, b uint16) {
		coding := []string{"gzip", "zlib", "raw"}[int(which)%3]
		_, sent, _ := tailRun(t, coding, wire, []int{int(a), int(b)})
		if !bytes.Equal(sent, wire) {
			t.Fatalf("the client got %d of %d wire bytes", len(sent), len(wire))
		}
	})
}

// BenchmarkDecodeStream compares the lockstep tail (what a large encoded
// download costs now) with the decoder over a bufio reader and one piece
// held back (what it cost before), on 4 MiB of text gzipped, arriving in
// 32 KiB pieces.
func BenchmarkDecodeStream(b *testing.B) {
	var text bytes.Buffer
	for i := 0; text.Len() < 4<<20; i++ {
		fmt.Fprintf(&text, "%d: a line of a large compressed page %x\n", i, i%97)
	}
	wire := encodeAs("gzip", 6, text.Bytes())
	buf := make([]byte, bufSize)
	b.Run("tail", func(b *testing.B) {
		b.SetBytes(int64(text.Len()))
		for b.Loop() {
			rec := &discardWriter{h: make(map[string][]string)}
			tl := newWireTail(&pieceReader{data: wire, sizes: []int{bufSize}}, sha256.New(), rec, 200, false, false)
			h := sha256.New()
			if _, ok := tl.decodeContent("gzip", buf, h); !ok {
				b.Fatal("not judged")
			}
			tl.rest()
			tl.release(tl.recv())
			tl.free()
		}
	})
	b.Run("bufio", func(b *testing.B) {
		b.SetBytes(int64(text.Len()))
		for b.Loop() {
			wh := sha256.New()
			src := io.TeeReader(&pieceReader{data: wire, sizes: []int{bufSize}}, wh)
			dr, err := gzip.NewReader(bufio.NewReader(src))
			if err != nil {
				b.Fatal(err)
			}
			h := sha256.New()
			if _, err := io.CopyBuffer(h, dr, buf); err != nil {
				b.Fatal(err)
			}
		}
	})
}

type discardWriter struct{ h map[string][]string }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}
