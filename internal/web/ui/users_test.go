package ui_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/honeygate/honeygate/internal/web/ui"
)

// hashOf makes a bcrypt hash at the least accepted cost (tests only).
func hashOf(t *testing.T, pw string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(pw), ui.MinBcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func withUsers(t *testing.T) func(*ui.Options) {
	users := []ui.User{
		{Name: "alice", PasswordHash: hashOf(t, "alice-password-1"), Role: ui.RoleAdmin},
		{Name: "rob", PasswordHash: hashOf(t, "rob-password-22"), Role: ui.RoleReadOnly},
	}
	return func(o *ui.Options) { o.Users = users }
}

// signIn posts the sign-in form with the given fields and returns the
// status and body after redirects.
func (f *fixture) signIn(t *testing.T, fields url.Values) (int, string) {
	t.Helper()
	_, body, _ := f.get(t, "/login")
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf field in the sign-in form:\n%s", body)
	}
	fields.Set("csrf", m[1])
	res, err := f.c.PostForm(f.srv.URL+"/login", fields)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// post sends a form of the signed-in page at path with its CSRF token.
func (f *fixture) post(t *testing.T, page, path string, fields url.Values) (int, string) {
	t.Helper()
	_, body, _ := f.get(t, page)
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf field on %s", page)
	}
	fields.Set("csrf", m[1])
	res, err := f.c.PostForm(f.srv.URL+path, fields)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestSignInByUser(t *testing.T) {
	f := newFixture(t, withUsers(t), func(o *ui.Options) { o.Audit = nil })
	code, body := f.signIn(t, url.Values{"user": {"alice"}, "password": {"wrong-password"}})
	if code != http.StatusUnauthorized || !strings.Contains(body, "user name or password is not right") {
		t.Fatalf("wrong password: %d\n%s", code, body)
	}
	code, body = f.signIn(t, url.Values{"user": {"nobody"}, "password": {"alice-password-1"}})
	if code != http.StatusUnauthorized || !strings.Contains(body, "user name or password is not right") {
		t.Fatalf("unknown user (must read as a wrong password, naming no user): %d\n%s", code, body)
	}
	// A user's password is not a token, nor the token a password.
	if code, _ = f.signIn(t, url.Values{"user": {"alice"}, "password": {token}}); code != http.StatusUnauthorized {
		t.Fatalf("the token as alice's password: %d", code)
	}
	if code, _ = f.signIn(t, url.Values{"token": {"alice-password-1"}}); code != http.StatusUnauthorized {
		t.Fatalf("alice's password as the token: %d", code)
	}
	code, body = f.signIn(t, url.Values{"user": {"alice"}, "password": {"alice-password-1"}})
	if code != http.StatusOK || !strings.Contains(body, `id="who">alice<`) {
		t.Fatalf("alice: %d\n%s", code, body)
	}
	// The token still signs in, as "token".
	g := newFixture(t, withUsers(t))
	if code, body = g.signIn(t, url.Values{"token": {token}}); code != http.StatusOK || !strings.Contains(body, `id="who">token<`) {
		t.Fatalf("token: %d\n%s", code, body)
	}
}

func TestSignInRateLimited(t *testing.T) {
	f := newFixture(t, withUsers(t))
	// Per user: five failures lock alice out, even with the right password
	// afterwards, for the window; rob (same address) is not locked yet.
	for i := range 5 {
		if code, _ := f.signIn(t, url.Values{"user": {"alice"}, "password": {"guess-" + string(rune('a'+i))}}); code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, code)
		}
	}
	code, body := f.signIn(t, url.Values{"user": {"Alice"}, "password": {"alice-password-1"}})
	if code != http.StatusTooManyRequests || !strings.Contains(body, "Too many failed sign-ins") {
		t.Fatalf("after 5 failures, the right password: %d, want 429\n%s", code, body)
	}
	if code, _ := f.signIn(t, url.Values{"user": {"rob"}, "password": {"rob-password-22"}}); code != http.StatusOK {
		t.Fatalf("rob from the same address: %d, want 200", code)
	}

	// Per address: ten failures from one address lock it, whatever the name.
	g := newFixture(t, withUsers(t))
	for i := range 10 {
		if code, _ := g.signIn(t, url.Values{"token": {"not-the-token"}}); code != http.StatusUnauthorized {
			t.Fatalf("token failure %d: %d", i, code)
		}
	}
	if code, _ := g.signIn(t, url.Values{"token": {token}}); code != http.StatusTooManyRequests {
		t.Fatalf("the right token after 10 failures from one address: %d, want 429", code)
	}
	if code, _ := g.signIn(t, url.Values{"user": {"rob"}, "password": {"rob-password-22"}}); code != http.StatusTooManyRequests {
		t.Fatalf("rob from the locked address: %d, want 429", code)
	}
}

func TestReadOnlyUserAndAudit(t *testing.T) {
	f := newFixture(t, withUsers(t))
	// alice (admin) adds an indicator and a site: both are audited as hers.
	if code, _ := f.signIn(t, url.Values{"user": {"alice"}, "password": {"alice-password-1"}}); code != http.StatusOK {
		t.Fatal("alice cannot sign in")
	}
	if code, body := f.post(t, "/intel", "/intel", url.Values{"op": {"add"}, "type": {"domain"}, "value": {"evil.example"}, "category": {"malware"}}); code != http.StatusOK {
		t.Fatalf("alice adds an indicator: %d\n%s", code, body)
	}
	if code, body := f.post(t, "/watch", "/watch", url.Values{"op": {"add"}, "url": {"https://shop.example/"}, "name": {"shop"}}); code != http.StatusOK {
		t.Fatalf("alice adds a site: %d\n%s", code, body)
	}
	es, err := f.db.Audit(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].User != "alice" || es[0].Action != "watch.add" || es[0].Target != "shop" ||
		es[1].User != "alice" || es[1].Action != "intel.add" || es[1].Target != "domain evil.example" {
		t.Fatalf("audit: %+v", es)
	}
	_, body, _ := f.get(t, "/intel")
	if !strings.Contains(body, `id="changes"`) || !strings.Contains(body, `<td class="who">alice</td>`) {
		t.Errorf("intel page does not show who changed it:\n%s", body)
	}

	// rob (read-only) sees the pages without their forms, and a forged
	// change is refused and changes nothing.
	jar, _ := cookiejar.New(nil)
	f.c = &http.Client{Jar: jar}
	if code, _ := f.signIn(t, url.Values{"user": {"rob"}, "password": {"rob-password-22"}}); code != http.StatusOK {
		t.Fatal("rob cannot sign in")
	}
	_, body, _ = f.get(t, "/intel")
	if strings.Contains(body, `id="intel-add"`) || strings.Contains(body, `name="op" value="expire"`) || !strings.Contains(body, "(read-only)") {
		t.Errorf("read-only intel page offers changes:\n%s", body)
	}
	_, body, _ = f.get(t, "/watch")
	if strings.Contains(body, `id="watch-add"`) || strings.Contains(body, `value="remove"`) {
		t.Errorf("read-only watch page offers changes")
	}
	if code, _ := f.post(t, "/intel", "/intel", url.Values{"op": {"add"}, "type": {"domain"}, "value": {"rob.example"}, "category": {"malware"}}); code != http.StatusForbidden {
		t.Errorf("rob adds an indicator: %d, want 403", code)
	}
	if code, _ := f.post(t, "/watch", "/watch", url.Values{"op": {"remove"}, "name": {"shop"}}); code != http.StatusForbidden {
		t.Errorf("rob removes a site: %d, want 403", code)
	}
	if sites, _ := f.db.Sites(context.Background()); len(sites) != 1 {
		t.Errorf("sites after rob's attempt: %+v", sites)
	}
	if es, _ := f.db.Audit(context.Background(), 10); len(es) != 2 {
		t.Errorf("audit after rob's attempts: %+v", es)
	}
}

// Sign-ins sent all at once are counted before bcrypt runs, so a burst
// cannot get more guesses past the per-user limit than a patient client
// (each attempt waits in bcrypt, and they used to be counted only after).
func TestSignInBurstLimited(t *testing.T) {
	f := newFixture(t, withUsers(t))
	const burst = 20
	forms := make([]*fixture, burst)
	tokens := make([]string, burst)
	for i := range forms {
		jar, _ := cookiejar.New(nil)
		forms[i] = &fixture{srv: f.srv, db: f.db, c: &http.Client{Jar: jar}}
		_, body, _ := forms[i].get(t, "/login")
		tokens[i] = csrfRe.FindStringSubmatch(body)[1]
	}
	codes := make(chan int, burst)
	for i := range forms {
		go func(g *fixture, tok string) {
			res, err := g.c.PostForm(f.srv.URL+"/login", url.Values{"user": {"alice"}, "password": {"wrong-guess-" + tok[:6]}, "csrf": {tok}})
			if err != nil {
				codes <- 0
				return
			}
			res.Body.Close()
			codes <- res.StatusCode
		}(forms[i], tokens[i])
	}
	checked := 0
	for range burst {
		if <-codes == http.StatusUnauthorized {
			checked++
		}
	}
	if checked > 5 {
		t.Fatalf("%d of %d simultaneous guesses were checked, at most 5 may be", checked, burst)
	}
}

// A valid sign-in of one's own account does not wipe the address's count
// of failed guesses at others.
func TestOwnSignInKeepsAddressCount(t *testing.T) {
	f := newFixture(t, withUsers(t))
	for i := range 9 {
		if code, _ := f.signIn(t, url.Values{"token": {"not-the-token"}}); code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, code)
		}
	}
	if code, _ := f.signIn(t, url.Values{"user": {"rob"}, "password": {"rob-password-22"}}); code != http.StatusOK {
		t.Fatalf("rob: %d", code)
	}
	jar, _ := cookiejar.New(nil)
	f.c = &http.Client{Jar: jar} // a browser not signed in, same address
	if code, _ := f.signIn(t, url.Values{"token": {"not-the-token"}}); code != http.StatusUnauthorized {
		t.Fatalf("tenth failure: %d", code)
	}
	if code, _ := f.signIn(t, url.Values{"token": {token}}); code != http.StatusTooManyRequests {
		t.Fatalf("after 10 failures and one own sign-in between: %d, want 429", code)
	}
}
