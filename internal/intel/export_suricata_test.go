package intel

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestExportSuricataUpdate: the Suricata export read by suricata-update, the
// rule manager a Suricata deployment loads third-party rule files through
// (Debian has it; it has no suricata engine, so `suricata -T` cannot run
// here: docs/intel.md). It must load every rule the export wrote, none
// refused by its parser, and its sid-msg map must give back each rule's sid
// and msg as written (an option boundary misplaced by an unescaped quote or
// semicolon shows up as a cut msg). Nothing is fetched: the only source is
// a file:// URL, the config and data directory are the test's own.
func TestExportSuricataUpdate(t *testing.T) {
	bin, err := exec.LookPath("suricata-update")
	if err != nil {
		t.Skip("no suricata-update (apt-get install suricata-update, or PEERS=1 scripts/deps.sh)")
	}
	inds := append(rpzList(t),
		mustNorm(t, TypeURL, "http://45.15.143.158/bins.sh?a=\"b;c\"", "malware-download", 30),
		mustNorm(t, TypeURLPrefix, "http://drop.example/pay loads/", "malware-download", 31),
		mustNorm(t, TypeURL, "http://xn--80ak6aa92e.example/a|b\\c", "phishing", 32),
	)
	var buf bytes.Buffer
	if err := Export(&buf, FormatSuricata, inds, ExportOptions{Now: feedNow}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rules := filepath.Join(dir, "honeygate.rules")
	conf := filepath.Join(dir, "update.yaml")
	for p, b := range map[string][]byte{rules: buf.Bytes(), conf: nil} {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// What the export wrote: sid -> msg, as the rule text spells them.
	msgRe := regexp.MustCompile(`\(msg:"((?:[^"\\]|\\.)*)";`)
	sidRe := regexp.MustCompile(` sid:(\d+); rev:1;\)$`)
	want := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(buf.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m, s := msgRe.FindStringSubmatch(line), sidRe.FindStringSubmatch(line)
		if m == nil || s == nil {
			t.Fatalf("export line without msg or sid: %q", line)
		}
		if _, dup := want[s[1]]; dup {
			t.Errorf("sid %s twice", s[1])
		}
		want[s[1]] = m[1]
	}
	if len(want) == 0 {
		t.Fatal("the export wrote no rules")
	}

	sidmap := filepath.Join(dir, "sid-msg.map")
	out := filepath.Join(dir, "out")
	cmd := exec.Command(bin, "-D", filepath.Join(dir, "data"), "-c", conf, "--suricata-conf", os.DevNull,
		"--suricata-version", "7.0.3", "--no-test", "--no-reload", "-o", out,
		"--url", "file://"+rules, "--sid-msg-map", sidmap)
	cmd.Dir = dir
	log, err := cmd.CombinedOutput()
	if err != nil || bytes.Contains(log, []byte("<Error>")) || bytes.Contains(log, []byte("Failed to parse")) {
		t.Fatalf("suricata-update: %v\n%s", err, log)
	}
	merged, err := os.ReadFile(filepath.Join(out, "suricata.rules"))
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	n := 0
	for _, line := range strings.Split(string(merged), "\n") {
		if strings.HasPrefix(line, "alert ") {
			n++
		}
	}
	if n != len(want) {
		t.Errorf("suricata-update wrote %d enabled rules, the export %d\n%s", n, len(want), log)
	}
	got, err := os.ReadFile(sidmap)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(string(got)), "\n") {
		sid, msg, ok := strings.Cut(line, " || ")
		if !ok {
			t.Errorf("sid-msg map line %q", line)
			continue
		}
		seen++
		if w, ok := want[sid]; !ok {
			t.Errorf("sid %s in the map is not in the export", sid)
		} else if msg != w {
			t.Errorf("sid %s: suricata-update read msg %q, the export wrote %q", sid, msg, w)
		}
	}
	if seen != len(want) {
		t.Errorf("sid-msg map has %d rules, the export %d", seen, len(want))
	}
}
