package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/honeygate/honeygate/internal/crawl"
	"github.com/honeygate/honeygate/internal/crawl/crawltest"
	"github.com/honeygate/honeygate/internal/detect"
	"github.com/honeygate/honeygate/internal/web"
)

const crawlToken = "crawl-test-token"

func crawlAPI(t *testing.T) (*httptest.Server, *crawltest.Mem) {
	t.Helper()
	st := crawltest.NewMem()
	j, err := detect.Load("", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(j.Close)
	cr := &crawl.Crawler{Store: st, Static: crawl.NewStatic(crawl.StaticOptions{Guard: &crawl.Guard{LoopbackOnly: true}}), Judge: j.Judge, Mode: crawl.EngineStatic}
	srv := httptest.NewServer(web.New(web.Options{Token: crawlToken, Crawl: &web.CrawlOptions{Store: st, Crawler: cr, Today: func() string { return "2026-05-10" }}}))
	t.Cleanup(srv.Close)
	return srv, st
}

func crawlCall(t *testing.T, srv *httptest.Server, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, srv.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+crawlToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestWatchAPI(t *testing.T) {
	srv, _ := crawlAPI(t)
	if code, _ := crawlCall(t, srv, "POST", "/api/v1/watch", map[string]string{"url": "http://shop.example/", "name": "shop", "profile": "ie11-win7"}); code != http.StatusCreated {
		t.Fatalf("add: %d", code)
	}
	if code, b := crawlCall(t, srv, "POST", "/api/v1/watch", map[string]string{"url": "http://news.example/path"}); code != http.StatusCreated || !strings.Contains(string(b), `"name":"news.example"`) || !strings.Contains(string(b), `"profile":"ie11-win7"`) {
		t.Errorf("add with defaults: %d %s", code, b)
	}
	for _, bad := range []map[string]string{{"url": "ftp://x/"}, {"url": "/relative"}, {"url": "http://x.example/", "profile": "netscape"}, {}} {
		if code, _ := crawlCall(t, srv, "POST", "/api/v1/watch", bad); code != http.StatusBadRequest {
			t.Errorf("add %v: %d, want 400", bad, code)
		}
	}
	if code, _ := crawlCall(t, srv, "POST", "/api/v1/watch", map[string]string{"url": "http://shop.example/", "name": "again"}); code != http.StatusConflict {
		t.Errorf("same URL: %d, want 409", code)
	}
	code, b := crawlCall(t, srv, "GET", "/api/v1/watch", nil)
	var list struct{ Sites []crawl.Site }
	if json.Unmarshal(b, &list); code != 200 || len(list.Sites) != 2 || list.Sites[1].Name != "shop" {
		t.Errorf("list: %d %s", code, b)
	}
	if code, _ := crawlCall(t, srv, "DELETE", "/api/v1/watch", map[string]string{"name": "shop"}); code != 200 {
		t.Errorf("rm by name: %d", code)
	}
	if code, _ := crawlCall(t, srv, "DELETE", "/api/v1/watch?url=http://news.example/path", nil); code != 200 {
		t.Errorf("rm by url query: %d", code)
	}
	if code, _ := crawlCall(t, srv, "DELETE", "/api/v1/watch", map[string]string{"name": "shop"}); code != http.StatusNotFound {
		t.Errorf("rm twice: %d", code)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/watch", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no token: %v %v", resp.StatusCode, err)
	}
}

func TestCrawlAndTamperingAPI(t *testing.T) {
	srv, _ := crawlAPI(t)
	bad := false
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if bad {
			fmt.Fprint(w, `<html><body>hi</body></html><script>document.write('<iframe src="http://127.0.0.5/x" width="1" height="1"></iframe>')</script>`)
			return
		}
		fmt.Fprint(w, `<html><body>hi</body></html>`)
	}))
	defer site.Close()
	crawlCall(t, srv, "POST", "/api/v1/watch", map[string]string{"url": site.URL + "/", "name": "a"})
	if code, b := crawlCall(t, srv, "POST", "/api/v1/crawl", map[string]string{"day": "2026-05-08"}); code != 200 || !strings.Contains(string(b), `"clean":1`) {
		t.Fatalf("crawl: %d %s", code, b)
	}
	bad = true
	if code, b := crawlCall(t, srv, "POST", "/api/v1/crawl", nil); code != 200 || !strings.Contains(string(b), `"day":"2026-05-10"`) || !strings.Contains(string(b), `"malicious":["a"]`) {
		t.Fatalf("crawl today: %d %s", code, b)
	}
	if code, _ := crawlCall(t, srv, "POST", "/api/v1/crawl", map[string]string{"day": "May 8"}); code != 400 {
		t.Errorf("bad day: %d", code)
	}
	code, b := crawlCall(t, srv, "GET", "/api/v1/tampering?from=2026-05-08&to=2026-05-10", nil)
	var m crawl.Matrix
	if json.Unmarshal(b, &m); code != 200 || len(m.Days) != 3 || len(m.Sites) != 1 {
		t.Fatalf("tampering: %d %s", code, b)
	}
	got := []string{m.Sites[0].Cells[0].Verdict, m.Sites[0].Cells[1].Verdict, m.Sites[0].Cells[2].Verdict}
	if strings.Join(got, ",") != "clean,none,malicious" || len(m.Sites[0].Cells[2].Reasons) == 0 {
		t.Errorf("cells: %v %+v", got, m.Sites[0].Cells[2])
	}
	// The raw JSON has the documented shape.
	var raw map[string]any
	json.Unmarshal(b, &raw)
	for _, k := range []string{"days", "sites", "campaigns"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("tampering JSON lacks %q: %s", k, b)
		}
	}
	if code, _ := crawlCall(t, srv, "GET", "/api/v1/tampering?from=2026-05-10&to=2026-05-01", nil); code != 400 {
		t.Errorf("reversed range: %d", code)
	}
	if code, b := crawlCall(t, srv, "POST", "/api/v1/rejudge", map[string]string{"from": "2026-05-08", "to": "2026-05-10"}); code != 200 || !strings.Contains(string(b), `"sites":1`) {
		t.Errorf("rejudge: %d %s", code, b)
	}
}
