package crawl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func profile(t *testing.T, name string) Profile {
	t.Helper()
	p, ok := LookupProfile(name)
	if !ok {
		t.Fatalf("no profile %s", name)
	}
	return p
}

func TestStaticFollowsEveryKindOfHop(t *testing.T) {
	mux := http.NewServeMux()
	var srv *httptest.Server
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/meta", http.StatusFound) })
	mux.HandleFunc("/meta", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><head><meta http-equiv="refresh" content="0; url=/js"></head></html>`)
	})
	mux.HandleFunc("/js", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><script>window.location.href = "/final";</script></html>`)
	})
	mux.HandleFunc("/final", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><body><script src="/a.js"></script><script>var x=1;</script>
<iframe src="/frame" width="1" height="1"></iframe></body></html>`)
	})
	mux.HandleFunc("/a.js", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `document.write('<script src="/written.js"></scr'+'ipt>');`)
	})
	mux.HandleFunc("/written.js", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `var written = 1;`) })
	mux.HandleFunc("/frame", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><body><a href="/x.exe">get</a><iframe src="/x.exe"></iframe></body></html>`)
	})
	mux.HandleFunc("/x.exe", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write([]byte("MZ\x90\x00 this is not a real program"))
	})
	srv = httptest.NewServer(mux)
	defer srv.Close()

	e := NewStatic(StaticOptions{Guard: testGuard()})
	defer e.Close()
	c := e.Visit(context.Background(), Request{URL: srv.URL + "/", Profile: profile(t, "ie11-win7")})
	if c.Error != "" {
		t.Fatalf("error: %s", c.Error)
	}
	if c.FinalURL != srv.URL+"/final" || c.Status != 200 {
		t.Errorf("final = %s %d", c.FinalURL, c.Status)
	}
	var causes []string
	for _, h := range c.Redirects {
		causes = append(causes, h.Cause)
	}
	if got, want := strings.Join(causes, ","), "http,meta-refresh,script,iframe,iframe"; got != want {
		t.Errorf("hop causes = %s, want %s (%+v)", got, want, c.Redirects)
	}
	types := map[string]int{}
	for _, r := range c.Resources {
		types[r.Type]++
		if r.Body != nil && r.SHA256 != Sum(r.Body) {
			t.Errorf("%s: sha256 does not match the body", r.URL)
		}
	}
	if types[TypeDocument] != 3 || types[TypeScript] != 2 || types[TypeInline] < 1 || types[TypeIframe] != 1 || types[TypeDownload] != 1 {
		t.Errorf("resource types = %v", types)
	}
	for _, r := range c.Resources {
		if r.Type == TypeIframe && !r.Hidden {
			t.Errorf("1x1 frame not marked hidden: %+v", r)
		}
	}
}

func TestStaticSendsTheProfile(t *testing.T) {
	got := make(chan *http.Request, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case got <- r:
		default:
		}
	}))
	defer srv.Close()
	e := NewStatic(StaticOptions{Guard: testGuard()})
	defer e.Close()
	e.Visit(context.Background(), Request{URL: srv.URL + "/", Profile: profile(t, "ie11-win7")})
	r := <-got
	if !strings.Contains(r.UserAgent(), "Trident/7.0") || !strings.HasPrefix(r.Referer(), "https://www.google.com/search?q=") || r.Header.Get("Accept-Language") == "" {
		t.Errorf("request headers: UA %q referer %q", r.UserAgent(), r.Referer())
	}
}

func TestStaticBounds(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		for range 100 {
			w.Write([]byte(strings.Repeat("A", 1<<14)))
		}
	})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop?"+r.URL.RawQuery+"x", http.StatusFound)
	})
	mux.HandleFunc("/many", func(w http.ResponseWriter, r *http.Request) {
		for i := range 500 {
			fmt.Fprintf(w, `<script src="/s%d.js"></script>`, i)
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	e := NewStatic(StaticOptions{Guard: testGuard(), Limits: Limits{MaxBody: 64 << 10, Timeout: 500 * time.Millisecond, MaxResources: 20, MaxRedirects: 5}})
	defer e.Close()
	ctx := context.Background()

	c := e.Visit(ctx, Request{URL: srv.URL + "/big"})
	if r := c.Resources[0]; !r.Truncated || r.Size != 64<<10 {
		t.Errorf("big: size %d truncated %v", r.Size, r.Truncated)
	}
	start := time.Now()
	c = e.Visit(ctx, Request{URL: srv.URL + "/hang"})
	if c.Error == "" || time.Since(start) > 3*time.Second {
		t.Errorf("hang: error %q after %v", c.Error, time.Since(start))
	}
	c = e.Visit(ctx, Request{URL: srv.URL + "/loop"})
	if c.Error == "" || len(c.Redirects) != 5 {
		t.Errorf("loop: error %q, %d hops", c.Error, len(c.Redirects))
	}
	c = e.Visit(ctx, Request{URL: srv.URL + "/many"})
	if len(c.Resources) != 20 {
		t.Errorf("many: %d resources, want the cap of 20", len(c.Resources))
	}
	c = e.Visit(ctx, Request{URL: "ftp://example.org/"})
	if c.Error == "" {
		t.Error("ftp URL accepted")
	}
}

// A page on a "public" address must not steer the crawler to a private
// one. Every test address is loopback, so the guard is told that 127.0.0.1
// is public and only 127.0.0.2 private.
func TestGuardRefusesPrivateHopsAfterResolution(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skip("no 127.0.0.2 on this machine:", err)
	}
	var hits atomic.Int32
	internal := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
	}))
	internal.Listener = ln
	internal.Start()
	defer internal.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())

	public := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, "http://127.0.0.2:"+port+"/admin", http.StatusFound)
		default:
			fmt.Fprintf(w, `<html><script src="http://127.0.0.2:%s/x.js"></script><iframe src="http://127.0.0.2:%s/f"></iframe></html>`, port, port)
		}
	}))
	defer public.Close()

	only2 := func(a netip.Addr) bool { return a == netip.MustParseAddr("127.0.0.2") }
	e := NewStatic(StaticOptions{Guard: &Guard{Private: only2}})
	defer e.Close()
	c := e.Visit(context.Background(), Request{URL: public.URL + "/redirect"})
	if !strings.Contains(c.Error, "refused") {
		t.Errorf("redirect to a private address: error %q", c.Error)
	}
	c = e.Visit(context.Background(), Request{URL: public.URL + "/"})
	refused := 0
	for _, r := range c.Resources[1:] {
		if strings.Contains(r.Error, "refused") {
			refused++
		}
	}
	if refused != 2 {
		t.Errorf("script and frame on a private address: %d refused: %+v", refused, c.Resources)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the private server was reached %d times", n)
	}

	// Visiting the private address itself is allowed, and so is everything
	// it loads.
	c = e.Visit(context.Background(), Request{URL: internal.URL + "/"})
	if c.Error != "" || hits.Load() != 1 {
		t.Errorf("visiting a private URL directly: %q, %d hits", c.Error, hits.Load())
	}
	// --allow-private-upstream opens everything.
	e2 := NewStatic(StaticOptions{Guard: &Guard{Private: only2, AllowPrivate: true}})
	defer e2.Close()
	c = e2.Visit(context.Background(), Request{URL: public.URL + "/redirect"})
	if c.Error != "" || hits.Load() != 2 {
		t.Errorf("allow-private-upstream: %q, %d hits", c.Error, hits.Load())
	}
}

func TestIsPrivate(t *testing.T) {
	for s, want := range map[string]bool{
		"127.0.0.1": true, "10.1.2.3": true, "192.168.1.1": true, "172.16.0.1": true, "172.32.0.1": false,
		"169.254.169.254": true, "100.64.0.1": true, "0.0.0.0": true, "::1": true, "fe80::1": true, "fd00::1": true,
		"::ffff:127.0.0.1": true, "::ffff:10.0.0.1": true, "64:ff9b::7f00:1": true, "2002:7f00:1::1": true, "8.8.8.8": false, "2001:4860::8888": false, "93.184.216.34": false,
	} {
		if got := IsPrivate(netip.MustParseAddr(s)); got != want {
			t.Errorf("IsPrivate(%s) = %v, want %v", s, got, want)
		}
	}
	if !errors.Is(fmt.Errorf("x: %w", ErrPrivateAddress), ErrPrivateAddress) {
		t.Fatal("wrapping")
	}
}

// testGuard is the guard of tests whose sites are on loopback: loopback
// is reachable only when the guard is told so, and a test's guard resolves
// no name either.
func testGuard() *Guard { return &Guard{LoopbackOnly: true} }
