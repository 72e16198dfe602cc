package proxy

import (
	"bytes"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// writeIn writes b to w as the origin mode says: whole, in two reads, or
// byte by byte, each piece flushed; with or without Content-Length.
func writeIn(w http.ResponseWriter, b []byte, pieces string, withLength bool) {
	if withLength {
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	}
	switch pieces {
	case "one":
		_, _ = w.Write(b)
	case "two":
		_, _ = w.Write(b[:len(b)/2])
		w.(http.Flusher).Flush()
		time.Sleep(20 * time.Millisecond) // the proxy reads the first half alone
		_, _ = w.Write(b[len(b)/2:])
	case "bytes":
		for i := range b {
			_, _ = w.Write(b[i : i+1])
			w.(http.Flusher).Flush()
		}
	}
}

// A small listed file gets the block page (403, the indicator, the
// reference ID) however its bytes arrive: in one read, two, or one byte
// at a time with flushes, with a length or chunked, gzip-encoded, asked
// for with Range; never a cut-off, never a bare EOF. The same shapes of an
// unlisted file arrive intact.
func TestSmallListedFileAlwaysBlockPage(t *testing.T) {
	f := startProxy(t, true, nil)
	bad := trojan(t, f, 3000)
	good := make([]byte, 3000)
	_, _ = rand.Read(good)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/") // /MODE/FILE
		content := map[string][]byte{"bad": bad, "good": good}[parts[1]]
		mode, _, _ := strings.Cut(parts[0], "-")
		switch {
		case mode == "range":
			http.ServeContent(w, r, "f.exe", time.Unix(0, 0), bytes.NewReader(content))
		case mode == "gzip":
			w.Header().Set("Content-Encoding", "gzip")
			writeIn(w, gzipped(content), "bytes", false)
		default:
			writeIn(w, content, mode, strings.HasSuffix(parts[0], "-length"))
		}
	}))
	defer origin.Close()

	modes := []string{"one-length", "one-chunked", "two-length", "two-chunked", "bytes-length", "bytes-chunked", "gzip", "range"}
	hdr := map[string]string{"Accept-Encoding": "gzip", "Range": "bytes=10-20"}
	const rounds = 3
	for round := 0; round < rounds; round++ {
		for _, m := range modes {
			status, h, body, rerr := fetch(t, f, origin.URL+"/"+m+"/bad", hdr)
			if !blocked(status, h, body, rerr, bad) {
				t.Errorf("%s/bad: status %d, %d bytes, err %v; want the block page", m, status, len(body), rerr)
			}
			status, h, body, rerr = fetch(t, f, origin.URL+"/"+m+"/good", hdr)
			want := good
			if m == "gzip" {
				want = gzipped(good) // deterministic: the bytes pass as sent
			}
			if status != 200 || rerr != nil || !bytes.Equal(body, want) {
				t.Errorf("%s/good: status %d, %d bytes (want %d), err %v, Content-Encoding %q", m, status, len(body), len(want), rerr, h.Get("Content-Encoding"))
			}
		}
	}
	if n := len(f.waitBlocks(t, rounds*len(modes))); n != rounds*len(modes) {
		t.Errorf("%d blocks recorded, want %d", n, rounds*len(modes))
	}
	waitHoldFree(t, f, 0)
}

// waitHoldFree waits until the hold budget in use is back to want (the
// handler frees it just after the client has its answer).
func waitHoldFree(t *testing.T, f *fixture, want int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for f.srv.hold.used.Load() != want {
		if time.Now().After(deadline) {
			t.Fatalf("hold budget in use %d, want %d: a held body was not given back", f.srv.hold.used.Load(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A listed file larger than what is held streams and is cut off at its
// end, with a length or chunked: the client has the head and less than
// the whole file, never all of it.
func TestLargeListedFileCutOff(t *testing.T) {
	f := startProxy(t, true, nil)
	bad := trojan(t, f, holdMax+1)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/length" {
			w.Header().Set("Content-Length", strconv.Itoa(len(bad)))
		}
		for i := 0; i < len(bad); i += 64 << 10 {
			_, _ = w.Write(bad[i:min(i+64<<10, len(bad))])
			w.(http.Flusher).Flush()
		}
	}))
	defer origin.Close()
	for _, p := range []string{"/length", "/chunked"} {
		status, _, body, rerr := fetch(t, f, origin.URL+p, nil)
		if status != 200 || rerr == nil || len(body) >= len(bad) || !bytes.Equal(body, bad[:len(body)]) {
			t.Errorf("%s: status %d, %d of %d bytes, err %v; want a cut-off", p, status, len(body), len(bad), rerr)
		}
	}
	if n := len(f.waitBlocks(t, 2)); n != 2 {
		t.Errorf("%d blocks recorded, want 2", n)
	}
	waitHoldFree(t, f, 0)
}

// Held bodies count against one budget for all clients: with the budget
// taken, a small response streams like a large one (a listed one is cut
// off, a clean one arrives intact), and once it is free again the block
// page is back.
func TestHoldBudgetExhausted(t *testing.T) {
	f := startProxy(t, true, nil)
	bad := trojan(t, f, 100<<10)
	good := make([]byte, 100<<10)
	_, _ = rand.Read(good)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		content := map[string][]byte{"/bad": bad, "/good": good}[r.URL.Path]
		w.Header().Set("Content-Length", strconv.Itoa(len(content)))
		for i := 0; i < len(content); i += 16 << 10 {
			_, _ = w.Write(content[i:min(i+16<<10, len(content))])
			w.(http.Flusher).Flush()
			time.Sleep(time.Millisecond)
		}
	}))
	defer origin.Close()

	all := f.srv.hold.limit
	if !f.srv.hold.reserve(all) {
		t.Fatal("budget not free at the start")
	}
	status, _, body, rerr := fetch(t, f, origin.URL+"/bad", nil)
	if status == http.StatusForbidden || rerr == nil || len(body) >= len(bad) {
		t.Errorf("over budget: status %d, %d bytes, err %v; want a streamed transfer cut off", status, len(body), rerr)
	}
	status, _, body, rerr = fetch(t, f, origin.URL+"/good", nil)
	if status != 200 || rerr != nil || !bytes.Equal(body, good) {
		t.Errorf("over budget, clean file: status %d, %d bytes, err %v", status, len(body), rerr)
	}
	waitHoldFree(t, f, all)
	f.srv.hold.release(all)

	status, hdr, body, rerr := fetch(t, f, origin.URL+"/bad", nil)
	if !blocked(status, hdr, body, rerr, bad) {
		t.Errorf("budget free again: status %d, %d bytes, err %v; want the block page", status, len(body), rerr)
	}
	waitHoldFree(t, f, 0)
}

// A chunked response that goes quiet before its end gets its head within
// holdPatience, not when (or if) the origin finishes.
func TestQuietChunkedStreamGetsHead(t *testing.T) {
	step := make(chan struct{})
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ping\n")
		w.(http.Flusher).Flush()
		<-step
	}))
	defer origin.Close()
	defer close(step) // before origin.Close, which waits for the handler
	f := startProxy(t, true, nil)
	start := time.Now()
	resp, err := f.client().Get(origin.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if d := time.Since(start); d < holdPatience/2 || d > holdPatience+3*time.Second {
		t.Errorf("head after %v; want it after about %v", d, holdPatience)
	}
}
