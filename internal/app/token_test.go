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
