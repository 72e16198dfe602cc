package e2e

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// dashboard signs in to the dashboard with the token, as a browser without
// JavaScript would, and returns a page getter.
func dashboard(t *testing.T, base string) func(path string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	get := func(p string) string {
		t.Helper()
		res, err := c.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", p, res.StatusCode)
		}
		return string(b)
	}
	m := regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`).FindStringSubmatch(get("/login"))
	if m == nil {
		t.Fatal("no csrf in the sign-in form")
	}
	res, err := c.PostForm(base+"/login", url.Values{"csrf": {m[1]}, "token": {testToken}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("sign in: %d", res.StatusCode)
	}
	return get
}

// A watched site that is down is a grey error cell that says why, in the
// daily crawl's default auto mode (static, then the browser where one is
// installed): the browser's view of it (the crawler's own proxy answering
// 502) must not pass for a clean site. The same for a one-off scan.
func TestCrawlUnreachableSiteIsAnError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String() + "/"
	ln.Close() // nothing listens there now: connecting is refused

	data := t.TempDir()
	cfg := filepath.Join(t.TempDir(), "honeygate.yaml")
	if err := os.WriteFile(cfg, []byte("crawl:\n  engine: auto\n  schedule: \"off\"\n  timeout: 15s\n  host_delay: 0s\n  allow_private_upstream: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, data, "--config", cfg, "--listen", "web=127.0.0.1:0", "--listen", "telnet=off")
	web := "http://" + s.addrs["web"][0]
	cli := func(args ...string) string {
		t.Helper()
		out, code := runCLI(t, nil, append(args, "--server", web, "--token", testToken)...)
		if code != 0 {
			t.Fatalf("honeygate %s: exit %d:\n%s", strings.Join(args, " "), code, out)
		}
		return out
	}
	cli("watch", "add", down, "--name", "down")
	day := "2026-03-01"
	if out := cli("crawl", "--day", day); !strings.Contains(out, "round "+day+": 1 sites") {
		t.Fatalf("crawl:\n%s", out)
	}
	var m matrix
	if err := json.Unmarshal([]byte(cli("tampering", "--from", day, "--to", day, "--json")), &m); err != nil {
		t.Fatal(err)
	}
	if got := m.row("down"); got != "E" {
		t.Errorf("the closed port's cell: %q, want E (error)", got)
	}
	for _, st := range m.Sites {
		if st.Name == "down" && (len(st.Cells) != 1 || !strings.Contains(strings.Join(st.Cells[0].Reasons, " "), "connection refused")) {
			t.Errorf("the error cell does not say why: %+v", st.Cells)
		}
	}
	// The API's cell, and the dashboard's matrix, say the same.
	var api matrix
	if code := s.get("/api/v1/tampering", url.Values{"from": {day}, "to": {day}}, testToken, &api); code != http.StatusOK || api.row("down") != "E" {
		t.Errorf("API: %d, row %q", code, api.row("down"))
	}
	get := dashboard(t, web)
	if page := get("/tampering?from=" + day + "&to=" + day); !strings.Contains(page, `<span data-count="error">1</span>`) {
		t.Errorf("the dashboard's matrix has no error cell:\n%s", page)
	}
	if page := get("/tampering/cell?site=down&day=" + day); !strings.Contains(page, "connection refused") {
		t.Errorf("the dashboard's cell does not say why:\n%s", page)
	}

	// scan, in auto mode, on a new URL (so the browser looks too).
	res := scanJSON(t, "--engine", "auto", "--timeout", "15s", down)
	if len(res) != 1 || res[0].Verdict != "error" || !strings.Contains(res[0].Error, "connection refused") {
		t.Errorf("scan of a closed port: %+v", res)
	}
}
