package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/intel"
	"github.com/honeygate/honeygate/internal/web"
)

func intelServer(t *testing.T) *httptest.Server {
	t.Helper()
	m := intel.NewManager(intel.ManagerOptions{Store: intel.NewMemStore(), Debounce: time.Millisecond})
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Stop(context.Background()) })
	srv := httptest.NewServer(web.New(web.Options{Store: openStore(t), Token: token, Intel: m}))
	t.Cleanup(srv.Close)
	return srv
}

func call(t *testing.T, method, u, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s %s: %d %s", method, u, resp.StatusCode, b)
	}
	return resp.StatusCode, out
}

func TestIntelRoutes(t *testing.T) {
	srv := intelServer(t)
	api := srv.URL + "/api/v1/intel"

	code, out := call(t, "POST", api, `{"type":"url","value":"HTTP://Evil.example/a/../b?x","category":"phishing","expires":"2099-01-01T00:00:00Z"}`)
	if code != http.StatusCreated || out["added"] != 1.0 {
		t.Fatalf("POST one: %d %v", code, out)
	}
	code, out = call(t, "POST", api, `[{"type":"domain","value":"bad.example"},{"type":"cidr","value":"198.51.100.0/24","source":"feed:x"}]`)
	if code != http.StatusCreated || out["added"] != 2.0 {
		t.Fatalf("POST list: %d %v", code, out)
	}
	for body, want := range map[string]string{
		`{"type":"nope","value":"x"}`:                     "type",
		`[{"type":"domain","value":"ok.example"},{}]`:     "item 1",
		`{"type":"domain","value":"x.example","bogus":1}`: "unknown field",
		`[]`:       "empty",
		`not json`: "body",
	} {
		if code, out := call(t, "POST", api, body); code != http.StatusBadRequest || !strings.Contains(out["error"].(string), want) {
			t.Errorf("POST %s: %d %v, want 400 naming %q", body, code, out, want)
		}
	}

	list := func(q url.Values) []any {
		code, out := call(t, "GET", api+"?"+q.Encode(), "")
		if code != http.StatusOK {
			t.Fatalf("GET %v: %d %v", q, code, out)
		}
		return out["indicators"].([]any)
	}
	if got := list(url.Values{"value": {"http://EVIL.example./b?x"}}); len(got) != 1 || got[0].(map[string]any)["value"] != "evil.example/b?x" {
		t.Errorf("by value, canonicalized: %v", got)
	}
	if got := list(url.Values{"value": {"Bad.Example."}, "type": {"domain"}}); len(got) != 1 {
		t.Errorf("by value and type: %v", got)
	}
	if got := list(url.Values{"source": {"feed:x"}}); len(got) != 1 {
		t.Errorf("by source: %v", got)
	}
	if got := list(url.Values{"category": {"phishing"}}); len(got) != 1 {
		t.Errorf("by category: %v", got)
	}
	if got := list(url.Values{"limit": {"2"}}); len(got) != 2 {
		t.Errorf("limit: %v", got)
	}
	if code, _ := call(t, "GET", api+"?type=bogus", ""); code != http.StatusBadRequest {
		t.Errorf("bad type: %d", code)
	}

	// The live snapshot enforces what was posted (the manager rebuilds
	// within its debounce).
	deadline := time.Now().Add(time.Second)
	for {
		_, out := call(t, "GET", api+"/match?host=www.bad.example", "")
		if out["match"] == true {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("not enforced within a second")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, out := call(t, "GET", api+"/match?ip=198.51.100.9", ""); out["match"] != true {
		t.Errorf("match ip: %v", out)
	}
	if code, _ := call(t, "GET", api+"/match", ""); code != http.StatusBadRequest {
		t.Errorf("match without a question: %d", code)
	}

	id := int64(list(url.Values{"source": {"feed:x"}})[0].(map[string]any)["id"].(float64))
	if code, out := call(t, "GET", api+"/"+itoa(id), ""); code != http.StatusOK || out["value"] != "198.51.100.0/24" {
		t.Errorf("GET by id: %d %v", code, out)
	}
	if code, out := call(t, "DELETE", api+"/"+itoa(id), ""); code != http.StatusOK || out["deleted"] != 1.0 {
		t.Errorf("DELETE by id: %d %v", code, out)
	}
	if code, _ := call(t, "DELETE", api+"/"+itoa(id), ""); code != http.StatusNotFound {
		t.Errorf("DELETE again: %d", code)
	}
	if code, _ := call(t, "DELETE", api, ""); code != http.StatusBadRequest {
		t.Errorf("DELETE everything: %d", code)
	}
	if code, out := call(t, "DELETE", api+"?value=bad.example", ""); code != http.StatusOK || out["deleted"] != 1.0 {
		t.Errorf("DELETE by value: %d %v", code, out)
	}
	if code, out := call(t, "GET", api+"/feeds", ""); code != http.StatusOK || out["snapshot"] == nil {
		t.Errorf("feeds: %d %v", code, out)
	}
	// The token is required.
	resp, err := http.Get(api)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without token: %v %v", resp, err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
