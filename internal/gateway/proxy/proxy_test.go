package proxy

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/gateway"
)

func TestForwardByteForByte(t *testing.T) {
	payload := make([]byte, 300<<10)
	_, _ = rand.Read(payload)
	var seen http.Header
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Header.Clone()
		w.Header().Set("Connection", "X-Secret")
		w.Header().Set("X-Secret", "hop")
		w.Header().Set("Keep-Alive", "timeout=5")
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(payload)
	}))
	defer origin.Close()
	f := startProxy(t, true, nil)

	req, _ := http.NewRequest("GET", origin.URL+"/file.bin?x=1", nil)
	req.Header.Set("Connection", "X-Private")
	req.Header.Set("X-Private", "must not pass")
	req.Header.Set("Proxy-Connection", "keep-alive")
	resp, err := f.client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(body, payload) {
		t.Fatalf("status %d, %d bytes, equal %v", resp.StatusCode, len(body), bytes.Equal(body, payload))
	}
	if got := resp.Header.Get("Via"); got != "1.1 honeygate" {
		t.Errorf("response Via %q", got)
	}
	if resp.Header.Get("X-Secret") != "" || resp.Header.Get("Keep-Alive") != "" {
		t.Errorf("hop-by-hop response fields passed: %v", resp.Header)
	}
	if seen.Get("X-Private") != "" || seen.Get("Proxy-Connection") != "" || seen.Get("Via") != "1.1 honeygate" {
		t.Errorf("origin saw %v", seen)
	}
}

func TestKeepAliveAndPooling(t *testing.T) {
	conns := 0
	origin := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	origin.Config.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns++
		}
	}
	origin.Start()
	defer origin.Close()
	f := startProxy(t, true, nil)
	c, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	for i := 0; i < 20; i++ {
		fmt.Fprintf(c, "GET %s/%d HTTP/1.1\r\nHost: %s\r\n\r\n", origin.URL, i, origin.Listener.Addr())
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d on one client connection: %v", i, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "ok" {
			t.Fatalf("body %q", b)
		}
	}
	if conns != 1 {
		t.Errorf("origin saw %d connections for 20 sequential requests; want 1 pooled", conns)
	}
}

func TestChunkedStreaming(t *testing.T) {
	step := make(chan struct{})
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		<-step
		_, _ = io.WriteString(w, "second\n")
	}))
	defer origin.Close()
	f := startProxy(t, true, nil)
	resp, err := f.client().Get(origin.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if len(resp.TransferEncoding) == 0 || resp.TransferEncoding[0] != "chunked" {
		t.Errorf("transfer encoding %v, want chunked", resp.TransferEncoding)
	}
	br := bufio.NewReader(resp.Body)
	// The held-back piece is released when the next one arrives, so the
	// client has the first line before the origin sends the second.
	got := make(chan string, 1)
	go func() { l, _ := br.ReadString('\n'); got <- l }()
	select {
	case l := <-got:
		t.Fatalf("first line %q arrived before the origin sent more: hold-back not in effect?", l)
	case <-time.After(200 * time.Millisecond):
	}
	close(step)
	if l := <-got; l != "first\n" {
		t.Fatalf("first line %q", l)
	}
	rest, _ := io.ReadAll(br)
	if string(rest) != "second\n" {
		t.Fatalf("rest %q", rest)
	}
}

func TestRequestBodyStreamed(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, _ := io.Copy(h, r.Body)
		fmt.Fprintf(w, "%d %x", n, h.Sum(nil))
	}))
	defer origin.Close()
	f := startProxy(t, true, nil)
	body := make([]byte, 5<<20)
	_, _ = rand.Read(body)
	resp, err := f.client().Post(origin.URL, "application/octet-stream", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := fmt.Sprintf("%d %x", len(body), sha256.Sum256(body))
	if string(got) != want {
		t.Fatalf("origin got %q, want %q", got, want)
	}
}

func TestBlockPage(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("blocked request reached the origin") }))
	defer origin.Close()
	f := startProxy(t, true, nil)
	f.intel.Add("domain", "evil.test", "phishing")
	for _, tc := range []struct{ accept, lang, phrase string }{
		{"ja,en;q=0.8", "ja", "フィッシング"},
		{"en-US,en;q=0.9,ja;q=0.5", "en", "phishing"},
		{"", "en", "Access blocked"},
	} {
		req, _ := http.NewRequest("GET", "http://www.evil.test/login", nil)
		if tc.accept != "" {
			req.Header.Set("Accept-Language", tc.accept)
		}
		resp, err := f.client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		ref := resp.Header.Get("X-Honeygate-Ref")
		if resp.StatusCode != 403 || resp.Header.Get("Content-Language") != tc.lang || !strings.Contains(string(body), tc.phrase) ||
			!strings.Contains(string(body), ref) || !strings.Contains(string(body), "domain: evil.test") || !strings.Contains(string(body), "manual") {
			t.Errorf("accept %q: status %d lang %q ref %q body:\n%s", tc.accept, resp.StatusCode, resp.Header.Get("Content-Language"), ref, body)
		}
		blocks := f.rec.Blocks()
		last := blocks[len(blocks)-1]
		if last.Ref != ref || last.Host != "www.evil.test" || last.URL != "http://www.evil.test/login" || last.Hit.Category != "phishing" ||
			last.Action != gateway.ActionBlock || last.Enforcer != "proxy" || last.Kind != gateway.KindBlock {
			t.Errorf("block record %+v", last)
		}
	}
}

func TestPickLang(t *testing.T) {
	for in, want := range map[string]string{
		"ja": "ja", "ja-JP": "ja", "en;q=0.9, ja": "ja", "fr, en;q=0.5, ja;q=0.3": "en", "ja;q=0": "en", "*": "en", "de": "en",
	} {
		if got := pickLang(in); got != want {
			t.Errorf("pickLang(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClientOutsideNetworksRefused(t *testing.T) {
	f := startProxy(t, true, func(c *gateway.Config) { c.ClientCIDRs = []string{"10.0.0.0/8"} })
	resp, err := f.client().Get("http://example.test/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	b := f.waitBlocks(t, 1)
	if len(b) != 1 || b[0].Action != gateway.ActionRefuse || b[0].Client.Addr().String() != "127.0.0.1" {
		t.Fatalf("records %+v", b)
	}
	// A second refusal within the minute is not reported again.
	resp, _ = f.client().Get("http://example.test/")
	resp.Body.Close()
	if n := len(f.rec.Blocks()); n != 1 {
		t.Errorf("%d records after two refusals", n)
	}
}

func TestPrivateDestinationRefused(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("private origin reached") }))
	defer origin.Close()
	f := startProxy(t, false, nil)
	for _, u := range []string{origin.URL, "http://localhost:" + origin.URL[strings.LastIndex(origin.URL, ":")+1:]} {
		resp, err := f.client().Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 403 {
			t.Errorf("%s: status %d, want 403", u, resp.StatusCode)
		}
	}
	// CONNECT to it is refused just the same.
	c, _ := net.Dial("tcp", f.addr)
	defer c.Close()
	fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %[1]s\r\n\r\n", origin.Listener.Addr())
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != 403 {
		t.Fatalf("CONNECT: %v %v", resp, err)
	}
}

func TestOwnListenerRefused(t *testing.T) {
	f := startProxy(t, true, nil)
	own := netipMust(f.addr)
	f.srv.opt.Own = nil
	f.srv.dial.own = func() []netip.AddrPort { return []netip.AddrPort{own} }
	resp, err := f.client().Get("http://" + f.addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("request to the proxy itself: status %d, want 403", resp.StatusCode)
	}
}

func TestDownloadHashCutOff(t *testing.T) {
	big := make([]byte, 2<<20)
	_, _ = rand.Read(big)
	small := []byte("MZ tiny trojan")
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/small" {
			_, _ = w.Write(small)
			return
		}
		for i := 0; i < len(big); i += 64 << 10 { // several pieces, flushed
			_, _ = w.Write(big[i : i+64<<10])
			w.(http.Flusher).Flush()
		}
	}))
	defer origin.Close()
	f := startProxy(t, true, nil)
	bigSum := sha256.Sum256(big)
	smallSum := sha256.Sum256(small)
	f.intel.Add("sha256", hex.EncodeToString(bigSum[:]), "malware-download")
	f.intel.Add("sha256", hex.EncodeToString(smallSum[:]), "malware-download")

	resp, err := f.client().Get(origin.URL + "/big")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil || len(got) >= len(big) {
		t.Fatalf("trojaned download completed: %d of %d bytes, err %v", len(got), len(big), err)
	}
	if !bytes.Equal(got, big[:len(got)]) {
		t.Fatal("the bytes before the cut differ")
	}

	resp, err = f.client().Get(origin.URL + "/small")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(body), "sha256: "+hex.EncodeToString(smallSum[:])) {
		t.Fatalf("small trojan: status %d body %s", resp.StatusCode, body)
	}
	b := f.waitBlocks(t, 2)
	if len(b) != 2 || b[0].Hit.Type != "sha256" || b[0].URL != origin.URL+"/big" {
		t.Fatalf("records %+v", b)
	}
}

func TestFailClosed(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer origin.Close()
	f := startProxy(t, true, func(c *gateway.Config) {
		c.Policies = []gateway.PolicyConfig{{Name: "strict", Networks: []string{"127.0.0.1/32"}, FailMode: "closed"}}
	})
	f.intel.SetUnavailable(true)
	resp, err := f.client().Get(origin.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("fail-closed with intel unavailable: status %d", resp.StatusCode)
	}
	f.intel.SetUnavailable(false)
	resp, _ = f.client().Get(origin.URL)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("intel back: status %d", resp.StatusCode)
	}
}

func TestWebSocketUpgrade(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "websocket" {
			http.Error(w, "want upgrade", 400)
			return
		}
		c, brw, _ := http.NewResponseController(w).Hijack()
		defer c.Close()
		fmt.Fprint(brw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n")
		brw.Flush()
		line, _ := brw.ReadString('\n')
		fmt.Fprint(c, "echo: "+line)
	}))
	defer origin.Close()
	f := startProxy(t, true, nil)
	c, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET %s/ws HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", origin.URL, origin.Listener.Addr())
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 || resp.Header.Get("Upgrade") != "websocket" {
		t.Fatalf("upgrade: %+v %v", resp, err)
	}
	fmt.Fprint(c, "hello frames\n")
	line, err := br.ReadString('\n')
	if line != "echo: hello frames\n" {
		t.Fatalf("after upgrade: %q %v", line, err)
	}
}

func TestConnect(t *testing.T) {
	origin := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "secret page") }))
	defer origin.Close()
	f := startProxy(t, true, nil)
	f.intel.Add("domain", "blocked.test", "c2")
	f.intel.Add("domain", "fronted.test", "malware")
	originPort := origin.URL[strings.LastIndex(origin.URL, ":")+1:]

	tunnel := func(host, sni string) (net.Conn, *http.Response) {
		c, err := net.Dial("tcp", f.addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %[1]s\r\n\r\n", host)
		resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: "CONNECT"})
		if err != nil {
			t.Fatal(err)
		}
		return c, resp
	}

	t.Run("allowed", func(t *testing.T) {
		pool := x509Pool(origin)
		tr := &http.Transport{Proxy: http.ProxyURL(mustURL("http://" + f.addr)), TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "example.com"}}
		resp, err := (&http.Client{Transport: tr}).Get(origin.URL)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "secret page" {
			t.Fatalf("through the tunnel: %q", b)
		}
	})
	t.Run("host blocked", func(t *testing.T) {
		c, resp := tunnel("blocked.test:443", "")
		c.Close()
		if resp.StatusCode != 403 || resp.Header.Get("X-Honeygate-Ref") == "" {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
	t.Run("sni blocked", func(t *testing.T) {
		// Domain fronting: an innocent CONNECT host, a listed SNI.
		c, resp := tunnel("127.0.0.1:"+originPort, "")
		defer c.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		tc := tls.Client(c, &tls.Config{ServerName: "cdn.fronted.test", InsecureSkipVerify: true})
		err := tc.Handshake()
		if err == nil || !strings.Contains(err.Error(), "access denied") {
			t.Fatalf("handshake error %v, want access_denied alert", err)
		}
		b := f.waitBlocks(t, 2)
		last := b[len(b)-1]
		if last.SNI != "cdn.fronted.test" || last.Hit.Value != "fronted.test" {
			t.Fatalf("record %+v", last)
		}
	})
}
