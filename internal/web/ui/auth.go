package ui

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/honeygate/honeygate/internal/web/authlimit"
)

// Cookie names. The session cookie is HttpOnly and SameSite=Strict, and
// Secure when the request came over TLS.
const (
	sessionCookie = "hg_session"
	loginCookie   = "hg_login" // the CSRF token of the sign-in form, before a session exists
)

// credential returns the role and credential fingerprint that a session of
// user must carry to stand: a session ends when its user is removed from
// the config, or their role, password hash or (for the token) the token
// changes.
func (h *Handler) credential(user string) (role, cred string, ok bool) {
	if user == TokenUser {
		return RoleAdmin, credOf(h.opts.Token), h.opts.Token != ""
	}
	for _, u := range h.opts.Users {
		if strings.EqualFold(u.Name, user) {
			role = u.Role
			if role == "" {
				role = RoleAdmin
			}
			return role, credOf(u.PasswordHash), true
		}
	}
	return "", "", false
}

func (h *Handler) sessionValid(user, role, cred string) bool {
	r, c, ok := h.credential(user)
	return ok && r == role && c == cred
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
	return h.sess.get(r.Context(), c.Value)
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
	addrKey := authlimit.ClientAddr(r)
	name := strings.TrimSpace(r.PostFormValue("user"))
	// Each attempt is counted before the password is checked (Take), and
	// given back on success.
	addr := h.fails.addr.Take(addrKey)
	if addr.Verdict == authlimit.Locked {
		h.tooMany(w, r, name, addr.Retry, "toomany")
		return
	}
	k := nameKey(name)
	var pair authlimit.Attempt
	if name != "" {
		pair = h.fails.pairs.Take(k + "\x00" + addrKey)
		if pair.Verdict == authlimit.Locked {
			h.fails.addr.Refund(addr)
			h.tooMany(w, r, name, pair.Retry, "toomany")
			return
		}
		// Many addresses guessing one name slow it down, except from an
		// address that signed in as that user before.
		if !h.fails.knownGood(k, addrKey) {
			if wait := h.fails.backoffFor(k).Take(k); wait > 0 {
				h.fails.addr.Refund(addr)
				h.fails.pairs.Refund(pair)
				h.tooMany(w, r, name, wait, "userslowed")
				return
			}
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
		if addr.Verdict == authlimit.Crowded || pair.Verdict == authlimit.Crowded {
			// More addresses are failing than the tables hold: this one
			// has no failures of its own, so it was checked, but its
			// failure is answered slowly and said to be the crowd's.
			select {
			case <-time.After(authlimit.CrowdedFailureDelay):
			case <-r.Context().Done():
			}
			h.tooMany(w, r, name, max(addr.Retry, pair.Retry), "crowded")
			return
		}
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
	// taken back. The (user, address) count goes: the password is known;
	// the address is remembered as the user's.
	h.fails.addr.Refund(addr)
	if name != "" {
		h.fails.pairs.Reset(k + "\x00" + addrKey)
		h.fails.signedIn(k, addrKey)
	}
	_, cred, _ := h.credential(who)
	secret, err := h.sess.create(r.Context(), who, role, cred)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.opts.Log.Info("ui sign-in", "remote", r.RemoteAddr, "user", who, "role", role)
	setCookie(w, r, loginCookie, "", -1)
	setCookie(w, r, sessionCookie, secret, int(sessionTTL/time.Second))
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// tooMany refuses a sign-in while its address or user name is limited.
func (h *Handler) tooMany(w http.ResponseWriter, r *http.Request, name string, left time.Duration, why string) {
	h.opts.Log.Warn("ui sign-in limited", "remote", r.RemoteAddr, "user", name, "why", why, "retry_after", left.Round(time.Second))
	w.Header().Set("Retry-After", strconv.Itoa(int(left.Seconds())+1))
	h.showLogin(w, r, http.StatusTooManyRequests, why)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request, sess *uiSession) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if !checkCSRF(r, sess.csrf) {
		http.Error(w, "CSRF token missing or wrong", http.StatusForbidden)
		return
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		h.sess.drop(r.Context(), c.Value)
	}
	setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
