package app

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A token generated at the first start is shown once the start succeeded,
// and kept; the next start reads it and shows nothing.
func TestGeneratedTokenShownAfterStart(t *testing.T) {
	cfg := testConfig(t)
	cfg.Token = ""
	for i, want := range []bool{true, false} {
		var out bytes.Buffer
		a := New(cfg, slog.New(slog.DiscardHandler), &out)
		if err := a.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		a.Close()
		if got := strings.Contains(out.String(), "Generated API token"); got != want {
			t.Errorf("start %d: token shown %v, want %v: %q", i+1, got, want, out.String())
		}
		if _, err := os.Stat(filepath.Join(cfg.Data, "token")); err != nil {
			t.Errorf("start %d: %v", i+1, err)
		}
	}
}

// A configured token (serve --token, or the config file) is written to
// DATA/token, mode 0600, replacing a token kept from an earlier start, so
// the client subcommands that read the file follow it.
func TestConfiguredTokenKept(t *testing.T) {
	cfg := testConfig(t)
	path := filepath.Join(cfg.Data, "token")
	if err := os.WriteFile(path, []byte("an-old-token-from-before\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{"configured-token-0123456789", "another-token-abcdefghijk"} {
		cfg.Token = tok
		var out bytes.Buffer
		a := New(cfg, slog.New(slog.DiscardHandler), &out)
		if err := a.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		a.Close()
		b, err := os.ReadFile(path)
		if err != nil || strings.TrimSpace(string(b)) != tok {
			t.Fatalf("DATA/token after a start with token %q: %q, %v", tok, b, err)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("DATA/token mode: %v %v", fi.Mode(), err)
		}
		if strings.Contains(out.String(), "Generated API token") {
			t.Errorf("a configured token announced as generated: %q", out.String())
		}
	}
}
