package ui_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/web/ui"
)

// signInFrom posts a sign-in form to mux as if from remote (the form's
// CSRF cookie and field are the client's own).
func signInFrom(mux http.Handler, remote string, fields url.Values) *httptest.ResponseRecorder {
	const csrf = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	fields.Set("csrf", csrf)
	r := httptest.NewRequest("POST", "/login", strings.NewReader(fields.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(&http.Cookie{Name: "hg_login", Value: csrf})
	r.RemoteAddr = remote
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	return w
}

// Crowding: an attacker who fills the limiter's tables from many addresses
// (and with many names) cannot reset a locked user's count; while the
// address table is full of live counts, a new address is told to try
// later rather than get a fresh count by evicting one.
func TestSignInLimitNotCrowdedOut(t *testing.T) {
	var mu sync.Mutex
	clock := now
	tick := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	var o ui.Options
	f := newFixture(t, withUsers(t), func(opt *ui.Options) {
		opt.Now = tick
		opt.Log = slog.New(slog.DiscardHandler)
		o = *opt
	})
	_ = f
	h, err := ui.New(o)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)

	const home = "192.0.2.7:40000"
	for i := range 5 {
		if w := signInFrom(mux, home, url.Values{"user": {"alice"}, "password": {"guess-" + strconv.Itoa(i)}}); w.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, w.Code)
		}
	}
	// The flood: 10,000 other addresses (IPv4 and IPv6 /64s), each failing
	// with the token; a few hundred made-up names.
	// (In four goroutines: under -race each refused form costs a few
	// milliseconds.)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < 10000; i += 4 {
				remote := fmt.Sprintf("10.%d.%d.%d:1234", i>>16, (i>>8)&255, i&255)
				if i%2 == 1 {
					remote = fmt.Sprintf("[2001:db8:%x:%x::1]:1234", i>>16, i&0xffff)
				}
				signInFrom(mux, remote, url.Values{"token": {"guess"}})
			}
		})
	}
	wg.Wait()
	for i := range 20 {
		signInFrom(mux, fmt.Sprintf("10.200.0.%d:1", i), url.Values{"user": {"nobody" + strconv.Itoa(i)}, "password": {"x"}})
	}
	w := signInFrom(mux, home, url.Values{"user": {"alice"}, "password": {"alice-password-1"}})
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("alice after the flood, with her password: %d, want 429 (her count was reset)", w.Code)
	}
	// A new address while the table is full: try later.
	w = signInFrom(mux, "198.51.100.9:1", url.Values{"user": {"rob"}, "password": {"rob-password-22"}})
	if ra, _ := strconv.Atoi(w.Header().Get("Retry-After")); w.Code != http.StatusTooManyRequests || ra <= 0 || ra > 15*60+1 {
		t.Fatalf("a new address into a full table: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	// When the window has passed, everyone may try again.
	mu.Lock()
	clock = clock.Add(15 * time.Minute)
	mu.Unlock()
	if w := signInFrom(mux, home, url.Values{"user": {"alice"}, "password": {"alice-password-1"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("alice after the window: %d, want 303", w.Code)
	}
}

// Session flooding: one user's sign-ins past 20 end that user's oldest
// sessions, never another user's.
func TestSessionsCappedPerUser(t *testing.T) {
	f := newFixture(t, withUsers(t))
	if code, _ := f.signIn(t, url.Values{"user": {"rob"}, "password": {"rob-password-22"}}); code != http.StatusOK {
		t.Fatalf("rob: %d", code)
	}
	const n = 25
	clients := make([]*fixture, n)
	for i := range clients {
		jar, _ := cookiejar.New(nil)
		clients[i] = &fixture{srv: f.srv, db: f.db, c: &http.Client{Jar: jar}}
		if code, _ := clients[i].signIn(t, url.Values{"token": {token}}); code != http.StatusOK {
			t.Fatalf("token sign-in %d: %d", i, code)
		}
	}
	signedIn := func(g *fixture) bool {
		_, body, _ := g.get(t, "/")
		return strings.Contains(body, `id="who">`)
	}
	for i, g := range clients {
		if want := i >= n-20; signedIn(g) != want {
			t.Errorf("token session %d: signed in %v, want %v (the %d oldest end)", i, !want, want, n-20)
		}
	}
	if !signedIn(f) {
		t.Error("rob's session ended by the token's sign-ins")
	}
}
