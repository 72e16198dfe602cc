package proxy

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The bypass found by the adversarial review of stop 5: a gzip-encoded
// listed file too large to hold whose origin sends the 8-byte gzip trailer
// as a separate last piece. Holding back one wire piece held back the
// checksum alone, and the client decoded the whole file. Now the wire is
// released only as far as it cannot complete the content (tail.go).
func TestGzipTrailerHeldBack(t *testing.T) {
	f := startProxy(t, true, nil)
	bad := trojan(t, f, holdMax+200<<10)
	gz := gzipped(bad)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		cut := len(gz) - 8
		for i := 0; i < cut; i += 64 << 10 {
			_, _ = w.Write(gz[i:min(i+64<<10, cut)])
			w.(http.Flusher).Flush()
		}
		time.Sleep(50 * time.Millisecond)
		_, _ = w.Write(gz[cut:]) // the trailer alone
	}))
	defer origin.Close()
	st, _, body, rerr := fetch(t, f, origin.URL+"/gzip", map[string]string{"Accept-Encoding": "gzip"})
	dec := lenientDecode("gzip", body)
	t.Logf("status %d, wire %d of %d, err %v; decoded %d of %d", st, len(body), len(gz), rerr, len(dec), len(bad))
	if bytes.Equal(dec, bad) || len(dec) >= len(bad) {
		t.Errorf("the client decoded the whole listed file")
	}
	if rerr == nil && st == 200 {
		t.Errorf("the transfer ended cleanly")
	}
}

// lenientDecode is what a client can make of the wire bytes it got: every
// byte the coding yields before the stream ends or breaks.
func lenientDecode(coding string, wire []byte) []byte {
	var r io.Reader
	var err error
	switch coding {
	case "gzip":
		r, err = gzip.NewReader(bytes.NewReader(wire))
	case "zlib":
		r, err = zlib.NewReader(bytes.NewReader(wire))
	case "raw":
		r = flate.NewReader(bytes.NewReader(wire))
	}
	if err != nil {
		return nil
	}
	var out bytes.Buffer
	_, _ = io.Copy(&out, r)
	return out.Bytes()
}

func encodeAs(coding string, level int, b []byte) []byte {
	var buf bytes.Buffer
	var zw io.WriteCloser
	switch coding {
	case "gzip":
		zw, _ = gzip.NewWriterLevel(&buf, level)
	case "zlib":
		zw, _ = zlib.NewWriterLevel(&buf, level)
	case "raw":
		zw, _ = flate.NewWriter(&buf, level)
	}
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

// writePatterns are ways an origin sends the encoded bytes: the piece
// boundaries are what a one-piece hold-back depended on.
var writePatterns = map[string]func(n int) []int{
	"64k":     func(n int) []int { return even(n, 64<<10) },
	"one":     func(n int) []int { return []int{n} },
	"trailer": func(n int) []int { return append(even(n-8, 64<<10), 8) },
	// The last 300 bytes one at a time: whatever the coding's end is
	// (end-of-block code, checksum), it arrives in a piece of its own.
	"bytewise-end": func(n int) []int {
		p := even(n-300, 32<<10)
		for range 300 {
			p = append(p, 1)
		}
		return p
	},
	"random": func(n int) []int {
		rng := rand.New(rand.NewPCG(uint64(n), 7))
		var p []int
		for n > 0 {
			k := min(n, 1+rng.IntN(40<<10))
			p = append(p, k)
			n -= k
		}
		return p
	},
}

func even(n, size int) []int {
	var p []int
	for ; n > 0; n -= size {
		p = append(p, min(n, size))
	}
	return p
}

// TestEncodedListedFileNeverDecodesWhole: with the hold budget taken (so
// every body streams), a listed file sent gzip, zlib (deflate as RFC 9110
// means it) or raw deflate, compressible or not, with a Content-Length or
// chunked, in any of the write patterns, never reaches the client whole:
// what it got does not decode to the file. A clean file in the same ways
// arrives byte for byte, its encoding kept.
func TestEncodedListedFileNeverDecodesWhole(t *testing.T) {
	f := startProxyOpts(t, true, nil, func(o *Options) { o.HoldBudget = 1 })
	rng := rand.New(rand.NewPCG(1, 2))
	noise := make([]byte, 600<<10)
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	var text bytes.Buffer
	for i := 0; text.Len() < 900<<10; i++ {
		fmt.Fprintf(&text, "line %d of a listed script, %x\n", i, rng.Uint32()%64)
	}
	files := map[string][]byte{"noise": noise, "text": text.Bytes()}
	for name, b := range files {
		listed := append([]byte("MZ"), b...)
		sum := sha256.Sum256(listed)
		f.intel.Add("sha256", hex.EncodeToString(sum[:]), "malware-download")
		files[name] = listed
	}
	good := append([]byte("clean "), text.Bytes()...)
	codings := map[string]string{"gzip": "gzip", "zlib": "deflate", "raw": "deflate"}
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// /CODING/FILE/PATTERN/FRAMING
		p := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
		content := files[p[1]]
		if p[1] == "good" {
			content = good
		}
		enc := encodeAs(p[0], flate.DefaultCompression, content)
		w.Header().Set("Content-Encoding", codings[p[0]])
		if p[3] == "length" {
			w.Header().Set("Content-Length", strconv.Itoa(len(enc)))
		}
		off := 0
		for _, k := range writePatterns[p[2]](len(enc)) {
			if _, err := w.Write(enc[off : off+k]); err != nil {
				return
			}
			off += k
			w.(http.Flusher).Flush()
		}
	}))
	defer origin.Close()
	ae := map[string]string{"Accept-Encoding": "gzip, deflate"}
	for coding := range codings {
		for pattern := range writePatterns {
			for _, framing := range []string{"length", "chunked"} {
				for name, whole := range files {
					st, _, body, rerr := fetch(t, f, fmt.Sprintf("%s/%s/%s/%s/%s", origin.URL, coding, name, pattern, framing), ae)
					dec := lenientDecode(coding, body)
					if len(dec) >= len(whole) || bytes.Equal(dec, whole) || (st == 200 && rerr == nil) {
						t.Errorf("%s %s %s %s: status %d, err %v, the client decoded %d of %d bytes", coding, name, pattern, framing, st, rerr, len(dec), len(whole))
					}
				}
				st, hdr, body, rerr := fetch(t, f, fmt.Sprintf("%s/%s/good/%s/%s", origin.URL, coding, pattern, framing), ae)
				if st != 200 || rerr != nil || hdr.Get("Content-Encoding") != codings[coding] || !bytes.Equal(body, encodeAs(coding, flate.DefaultCompression, good)) {
					t.Errorf("%s good %s %s: status %d, err %v, encoding %q, %d bytes: not the origin's bytes", coding, pattern, framing, st, rerr, hdr.Get("Content-Encoding"), len(body))
				}
			}
		}
	}
}
