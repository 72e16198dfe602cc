package cli

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestDataTokenOnlyToItsServer: a data dir's token is sent only to the
// server that data dir names (listeners.json) or to one the user names;
// with no server running on it, the client refuses rather than send the
// token to the default address, which may be another program's.
func TestDataTokenOnlyToItsServer(t *testing.T) {
	t.Setenv("HONEYGATE_SERVER", "")
	t.Setenv("HONEYGATE_TOKEN", "")
	var got atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte("secret-of-dir\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	c := clientFlags{data: dir}
	err := c.get(ctx, "/api/v1/stats", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "no server running on") {
		t.Fatalf("no listeners.json: err = %v; want a refusal naming the data dir", err)
	}

	// The user names the server: the token goes there.
	c = clientFlags{data: dir, server: srv.URL}
	if err := c.get(ctx, "/api/v1/stats", nil, nil); err != nil {
		t.Fatal(err)
	}
	if got.Load() != "Bearer secret-of-dir" {
		t.Fatalf("named server got %v", got.Load())
	}

	// The data dir names its server: the token goes there.
	got.Store("")
	addr := strings.TrimPrefix(srv.URL, "http://")
	if err := os.WriteFile(filepath.Join(dir, "listeners.json"), []byte(`{"web":["`+addr+`"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	c = clientFlags{data: dir}
	if err := c.get(ctx, "/api/v1/stats", nil, nil); err != nil {
		t.Fatal(err)
	}
	if got.Load() != "Bearer secret-of-dir" {
		t.Fatalf("data dir's server got %v", got.Load())
	}
}
