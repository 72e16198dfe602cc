package ui

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/honeygate/honeygate/internal/signin"
)

const (
	sessionTTL = 12 * time.Hour
	// maxUserSessions bounds one user's signed-in browsers; a new sign-in
	// past it ends that user's oldest. No user's sign-in ever ends another
	// user's session, and since users come from the config (the token is
	// one more), the table is bounded without a global cap.
	maxUserSessions = 20
)

// uiSession is one signed-in browser: who signed in, with which role.
type uiSession struct {
	id      string // hex sha256 of the cookie's secret
	user    string // a configured user's name, or TokenUser
	role    string // RoleAdmin or RoleReadOnly
	cred    string // fingerprint of the credential (see credOf)
	created time.Time
	expires time.Time
	seq     uint64 // orders sessions created within one clock tick
	// csrf is derived from the cookie's secret when a request presents it
	// (csrfOf), so it is never stored.
	csrf string
}

// canChange reports whether the session may change the intel and the
// watch list.
func (s *uiSession) canChange() bool { return s.role == RoleAdmin }

// sessions keeps signed-in browsers in memory and, when a store is given,
// in the store too, so that a restart signs nobody out. A session stands
// only while its user is still configured with the same role and the same
// credential (valid); otherwise it ends at its next use, or at start.
type sessions struct {
	mu    sync.Mutex
	m     map[string]*uiSession // by id
	seq   uint64
	now   func() time.Time
	store signin.Store // nil: memory only
	valid func(user, role, cred string) bool
	log   *slog.Logger
}

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

func hashHex(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// idOf is what identifies a session in memory and in the store: the
// cookie's secret is never kept.
func idOf(secret string) string { return hashHex("hg-session", secret) }

// csrfOf is the CSRF token of the session whose cookie holds secret: only
// its holder can compute it, and the store does not need it.
func csrfOf(secret string) string { return hashHex("hg-csrf", secret) }

// credOf fingerprints a credential (a bcrypt hash or the API token).
func credOf(secret string) string { return hashHex("hg-cred", secret)[:32] }

// load reads the stored sessions that still stand; a failure leaves the
// dashboard working in memory only (everyone signs in again).
func (s *sessions) load(ctx context.Context) {
	if s.store == nil {
		return
	}
	now := s.now()
	stored, err := s.store.Signins(ctx, now)
	if err != nil {
		s.log.Error("ui: stored sessions not read; everyone signs in again", "err", err)
		return
	}
	var gone []string
	s.mu.Lock()
	for _, st := range stored {
		if !s.valid(st.User, st.Role, st.Cred) {
			gone = append(gone, st.ID)
			continue
		}
		s.seq++
		s.m[st.ID] = &uiSession{id: st.ID, user: st.User, role: st.Role, cred: st.Cred, created: st.Created, expires: st.Expires, seq: s.seq}
	}
	s.mu.Unlock()
	if len(gone) > 0 {
		s.log.Info("ui: sessions of removed or changed users ended", "n", len(gone))
		s.forget(ctx, gone...)
	}
}

func (s *sessions) forget(ctx context.Context, ids ...string) {
	if s.store == nil || len(ids) == 0 {
		return
	}
	if err := s.store.DeleteSignins(ctx, ids...); err != nil {
		s.log.Error("ui: stored sessions not deleted", "err", err)
	}
}

// create signs a browser in and returns the cookie's secret. Past
// maxUserSessions, the user's oldest sessions end.
func (s *sessions) create(ctx context.Context, user, role, cred string) (secret string, err error) {
	secret = randomToken()
	now := s.now()
	sess := &uiSession{id: idOf(secret), user: user, role: role, cred: cred, created: now, expires: now.Add(sessionTTL)}
	if s.store != nil {
		if err := s.store.PutSignin(ctx, signin.Session{ID: sess.id, User: user, Role: role, Cred: cred, Created: now, Expires: sess.expires}); err != nil {
			return "", err
		}
	}
	s.mu.Lock()
	s.seq++
	sess.seq = s.seq
	var mine []*uiSession
	var gone []string
	for id, v := range s.m {
		switch {
		case !v.expires.After(now):
			delete(s.m, id)
			gone = append(gone, id)
		case strings.EqualFold(v.user, user):
			mine = append(mine, v)
		}
	}
	if over := len(mine) + 1 - maxUserSessions; over > 0 {
		slices.SortFunc(mine, func(a, b *uiSession) int {
			if c := a.created.Compare(b.created); c != 0 {
				return c
			}
			return cmp.Compare(a.seq, b.seq)
		})
		for _, v := range mine[:over] {
			delete(s.m, v.id)
			gone = append(gone, v.id)
		}
	}
	s.m[sess.id] = sess
	s.mu.Unlock()
	s.forget(ctx, gone...)
	return secret, nil
}

// get returns a copy of the session whose cookie holds secret, with its
// CSRF token, or nil when there is none or it has ended.
func (s *sessions) get(ctx context.Context, secret string) *uiSession {
	id := idOf(secret)
	s.mu.Lock()
	sess := s.m[id]
	if sess == nil {
		s.mu.Unlock()
		return nil
	}
	if !sess.expires.After(s.now()) || !s.valid(sess.user, sess.role, sess.cred) {
		delete(s.m, id)
		s.mu.Unlock()
		s.forget(ctx, id)
		return nil
	}
	cp := *sess
	s.mu.Unlock()
	cp.csrf = csrfOf(secret)
	return &cp
}

// drop ends the session whose cookie holds secret (sign-out).
func (s *sessions) drop(ctx context.Context, secret string) {
	id := idOf(secret)
	s.mu.Lock()
	delete(s.m, id)
	s.mu.Unlock()
	s.forget(ctx, id)
}
