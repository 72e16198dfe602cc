package intel

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
)

// The RPZ and hosts exports read by real resolvers (Debian's unbound, BIND's
// named and named-checkzone, dnsmasq's --addn-hosts), each started on
// loopback as a child of the test with its own config in a temp dir and a
// miekg/dns upstream on 127.0.0.1, so no query leaves the machine. Each test
// skips when its consumer is not installed (PEERS=1 scripts/deps.sh).

// rpzZone is the origin the resolvers load the export under.
const rpzZone = "rpz.honeygate."

// rpzLongName is a valid domain (240 characters) too long to be an owner
// name under rpzZone: "*." + name + "." + zone passes DNS's 255 octets.
var rpzLongName = strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 40) + ".example"

// rpzList is consumerList plus what only RPZ can say: an exact host, a host
// allowed under a domain of the same name, and addresses (rpz-ip) with an
// allowed address inside a blocked range; and two names a feed may carry
// that a naive zone mishandles: one too long for the zone, and one whose
// last label is an RPZ trigger keyword (rpz-ip), which a resolver would read
// as an address trigger rather than a name.
func rpzList(t *testing.T) []Indicator {
	return append(consumerList(t),
		mustNorm(t, TypeDomain, rpzLongName, "malware", 20),
		mustNorm(t, TypeDomain, "32.9.9.51.198.rpz-ip", "malware", 21),
		mustNorm(t, TypeDomain, "evil.rpz-nsdname", "malware", 22),
		mustNorm(t, TypeHost, "only-host.example", "c2", 10),
		mustNorm(t, TypeDomain, "exact-ok.example", "malware", 11),
		mustNorm(t, TypeHost, "exact-ok.example", CategoryAllow, 12),
		mustNorm(t, TypeIP, "198.51.100.7", "c2", 13),
		mustNorm(t, TypeCIDR, "203.0.113.0/24", "c2", 14),
		mustNorm(t, TypeIP, "203.0.113.200", CategoryAllow, 15),
		mustNorm(t, TypeCIDR, "2001:db8:bad::/48", "malware", 16),
	)
}

// upstreamAnswers is what the loopback upstream says for a few names; every
// other A (AAAA) query gets upstreamDefaultA (AAAA), so an answer carrying it
// proves the name went through the resolver to the upstream.
var upstreamAnswers = map[string]string{
	"ip-blocked.example.":          "A 198.51.100.7",
	"cidr-blocked.example.":        "A 203.0.113.9",
	"ip-allowed.example.":          "A 203.0.113.200",
	"ip.allowed-consumer.example.": "A 198.51.100.7",
	"v6-blocked.example.":          "AAAA 2001:db8:bad::1",
	"v6-ok.example.":               "AAAA 2001:db8:600d::1",
	"rogue-ip.example.":            "A 198.51.9.9",
}

const (
	upstreamDefaultA    = "192.0.2.53"
	upstreamDefaultAAAA = "2001:db8::53"
)

// startUpstream serves upstreamAnswers on 127.0.0.1 (UDP and TCP on the same
// port) and returns its port.
func startUpstream(t *testing.T) int {
	t.Helper()
	h := mdns.HandlerFunc(func(w mdns.ResponseWriter, r *mdns.Msg) {
		m := new(mdns.Msg)
		m.SetReply(r)
		if len(r.Question) == 1 {
			q := r.Question[0]
			name := strings.ToLower(q.Name)
			ans, ok := upstreamAnswers[name]
			if !ok {
				ans = "A " + upstreamDefaultA
				if q.Qtype == mdns.TypeAAAA {
					ans = "AAAA " + upstreamDefaultAAAA
				}
			}
			if typ, _, _ := strings.Cut(ans, " "); mdns.StringToType[typ] == q.Qtype {
				rr, err := mdns.NewRR(q.Name + " 60 IN " + ans)
				if err == nil {
					m.Answer = append(m.Answer, rr)
				}
			}
		}
		_ = w.WriteMsg(m)
	})
	for range 10 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		l, err := net.Listen("tcp", pc.LocalAddr().String())
		if err != nil {
			pc.Close()
			continue // the TCP port was taken; try another
		}
		us, ts := &mdns.Server{PacketConn: pc, Handler: h}, &mdns.Server{Listener: l, Handler: h}
		go func() { _ = us.ActivateAndServe() }()
		go func() { _ = ts.ActivateAndServe() }()
		t.Cleanup(func() { _ = us.Shutdown(); _ = ts.Shutdown() })
		return pc.LocalAddr().(*net.UDPAddr).Port
	}
	t.Fatal("no free UDP+TCP port for the upstream")
	return 0
}

// startDaemon runs a resolver in its own process group and kills the group
// when the test ends; it returns the combined log.
func startDaemon(t *testing.T, bin string, args ...string) *bytes.Buffer {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	return &log
}

func dnsQuery(addr, name string, qtype uint16) (*mdns.Msg, error) {
	m := new(mdns.Msg)
	m.SetQuestion(mdns.Fqdn(name), qtype)
	m.RecursionDesired = true
	c := &mdns.Client{Timeout: 2 * time.Second}
	r, _, err := c.ExchangeContext(context.Background(), m, addr)
	return r, err
}

// waitResolver waits until the resolver at addr answers a name through the
// upstream.
func waitResolver(t *testing.T, addr string, log *bytes.Buffer) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r, err := dnsQuery(addr, "probe.example", mdns.TypeA)
		if err == nil && r.Rcode == mdns.RcodeSuccess && len(r.Answer) > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("resolver did not answer on %s (last: %v %v):\n%s", addr, r, err, log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// rpzCase is one query and what the export says must happen to it.
type rpzCase struct {
	name    string
	qtype   uint16
	blocked bool   // NXDOMAIN from the policy
	want    string // when not blocked: the upstream's address in the answer
	why     string
}

var rpzCases = []rpzCase{
	{"blocked-consumer.example", mdns.TypeA, true, "", "blocked domain"},
	{"www.blocked-consumer.example", mdns.TypeA, true, "", "subdomain of a blocked domain"},
	{"notok.blocked-consumer.example", mdns.TypeA, true, "", "a sibling of the allowed subdomain"},
	{"ok.blocked-consumer.example", mdns.TypeA, false, upstreamDefaultA, "allowed subdomain (rpz-passthru beats the shorter wildcard)"},
	{"www.ok.blocked-consumer.example", mdns.TypeA, false, upstreamDefaultA, "below the allowed subdomain"},
	{"allowed-consumer.example", mdns.TypeA, false, upstreamDefaultA, "allowed domain"},
	{"bad.allowed-consumer.example", mdns.TypeA, false, upstreamDefaultA, "a host block under an allowed domain (the allowlist wins)"},
	{"only-host.example", mdns.TypeA, true, "", "host indicator"},
	{"www.only-host.example", mdns.TypeA, false, upstreamDefaultA, "a host indicator blocks only itself"},
	{"exact-ok.example", mdns.TypeA, false, upstreamDefaultA, "host allowed exactly, domain of the same name blocked"},
	{"www.exact-ok.example", mdns.TypeA, true, "", "the blocked domain's subdomains stay blocked"},
	{"ip-blocked.example", mdns.TypeA, true, "", "answer carries a blocked IP (rpz-ip)"},
	{"cidr-blocked.example", mdns.TypeA, true, "", "answer inside a blocked CIDR (rpz-ip)"},
	{"ip-allowed.example", mdns.TypeA, false, "203.0.113.200", "allowed IP inside a blocked CIDR (longest prefix wins)"},
	{"ip.allowed-consumer.example", mdns.TypeA, false, "198.51.100.7", "an allowed name answering a blocked IP (QNAME passthru beats an IP trigger)"},
	{"v6-blocked.example", mdns.TypeAAAA, true, "", "AAAA inside a blocked IPv6 CIDR (rpz-ip)"},
	{"v6-ok.example", mdns.TypeAAAA, false, "2001:db8:600d::1", "AAAA outside it"},
	{"rogue-ip.example", mdns.TypeA, false, "198.51.9.9", "a domain indicator spelled like an rpz-ip trigger is no address trigger"},
	{rpzLongName, mdns.TypeA, false, upstreamDefaultA, "a name too long for the zone is left out (and the rest of the zone still loads)"},
	{"unrelated-consumer.example", mdns.TypeA, false, upstreamDefaultA, "unlisted name"},
	{"ok.blocked-consumer.example.elsewhere", mdns.TypeA, false, upstreamDefaultA, "a listed name as a prefix of an unlisted one"},
}

// checkRPZ runs rpzCases against the resolver at addr.
func checkRPZ(t *testing.T, addr string) {
	t.Helper()
	for _, c := range rpzCases {
		r, err := dnsQuery(addr, c.name, c.qtype)
		if err != nil {
			t.Errorf("%s (%s): %v", c.name, c.why, err)
			continue
		}
		var got []string
		for _, rr := range r.Answer {
			switch rr := rr.(type) {
			case *mdns.A:
				got = append(got, rr.A.String())
			case *mdns.AAAA:
				got = append(got, rr.AAAA.String())
			default:
				got = append(got, rr.String())
			}
		}
		rcode := mdns.RcodeToString[r.Rcode]
		if c.blocked {
			if r.Rcode != mdns.RcodeNameError || len(got) != 0 {
				t.Errorf("%s (%s): %s %v, want NXDOMAIN", c.name, c.why, rcode, got)
			}
			continue
		}
		if r.Rcode != mdns.RcodeSuccess || len(got) != 1 || got[0] != c.want {
			t.Errorf("%s (%s): %s %v, want NOERROR [%s] from the upstream", c.name, c.why, rcode, got, c.want)
		}
	}
}

func exportRPZFile(t *testing.T, dir string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Export(&buf, FormatRPZ, rpzList(t), ExportOptions{Now: feedNow, Zone: rpzZone}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "rpz.honeygate.zone")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestExportRPZCheckzone: BIND's zone checker loads the export without
// errors or warnings.
func TestExportRPZCheckzone(t *testing.T) {
	bin, err := exec.LookPath("named-checkzone")
	if err != nil {
		t.Skip("no named-checkzone (apt-get install bind9-utils, or PEERS=1 scripts/deps.sh)")
	}
	zone := exportRPZFile(t, t.TempDir())
	out, err := exec.Command(bin, "-k", "fail", "-n", "fail", "-m", "fail", "-M", "fail", "-S", "fail",
		"-r", "fail", "-i", "local", strings.TrimSuffix(rpzZone, "."), zone).CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("OK")) || bytes.Contains(bytes.ToLower(out), []byte("warning")) {
		t.Fatalf("named-checkzone: %v\n%s", err, out)
	}
}

// TestExportRPZUnbound: Unbound loads the export as an rpz: zone and,
// forwarding to the loopback upstream, answers every rpzCase as the export
// means it.
func TestExportRPZUnbound(t *testing.T) {
	bin, err := exec.LookPath("unbound")
	if err != nil {
		t.Skip("no unbound (apt-get install unbound, or PEERS=1 scripts/deps.sh)")
	}
	up := startUpstream(t)
	dir := t.TempDir()
	zone := exportRPZFile(t, dir)
	port := freeUDPPort(t)
	// No validator and no trust anchor (nothing fetched from the root); the
	// one forward zone on loopback is the only place it asks, and queries
	// leave from 127.0.0.1, which cannot reach anything else. respip is
	// the module that applies rpz-ip triggers to answers.
	conf := filepath.Join(dir, "unbound.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf(`server:
	username: ""
	chroot: ""
	directory: %q
	pidfile: %q
	use-syslog: no
	logfile: ""
	verbosity: 1
	num-threads: 1
	so-reuseport: no
	interface: 127.0.0.1
	port: %d
	do-ip6: no
	outgoing-interface: 127.0.0.1
	outgoing-range: 64
	access-control: 127.0.0.0/8 allow
	do-not-query-localhost: no
	module-config: "respip iterator"
	qname-minimisation: no
	cache-max-ttl: 0
remote-control:
	control-enable: no
forward-zone:
	name: "."
	forward-addr: 127.0.0.1@%d
rpz:
	name: %q
	zonefile: %q
	rpz-log: yes
`, dir, filepath.Join(dir, "unbound.pid"), port, up, rpzZone, zone)), 0o644)
	if chk, err := exec.LookPath("unbound-checkconf"); err == nil {
		if out, err := exec.Command(chk, conf).CombinedOutput(); err != nil {
			t.Fatalf("unbound-checkconf: %v\n%s", err, out)
		}
	}
	log := startDaemon(t, bin, "-d", "-c", conf)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	waitResolver(t, addr, log)
	checkRPZ(t, addr)
	if t.Failed() || testing.Verbose() {
		t.Logf("unbound log:\n%s", log.String())
	}
}

// TestExportRPZNamed: BIND's named loads the export as a response-policy
// zone and, forwarding only to the loopback upstream, answers every rpzCase
// as the export means it.
func TestExportRPZNamed(t *testing.T) {
	bin, err := exec.LookPath("named")
	if err != nil {
		t.Skip("no named (apt-get install bind9, or PEERS=1 scripts/deps.sh)")
	}
	up := startUpstream(t)
	dir := t.TempDir()
	zone := exportRPZFile(t, dir)
	port := freeUDPPort(t)
	// forward only: named never primes the root; no DNSSEC validation, so
	// no trust anchor is fetched; queries leave from 127.0.0.1 only; no
	// control channel (it would listen on 953).
	conf := filepath.Join(dir, "named.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf(`options {
	directory %q;
	pid-file %q;
	session-keyfile %q;
	listen-on port %d { 127.0.0.1; };
	listen-on-v6 { none; };
	query-source address 127.0.0.1;
	recursion yes;
	allow-query { 127.0.0.1; };
	allow-recursion { 127.0.0.1; };
	forwarders { 127.0.0.1 port %d; };
	forward only;
	dnssec-validation no;
	notify no;
	max-cache-ttl 0;
	response-policy { zone %q; };
};
controls { };
zone %q { type primary; file %q; allow-query { none; }; };
`, dir, filepath.Join(dir, "named.pid"), filepath.Join(dir, "session.key"), port, up, rpzZone, rpzZone, zone)), 0o644)
	if chk, err := exec.LookPath("named-checkconf"); err == nil {
		if out, err := exec.Command(chk, conf).CombinedOutput(); err != nil {
			t.Fatalf("named-checkconf: %v\n%s", err, out)
		}
	}
	log := startDaemon(t, bin, "-g", "-4", "-n", "1", "-c", conf)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	waitResolver(t, addr, log)
	checkRPZ(t, addr)
	if t.Failed() || testing.Verbose() {
		t.Logf("named log:\n%s", log.String())
	}
}
