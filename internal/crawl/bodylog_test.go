package crawl

import (
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The guard proxy keeps the documents and scripts it passes on (decoded),
// as the browser engine's second source of a body; not images, not bodies
// over the bound, not what is older than the visit asking.
func TestProxyLogsBodies(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/page":
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			io.WriteString(zw, "<html>landing</html>")
			zw.Close()
		case "/big.js":
			w.Header().Set("Content-Type", "application/javascript")
			io.WriteString(w, strings.Repeat("x", 5000))
		case "/i.png":
			w.Header().Set("Content-Type", "image/png")
			io.WriteString(w, "\x89PNG")
		}
	}))
	defer srv.Close()
	log := newBodyLog(4096, 1<<20)
	p, err := startGuardProxy(&Guard{LoopbackOnly: true}, false, log, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	pu, _ := url.Parse(p.URL())
	cl := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(pu), DisableCompression: true}}
	start := time.Now()
	for _, path := range []string{"/page", "/big.js", "/i.png"} {
		resp, err := cl.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if b, ok := log.get(srv.URL+"/page", start); !ok || string(b) != "<html>landing</html>" {
		t.Errorf("page: %q %v", b, ok)
	}
	if _, ok := log.get(srv.URL+"/big.js", start); ok {
		t.Error("a body over the bound was kept")
	}
	if _, ok := log.get(srv.URL+"/i.png", start); ok {
		t.Error("an image was kept")
	}
	if _, ok := log.get(srv.URL+"/page", time.Now().Add(time.Second)); ok {
		t.Error("a body older than the visit was offered")
	}
	// The budget drops the oldest.
	small := newBodyLog(100, 200)
	small.put("a", []byte(strings.Repeat("a", 20)), "")
	for i := range 20 {
		small.put("b"+string(rune('a'+i)), []byte(strings.Repeat("b", 20)), "")
	}
	if _, ok := small.get("a", time.Time{}); ok || small.total > 200 {
		t.Errorf("budget: a kept %v, total %d", ok, small.total)
	}
}
