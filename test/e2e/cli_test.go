package e2e

import (
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(honeygateBin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	// Semantic problems on lines 4 to 9; an unknown key is added on line 10.
	semantic := `data: /tmp/x
listen:
  web: 127.0.0.1:8080
  telnet: [":2323", "nonsense"]
  smtp: ":25"
limits:
  idle_timeout: -5s
  max_per_source: 0
log_level: loud
`
	os.WriteFile(bad, []byte(semantic+"colour: red\n"), 0o600)
	out, code := runCLI(t, nil, "validate", "--config", bad)
	if code != 2 {
		t.Errorf("exit code %d, want 2; output:\n%s", code, out)
	}
	for _, want := range []string{"bad.yaml:10:", "colour"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	// Without the unknown field, every semantic problem is reported with its line.
	os.WriteFile(bad, []byte(semantic), 0o600)
	out, code = runCLI(t, nil, "validate", "--config", bad)
	if code != 2 {
		t.Errorf("exit code %d, want 2", code)
	}
	for _, want := range []string{`bad.yaml:4: listen.telnet: "nonsense"`, `bad.yaml:5: listen.smtp: unknown listener`,
		"bad.yaml:7: limits.idle_timeout", "bad.yaml:8: limits.max_per_source", "bad.yaml:9: log_level"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("listen:\n  telnet: [\":2323\", \":5358\"]\nlimits:\n  idle_timeout: 30s\n"), 0o600)
	if out, code := runCLI(t, nil, "validate", "--config", good); code != 0 || !strings.Contains(out, "ok") {
		t.Errorf("good config: code %d:\n%s", code, out)
	}
	// The example config shipped in docs/ must stay valid.
	if out, code := runCLI(t, nil, "validate", "--config", "../../docs/config.example.yaml"); code != 0 {
		t.Errorf("docs/config.example.yaml: code %d:\n%s", code, out)
	}
}

// serve --help shows the default listeners as they are bound: a wildcard
// (0.0.0.0 in the defaults) is one dual-stack [::] socket in Go, IPv6 too.
func TestServeHelpShowsBoundAddresses(t *testing.T) {
	out, code := runCLI(t, nil, "serve", "--help")
	if code != 0 || !strings.Contains(out, "(default [::]:2223, [::]:2323, [::]:5358)") || !strings.Contains(out, "(default [::]:2222)") ||
		strings.Contains(out, "0.0.0.0:2223") || !strings.Contains(out, "every IPv6 and IPv4 address") || !strings.Contains(out, "(default 127.0.0.1:8080)") {
		t.Errorf("serve --help: %d\n%s", code, out)
	}
	// And that is what a 0.0.0.0 listener is bound to.
	s := startServer(t, t.TempDir(), "--listen", "web=127.0.0.1:0", "--listen", "telnet=0.0.0.0:0")
	switch a := s.telnet(0); {
	case strings.HasPrefix(a, "0.0.0.0:"):
		t.Logf("no IPv6 on this host: bound to %s, as the help's note says", a)
	case !strings.HasPrefix(a, "[::]:"):
		t.Errorf("telnet=0.0.0.0:0 is bound to %s", a)
	}
}

func TestEventsCommand(t *testing.T) {
	srv := startServer(t, t.TempDir())
	port := miraiScanner(t, srv.telnet(0))
	srv.sessionOf(port)
	env := []string{"HONEYGATE_SERVER=http://" + srv.addrs["web"][0], "HONEYGATE_TOKEN=" + testToken}

	out, code := runCLI(t, env, "events", "--kind", "login.success", "--json")
	if code != 0 {
		t.Fatalf("events: %d\n%s", code, out)
	}
	var resp struct{ Events []apiEvent }
	if err := json.Unmarshal([]byte(out), &resp); err != nil || len(resp.Events) == 0 || resp.Events[0].Username != "root" {
		t.Errorf("events --json: %v %q", err, out)
	}
	out, code = runCLI(t, env, "events", "--family", "mirai")
	if code != 0 || !strings.Contains(out, "/bin/busybox MIRAI") {
		t.Errorf("events table: %d\n%s", code, out)
	}
	// A family is matched whatever its case, by the client and the API.
	if out2, code := runCLI(t, env, "events", "--family", "Mirai"); code != 0 || out2 != out {
		t.Errorf("events --family Mirai: %d\n%s\nwant as --family mirai:\n%s", code, out2, out)
	}
	var upper struct{ Events []apiEvent }
	if code := srv.get("/api/v1/events", url.Values{"family": {"MIRAI"}}, testToken, &upper); code != 200 || len(upper.Events) == 0 {
		t.Errorf("API family=MIRAI: %d, %d events", code, len(upper.Events))
	}
	// Flags win over the environment: a wrong token is refused clearly.
	out, code = runCLI(t, env, "events", "--token", "wrong-wrong-wrong-wrong")
	if code == 0 || !strings.Contains(out, "401") {
		t.Errorf("wrong token: %d\n%s", code, out)
	}
}
