package intel

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"
)

// Limits are the checks that keep one indicator from blocking far more than
// its author meant: a CIDR wider than a minimum prefix (0.0.0.0/0 blocks the
// whole Internet, a /4 a sixteenth of it). The zero value is DefaultLimits.
// Two more checks need no setting and always apply: a domain or url-prefix
// on a public suffix (see publicSuffixError), and an expiry in the past
// (more than expireNowSlack before now).
type Limits struct {
	// MinPrefixV4 is the shortest IPv4 CIDR accepted; 0: 8.
	MinPrefixV4 int `yaml:"min_prefix_v4"`
	// MinPrefixV6 is the shortest IPv6 CIDR accepted; 0: 32 (a regional
	// registry hands out /32s to whole ISPs).
	MinPrefixV6 int `yaml:"min_prefix_v6"`
}

// Default minimum prefix lengths.
const (
	DefaultMinPrefixV4 = 8
	DefaultMinPrefixV6 = 32
)

func (l Limits) v4() int {
	if l.MinPrefixV4 <= 0 {
		return DefaultMinPrefixV4
	}
	return l.MinPrefixV4
}

func (l Limits) v6() int {
	if l.MinPrefixV6 <= 0 {
		return DefaultMinPrefixV6
	}
	return l.MinPrefixV6
}

// expireNowSlack is how far in the past an expiry may lie and still be
// taken as "expire now" (the dashboard's Expire button upserts the
// indicator with its own clock's now): an older one is a stale date.
const expireNowSlack = time.Minute

// FieldError is an indicator rejected for one field's value: the API shows
// it as a 400 with its text, a feed as a bad line. It wraps ErrInvalid.
type FieldError struct {
	Field string // value, expires, type, ...
	Value string
	Msg   string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("intel: %s %q: %v: %s", e.Field, e.Value, ErrInvalid, e.Msg)
}

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// check applies the limits to a normalized indicator as of now (a zero now
// skips the expiry check). Category and source must be lower case already.
func (l Limits) check(ind *Indicator, now time.Time) error {
	// A held honeypot indicator (honeypot.go) is stored expired on purpose:
	// listed, shown, not enforced until corroborated.
	held := ind.Category == CategorySuspicious && ind.Source == SourceHoneypot
	if !now.IsZero() && !ind.Expires.IsZero() && ind.Expires.Before(now.Add(-expireNowSlack)) && !held {
		return &FieldError{Field: "expires", Value: ind.Expires.UTC().Format(time.RFC3339),
			Msg: "in the past (at " + now.UTC().Format(time.RFC3339) + "): the indicator would never be enforced"}
	}
	if ind.Type == TypeSHA256 && ind.Value == EmptySHA256 {
		return &FieldError{Field: "value", Value: ind.Value,
			Msg: "the SHA-256 of empty content: it would block every empty response body (a 204, a redirect, an empty file)"}
	}
	if ind.Type == TypeCIDR {
		p, err := netip.ParsePrefix(ind.Value)
		if err != nil {
			return nil // CanonicalValue accepted it: a bare address
		}
		min, fam := l.v6(), "IPv6"
		if p.Addr().Is4() {
			min, fam = l.v4(), "IPv4"
		}
		if p.Bits() < min {
			return &FieldError{Field: "value", Value: ind.Value,
				Msg: fmt.Sprintf("wider than /%d, the shortest %s prefix accepted (intel.min_prefix_v%c): it would block %s",
					min, fam, fam[3], share(p))}
		}
	}
	return nil
}

// EmptySHA256 is the SHA-256 of zero bytes. Feeds list it by mistake (a
// sandbox that hashed a download that failed); as an indicator it matches
// every empty body, so it is refused.
const EmptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// overBroad reports why an indicator that is already canonical would match
// far more than one threat (the empty-content hash, a public suffix, a CIDR
// wider than l allows), or "" when it would not. Snapshot builds use it to
// skip such indicators that a database written before these checks still
// holds; NormalizeAt refuses them at the door with the same rules.
func (l Limits) overBroad(t Type, v string) string {
	var err error
	switch t {
	case TypeSHA256:
		if v == EmptySHA256 {
			return "the SHA-256 of empty content"
		}
		return ""
	case TypeDomain:
		err = publicSuffixError(t, v)
	case TypeURLPrefix:
		host := v
		if j := strings.IndexByte(v, '/'); j >= 0 {
			host = v[:j]
		}
		if host != "" && host[0] != '[' && !canonicalQuad(host) {
			err = publicSuffixError(t, host)
		}
	case TypeCIDR:
		err = l.check(&Indicator{Type: t, Value: v}, time.Time{})
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// share says how much of the address space p covers, for the error.
func share(p netip.Prefix) string {
	if p.Bits() == 0 {
		return "every address"
	}
	return fmt.Sprintf("1/%d of all %s addresses", uint64(1)<<min(p.Bits(), 63), map[bool]string{true: "IPv4", false: "IPv6"}[p.Addr().Is4()])
}

// publicSuffixError reports a name that is a public suffix (a top-level
// domain such as com, a registry's second level such as co.uk, or a
// hosting provider's shared suffix such as github.io, from the public
// suffix list; a single label is one by the list's default rule): a domain
// or url-prefix indicator on it would block every site registered under it.
// It returns nil for any other name.
func publicSuffixError(t Type, name string) error {
	ps, icann := publicsuffix.PublicSuffix(name)
	if ps != name {
		return nil
	}
	kind := "a top-level domain"
	switch {
	case !icann && len(name) > 0 && !hasDot(name):
		kind = "a single label (a top-level domain by the public suffix list's default rule)"
	case !icann:
		kind = "a shared hosting or dynamic DNS suffix on the public suffix list"
	case hasDot(name):
		kind = "a registry suffix on the public suffix list"
	}
	return &FieldError{Field: "value", Value: name,
		Msg: fmt.Sprintf("%s is %s: a %s indicator on it would block every site under it", name, kind, t)}
}

func hasDot(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return true
		}
	}
	return false
}
