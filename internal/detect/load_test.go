package detect

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadRulesDirAndErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "mine.yar"), []byte(`rule Mine { strings: $a = "x-mine-x" condition: $a }`), 0o600)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte(`not a rule`), 0o600)
	l, err := Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	builtin, _ := Load("", "")
	if l.Rules() != builtin.Rules()+1 {
		t.Errorf("%d rules, want the %d built-in ones and Mine", l.Rules(), builtin.Rules())
	}
	l.Close()
	builtin.Close()

	os.WriteFile(filepath.Join(dir, "zbroken.yar"), []byte("rule Ok { condition: true }\n\nrule Broken { strings: $a = \"x\" condition: $b }\n"), 0o600)
	_, err = Load(dir, "")
	var re RuleError
	if !errors.As(err, &re) || re.File != "zbroken.yar" || re.Line != 3 || !strings.Contains(err.Error(), "zbroken.yar:3:") {
		t.Errorf("broken rule: %v (%+v)", err, re)
	}
	w := filepath.Join(dir, "w.yaml")
	os.WriteFile(w, []byte("thresholds: {suspicious: 50, malicious: 10}\n"), 0o600)
	if _, err := Load("", w); err == nil || !strings.Contains(err.Error(), "thresholds") {
		t.Errorf("bad weights: %v", err)
	}
}
