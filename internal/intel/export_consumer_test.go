package intel

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
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
