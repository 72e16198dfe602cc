package ui

import (
	"strings"
	"sync"
	"time"

	"github.com/honeygate/honeygate/internal/web/authlimit"
)

// Failed sign-ins are limited three ways, chosen so that brute force stays
// bounded while nobody can lock the operator out from their usual address:
//   - per client address: after maxFailsAddress failures within failWindow
//     the address is refused, whatever it tries (one client guessing);
//   - per (user name, address): after maxFailsUser failures the name is
//     refused from that address only (one client guessing one account);
//   - per user name from anywhere: after userFree failures within
//     userWindow, attempts at that name are spaced by a wait that doubles
//     from userBase to userCap (many clients guessing one account: about
//     a dozen guesses an hour once the waits are long). An address that
//     signed in as that user before (knownGood) is exempt, so a crowd
//     cannot keep the user out.
//
// User names count case-insensitively and trimmed ("ALICE", " alice").
const (
	failWindow      = 15 * time.Minute
	maxFailsAddress = 10
	maxFailsUser    = 5
	userFree        = 50
	userWindow      = time.Hour
	userBase        = time.Second
	userCap         = 5 * time.Minute
	// maxTracked bounds the tables whose keys a client chooses (addresses,
	// names, pairs).
	maxTracked = 10000
	// knownPerUser bounds the addresses remembered per user, knownFor how
	// long one is remembered after its last sign-in.
	knownPerUser = 16
	knownFor     = 30 * 24 * time.Hour
)

// NewAddrLimiter returns the per-address limit of failed sign-ins, which the
// API shares for failed bearer tokens (both guess the same token). When
// full of live counts it charges new addresses to its overflow budget
// rather than evict one (eviction would reset the count of an address that
// many other addresses crowded out), and past that budget still checks
// their credentials (authlimit.Crowded).
func NewAddrLimiter(now func() time.Time) *authlimit.Limiter {
	return authlimit.New(authlimit.Options{Max: maxFailsAddress, Window: failWindow, Capacity: maxTracked, Full: authlimit.Overflow, Now: now})
}

// signinLimits are the tables a sign-in is counted in.
type signinLimits struct {
	addr *authlimit.Limiter
	// pairs counts failures per (name, address), for every name alike so
	// that the answers do not tell which names exist.
	pairs *authlimit.Limiter
	// users slows configured users' names guessed from anywhere: its keys
	// come from the config, so it needs no bound and nothing can crowd a
	// user's count out of it.
	users *authlimit.Backoff
	// unknown does the same for names that are no configured user; it
	// evicts when full: a lost count there protects no account.
	unknown *authlimit.Backoff
	known   map[string]bool // lower-cased configured names
	now     func() time.Time

	mu sync.Mutex
	// good remembers, per configured user, the addresses that signed in
	// as that user and when they last did.
	good map[string]map[string]time.Time
}

func newSigninLimits(o Options) *signinLimits {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	bo := authlimit.BackoffOptions{Free: userFree, Window: userWindow, Base: userBase, Cap: userCap, Now: o.Now}
	s := &signinLimits{
		addr:  o.AddrLimit,
		pairs: authlimit.New(authlimit.Options{Max: maxFailsUser, Window: failWindow, Capacity: maxTracked, Full: authlimit.Overflow, Now: o.Now}),
		users: authlimit.NewBackoff(bo),
		known: map[string]bool{},
		now:   now,
		good:  map[string]map[string]time.Time{},
	}
	bo.Capacity = maxTracked
	s.unknown = authlimit.NewBackoff(bo)
	if s.addr == nil {
		s.addr = NewAddrLimiter(o.Now)
	}
	for _, u := range o.Users {
		s.known[strings.ToLower(u.Name)] = true
	}
	return s
}

// nameKey is how a user name is counted.
func nameKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// backoffFor returns the cross-address table that counts name.
func (s *signinLimits) backoffFor(k string) *authlimit.Backoff {
	if s.known[k] {
		return s.users
	}
	return s.unknown
}

// knownGood reports whether addr signed in as user k within knownFor.
func (s *signinLimits) knownGood(k, addr string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.good[k][addr]
	return ok && s.now().Sub(at) < knownFor
}

// signedIn remembers that addr signed in as user k, forgetting the
// user's least recent address beyond knownPerUser.
func (s *signinLimits) signedIn(k, addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.good[k]
	if m == nil {
		m = map[string]time.Time{}
		s.good[k] = m
	}
	m[addr] = s.now()
	if len(m) > knownPerUser {
		var oldest string
		var at time.Time
		for a, t := range m {
			if oldest == "" || t.Before(at) {
				oldest, at = a, t
			}
		}
		delete(m, oldest)
	}
}
