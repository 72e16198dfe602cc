package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/intel"
	"github.com/honeygate/honeygate/internal/web"
)

// Changes made through the API with the token are audited as "token" and
// listed, newest first, at /api/v1/audit (with the token only).
func TestAuditOfAPIChanges(t *testing.T) {
	m := intel.NewManager(intel.ManagerOptions{Store: intel.NewMemStore(), Debounce: time.Millisecond})
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Stop(context.Background()) })
	db := openStore(t)
	srv := httptest.NewServer(web.New(web.Options{Store: db, Token: token, Intel: m, Audit: db}))
	t.Cleanup(srv.Close)

	if code, out := call(t, "POST", srv.URL+"/api/v1/intel", `{"type":"domain","value":"evil.example","category":"c2"}`); code != http.StatusCreated {
		t.Fatalf("add: %d %v", code, out)
	}
	if code, out := call(t, "DELETE", srv.URL+"/api/v1/intel?value=evil.example", ""); code != http.StatusOK {
		t.Fatalf("delete: %d %v", code, out)
	}
	code, out := call(t, "GET", srv.URL+"/api/v1/audit?limit=10", "")
	changes, _ := out["changes"].([]any)
	if code != http.StatusOK || len(changes) != 2 {
		t.Fatalf("audit: %d %v", code, out)
	}
	first, _ := changes[0].(map[string]any)
	second, _ := changes[1].(map[string]any)
	if first["user"] != "token" || first["action"] != "intel.delete" || second["action"] != "intel.add" || second["target"] != "domain evil.example" {
		t.Errorf("audit entries: %v", changes)
	}
	res, err := http.Get(srv.URL + "/api/v1/audit")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("audit without the token: %d", res.StatusCode)
	}
	if code, _ := call(t, "GET", srv.URL+"/api/v1/audit?limit=0", ""); code != http.StatusBadRequest {
		t.Errorf("limit=0: %d", code)
	}
}
