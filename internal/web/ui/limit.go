package ui

import (
	"strings"
	"time"

	"github.com/honeygate/honeygate/internal/web/authlimit"
)

// Failed sign-ins are limited per client address and per user name: after
// the maximum within failWindow, further attempts from that address (or for
// that name) are refused without checking the password until the window
// has passed. Per address stops one client guessing; per name stops many
// clients guessing one account.
const (
	failWindow      = 15 * time.Minute
	maxFailsAddress = 10
	maxFailsUser    = 5
	// maxTracked bounds the tables whose keys a client chooses (addresses,
	// unknown names).
	maxTracked = 10000
)

// NewAddrLimiter returns the per-address limit of failed sign-ins, which the
// API shares for failed bearer tokens (both guess the same token). It
// refuses new addresses while full of live counts rather than evict one:
// eviction would reset the count of an address that many other addresses
// crowded out.
func NewAddrLimiter(now func() time.Time) *authlimit.Limiter {
	return authlimit.New(authlimit.Options{Max: maxFailsAddress, Window: failWindow, Capacity: maxTracked, Full: authlimit.Refuse, Now: now})
}

// signinLimits are the three tables a sign-in is counted in.
type signinLimits struct {
	addr *authlimit.Limiter
	// users counts failures of configured users only: its keys come from
	// the config, so it needs no bound and nothing can crowd a user's
	// count out of it.
	users *authlimit.Limiter
	// unknown counts names that are no configured user, so that they are
	// refused after as many failures as a real one (the answer must not
	// tell which names exist). It evicts when full: a lost count there
	// protects no account.
	unknown *authlimit.Limiter
	known   map[string]bool // lower-cased configured names
}

func newSigninLimits(o Options) *signinLimits {
	s := &signinLimits{
		addr:    o.AddrLimit,
		users:   authlimit.New(authlimit.Options{Max: maxFailsUser, Window: failWindow, Now: o.Now}),
		unknown: authlimit.New(authlimit.Options{Max: maxFailsUser, Window: failWindow, Capacity: maxTracked, Full: authlimit.Evict, Now: o.Now}),
		known:   map[string]bool{},
	}
	if s.addr == nil {
		s.addr = NewAddrLimiter(o.Now)
	}
	for _, u := range o.Users {
		s.known[strings.ToLower(u.Name)] = true
	}
	return s
}

// forName returns the table and key that count sign-ins as name.
func (s *signinLimits) forName(name string) (*authlimit.Limiter, string) {
	k := strings.ToLower(name)
	if s.known[k] {
		return s.users, k
	}
	return s.unknown, k
}
