package proxy

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// longNameGzip gzips b with a header whose FNAME and FCOMMENT are longer
// than Go's gzip reader takes (511 bytes): legal, and zlib (curl,
// browsers) decodes it.
func longNameGzip(b []byte, name int) []byte {
	g := gzipped(b)
	hdr := []byte{0x1f, 0x8b, 8, 0x08 | 0x10, 0, 0, 0, 0, 0, 0xff}
	hdr = append(hdr, bytes.Repeat([]byte("n"), name)...)
	hdr = append(hdr, 0)
	hdr = append(hdr, "a comment, also long: "+strings.Repeat("c", 700)...)
	hdr = append(hdr, 0)
	return append(hdr, g[10:]...)
}

// zlibLookingDeflate encodes b as raw deflate stored blocks whose first two
// bytes pass zlib's header check: a block header byte 0x08 (stored, not
// final) and a first block of 0x061d bytes (LEN low byte 0x1d), since
// 0x081d is a multiple of 31. zlib fails on what follows; raw deflate
// decodes it, and so do curl and browsers after their retry.
func zlibLookingDeflate(b []byte) []byte {
	const first = 0x061d
	if len(b) <= first {
		panic("zlibLookingDeflate: content too short")
	}
	out := []byte{0x08, first & 0xff, first >> 8, ^byte(first & 0xff), ^byte(first >> 8)}
	out = append(out, b[:first]...)
	rest := b[first:]
	for len(rest) > 0 {
		n := min(len(rest), 65535)
		final := byte(0)
		if n == len(rest) {
			final = 1
		}
		out = append(out, final, byte(n), byte(n>>8), ^byte(n), ^byte(n>>8))
		out = append(out, rest[:n]...)
		rest = rest[n:]
	}
	return out
}

// broken keeps a gzip stream's first part and replaces the rest with bytes
// that are no deflate data: a decoder stops there with an error.
func brokenGzip(b []byte) []byte {
	g := gzipped(b)
	cut := len(g) / 3
	return append(g[:cut:cut], bytes.Repeat([]byte{0xff}, len(g)-cut)...)
}

// encodedOrigin serves /CODING/FILE: the file encoded as CODING says, in
// 16 KiB pieces, flushed.
func encodedOrigin(t *testing.T, files map[string][]byte, codings map[string]func([]byte) []byte) *httptest.Server {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
		if len(parts) != 2 || codings[parts[0]] == nil || files[parts[1]] == nil {
			http.NotFound(w, r)
			return
		}
		ce := "gzip"
		if strings.Contains(parts[0], "deflate") {
			ce = "deflate"
		}
		w.Header().Set("Content-Encoding", ce)
		enc := codings[parts[0]](files[parts[1]])
		for i := 0; i < len(enc); i += 16 << 10 {
			_, _ = w.Write(enc[i:min(i+16<<10, len(enc))])
			w.(http.Flusher).Flush()
		}
	}))
	t.Cleanup(origin.Close)
	return origin
}

// A listed file in an encoding that Go's standard decoders refuse but
// clients decode (a gzip header with a long file name, raw deflate that
// looks like zlib) is decoded by the proxy as clients decode it and
// blocked, held (block page) or streamed (cut off); an unlisted one passes
// byte for byte.
func TestClientDecodableEncodingsJudged(t *testing.T) {
	f := startProxy(t, true, nil)
	small := trojan(t, f, 27000)
	large := trojan(t, f, holdMax+300<<10)
	good := bytes.Repeat([]byte("an unlisted page with a long gzip file name. "), 3000)
	codings := map[string]func([]byte) []byte{
		"gzname":       func(b []byte) []byte { return longNameGzip(b, 600) },
		"gzname-64k":   func(b []byte) []byte { return longNameGzip(b, 64<<10) },
		"deflatetrick": zlibLookingDeflate,
		// Chrome and curl show the first member only: the listed file,
		// whatever the members after it make of the whole.
		"gzip2members": func(b []byte) []byte { return append(gzipped(b), gzipped([]byte("a second member"))...) },
	}
	origin := encodedOrigin(t, map[string][]byte{"small": small, "large": large, "good": good}, codings)
	for name, enc := range codings {
		status, hdr, body, rerr := fetch(t, f, origin.URL+"/"+name+"/small", nil)
		if !blocked(status, hdr, body, rerr, enc(small)) {
			t.Errorf("%s/small: status %d, %d bytes, err %v: want the block page", name, status, len(body), rerr)
		}
		wire := enc(large)
		status, _, body, rerr = fetch(t, f, origin.URL+"/"+name+"/large", nil)
		if rerr == nil || len(body) >= len(wire) || !bytes.Equal(body, wire[:len(body)]) {
			t.Errorf("%s/large: status %d, %d of %d wire bytes, err %v: want a cut-off", name, status, len(body), len(wire), rerr)
		}
		if first := gzipped(large); name == "gzip2members" && len(body) >= len(first) {
			t.Errorf("%s/large: the client got the whole first member (%d bytes)", name, len(body))
		}
		status, _, body, rerr = fetch(t, f, origin.URL+"/"+name+"/good", nil)
		if status != 200 || rerr != nil || !bytes.Equal(body, enc(good)) {
			t.Errorf("%s/good: status %d, %d bytes, err %v: want it intact", name, status, len(body), rerr)
		}
	}
	if n := len(f.waitBlocks(t, 2*len(codings))); n != 2*len(codings) {
		t.Errorf("%d blocks recorded, want %d", n, 2*len(codings))
	}
}

// A body whose coding does not decode to its end is refused, never judged
// by its wire bytes: a 502 when held, a cut-off when it streams. Nothing
// here is listed; the content cannot be judged, which is enough.
func TestUndecodableBodiesRefused(t *testing.T) {
	f := startProxy(t, true, nil)
	small := bytes.Repeat([]byte("0123456789abcdef"), 2000)
	large := make([]byte, holdMax+300<<10)
	for i := range large {
		large[i] = byte(i*2654435761>>13) ^ byte(i>>7)
	}
	codings := map[string]func([]byte) []byte{
		"broken":     brokenGzip,
		"gzname-2m":  func(b []byte) []byte { return longNameGzip(b, gzipHeaderMax+1) },
		"badcrc":     func(b []byte) []byte { g := gzipped(b); g[len(g)-8] ^= 1; return g },
		"deflatebad": func(b []byte) []byte { return append([]byte{0x78, 0x9c}, bytes.Repeat([]byte{0xff}, len(b)/2)...) },
	}
	origin := encodedOrigin(t, map[string][]byte{"small": small, "large": large}, codings)
	for name, enc := range codings {
		status, _, body, _ := fetch(t, f, origin.URL+"/"+name+"/small", nil)
		if status != http.StatusBadGateway || bytes.Contains(body, enc(small)[:64]) {
			t.Errorf("%s/small: status %d, %d bytes: want 502", name, status, len(body))
		}
		wire := enc(large)
		status, _, body, rerr := fetch(t, f, origin.URL+"/"+name+"/large", nil)
		if status != http.StatusBadGateway && (rerr == nil || len(body) >= len(wire)) {
			t.Errorf("%s/large: status %d, %d of %d wire bytes, err %v: want 502 or a cut-off", name, status, len(body), len(wire), rerr)
		}
	}
}

// An empty body is no content whatever its Content-Encoding says: it
// passes (clients take it too) rather than being refused as undecodable.
func TestEmptyEncodedBodyPasses(t *testing.T) {
	f := startProxy(t, true, nil)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", strings.TrimPrefix(r.URL.Path, "/"))
		if r.URL.Query().Has("chunked") {
			w.(http.Flusher).Flush()
		}
	}))
	defer origin.Close()
	for _, u := range []string{"/gzip", "/deflate", "/gzip?chunked", "/deflate?chunked"} {
		status, _, body, rerr := fetch(t, f, origin.URL+u, nil)
		if status != 200 || rerr != nil || len(body) != 0 {
			t.Errorf("%s: status %d, %d bytes, err %v: want an empty 200", u, status, len(body), rerr)
		}
	}
}
