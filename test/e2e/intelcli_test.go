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

// TestValidateFeedFile: validate parses a local feed file as a refresh
// would and names its bad lines, over-broad entries among them (a TLD, the
// empty-content hash), before a refresh skips them.
func TestValidateFeedFile(t *testing.T) {
	dir := t.TempDir()
	feed := filepath.Join(dir, "feed.txt")
	os.WriteFile(feed, []byte("evil-validate.example\nco.uk\nphish-validate.example\n"), 0o600)
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte("intel:\n  feeds:\n    - name: localfeed\n      format: domains\n      url: "+feed+"\n"), 0o600)
	out, code := runCLI(t, nil, "validate", "--config", cfg)
	if code != 0 || !strings.Contains(out, "feed localfeed ("+feed+"): 2 indicators, 1 bad lines") ||
		!strings.Contains(out, feed+":2: ") || !strings.Contains(out, "registry suffix") {
		t.Errorf("validate with a feed naming co.uk on line 2: code %d:\n%s", code, out)
	}
}

// TestIntelImportNothingFails: `curl -s URL | honeygate intel import -`
// with a failed download gives import an empty input, or a publisher's
// header of comments with no entries; a script must see that nothing
// loaded (exit 1), as it does when every line was bad. It used to exit 0.
func TestIntelImportNothingFails(t *testing.T) {
	data := t.TempDir()
	s := startServer(t, data)
	for name, body := range map[string]string{
		"empty":    "",
		"comments": "# URLhaus\n# id,dateadded,url\n\n",
	} {
		feed := filepath.Join(data, name)
		os.WriteFile(feed, []byte(body), 0o600)
		out, code := runCLI(t, nil, "intel", "import", "--format", "urlhaus", feed, "--server", "http://"+s.addrs["web"][0], "--token", testToken)
		if code != 1 || !strings.Contains(out, "nothing loaded") {
			t.Errorf("%s feed: code %d, want 1 and 'nothing loaded':\n%s", name, code, out)
		}
	}
}
