package intel

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	mdns "github.com/miekg/dns"
)

// TestExportHostsDnsmasq: dnsmasq reading the hosts export (--addn-hosts, no
// other hosts file, the loopback upstream for the rest) answers each listed
// name, for A and AAAA, with the sinkhole address the export wrote for it,
// and sends everything else to the upstream. It pins down what a hosts
// file can and cannot say (docs/intel.md): a domain indicator sinks the
// name itself only, not its subdomains; an allowed name, or a block under
// an allowed domain, is left out.
func TestExportHostsDnsmasq(t *testing.T) {
	bin, err := exec.LookPath("dnsmasq")
	if err != nil {
		t.Skip("no dnsmasq (apt-get install dnsmasq-base, or PEERS=1 scripts/deps.sh)")
	}
	var buf bytes.Buffer
	if err := Export(&buf, FormatHosts, rpzList(t), ExportOptions{Now: feedNow}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	hosts := filepath.Join(dir, "honeygate.hosts")
	if err := os.WriteFile(hosts, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// What the export wrote: name -> the address per family.
	sink := map[string]map[uint16]string{}
	sc := bufio.NewScanner(bytes.NewReader(buf.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || strings.HasPrefix(f[0], "#") {
			continue
		}
		ip := net.ParseIP(f[0])
		if ip == nil {
			t.Fatalf("hosts export line %q: no address", sc.Text())
		}
		qt := uint16(mdns.TypeAAAA)
		if ip.To4() != nil {
			qt = mdns.TypeA
		}
		for _, name := range f[1:] {
			if sink[name] == nil {
				sink[name] = map[uint16]string{}
			}
			sink[name][qt] = ip.String()
		}
	}

	up := startUpstream(t)
	port := freeUDPPort(t)
	log := startDaemon(t, bin, "--keep-in-foreground", "--addn-hosts="+hosts, "--no-hosts", "--no-resolv",
		"--port="+strconv.Itoa(port), "--listen-address=127.0.0.1", "--bind-interfaces",
		"--server=127.0.0.1#"+strconv.Itoa(up), "--pid-file="+filepath.Join(dir, "pid"),
		"--user="+currentUser(), "--cache-size=0", "--log-facility=-")
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	waitResolver(t, addr, log)

	for _, c := range []struct {
		name string
		sunk bool
		why  string
	}{
		{"blocked-consumer.example", true, "blocked domain: the name itself"},
		{"www.blocked-consumer.example", false, "a hosts file cannot say \"and subdomains\""},
		{"ok.blocked-consumer.example", false, "allowed subdomain"},
		{"allowed-consumer.example", false, "allowed domain"},
		{"bad.allowed-consumer.example", false, "a host block under an allowed domain is left out (the allowlist wins)"},
		{"only-host.example", true, "host indicator"},
		{"www.only-host.example", false, "a host indicator blocks only itself"},
		{"exact-ok.example", false, "allowed exactly: left out although its domain is blocked"},
		{rpzLongName, true, "a long name is fine in a hosts file"},
		{"unrelated-consumer.example", false, "unlisted name"},
	} {
		for _, qt := range []uint16{mdns.TypeA, mdns.TypeAAAA} {
			want := map[uint16]string{mdns.TypeA: upstreamDefaultA, mdns.TypeAAAA: upstreamDefaultAAAA}[qt]
			if c.sunk {
				// No line for the family: dnsmasq asks the upstream,
				// and the client gets past the block over it.
				want = sink[c.name][qt]
			} else if _, ok := sink[c.name]; ok {
				t.Errorf("%s (%s): in the hosts export", c.name, c.why)
			}
			r, err := dnsQuery(addr, c.name, qt)
			if err != nil {
				t.Errorf("%s %s (%s): %v", c.name, mdns.TypeToString[qt], c.why, err)
				continue
			}
			var got []string
			for _, rr := range r.Answer {
				switch rr := rr.(type) {
				case *mdns.A:
					got = append(got, rr.A.String())
				case *mdns.AAAA:
					got = append(got, rr.AAAA.String())
				}
			}
			if want == "" {
				t.Errorf("%s %s (%s): no %s line in the export, and dnsmasq answered %s %v", c.name, mdns.TypeToString[qt], c.why, mdns.TypeToString[qt], mdns.RcodeToString[r.Rcode], got)
			} else if r.Rcode != mdns.RcodeSuccess || len(got) != 1 || got[0] != want {
				t.Errorf("%s %s (%s): %s %v, want [%s]", c.name, mdns.TypeToString[qt], c.why, mdns.RcodeToString[r.Rcode], got, want)
			}
		}
	}
	if t.Failed() {
		t.Logf("dnsmasq log:\n%s", log.String())
	}
}
