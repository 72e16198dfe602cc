package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/honeygate/honeygate/internal/web/ui"
)

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`)

// browser is a dashboard client that keeps its session cookie by hand, so
// that it can present it to the restarted app on its new port.
type browser struct {
	session string
	c       *http.Client
}

func newBrowser() *browser {
	return &browser{c: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	if b.session != "" {
		req.AddCookie(&http.Cookie{Name: "hg_session", Value: b.session})
	}
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (b *browser) signIn(t *testing.T, web string, fields url.Values) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+web+"/login", nil)
	resp, body := b.do(t, req)
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no sign-in form: %s", body)
	}
	fields.Set("csrf", m[1])
	req, _ = http.NewRequest("POST", "http://"+web+"/login", strings.NewReader(fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range resp.Cookies() {
		req.AddCookie(c)
	}
	resp, body = b.do(t, req)
	for _, c := range resp.Cookies() {
		if c.Name == "hg_session" {
			b.session = c.Value
		}
	}
	if resp.StatusCode != http.StatusSeeOther || b.session == "" {
		t.Fatalf("sign-in %v: %d %s", fields.Get("user"), resp.StatusCode, body)
	}
}

// signedIn reports whether the overview is shown (rather than a redirect
// to /login), and returns its CSRF token.
func (b *browser) signedIn(t *testing.T, web string) (bool, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+web+"/", nil)
	resp, body := b.do(t, req)
	if resp.StatusCode != http.StatusOK {
		return false, ""
	}
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("overview without a CSRF token")
	}
	return true, m[1]
}

func (b *browser) signOut(t *testing.T, web, csrf string) {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://"+web+"/logout", strings.NewReader(url.Values{"csrf": {csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, body := b.do(t, req); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: %d %s", resp.StatusCode, body)
	}
}

// Dashboard sessions survive a restart of the app (same data dir), with
// their CSRF tokens; a session signed out stays out; a user removed from
// the config, or whose role or password changed, is signed out by the
// restart.
func TestSessionsSurviveRestart(t *testing.T) {
	hash := func(pw string) string {
		h, err := bcrypt.GenerateFromPassword([]byte(pw), ui.MinBcryptCost)
		if err != nil {
			t.Fatal(err)
		}
		return string(h)
	}
	cfg := testConfig(t)
	cfg.Web.Users = []ui.User{
		{Name: "alice", PasswordHash: hash("alice-password"), Role: ui.RoleAdmin},
		{Name: "bob", PasswordHash: hash("bob-password"), Role: ui.RoleAdmin},
		{Name: "carol", PasswordHash: hash("carol-password"), Role: ui.RoleReadOnly},
		{Name: "dave", PasswordHash: hash("dave-password"), Role: ui.RoleAdmin},
		{Name: "rob", PasswordHash: hash("rob-password"), Role: ui.RoleAdmin},
	}
	a := New(cfg, slog.New(slog.DiscardHandler), io.Discard)
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	web := a.env.addrs["web"][0]
	tok := newBrowser()
	tok.signIn(t, web, url.Values{"token": {cfg.Token}})
	users := map[string]*browser{}
	for _, n := range []string{"alice", "bob", "carol", "dave", "rob"} {
		users[n] = newBrowser()
		users[n].signIn(t, web, url.Values{"user": {n}, "password": {n + "-password"}})
	}
	_, csrf := users["rob"].signedIn(t, web)
	users["rob"].signOut(t, web, csrf)
	_, aliceCSRF := users["alice"].signedIn(t, web)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	// The new config: bob removed, carol made an admin, dave's password
	// changed; alice and the token unchanged.
	cfg.Web.Users = []ui.User{
		{Name: "alice", PasswordHash: cfg.Web.Users[0].PasswordHash, Role: ui.RoleAdmin},
		{Name: "carol", PasswordHash: cfg.Web.Users[2].PasswordHash, Role: ui.RoleAdmin},
		{Name: "dave", PasswordHash: hash("dave-new-password"), Role: ui.RoleAdmin},
		{Name: "rob", PasswordHash: cfg.Web.Users[4].PasswordHash, Role: ui.RoleAdmin},
	}
	b := New(cfg, slog.New(slog.DiscardHandler), io.Discard)
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	web = b.env.addrs["web"][0]
	if ok, _ := tok.signedIn(t, web); !ok {
		t.Error("the token's session ended with the restart")
	}
	ok, csrf := users["alice"].signedIn(t, web)
	if !ok {
		t.Fatal("alice's session ended with the restart")
	}
	if csrf != aliceCSRF {
		t.Errorf("alice's CSRF token changed with the restart")
	}
	for n, why := range map[string]string{"bob": "removed", "carol": "role changed", "dave": "password changed", "rob": "signed out before"} {
		if ok, _ := users[n].signedIn(t, web); ok {
			t.Errorf("%s (%s) is still signed in after the restart", n, why)
		}
	}
	users["alice"].signOut(t, web, csrf)
	if ok, _ := users["alice"].signedIn(t, web); ok {
		t.Error("alice still signed in after signing out")
	}
}
