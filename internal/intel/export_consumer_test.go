package intel

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
)

// The exports read by their real consumers (Debian's dnsmasq and Squid),
// on loopback; each test skips cleanly when its consumer is not installed.
// The list: a blocked domain, an allowed subdomain of it, a block under an
// allowed domain.
func consumerList(t *testing.T) []Indicator {
	return []Indicator{
		mustNorm(t, TypeDomain, "blocked-consumer.example", "malware", 1),
		mustNorm(t, TypeDomain, "ok.blocked-consumer.example", CategoryAllow, 2),
		mustNorm(t, TypeDomain, "allowed-consumer.example", CategoryAllow, 3),
		mustNorm(t, TypeHost, "bad.allowed-consumer.example", "phishing", 4),
	}
}

func exportFile(t *testing.T, f Format, name string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Export(&buf, f, consumerList(t), ExportOptions{Now: feedNow}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestExportDnsmasqReal: dnsmasq accepts the export, and started on
// loopback with it, answers NXDOMAIN for the blocked domain and its
// subdomains while the allowed subdomain resolves through the upstream.
func TestExportDnsmasqReal(t *testing.T) {
	bin, err := exec.LookPath("dnsmasq")
	if err != nil {
		t.Skip("no dnsmasq (apt-get install dnsmasq-base)")
	}
	conf := exportFile(t, FormatDnsmasq, "honeygate.conf")
	if out, err := exec.Command(bin, "--test", "--conf-file="+conf).CombinedOutput(); err != nil {
		t.Fatalf("dnsmasq --test: %v\n%s", err, out)
	}

	// An upstream on loopback that answers every A query with 192.0.2.53.
	upc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	up := &mdns.Server{PacketConn: upc, Handler: mdns.HandlerFunc(func(w mdns.ResponseWriter, r *mdns.Msg) {
		m := new(mdns.Msg)
		m.SetReply(r)
		if len(r.Question) == 1 && r.Question[0].Qtype == mdns.TypeA {
			rr, _ := mdns.NewRR(r.Question[0].Name + " 60 IN A 192.0.2.53")
			m.Answer = append(m.Answer, rr)
		}
		_ = w.WriteMsg(m)
	})}
	go func() { _ = up.ActivateAndServe() }()
	t.Cleanup(func() { _ = up.Shutdown() })

	port := freeUDPPort(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "--keep-in-foreground", "--conf-file="+conf, "--port="+strconv.Itoa(port),
		"--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
		"--server="+strings.Replace(upc.LocalAddr().String(), ":", "#", 1),
		"--pid-file="+filepath.Join(dir, "pid"), "--user="+currentUser(), "--cache-size=0", "--log-facility=-")
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	query := func(name string) (*mdns.Msg, error) {
		m := new(mdns.Msg)
		m.SetQuestion(mdns.Fqdn(name), mdns.TypeA)
		c := &mdns.Client{Timeout: time.Second}
		r, _, err := c.ExchangeContext(context.Background(), m, addr)
		return r, err
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := query("probe.example"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dnsmasq did not answer on %s:\n%s", addr, log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	for name, allowed := range map[string]bool{
		"blocked-consumer.example":              false,
		"www.blocked-consumer.example":          false,
		"ok.blocked-consumer.example":           true,
		"www.ok.blocked-consumer.example":       true,
		"allowed-consumer.example":              true,
		"bad.allowed-consumer.example":          true, // the allowlist wins, as in the matcher
		"unrelated-consumer.example":            true,
		"notok.blocked-consumer.example":        false,
		"ok.blocked-consumer.example.elsewhere": true,
	} {
		r, err := query(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := r.Rcode == mdns.RcodeSuccess && len(r.Answer) == 1
		if got != allowed || !allowed && r.Rcode != mdns.RcodeNameError {
			t.Errorf("%s: rcode %s, %d answers; want allowed=%v (NXDOMAIN when blocked)", name, mdns.RcodeToString[r.Rcode], len(r.Answer), allowed)
		}
	}
}

// TestExportSquidReal: Squid parses the export included in a squid.conf.
func TestExportSquidReal(t *testing.T) {
	bin, err := exec.LookPath("squid")
	if err != nil {
		t.Skip("no squid")
	}
	frag := exportFile(t, FormatSquid, "honeygate.conf")
	dir := t.TempDir()
	conf := filepath.Join(dir, "squid.conf")
	os.WriteFile(conf, []byte("http_port 127.0.0.1:3128\npid_filename none\naccess_log none\ncache_log stdio:"+filepath.Join(dir, "cache.log")+
		"\ninclude "+frag+"\nhttp_access allow localhost\nhttp_access deny all\n"), 0o644)
	out, err := exec.Command(bin, "-k", "parse", "-f", conf).CombinedOutput()
	if err != nil || bytes.Contains(out, []byte("FATAL")) || bytes.Contains(out, []byte("ERROR")) || bytes.Contains(out, []byte("WARNING")) {
		t.Fatalf("squid -k parse: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("http_access deny honeygate_block !honeygate_allow")) {
		t.Errorf("squid did not read the deny rule:\n%s", out)
	}
}

// TestExportSquidServes: Squid started on loopback with the export refuses
// a blocked name with 403 and forwards an allowed subdomain of it (names
// resolved from a hosts_file to a local origin, so no DNS leaves).
func TestExportSquidServes(t *testing.T) {
	bin, err := exec.LookPath("squid")
	if err != nil {
		t.Skip("no squid")
	}
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "origin "+r.Host) }))
	defer origin.Close()
	_, oport, _ := net.SplitHostPort(origin.Listener.Addr().String())
	names := []string{"www.blocked-consumer.example", "www.ok.blocked-consumer.example", "bad.allowed-consumer.example", "www.unrelated-consumer.example"}
	// Squid started as root reads its hosts_file as its effective user
	// (proxy or nobody): the file and the temp directories must be readable.
	dir := t.TempDir()
	_ = os.Chmod(dir, 0o755)
	_ = os.Chmod(filepath.Dir(dir), 0o755)
	hostsFile := filepath.Join(dir, "hosts")
	os.WriteFile(hostsFile, []byte("127.0.0.1 "+strings.Join(names, " ")+"\n"), 0o644)
	frag := exportFile(t, FormatSquid, "honeygate.conf")
	port := freeTCPPort(t)
	conf := filepath.Join(dir, "squid.conf")
	os.WriteFile(conf, []byte("http_port 127.0.0.1:"+strconv.Itoa(port)+"\npid_filename none\naccess_log none\ncache_log stdio:/dev/stderr\n"+
		"cache deny all\nshutdown_lifetime 0 seconds\ndns_nameservers 127.0.0.1\nhosts_file "+hostsFile+"\n"+
		"include "+frag+"\nhttp_access allow localhost\nhttp_access deny all\n"), 0o644)
	cmd := exec.Command(bin, "-N", "-f", conf)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	// Its own process group: Squid's helpers (the pinger) go with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	pu, _ := url.Parse("http://127.0.0.1:" + strconv.Itoa(port))
	client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(pu)}, Timeout: 5 * time.Second}
	get := func(name string) (int, string, error) {
		resp, err := client.Get("http://" + name + ":" + oport + "/")
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), nil
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, _, err := get(names[3])
		if err == nil {
			t.Logf("squid served after %v", 15*time.Second-time.Until(deadline))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("squid did not serve on %d: %v\n%s", port, err, log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, name := range names {
		code, body, err := get(name)
		blocked := name == "www.blocked-consumer.example"
		switch {
		case err != nil:
			t.Errorf("%s: %v", name, err)
		case blocked && code != http.StatusForbidden:
			t.Errorf("%s: %d %q, want 403 from the block ACL", name, code, body)
		case !blocked && (code != http.StatusOK || !strings.HasPrefix(body, "origin "+name)):
			t.Errorf("%s: %d %q, want the origin's answer (the allowlist wins)", name, code, body)
		}
	}
}

func freeTCPPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// currentUser is whom dnsmasq runs as (it would switch to nobody as root).
func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "root"
}
