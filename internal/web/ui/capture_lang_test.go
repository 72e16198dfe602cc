package ui_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/crawl"
	"github.com/honeygate/honeygate/internal/event"
)

// The capture view reads in Japanese like the rest of the dashboard: its
// verdict and the evidence table's heads were English words on the
// Japanese page ("clean (0)", "detector", "rule", "score").
func TestCaptureInJapanese(t *testing.T) {
	f := newFixture(t)
	f.login(t, token)
	ctx := context.Background()
	day := now.Format(time.DateOnly)
	if _, err := f.db.AddSite(ctx, crawl.Site{Name: "shop", URL: "https://shop.example/", Profile: crawl.DefaultProfile}); err != nil {
		t.Fatal(err)
	}
	v := crawl.Visit{Capture: crawl.Capture{ID: "shop" + day, Site: "shop", URL: "https://shop.example/", FinalURL: "https://shop.example/",
		Day: day, Time: now, Engine: "static", Status: 200},
		Verdict: crawl.Verdict{Verdict: crawl.Malicious, Score: 9, Reasons: []crawl.Reason{{Detector: "script", Rule: "injected-script", Score: 0.9}}}}
	if err := f.db.PutVisit(ctx, v); err != nil {
		t.Fatal(err)
	}
	get := func(lang string) string {
		req, _ := http.NewRequest("GET", f.srv.URL+"/tampering/cell?site=shop&day="+day, nil)
		req.Header.Set("Accept-Language", lang)
		res, err := f.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	en, ja := get("en"), get("ja")
	if !strings.Contains(en, `id="verdict">malicious (9)`) || !strings.Contains(en, "<th>Detector</th><th>Rule</th>") {
		t.Errorf("English capture: verdict or heads:\n%s", section(en, `id="verdict"`, "</table>"))
	}
	if !strings.Contains(ja, `id="verdict">悪性 (9)`) {
		t.Errorf("Japanese verdict: %s", section(ja, `id="verdict"`, "</dd>"))
	}
	for _, w := range []string{"<th>detector</th>", "<th>rule</th>", ">score</th>", "<th>Detector</th>"} {
		if strings.Contains(ja, w) {
			t.Errorf("Japanese capture has %s", w)
		}
	}
}

// The evidence view of an event without a session (an intel indicator's
// ref) labels its kind in the reader's language too.
func TestEvidenceInJapanese(t *testing.T) {
	f := newFixture(t)
	f.login(t, token)
	e := ev("", "10.0.3.1", 80, now, event.GatewayBlock, func(e *event.Event) { e.Proto = "http" })
	f.seed(t, e)
	req, _ := http.NewRequest("GET", f.srv.URL+"/ref/"+e.ID, nil)
	req.Header.Set("Accept-Language", "ja")
	res, err := f.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.Contains(string(b), "gateway.block") {
		t.Fatalf("evidence: %d\n%s", res.StatusCode, b)
	}
	if strings.Contains(string(b), "<dt>kind</dt>") || !strings.Contains(string(b), "<dt>種類</dt>") {
		t.Errorf("Japanese evidence labels its kind in English")
	}
}
