// Package login is the login policy the shell honeypots share (telnet, ssh):
// which username/password pairs open the emulated device's shell, and how
// many failures end a connection. One policy, one credential table, so that
// the same bot gets the same answer on every door.
//
// It decides; it does not prompt, count or record. The protocol packages do
// that, each in its own way.
package login

import (
	"fmt"

	"github.com/honeygate/honeygate/internal/schema"
)

// Modes of a Policy.
const (
	ModeDefault = "default" // accept the IoT worms' default credentials (plus Accept), reject the rest
	ModeAny     = "any"     // accept anything
	ModeList    = "list"    // accept only Policy.Accept
)

// Credential is one username/password pair.
type Credential struct {
	Username string `yaml:"username"`
	Password string `yaml:"password"`
}

// Policy decides which credentials open a shell.
type Policy struct {
	Mode        string       `yaml:"mode"`
	Accept      []Credential `yaml:"accept"`       // extra pairs for "default", the only ones for "list"
	MaxAttempts int          `yaml:"max_attempts"` // failed logins before the connection is closed
}

// DefaultPolicy accepts the worms' credentials and closes after three
// failures, as BusyBox login does.
func DefaultPolicy() Policy { return Policy{Mode: ModeDefault, MaxAttempts: 3} }

// Validate reports every field that cannot work, by its yaml path under
// the policy's own key (the caller nests it, e.g. under "login").
func (p Policy) Validate() schema.Errors {
	var errs schema.Errors
	switch p.Mode {
	case ModeDefault, ModeAny:
	case ModeList:
		if len(p.Accept) == 0 {
			errs.Add("accept", `mode "list" needs at least one credential`)
		}
	default:
		errs.Add("mode", `%q is not one of "default", "any", "list"`, p.Mode)
	}
	for i, cr := range p.Accept {
		if cr.Username == "" || len(cr.Username) > 128 || len(cr.Password) > 128 {
			errs.Add(fmt.Sprintf("accept[%d]", i), "username empty, or username or password longer than 128 bytes")
		}
	}
	if p.MaxAttempts < 1 || p.MaxAttempts > 100 {
		errs.Add("max_attempts", "%d is not within 1-100", p.MaxAttempts)
	}
	return errs
}

// Checker answers for one validated Policy. It is immutable and safe for
// concurrent use.
type Checker struct {
	any  bool
	pass map[Credential]struct{}
}

// NewChecker builds the credential set p describes.
func NewChecker(p Policy) *Checker {
	accept := p.Accept
	if p.Mode == ModeDefault {
		accept = append(MiraiCredentials(), accept...)
	}
	c := &Checker{any: p.Mode == ModeAny, pass: make(map[Credential]struct{}, len(accept))}
	for _, cr := range accept {
		c.pass[cr] = struct{}{}
	}
	return c
}

// Accepts reports whether user and pass open a shell.
func (c *Checker) Accepts(user, pass string) bool {
	if c.any {
		return true
	}
	_, ok := c.pass[Credential{Username: user, Password: pass}]
	return ok
}
