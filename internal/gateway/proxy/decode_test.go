package proxy

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// trojan is a listed download, large enough to arrive in several pieces.
func trojan(t *testing.T, f *fixture, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	_, _ = rand.Read(b)
	copy(b, "MZ")
	sum := sha256.Sum256(b)
	f.intel.Add("sha256", hex.EncodeToString(sum[:]), "malware-download")
	return b
}

// fetch gets u through the proxy with extra request headers; it returns
// the status, the body as read until the transfer ended, and whether it
// ended cleanly. A transfer cut off before even the head reached the client
// (the proxy buffers it) is status 0 with the error.
func fetch(t *testing.T, f *fixture, u string, hdr map[string]string) (int, http.Header, []byte, error) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := f.client().Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body, err
}

// blocked reports whether a fetch of a listed file (at most holdMax bytes
// on the wire, so held whole: hold.go) got the block page: 403, the
// matching indicator and the reference ID, complete. A cut-off does not
// count: a small file is judged before any byte of its head goes out.
func blocked(status int, hdr http.Header, body []byte, rerr error, whole []byte) bool {
	if len(whole) > holdMax {
		panic("blocked: not a small file")
	}
	ref := hdr.Get("X-Honeygate-Ref")
	return rerr == nil && status == http.StatusForbidden && ref != "" &&
		bytes.Contains(body, []byte("sha256")) && bytes.Contains(body, []byte(ref))
}

// originLog records the request headers an origin saw.
type originLog struct {
	mu  sync.Mutex
	hdr []http.Header
}

func (o *originLog) add(h http.Header) { o.mu.Lock(); o.hdr = append(o.hdr, h.Clone()); o.mu.Unlock() }
func (o *originLog) all() []http.Header {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]http.Header(nil), o.hdr...)
}

// A listed file fetched as byte ranges: the origin serves ranges
// (http.ServeContent), the proxy asks it for the whole file, hashes it and
// stops it, whichever part the client asked for; an unlisted file asked
// for in part arrives whole (a 200 the client can use).
func TestRangeRequestsCannotSplitAListedFile(t *testing.T) {
	f := startProxy(t, true, nil)
	bad := trojan(t, f, 256<<10)
	small := trojan(t, f, 3000)
	good := make([]byte, 100<<10)
	_, _ = rand.Read(good)
	var log originLog
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.add(r.Header)
		content := map[string][]byte{"/bad.exe": bad, "/small.exe": small, "/good.bin": good}[r.URL.Path]
		http.ServeContent(w, r, r.URL.Path, time.Unix(0, 0), bytes.NewReader(content))
	}))
	defer origin.Close()

	for _, c := range []struct{ path, rng string }{
		{"/bad.exe", "bytes=0-65535"}, {"/bad.exe", "bytes=65536-131071"}, {"/bad.exe", "bytes=-1000"},
		{"/bad.exe", "bytes=0-0,200000-"}, {"/small.exe", "bytes=100-199"}, {"/small.exe", "bytes=2-"},
	} {
		whole := map[string][]byte{"/bad.exe": bad, "/small.exe": small}[c.path]
		status, hdr, body, rerr := fetch(t, f, origin.URL+c.path, map[string]string{"Range": c.rng, "If-Range": `"x"`})
		if !blocked(status, hdr, body, rerr, whole) {
			t.Errorf("%s %s: status %d, %d bytes, err %v: a piece of a listed file got through", c.path, c.rng, status, len(body), rerr)
		}
	}
	status, _, body, rerr := fetch(t, f, origin.URL+"/good.bin", map[string]string{"Range": "bytes=1000-1999"})
	if status != 200 || rerr != nil || !bytes.Equal(body, good) {
		t.Errorf("unlisted file with Range: status %d, %d bytes, err %v; want 200 and the whole file", status, len(body), rerr)
	}
	for _, h := range log.all() {
		if h.Get("Range") != "" || h.Get("If-Range") != "" {
			t.Errorf("the origin was asked for a range: %v", h)
		}
	}
	if n := len(f.waitBlocks(t, 6)); n < 6 {
		t.Errorf("%d blocks recorded, want 6", n)
	}
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

// A listed file sent compressed (the origin gzips or deflates it, as a
// real one does when the client accepts it): the wire bytes hash to
// something else, the decoded content to the listed hash, and the proxy
// judges both. What is not listed passes byte for byte, still encoded.
func TestCompressedDownloadHashedDecoded(t *testing.T) {
	f := startProxy(t, true, nil)
	bad := trojan(t, f, 300<<10)
	small := trojan(t, f, 2000)
	good := bytes.Repeat([]byte("an unlisted page, compressed on the wire. "), 5000)
	encodings := map[string]func([]byte) []byte{
		"gzip": gzipped,
		"deflate": func(b []byte) []byte { // zlib, as RFC 9110 means it
			var buf bytes.Buffer
			zw := zlib.NewWriter(&buf)
			_, _ = zw.Write(b)
			_ = zw.Close()
			return buf.Bytes()
		},
		"raw-deflate": func(b []byte) []byte { // what some servers send as deflate
			var buf bytes.Buffer
			zw, _ := flate.NewWriter(&buf, flate.DefaultCompression)
			_, _ = zw.Write(b)
			_ = zw.Close()
			return buf.Bytes()
		},
		"gzip-garbage": func(b []byte) []byte { return append(gzipped(b), "trailing junk a browser ignores"...) },
		"gzip-twice":   func(b []byte) []byte { return gzipped(gzipped(b)) },
	}
	var log originLog
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.add(r.Header)
		parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/") // /ENCODING/FILE
		content := map[string][]byte{"bad": bad, "small": small, "good": good}[parts[1]]
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			_, _ = w.Write(content)
			return
		}
		ce := map[string]string{"gzip": "gzip", "deflate": "deflate", "raw-deflate": "deflate", "gzip-garbage": "gzip", "gzip-twice": "gzip, gzip"}[parts[0]]
		w.Header().Set("Content-Encoding", ce)
		enc := encodings[parts[0]](content)
		for i := 0; i < len(enc); i += 16 << 10 { // in pieces, flushed
			_, _ = w.Write(enc[i:min(i+16<<10, len(enc))])
			w.(http.Flusher).Flush()
		}
	}))
	defer origin.Close()

	ae := map[string]string{"Accept-Encoding": "gzip, deflate, br, zstd"}
	for name, enc := range encodings {
		for file, whole := range map[string][]byte{"bad": bad, "small": small} {
			status, hdr, body, rerr := fetch(t, f, origin.URL+"/"+name+"/"+file, ae)
			if !blocked(status, hdr, body, rerr, enc(whole)) {
				t.Errorf("%s/%s: status %d, %d bytes, err %v: the listed file got through compressed", name, file, status, len(body), rerr)
			}
		}
		status, hdr, body, rerr := fetch(t, f, origin.URL+"/"+name+"/good", ae)
		if status != 200 || rerr != nil || hdr.Get("Content-Encoding") == "" {
			t.Errorf("%s/good: status %d, err %v, Content-Encoding %q", name, status, rerr, hdr.Get("Content-Encoding"))
			continue
		}
		// Encoded bytes pass untouched (the compressors are deterministic).
		if !bytes.Equal(body, enc(good)) {
			t.Errorf("%s/good: the body changed on the way", name)
		}
	}
	for _, h := range log.all() {
		if ae := h.Get("Accept-Encoding"); strings.Contains(ae, "br") || strings.Contains(ae, "zstd") {
			t.Errorf("the origin was offered a coding the proxy cannot decode: %q", ae)
		}
	}
}

// An origin that answers with a coding it was not offered and the proxy
// cannot decode, or with a part nobody asked for, is refused: its content
// could not be judged.
func TestUnhashableResponsesRefused(t *testing.T) {
	f := startProxy(t, true, nil)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/br":
			w.Header().Set("Content-Encoding", "br")
		case "/gzip-br":
			w.Header().Set("Content-Encoding", "gzip, br")
		case "/part":
			w.Header().Set("Content-Range", "bytes 0-9/100")
			w.WriteHeader(http.StatusPartialContent)
		}
		_, _ = w.Write([]byte("0123456789"))
	}))
	defer origin.Close()
	for _, p := range []string{"/br", "/gzip-br", "/part"} {
		status, _, body, _ := fetch(t, f, origin.URL+p, map[string]string{"Accept-Encoding": "br"})
		if status != http.StatusBadGateway || bytes.Contains(body, []byte("0123456789")) {
			t.Errorf("%s: status %d body %q, want 502 without the content", p, status, body)
		}
	}
}

// FuzzContentDecoding: an origin's Content-Encoding header and body, both
// attacker input, never panic the decoders; a coding list the proxy
// accepts holds only codings it decodes, at most maxCodings; and the body
// a gzip coding carries decodes back to what was compressed (the round
// trip the hash of the content relies on).
func FuzzContentDecoding(f *testing.F) {
	f.Add([]byte("hello"), "gzip")
	f.Add(gzipped([]byte("MZ\x90\x00 a tiny program")), "gzip")
	f.Add([]byte{0x78, 0x9c, 0x01, 0x00, 0x00, 0xff, 0xff}, "deflate")
	f.Add([]byte("\x1f\x8b\x08\x00junk"), "x-gzip, identity")
	f.Add([]byte("abc"), "br")
	f.Add([]byte("abc"), "gzip, gzip, gzip, gzip, gzip")
	f.Add(longNameGzip(bytes.Repeat([]byte("MZ"), 900), 600), "gzip")
	f.Add(zlibLookingDeflate(bytes.Repeat([]byte("MZ"), 900)), "deflate")
	f.Fuzz(func(t *testing.T, body []byte, ce string) {
		codings, ok := contentCodings(http.Header{"Content-Encoding": {ce}})
		if !ok {
			return
		}
		if len(codings) > maxCodings {
			t.Fatalf("%q: %d codings accepted", ce, len(codings))
		}
		for _, c := range codings {
			if !decodable[c] || c == "identity" {
				t.Fatalf("%q: coding %q accepted", ce, c)
			}
		}
		if r, err := decoders(body, codings, nil); err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(r, 1<<20))
		}
		// The round trip.
		r, err := decoders(gzipped(body), []string{"gzip"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, body) {
			t.Fatalf("gzip round trip: %v", err)
		}
		// A header with a long name decodes as zlib decodes it, and so
		// does raw deflate that passes zlib's header check (gunzip.go).
		r, err = decoders(longNameGzip(body, 600), []string{"gzip"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, body) {
			t.Fatalf("long-name gzip round trip: %v", err)
		}
		if len(body) > 0x061d {
			r, _ = decoders(zlibLookingDeflate(body), []string{"deflate"}, nil)
			if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, body) {
				t.Fatalf("zlib-looking deflate round trip: %v", err)
			}
		}
	})
}

func TestPrepareHashed(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"gzip, deflate", "gzip, deflate"},
		{"gzip, deflate, br, zstd", "gzip, deflate"},
		{"br;q=1.0, GZIP;q=0.5", "GZIP;q=0.5"},
		{"br", ""},
		{"identity", "identity"},
	} {
		h := http.Header{"Accept-Encoding": {c.in}, "Range": {"bytes=0-1"}, "If-Range": {"x"}}
		prepareHashed(h)
		if got := h.Get("Accept-Encoding"); got != c.want || h.Get("Range") != "" || h.Get("If-Range") != "" {
			t.Errorf("%q: Accept-Encoding %q (want %q), Range %q", c.in, got, c.want, h.Get("Range"))
		}
	}
	h := http.Header{"Accept-Encoding": {"gzip, deflate"}}
	if n := testing.AllocsPerRun(100, func() { prepareHashed(h) }); n > 0 {
		t.Errorf("a request offering decodable codings costs %.0f allocations", n)
	}
}

// A client that goes away in the middle of a compressed download stops the
// proxy reading the origin: the origin sees its connection end.
func TestCompressedDownloadClientGone(t *testing.T) {
	f := startProxy(t, true, nil)
	originDone := make(chan struct{})
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(originDone)
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		chunk := make([]byte, 64<<10)
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			_, _ = rand.Read(chunk)
			if _, err := zw.Write(chunk); err != nil {
				return
			}
			if err := zw.Flush(); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
		t.Error("the origin was still being read 20 s after the client left")
	}))
	defer origin.Close()
	req, _ := http.NewRequest("GET", origin.URL+"/endless.gz", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := f.client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(resp.Body, make([]byte, 256<<10)); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	select {
	case <-originDone:
	case <-time.After(15 * time.Second):
		t.Fatal("the origin kept streaming after the client left")
	}
}
