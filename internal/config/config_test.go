package config

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDefaultIsValid(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestParseListenForms(t *testing.T) {
	c, err := Parse([]byte("listen:\n  web: 127.0.0.1:9000\n  telnet: [\":23\", \":2323\"]\n  nats: \"off\"\nlimits:\n  idle_timeout: 45s\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Addrs("web"); !slices.Equal(got, []string{"127.0.0.1:9000"}) {
		t.Errorf("web %v", got)
	}
	if got := c.Addrs("telnet"); !slices.Equal(got, []string{":23", ":2323"}) {
		t.Errorf("telnet %v", got)
	}
	if got := c.Addrs("nats"); got != nil {
		t.Errorf("nats %v, want off", got)
	}
	if c.Limits.IdleTimeout != 45*time.Second {
		t.Errorf("idle %v", c.Limits.IdleTimeout)
	}
	// Unset settings keep their defaults.
	if c.Limits.MaxSession != Default().Limits.MaxSession {
		t.Errorf("max_session lost its default")
	}
}

func TestSetListenFlagsWin(t *testing.T) {
	c := Default()
	if err := c.SetListen([]string{"telnet=127.0.0.1:0", "telnet=127.0.0.1:0", "web=127.0.0.1:0"}); err != nil {
		t.Fatal(err)
	}
	if len(c.Addrs("telnet")) != 2 || c.Addrs("web")[0] != "127.0.0.1:0" {
		t.Errorf("listen %v", c.Listen)
	}
	if err := c.SetListen([]string{"telnet=off"}); err != nil || c.Addrs("telnet") != nil {
		t.Errorf("telnet=off: %v %v", err, c.Listen)
	}
	if err := c.SetListen([]string{"nonsense"}); err == nil {
		t.Error("want an error for a flag without =")
	}
}

func TestErrorsCarryLines(t *testing.T) {
	_, err := Parse([]byte("data: x\nlimits:\n  max_commands: -1\nlog_level: loud\n"))
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("want Errors, got %v", err)
	}
	got := es.Error()
	for _, want := range []string{"line 3: limits.max_commands", "line 4: log_level"} {
		if !strings.Contains(got, want) {
			t.Errorf("errors lack %q:\n%s", want, got)
		}
	}
	if _, err := Parse([]byte("listen: [a, b]\n")); err == nil {
		t.Error("a list for listen: want an error")
	}
	if _, err := Parse([]byte("data: [unclosed\n")); err == nil {
		t.Error("bad YAML: want an error")
	}
}

func TestRulesFileAndNATSChecked(t *testing.T) {
	dir := t.TempDir()
	_, err := Parse([]byte("rules: " + dir + "/missing.yaml\n"))
	if err == nil || !strings.Contains(err.Error(), "rules") {
		t.Errorf("missing rules file: %v", err)
	}
	bad := dir + "/bad.yaml"
	if err := os.WriteFile(bad, []byte("rules:\n- {id: a, family: x, weight: 1, reason: r, input: '('}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Parse([]byte("rules: " + bad + "\n")); err == nil || !strings.Contains(err.Error(), "line 1: rules") {
		t.Errorf("broken rules file: %v", err)
	}
	if _, err := Parse([]byte("nats: nats://127.0.0.1:4222\nlisten:\n  nats: 127.0.0.1:4223\n")); err == nil {
		t.Error("external NATS with a nats listener: no error")
	}
}

// A setting of the wrong type does not hide the other problems, and each is
// reported with its own line.
func TestEveryProblemReported(t *testing.T) {
	doc := `limits:
  idle_timeout: soon
  max_per_source: 0
listen:
  telnet: ["127.0.0.1:99999"]
nats: "http//nowhere"
bus:
  max_bytes: 5
log_level: loud
colour: red
`
	_, err := Parse([]byte(doc))
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("want Errors, got %v", err)
	}
	got := es.Error()
	for _, want := range []string{"line 2:", "line 3: limits.max_per_source", "line 5: listen.telnet", "out of range",
		"line 6: nats", "line 8: bus.max_bytes", "line 9: log_level", "line 10:", "colour"} {
		if !strings.Contains(got, want) {
			t.Errorf("errors lack %q:\n%s", want, got)
		}
	}
}

// Every listener a section declares is known, and the defaults come from
// the sections.
func TestListenersFromSections(t *testing.T) {
	names := ListenerNames()
	for _, want := range []string{"web", "telnet", "nats"} {
		if !slices.Contains(names, want) {
			t.Errorf("listener %q not declared (have %v)", want, names)
		}
	}
	if c := Default(); len(c.Addrs("telnet")) != 3 {
		t.Errorf("telnet defaults %v", c.Listen)
	}
}

// A syntax error is reported on its own line, not the one before.
func TestSyntaxErrorLine(t *testing.T) {
	for doc, want := range map[string]int{
		"data: x\nlimits:\n  - a\n b: 2\n":                   4,
		"data: x\nlisten:\n  web: [127.0.0.1:0\nsensor: s\n": 3,
		"data: x\n\tsensor: s\n":                             2,
	} {
		_, err := Parse([]byte(doc))
		var es Errors
		if !errors.As(err, &es) || len(es) != 1 || es[0].Line != want {
			t.Errorf("%q: %v, want one error on line %d", doc, err, want)
		}
	}
}

// An unknown key is named by its path in the file, not by the Go type that
// lacks it.
func TestUnknownKeyNamedByPath(t *testing.T) {
	doc := `limits:
  idle: 2m
gateway:
  default:
    fail_mod: open
`
	_, err := Parse([]byte(doc))
	if err == nil {
		t.Fatal("no error")
	}
	got := err.Error()
	for _, want := range []string{"line 2: limits.idle: unknown setting", "line 5: gateway.default.fail_mod: unknown setting"} {
		if !strings.Contains(got, want) {
			t.Errorf("errors lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "sensor.Limits") {
		t.Errorf("errors name a Go type:\n%s", got)
	}
}
