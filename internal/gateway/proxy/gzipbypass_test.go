package proxy

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// KNOWN BYPASS (adversarial review, stop 5), not fixed: a gzip-encoded listed
// file too large to hold (or any, once the hold budget is taken) whose
// origin sends the 8-byte gzip trailer as a separate last piece: the held
// piece is the trailer alone, and the client decodes the whole file from
// the rest. Holding back one wire piece cannot keep decoded content from
// completing; unskip when streamDecoded holds back enough.
func TestGzipTrailerHeldBackKnownBypass(t *testing.T) {
	t.Skip("known bypass: the gzip trailer alone is held back; see the comment")
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
		_, _ = w.Write(gz[cut:]) // the trailer alone: the piece held back
	}))
	defer origin.Close()
	st, _, body, rerr := fetch(t, f, origin.URL+"/gzip", map[string]string{"Accept-Encoding": "gzip"})
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	dec, derr := io.ReadAll(zr)
	t.Logf("status %d, wire %d of %d, err %v; decoded %d of %d, derr %v", st, len(body), len(gz), rerr, len(dec), len(bad), derr)

	if bytes.Equal(dec, bad) {
		t.Errorf("the client decoded the whole listed file")
	}
}
