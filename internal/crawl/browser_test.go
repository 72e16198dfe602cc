package crawl

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os/exec"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func newTestBrowser(t *testing.T, o BrowserOptions) *Browser {
	t.Helper()
	if _, err := FindChromium(); err != nil {
		t.Skip("no chromium:", err)
	}
	if o.Timeout == 0 {
		o.Timeout = 15 * time.Second
	}
	b, err := NewBrowser(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// wsAccept answers a WebSocket handshake by hand and reads one text frame.
func wsAccept(w http.ResponseWriter, r *http.Request, got chan<- string) {
	key := r.Header.Get("Sec-WebSocket-Key")
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", base64.StdEncoding.EncodeToString(h[:]))
	buf.Flush()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	rd := bufio.NewReader(conn)
	hdr := make([]byte, 2)
	if _, err := rd.Read(hdr); err != nil {
		return
	}
	n := int(hdr[1] & 0x7f)
	mask := make([]byte, 4)
	rd.Read(mask)
	p := make([]byte, n)
	for i := range p {
		b, _ := rd.ReadByte()
		p[i] = b ^ mask[i%4]
	}
	select {
	case got <- string(p):
	default:
	}
}

func TestBrowserSeesWhatThePageDoes(t *testing.T) {
	b := newTestBrowser(t, BrowserOptions{Guard: testGuard()})
	got := make(chan string, 1)
	var ua, referer string
	mux := http.NewServeMux()
	mux.HandleFunc("/favicon.ico", http.NotFound)
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		if ua == "" {
			ua, referer = r.UserAgent(), r.Referer()
		}
		fmt.Fprint(w, `<html><body><p>hello</p>
<script src="/lib.js"></script>
<script>
alert("Your computer is infected! Call 1-888-555-0199");
alert("again"); alert("and again");
document.documentElement.requestFullscreen && document.documentElement.requestFullscreen();
for (var i = 0; i < 12; i++) history.pushState({}, "", "#" + i);
var ws = new WebSocket("ws://" + location.host + "/ws");
ws.onopen = function () { ws.send('{"method":"login","params":{"site_key":"abc"}}'); };
var f = document.createElement("iframe"); f.src = "/frame"; f.width = 1; f.height = 1; document.body.appendChild(f);
console.log("page says hi");
</script></body></html>`)
	})
	mux.HandleFunc("/lib.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/javascript")
		fmt.Fprint(w, `var lib = 1;`)
	})
	mux.HandleFunc("/frame", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><body>frame<script>location.href = "/payload.exe";</script></body></html>`)
	})
	mux.HandleFunc("/payload.exe", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-msdownload")
		w.Header().Set("Content-Disposition", `attachment; filename="update.exe"`)
		w.Write([]byte("MZ\x90\x00not a real program"))
	})
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) { wsAccept(w, r, got) })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	c := b.Visit(context.Background(), Request{URL: srv.URL + "/", Profile: profile(t, "ie11-win7")})
	if c.Error != "" {
		t.Fatalf("visit error: %s", c.Error)
	}
	if !strings.Contains(ua, "Trident") || !strings.Contains(referer, "google.com/search") {
		t.Errorf("profile not applied: UA %q referer %q", ua, referer)
	}
	bh := c.Behaviour
	if len(bh.Dialogs) < 3 || !strings.Contains(bh.Dialogs[0], "1-888-555-0199") {
		t.Errorf("dialogs = %q", bh.Dialogs)
	}
	if bh.HistoryPush < 12 {
		t.Errorf("history pushes = %d", bh.HistoryPush)
	}
	if len(bh.WebSockets) != 1 || !strings.HasSuffix(bh.WebSockets[0], "/ws") {
		t.Errorf("websockets = %q", bh.WebSockets)
	}
	select {
	case m := <-got:
		if len(bh.WSFrames) == 0 || !strings.Contains(bh.WSFrames[0], "login") || !strings.Contains(m, "login") {
			t.Errorf("ws frames = %q (server got %q)", bh.WSFrames, m)
		}
	case <-time.After(2 * time.Second):
		t.Error("the page's WebSocket message never reached the server")
	}
	types := map[string]int{}
	var dl *Resource
	for i, r := range c.Resources {
		types[r.Type]++
		if r.Type == TypeDownload {
			dl = &c.Resources[i]
		}
	}
	if types[TypeDocument] < 1 || types[TypeScript] < 1 || types[TypeIframe] < 1 || types[TypeInline] < 1 || types[TypeDOM] != 1 {
		t.Errorf("resource types = %v", types)
	}
	if dl == nil || dl.SHA256 != Sum([]byte("MZ\x90\x00not a real program")) {
		t.Errorf("download = %+v", dl)
	}
	if len(bh.Console) == 0 {
		t.Errorf("console = %q", bh.Console)
	}
	// The page as shown is kept: a JPEG, stored by its hash with the bodies.
	if s := c.Screenshot; s == nil || s.MIME != "image/jpeg" || !strings.HasPrefix(string(s.Data), "\xff\xd8\xff") || s.SHA256 != Sum(s.Data) {
		t.Errorf("screenshot = %+v", c.Screenshot)
	} else {
		bl := &Blobs{Dir: t.TempDir()}
		if err := bl.Save(c); err != nil {
			t.Fatal(err)
		}
		if img, err := bl.Get(s.SHA256); err != nil || !strings.HasPrefix(string(img), "\xff\xd8\xff") || !slices.Contains(c.Hashes(), s.SHA256) {
			t.Errorf("screenshot blob: %d bytes, %v; capture hashes %v", len(img), err, c.Hashes())
		}
	}
	iframeHop := false
	for _, h := range c.Redirects {
		iframeHop = iframeHop || h.Cause == CauseIframe
	}
	if !iframeHop {
		t.Errorf("no iframe hop in %+v", c.Redirects)
	}
}

func TestBrowserHangingSiteIsAnError(t *testing.T) {
	b := newTestBrowser(t, BrowserOptions{Guard: testGuard(), Limits: Limits{Timeout: 2 * time.Second}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	start := time.Now()
	c := b.Visit(context.Background(), Request{URL: srv.URL + "/", Profile: profile(t, "chrome-win10")})
	if c.Error == "" || time.Since(start) > 15*time.Second {
		t.Errorf("hanging site: error %q after %v", c.Error, time.Since(start))
	}
	// The engine still works after it.
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<p>ok</p>") }))
	defer ok.Close()
	if c := b.Visit(context.Background(), Request{URL: ok.URL + "/", Profile: profile(t, "chrome-win10")}); c.Error != "" {
		t.Errorf("after a hang: %q", c.Error)
	}
}

func TestBrowserGuardRefusesPrivateHops(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skip("no 127.0.0.2 on this machine:", err)
	}
	var hits atomic.Int32
	internal := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	internal.Listener = ln
	internal.Start()
	defer internal.Close()
	public := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<html><script src="%s/x.js"></script><iframe src="%s/f"></iframe><img src="%s/i.png"></html>`, internal.URL, internal.URL, internal.URL)
	}))
	defer public.Close()
	only2 := func(a netip.Addr) bool { return a == netip.MustParseAddr("127.0.0.2") }
	b := newTestBrowser(t, BrowserOptions{Guard: &Guard{Private: only2}, Settle: 300 * time.Millisecond})
	c := b.Visit(context.Background(), Request{URL: public.URL + "/", Profile: profile(t, "chrome-win10")})
	if n := hits.Load(); n != 0 {
		t.Fatalf("the private server was reached %d times", n)
	}
	refused := 0
	for _, r := range c.Resources {
		if strings.Contains(r.Error, "refused") {
			refused++
		}
	}
	if refused < 2 {
		t.Errorf("%d resources refused: %+v", refused, c.Resources)
	}
	// A visit of the private site itself may load from it.
	c = b.Visit(context.Background(), Request{URL: internal.URL + "/", Profile: profile(t, "chrome-win10")})
	if c.Error != "" || hits.Load() == 0 {
		t.Errorf("visiting the private URL itself: %q, %d hits", c.Error, hits.Load())
	}
}

// FindChromium takes $HONEYGATE_CHROMIUM when set (and says so when it is
// not a program), else the headless shell before a full Chromium.
func TestFindChromiumOrder(t *testing.T) {
	t.Setenv(ChromiumEnv, "/nonexistent/chromium")
	if p, err := FindChromium(); err == nil || !errors.Is(err, ErrNoBrowser) || !strings.Contains(err.Error(), ChromiumEnv) {
		t.Errorf("a missing override: %q, %v", p, err)
	}
	t.Setenv(ChromiumEnv, "")
	p, err := FindChromium()
	if err != nil {
		t.Skip("no chromium:", err)
	}
	shell := ""
	for _, n := range chromiumCandidates[:3] {
		if lp, err := exec.LookPath(n); err == nil {
			shell = lp
			break
		}
	}
	if shell != "" && p != shell {
		t.Errorf("FindChromium = %s, want the headless shell %s", p, shell)
	}
	t.Setenv(ChromiumEnv, p)
	if q, err := FindChromium(); err != nil || q != p {
		t.Errorf("with the override %s: %q, %v", p, q, err)
	}
}
