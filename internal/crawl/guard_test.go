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

func TestGuardCheck(t *testing.T) {
	ap := netip.MustParseAddrPort
	own := func() []netip.AddrPort {
		return []netip.AddrPort{ap("127.0.0.1:8080"), ap("0.0.0.0:5353"), ap("[::]:2323")}
	}
	for _, c := range []struct {
		name    string
		g       *Guard
		to      string
		private bool // the visit started on a private address
		want    error
	}{
		{"public", &Guard{}, "93.184.216.34:80", false, nil},
		{"private from a public page", &Guard{}, "10.0.0.1:80", false, ErrPrivateAddress},
		{"private from a private page", &Guard{}, "10.0.0.1:80", true, nil},
		{"metadata from a private page", &Guard{}, "169.254.169.254:80", true, nil},
		{"loopback from a public page", &Guard{}, "127.0.0.1:9000", false, ErrPrivateAddress},
		{"loopback from a private page", &Guard{}, "127.0.0.1:9000", true, ErrPrivateAddress},
		{"::1 from a private page", &Guard{}, "[::1]:9000", true, ErrPrivateAddress},
		{"0.0.0.0 from a private page", &Guard{}, "0.0.0.0:9000", true, ErrPrivateAddress},
		{"mapped loopback from a private page", &Guard{}, "[::ffff:127.0.0.1]:9000", true, ErrPrivateAddress},
		{"loopback, allowed by the operator", &Guard{AllowPrivate: true}, "127.0.0.1:9000", false, nil},
		{"loopback, a test's guard", &Guard{LoopbackOnly: true}, "127.0.0.1:9000", false, nil},
		{"own web listener, everything allowed", &Guard{AllowPrivate: true, LoopbackOnly: true, Own: own}, "127.0.0.1:8080", true, ErrOwnListener},
		{"own listener on 0.0.0.0, reached on loopback", &Guard{AllowPrivate: true, Own: own}, "127.0.0.5:5353", false, ErrOwnListener},
		{"own listener on ::, reached on ::1", &Guard{AllowPrivate: true, Own: own}, "[::1]:2323", false, ErrOwnListener},
		{"own listener on ::, reached mapped", &Guard{AllowPrivate: true, Own: own}, "[::ffff:127.0.0.1]:2323", false, ErrOwnListener},
		{"another port of the host", &Guard{AllowPrivate: true, Own: own}, "127.0.0.1:8081", false, nil},
	} {
		err := c.g.Check(ap(c.to), c.private)
		if (c.want == nil) != (err == nil) || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%s: Check(%s) = %v, want %v", c.name, c.to, err, c.want)
		}
		if c.want == ErrOwnListener && !errors.Is(err, ErrPrivateAddress) {
			t.Errorf("%s: %v does not wrap ErrPrivateAddress", c.name, err)
		}
	}
}

// ownServer is a stand-in for one of honeygate's listeners: it counts
// every connection, so a test can prove none was made.
func ownServer(t *testing.T) (*httptest.Server, *atomic.Int32, func() []netip.AddrPort) {
	var hits atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "honeygate API") }))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			hits.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	ap := netip.MustParseAddrPort(srv.Listener.Addr().String())
	// Declared as a listener on every address, as `--listen web=:8080` is.
	own := func() []netip.AddrPort {
		return []netip.AddrPort{netip.AddrPortFrom(netip.IPv4Unspecified(), ap.Port())}
	}
	return srv, &hits, own
}

// hostilePage leads to target by every way a page can: an HTTP redirect,
// a meta refresh, a script redirect, a script, an iframe, an image, a
// fetch and a WebSocket.
func hostilePage(target string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+"/api/v1/status", http.StatusFound)
	})
	mux.HandleFunc("/refresh", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<html><head><meta http-equiv="refresh" content="0;url=%s/api/v1/watch"></head></html>`, target)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		ws := strings.Replace(target, "http://", "ws://", 1)
		fmt.Fprintf(w, `<html><body><script src="%[1]s/x.js"></script><iframe src="%[1]s/f"></iframe><img src="%[1]s/i.png">
<script>fetch("%[1]s/api/v1/crawl", {method: "POST", mode: "no-cors", body: "{}"}).catch(function(){});
try { new WebSocket("%[2]s/ws"); } catch (e) {}
setTimeout(function () { location.href = "%[1]s/api/v1/tampering"; }, 50);</script></body></html>`, target, ws)
	})
	return mux
}

// The static engine never reaches honeygate's own listeners, even with
// private upstreams allowed and the visited page on loopback.
func TestStaticNeverReachesOwnListeners(t *testing.T) {
	own, hits, ownAddrs := ownServer(t)
	page := httptest.NewServer(hostilePage(own.URL))
	defer page.Close()
	e := NewStatic(StaticOptions{Guard: &Guard{AllowPrivate: true, LoopbackOnly: true, Own: ownAddrs}})
	defer e.Close()
	for _, p := range []string{"/redirect", "/refresh", "/"} {
		c := e.Visit(context.Background(), Request{URL: page.URL + p})
		refused := strings.Contains(c.Error, "own listener")
		for _, r := range c.Resources {
			refused = refused || strings.Contains(r.Error, "own listener")
		}
		if !refused {
			t.Errorf("%s: no refusal recorded: error %q, resources %+v", p, c.Error, c.Resources)
		}
	}
	// The visited URL itself on an own listener is refused too.
	if c := e.Visit(context.Background(), Request{URL: own.URL + "/api/v1/status"}); !strings.Contains(c.Error, "own listener") {
		t.Errorf("visiting the API itself: error %q", c.Error)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("honeygate's own listener was reached %d times", n)
	}
}

// Neither do Chromium's own requests (scripts, frames, images, fetch,
// WebSockets, navigations), nor WebRTC's UDP, which bypasses HTTP proxies.
func TestBrowserNeverReachesOwnListeners(t *testing.T) {
	own, hits, ownAddrs := ownServer(t)
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	var udpHits atomic.Int32
	go func() {
		b := make([]byte, 1500)
		for {
			if _, _, err := udp.ReadFrom(b); err != nil {
				return
			}
			udpHits.Add(1)
		}
	}()
	udpPort := netip.MustParseAddrPort(udp.LocalAddr().String()).Port()
	mux := http.NewServeMux()
	mux.Handle("/", hostilePage(own.URL))
	mux.HandleFunc("/webrtc", func(w http.ResponseWriter, r *http.Request) {
		// A STUN server on the DNS sensor's address, as a page could name.
		fmt.Fprintf(w, `<html><body><script>
var pc = new RTCPeerConnection({iceServers: [{urls: "stun:127.0.0.1:%d"}, {urls: "turn:127.0.0.1:%d?transport=udp", username: "u", credential: "p"}]});
pc.createDataChannel("x");
pc.createOffer().then(function (o) { return pc.setLocalDescription(o); });
</script></body></html>`, udpPort, udpPort)
	})
	page := httptest.NewServer(mux)
	defer page.Close()
	b := newTestBrowser(t, BrowserOptions{Guard: &Guard{AllowPrivate: true, LoopbackOnly: true, Own: ownAddrs}, Settle: 500 * time.Millisecond})
	for _, p := range []string{"/redirect", "/refresh", "/", "/webrtc"} {
		b.Visit(context.Background(), Request{URL: page.URL + p, Profile: profile(t, "chrome-win10")})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("honeygate's own listener was reached %d times", n)
	}
	if n := udpHits.Load(); n != 0 {
		t.Errorf("WebRTC sent %d UDP datagrams past the proxy", n)
	}
	// The proxy never connects to itself either.
	for _, p := range []*guardProxy{b.public, b.private} {
		ap := netip.MustParseAddrPort(p.ln.Addr().String())
		if err := b.opts.Guard.Check(ap, true); !errors.Is(err, ErrOwnListener) {
			t.Errorf("the guard proxy %s is not refused: %v", ap, err)
		}
	}
}
