package ui

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Cookie names. The session cookie is HttpOnly and SameSite=Strict, and
// Secure when the request came over TLS.
const (
	sessionCookie = "hg_session"
	loginCookie   = "hg_login" // the CSRF token of the sign-in form, before a session exists
	sessionTTL    = 12 * time.Hour
	maxSessions   = 10000 // signed-in browsers kept; the oldest go first
)

// uiSession is one signed-in browser: who signed in, with which role.
type uiSession struct {
	csrf    string
	expires time.Time
	user    string // a configured user's name, or TokenUser
	role    string // RoleAdmin or RoleReadOnly
}

// canChange reports whether the session may change the intel and the
// watch list.
func (s *uiSession) canChange() bool { return s.role == RoleAdmin }

// sessions keeps signed-in browsers in memory: a restart signs everyone
// out, which is acceptable for an analyst console and keeps no secret on
// disk.
type sessions struct {
	mu  sync.Mutex
	m   map[string]*uiSession
	now func() time.Time
}

func newSessions() *sessions {
	return &sessions{m: make(map[string]*uiSession), now: time.Now}
}

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

func (s *sessions) create(user, role string) (id string, sess *uiSession) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if len(s.m) >= maxSessions {
		for k, v := range s.m {
			if v.expires.Before(now) || len(s.m) >= maxSessions {
				delete(s.m, k)
			}
		}
	}
	id = randomToken()
	sess = &uiSession{csrf: randomToken(), expires: now.Add(sessionTTL), user: user, role: role}
	s.m[id] = sess
	return id, sess
}

func (s *sessions) get(id string) *uiSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.m[id]
	if sess == nil {
		return nil
	}
	if sess.expires.Before(s.now()) {
		delete(s.m, id)
		return nil
	}
	return sess
}

func (s *sessions) drop(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
}

// session returns the signed-in session of r, or nil.
func (h *Handler) session(r *http.Request) *uiSession {
	c, err := r.Cookie(sessionCookie)
	if err != nil || len(c.Value) != 64 {
		return nil
	}
	return h.sess.get(c.Value)
}

// sessionKey is the request context key of the signed-in session, which
// render reads to show who is signed in.
type sessionKey struct{}

// requireSession sends a browser that is not signed in to /login.
func (h *Handler) requireSession(next func(http.ResponseWriter, *http.Request, *uiSession)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess := h.session(r)
		if sess == nil {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess)), sess)
	}
}

// allowChange answers 403 to a read-only user and reports whether the
// change may go on; it checks the CSRF token first.
func (h *Handler) allowChange(w http.ResponseWriter, r *http.Request, sess *uiSession) bool {
	if !checkCSRF(r, sess.csrf) {
		http.Error(w, "CSRF token missing or wrong", http.StatusForbidden)
		return false
	}
	if !sess.canChange() {
		h.opts.Log.Info("ui change refused: read-only user", "user", sess.user, "path", r.URL.Path)
		http.Error(w, label(lang(r.Header.Get("Accept-Language")), "readonly"), http.StatusForbidden)
		return false
	}
	return true
}

// checkCSRF compares the form's csrf field with want in constant time.
func checkCSRF(r *http.Request, want string) bool {
	got := r.PostFormValue("csrf")
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	if h.session(r) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	h.showLogin(w, r, http.StatusOK, "")
}

func (h *Handler) showLogin(w http.ResponseWriter, r *http.Request, code int, msg string) {
	tok := randomToken()
	setCookie(w, r, loginCookie, tok, 600)
	h.render(w, r, code, "login", page{Title: "signin", CSRF: tok, Error: msg})
}

// login signs a browser in with the API token (field token) or, when the
// field user is filled, a configured user's name and password. Failed
// attempts are limited per client address and per user name (see
// limiter); a limited attempt is refused before any password is checked.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	c, err := r.Cookie(loginCookie)
	if err != nil || !checkCSRF(r, c.Value) {
		h.showLogin(w, r, http.StatusForbidden, "csrf")
		return
	}
	addrKey := "addr:" + clientAddr(r)
	name := strings.TrimSpace(r.PostFormValue("user"))
	userKey := "user:" + strings.ToLower(name)
	// Each attempt is counted before the password is checked (take), and
	// forgotten again on success.
	if limited, left := h.fails.take(addrKey, maxFailsAddress); limited {
		h.tooMany(w, r, name, left)
		return
	}
	if name != "" {
		if limited, left := h.fails.take(userKey, maxFailsUser); limited {
			h.tooMany(w, r, name, left)
			return
		}
	}
	var who, role string
	ok := false
	if name == "" {
		want := []byte(h.opts.Token)
		got := []byte(r.PostFormValue("token"))
		ok = len(want) > 0 && subtle.ConstantTimeCompare(got, want) == 1
		who, role = TokenUser, RoleAdmin
	} else {
		var u User
		u, ok = checkUser(h.opts.Users, name, r.PostFormValue("password"))
		who, role = u.Name, u.Role
	}
	if !ok {
		h.opts.Log.Info("ui sign-in refused", "remote", r.RemoteAddr, "user", name)
		msg := "badtoken"
		if name != "" {
			msg = "badpassword"
		}
		h.showLogin(w, r, http.StatusUnauthorized, msg)
		return
	}
	// The address keeps its failures (a valid account of one's own must
	// not wipe the count of guesses at others'); only this attempt is
	// taken back. The user's count goes: the password is known.
	h.fails.refund(addrKey)
	if name != "" {
		h.fails.reset(userKey)
	}
	h.opts.Log.Info("ui sign-in", "remote", r.RemoteAddr, "user", who, "role", role)
	id, _ := h.sess.create(who, role)
	setCookie(w, r, loginCookie, "", -1)
	setCookie(w, r, sessionCookie, id, int(sessionTTL/time.Second))
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// tooMany refuses a sign-in while its address or user name is limited.
func (h *Handler) tooMany(w http.ResponseWriter, r *http.Request, name string, left time.Duration) {
	h.opts.Log.Warn("ui sign-in limited", "remote", r.RemoteAddr, "user", name, "retry_after", left.Round(time.Second))
	w.Header().Set("Retry-After", strconv.Itoa(int(left.Seconds())+1))
	h.showLogin(w, r, http.StatusTooManyRequests, "toomany")
}

// clientAddr is the address a sign-in is limited by: the peer's IP (the
// web listener is not meant to sit behind a proxy; if it does, every
// client shares the proxy's limit, which fails safe; X-Forwarded-For is
// never read). An IPv6 peer is limited by its /64, since one host
// commonly holds a whole /64 and could otherwise try from 2^64 addresses.
func clientAddr(r *http.Request) string {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	a := ap.Addr().Unmap()
	if a.Is6() {
		p, _ := a.WithZone("").Prefix(64)
		return p.String()
	}
	return a.String()
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request, sess *uiSession) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if !checkCSRF(r, sess.csrf) {
		http.Error(w, "CSRF token missing or wrong", http.StatusForbidden)
		return
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		h.sess.drop(c.Value)
	}
	setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
