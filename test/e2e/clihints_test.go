package e2e

import (
	"strings"
	"testing"
)

// TestCLIHints: an empty attack list says the reflectors are off when the
// local server's listeners say so, and an unknown session id is named as
// such rather than as a bare 404.
func TestCLIHints(t *testing.T) {
	data := t.TempDir()
	startServer(t, data)
	// The server is found through --data (its listeners.json and token).
	out, code := runCLI(t, nil, "attacks", "--data", data, "--token", testToken)
	if code != 0 || !strings.Contains(out, "the reflect listeners are off on this server") || !strings.Contains(out, "--listen reflect-ntp=") {
		t.Errorf("attacks with the reflectors off: code %d:\n%s", code, out)
	}
	out, code = runCLI(t, nil, "session", "--data", data, "--token", testToken, "no-such-session")
	if code == 0 || !strings.Contains(out, "no session with id no-such-session") || strings.Contains(out, "404") {
		t.Errorf("unknown session: code %d:\n%s", code, out)
	}
}
