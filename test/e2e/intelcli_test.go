package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIntelImportCounts: a hosts line may name several hosts; import says
// how many indicators came from how many good lines.
func TestIntelImportCounts(t *testing.T) {
	data := t.TempDir()
	s := startServer(t, data)
	hosts := filepath.Join(data, "hosts")
	os.WriteFile(hosts, []byte("# two good lines, three names, one bad line\n0.0.0.0 a.hosts-e2e.test b.hosts-e2e.test\n0.0.0.0 c.hosts-e2e.test\nnot-an-address x.test\n"), 0o600)
	out, code := runCLI(t, nil, "intel", "import", "--format", "hosts", hosts, "--server", "http://"+s.addrs["web"][0], "--token", testToken)
	if code != 0 || !strings.Contains(out, "3 indicators from 2 good lines (3 added, 0 updated), 1 bad lines") {
		t.Errorf("import: code %d:\n%s", code, out)
	}
}

// TestIntelFormatRequired: a missing or unknown --format names the formats.
func TestIntelFormatRequired(t *testing.T) {
	for _, args := range [][]string{
		{"intel", "import", "feed.txt"},
		{"intel", "import", "--format", "hostz", "feed.txt"},
	} {
		out, code := runCLI(t, nil, args...)
		if code == 0 || !strings.Contains(out, "domains, hosts, urlhaus, phishtank, adblock, stix or csv") {
			t.Errorf("%v: code %d:\n%s", args, code, out)
		}
	}
	out, code := runCLI(t, nil, "intel", "export")
	if code == 0 || !strings.Contains(out, "hosts, rpz, squid, dnsmasq, suricata, stix or csv") {
		t.Errorf("export: code %d:\n%s", code, out)
	}
	if out, _ := runCLI(t, nil, "intel", "import", "--help"); !strings.Contains(out, "required: domains, hosts") {
		t.Errorf("import --help does not list the formats:\n%s", out)
	}
}
