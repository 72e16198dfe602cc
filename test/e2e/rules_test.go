package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateRuleProtocols: a rules file whose protocols condition names
// no sensor is refused by validate, with the sensors' names in the message.
func TestValidateRuleProtocols(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules.yaml")
	os.WriteFile(rules, []byte("rules:\n- {id: guess, family: guesser, weight: 1, reason: r, logins: 3, protocols: [telnet, smbb]}\n"), 0o600)
	cfg := filepath.Join(dir, "cfg.yaml")
	os.WriteFile(cfg, []byte("rules: "+rules+"\n"), 0o600)
	out, code := runCLI(t, nil, "validate", "--config", cfg)
	if code != 2 || !strings.Contains(out, `"smbb" is not a sensor protocol (want telnet, ssh, smb, iot-http)`) {
		t.Errorf("code %d, output:\n%s", code, out)
	}
	os.WriteFile(rules, []byte("rules:\n- {id: guess, family: guesser, weight: 1, reason: r, logins: 3, protocols: [telnet, smb]}\n"), 0o600)
	if out, code := runCLI(t, nil, "validate", "--config", cfg); code != 0 {
		t.Errorf("good protocols: code %d:\n%s", code, out)
	}
}
