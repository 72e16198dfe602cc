package ui_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// What a user can type into the dashboard's own forms (a period longer
// than the pages show, a date the browser did not check, an indicator the
// intel refuses, a site already watched) is answered with a page: the
// navigation, a message in the reader's language, and a way back; it was
// a bare text/plain line in English, the dashboard gone.
func TestRefusedInputIsAPage(t *testing.T) {
	f := newFixture(t)
	f.login(t, token)
	_, body, _ := f.get(t, "/intel")
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no csrf on /intel")
	}
	csrf := m[1]
	do := func(method, path, lang string, form url.Values) (int, string, string) {
		var rd io.Reader
		if form != nil {
			rd = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, f.srv.URL+path, rd)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.Header.Set("Accept-Language", lang)
		res, err := f.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header.Get("Content-Type"), string(b)
	}
	cases := []struct {
		method, path string
		form         url.Values
		en, ja       string // words of the message
		back         string
	}{
		{"GET", "/blocks?from=2000-01-01", nil, "at most 366 days", "366日", `href="/blocks"`},
		{"GET", "/honeypot?from=garbage", nil, "YYYY-MM-DD", "YYYY-MM-DD", `href="/honeypot"`},
		{"GET", "/tampering?to=2026-13-01", nil, "YYYY-MM-DD", "YYYY-MM-DD", `href="/tampering"`},
		{"POST", "/intel", url.Values{"csrf": {csrf}, "op": {"add"}, "type": {"domain"}, "value": {"com"}, "category": {"malware"}}, "top-level domain", "top-level domain", `href="/intel"`},
	}
	// A site already watched: 409, as a page.
	form := url.Values{"csrf": {csrf}, "op": {"add"}, "url": {"https://twice.example/"}, "name": {"twice"}}
	if code, _, _ := do("POST", "/watch", "en", form); code != http.StatusOK && code != http.StatusSeeOther {
		t.Fatalf("first add: %d", code)
	}
	if code, ct, body := do("POST", "/watch", "ja", form); code != http.StatusConflict || !strings.HasPrefix(ct, "text/html") || !strings.Contains(body, "すでに監視リストにあります") || !strings.Contains(body, `href="/watch"`) {
		t.Errorf("second add: %d %s:\n%s", code, ct, body)
	}
	for _, c := range cases {
		for _, lang := range []string{"en", "ja"} {
			code, ct, body := do(c.method, c.path, lang, c.form)
			if code != http.StatusBadRequest || !strings.HasPrefix(ct, "text/html") {
				t.Errorf("%s %s (%s): %d %s, want 400 text/html:\n%s", c.method, c.path, lang, code, ct, body)
				continue
			}
			words := c.en
			heading := "Not accepted"
			if lang == "ja" {
				words, heading = c.ja, "受け付けられません"
			}
			if !strings.Contains(body, `<nav`) || !strings.Contains(body, heading) || !strings.Contains(body, words) || !strings.Contains(body, c.back) {
				t.Errorf("%s %s (%s): want the layout, %q, %q and a link back (%s):\n%s", c.method, c.path, lang, heading, words, c.back, body)
			}
		}
	}
}

// TestUnknownPathIsAPage: a path the dashboard does not have is a 404 page
// in the reader's language, signed in or not, never Go's bare text.
func TestUnknownPathIsAPage(t *testing.T) {
	f := newFixture(t)
	for _, signed := range []bool{false, true} {
		if signed {
			f.login(t, token)
		}
		for lang, want := range map[string]string{"en": "Page not found", "ja": "ページが見つかりません"} {
			req, _ := http.NewRequest("GET", f.srv.URL+"/no-such-page/x", nil)
			req.Header.Set("Accept-Language", lang)
			res, err := f.c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusNotFound || !strings.Contains(string(b), want) || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
				t.Errorf("signed=%v %s: %d %q %.200s", signed, lang, res.StatusCode, res.Header.Get("Content-Type"), b)
			}
		}
	}
}
