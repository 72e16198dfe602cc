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
// (and with many names) cannot reset a locked user's count, nor lock out
// an address that never failed: while the address table is full of live
// counts and its overflow budget is spent, a new address's credential is
// still checked; a right one signs in, a wrong one gets a slow 429 that
// says the crowd is being slowed.
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
	for i := range 20 {
		signInFrom(mux, fmt.Sprintf("10.200.0.%d:1", i), url.Values{"user": {"nobody" + strconv.Itoa(i)}, "password": {"x"}})
	}
	// The flood: 10,985 other addresses (with the 21 before, the table and its overflow budget of 1,000 are full) (IPv4 and IPv6 /64s), each failing
	// with the token; a few hundred made-up names.
	// (In four goroutines: under -race each refused form costs a few
	// milliseconds.)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < 10985; i += 4 {
				remote := fmt.Sprintf("10.%d.%d.%d:1234", i>>16, (i>>8)&255, i&255)
				if i%2 == 1 {
					remote = fmt.Sprintf("[2001:db8:%x:%x::1]:1234", i>>16, i&0xffff)
				}
				signInFrom(mux, remote, url.Values{"token": {"guess"}})
			}
		})
	}
	wg.Wait()
	w := signInFrom(mux, home, url.Values{"user": {"alice"}, "password": {"alice-password-1"}})
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("alice after the flood, with her password: %d, want 429 (her count was reset)", w.Code)
	}
	// A new address while the table is full and the overflow spent: a
	// wrong password is refused slowly, saying why; the right one signs in.
	start := time.Now()
	w = signInFrom(mux, "198.51.100.9:1", url.Values{"user": {"rob"}, "password": {"wrong"}})
	if ra, _ := strconv.Atoi(w.Header().Get("Retry-After")); w.Code != http.StatusTooManyRequests || ra <= 0 || ra > 15*60+1 ||
		!strings.Contains(w.Body.String(), "Many addresses are failing") || time.Since(start) < time.Second {
		t.Fatalf("a wrong password from a new address into a full table: %d, Retry-After %q, after %s\n%s", w.Code, w.Header().Get("Retry-After"), time.Since(start), w.Body)
	}
	if w := signInFrom(mux, "198.51.100.9:1", url.Values{"user": {"rob"}, "password": {"rob-password-22"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("the right password from a new address into a full table: %d, want 303", w.Code)
	}
	if w := signInFrom(mux, "198.51.100.10:1", url.Values{"token": {token}}); w.Code != http.StatusSeeOther {
		t.Fatalf("the right token from a new address into a full table: %d, want 303", w.Code)
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

// Many addresses guessing one user's password cannot lock that user out
// of an address they signed in from before; everyone else is slowed by a
// growing wait, so the guessing stays bounded. Names count whatever their
// case and surrounding spaces.
func TestUserGuessedFromManyAddresses(t *testing.T) {
	var mu sync.Mutex
	clock := now
	tick := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	var o ui.Options
	newFixture(t, withUsers(t), func(opt *ui.Options) {
		opt.Now = tick
		opt.Log = slog.New(slog.DiscardHandler)
		o = *opt
	})
	h, err := ui.New(o)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)

	const home = "192.0.2.7:40000"
	if w := signInFrom(mux, home, url.Values{"user": {"alice"}, "password": {"alice-password-1"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("alice from home: %d", w.Code)
	}
	spellings := []string{"alice", "ALICE", " alice", "Alice "}
	checked, refused := 0, 0
	for i := range 200 {
		remote := fmt.Sprintf("203.0.113.%d:1", i)
		w := signInFrom(mux, remote, url.Values{"user": {spellings[i%4]}, "password": {"guess-" + strconv.Itoa(i)}})
		switch w.Code {
		case http.StatusUnauthorized:
			checked++
		case http.StatusTooManyRequests:
			refused++
			if !strings.Contains(w.Body.String(), "many addresses") || w.Header().Get("Retry-After") == "" {
				t.Fatalf("guess %d refused without saying why: %s", i, w.Body)
			}
		default:
			t.Fatalf("guess %d: %d", i, w.Code)
		}
		advance(100 * time.Millisecond)
	}
	// 50 free, then waits of 1, 2, 4, 8 s within these 20 seconds.
	if checked < 50 || checked > 55 {
		t.Fatalf("%d of 200 guesses from 200 addresses were checked, want 50 to 55", checked)
	}
	if w := signInFrom(mux, home, url.Values{"user": {"Alice"}, "password": {"alice-password-1"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("alice from home during the crowd: %d, want 303", w.Code)
	}
	if w := signInFrom(mux, "198.51.100.1:1", url.Values{"user": {"alice"}, "password": {"alice-password-1"}}); w.Code != http.StatusTooManyRequests {
		t.Fatalf("alice from a new address during the crowd: %d, want 429", w.Code)
	}
	// The wait is minutes at most, not a lockout.
	advance(5 * time.Minute)
	if w := signInFrom(mux, "198.51.100.1:1", url.Values{"user": {"alice"}, "password": {"alice-password-1"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("alice from a new address after the wait: %d, want 303", w.Code)
	}
	// rob is untouched.
	if w := signInFrom(mux, "198.51.100.2:1", url.Values{"user": {"rob"}, "password": {"rob-password-22"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("rob: %d", w.Code)
	}
}
