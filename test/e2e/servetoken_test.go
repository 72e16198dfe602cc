package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// serve --token writes the token to DATA/token (0600), replacing one kept
// from an earlier start, so the client subcommands that read it there
// talk to the server with the token it expects instead of failing with
// 401s until their own address is limited.
func TestServeTokenUpdatesTokenFile(t *testing.T) {
	data := t.TempDir()
	path := filepath.Join(data, "token")
	if err := os.WriteFile(path, []byte("stale-token-from-an-earlier-start\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	startServer(t, data)
	b, err := os.ReadFile(path)
	if err != nil || strings.TrimSpace(string(b)) != testToken {
		t.Fatalf("DATA/token after serve --token: %q, %v", b, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("DATA/token mode %v, %v", fi.Mode(), err)
	}
	for range 12 { // more than the failures that would limit the address
		if out, code := runCLI(t, []string{"HONEYGATE_TOKEN=", "HONEYGATE_SERVER="}, "intel", "list", "--data", data); code != 0 {
			t.Fatalf("intel list with the data dir's token: exit %d\n%s", code, out)
		}
	}
}
