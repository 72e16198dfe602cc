package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDNSWithoutUpstreamsWarns: a DNS filter with no upstreams answers
// SERVFAIL for every name it does not block; serve says so at start and
// validate says so as a warning (still exit 0), and neither does once
// upstreams are set.
func TestDNSWithoutUpstreamsWarns(t *testing.T) {
	const warn = "gateway.upstreams is empty but the dns listener is on"
	srv := startServer(t, t.TempDir(), "--listen", "web=127.0.0.1:0", "--listen", "telnet=off", "--listen", "dns=127.0.0.1:0")
	waitFor(t, "the start-up warning", 10*time.Second, func() bool { return strings.Contains(srv.logs.String(), warn) })

	dir := t.TempDir()
	cfg := filepath.Join(dir, "cfg.yaml")
	os.WriteFile(cfg, []byte("listen:\n  dns: 127.0.0.1:5300\n"), 0o600)
	if out, code := runCLI(t, nil, "validate", "--config", cfg); code != 0 || !strings.Contains(out, "warning: "+warn) {
		t.Errorf("validate without upstreams: code %d:\n%s", code, out)
	}
	os.WriteFile(cfg, []byte("listen:\n  dns: 127.0.0.1:5300\ngateway:\n  upstreams: [\"127.0.0.1:5301\"]\n"), 0o600)
	if out, code := runCLI(t, nil, "validate", "--config", cfg); code != 0 || strings.Contains(out, "warning") {
		t.Errorf("validate with upstreams: code %d:\n%s", code, out)
	}
}
