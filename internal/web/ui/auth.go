package ui

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
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

// uiSession is one signed-in browser.
type uiSession struct {
	csrf    string
	expires time.Time
}

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

func (s *sessions) create() (id string, sess *uiSession) {
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
	sess = &uiSession{csrf: randomToken(), expires: now.Add(sessionTTL)}
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

// requireSession sends a browser that is not signed in to /login.
func (h *Handler) requireSession(next func(http.ResponseWriter, *http.Request, *uiSession)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess := h.session(r)
		if sess == nil {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		next(w, r, sess)
	}
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

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	c, err := r.Cookie(loginCookie)
	if err != nil || !checkCSRF(r, c.Value) {
		h.showLogin(w, r, http.StatusForbidden, "csrf")
		return
	}
	want := []byte(h.opts.Token)
	got := []byte(r.PostFormValue("token"))
	if len(want) == 0 || subtle.ConstantTimeCompare(got, want) != 1 {
		h.opts.Log.Info("ui sign-in refused", "remote", r.RemoteAddr)
		h.showLogin(w, r, http.StatusUnauthorized, "badtoken")
		return
	}
	id, _ := h.sess.create()
	setCookie(w, r, loginCookie, "", -1)
	setCookie(w, r, sessionCookie, id, int(sessionTTL/time.Second))
	http.Redirect(w, r, "/", http.StatusSeeOther)
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
