package proxy

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// An origin that sends a whole listed file and then breaks the connection
// (no final chunk, or one byte short of its Content-Length, or a gzip
// stream that is complete but whose transfer is not) must not get the file
// to the client whole: the piece held back is the one that completes it,
// and a broken transfer is no reason to send it unjudged. Found by the
// adversarial review: the held piece used to be passed on before the abort,
// so the client had every byte of the listed file.
func TestListedFileThenBreakOffNeverWhole(t *testing.T) {
	f := startProxy(t, true, nil)
	bad := trojan(t, f, holdMax+200<<10) // too large to hold: streamed
	gz := gzipped(bad)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := bad
		switch r.URL.Path {
		case "/length":
			w.Header().Set("Content-Length", strconv.Itoa(len(bad)+1))
		case "/gzip":
			w.Header().Set("Content-Encoding", "gzip")
			body = gz
		}
		for i := 0; i < len(body); i += 64 << 10 {
			_, _ = w.Write(body[i:min(i+64<<10, len(body))])
			w.(http.Flusher).Flush()
		}
		panic(http.ErrAbortHandler) // close without a clean end
	}))
	defer origin.Close()
	for _, c := range []struct {
		path string
		want []byte
	}{{"/chunked", bad}, {"/length", bad}, {"/gzip", gz}} {
		_, _, body, _ := fetch(t, f, origin.URL+c.path, map[string]string{"Accept-Encoding": "gzip"})
		if len(body) >= len(c.want) || !bytes.Equal(body, c.want[:len(body)]) {
			t.Errorf("%s: the client got %d of %d bytes: the listed file passed whole", c.path, len(body), len(c.want))
		}
	}
	waitHoldFree(t, f, 0)
}
