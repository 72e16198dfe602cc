package ui

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"

	"github.com/honeygate/honeygate/internal/schema"
)

// Roles of a configured user. An admin may change the intel and the watch
// list; a read-only user sees everything and changes nothing. The API
// token signs in as an admin named "token".
const (
	RoleAdmin    = "admin"
	RoleReadOnly = "read-only"
)

// TokenUser is the name the audit records for a change made by whoever
// signed in with the API token (or called the API with it).
const TokenUser = "token"

// User is one configured dashboard user (config `web.users`). The password
// is kept only as a bcrypt hash (`honeygate user hash` makes one), never
// in plain text.
type User struct {
	Name         string `yaml:"name"`
	PasswordHash string `yaml:"password_hash"`
	Role         string `yaml:"role"` // admin (default) or read-only
}

// MinBcryptCost is the least bcrypt cost a configured hash may have; the
// hashes HashPassword makes use HashCost.
const (
	MinBcryptCost = 10
	HashCost      = 12
)

// maxPassword bounds a password: bcrypt reads at most 72 bytes, and a
// longer one would be silently cut, so it is refused instead.
const maxPassword = 72

var userNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// HashPassword returns the bcrypt hash of pw, for the config's
// password_hash.
func HashPassword(pw string) (string, error) {
	if len(pw) < 8 {
		return "", errors.New("ui: a password needs at least 8 characters")
	}
	if len(pw) > maxPassword {
		return "", fmt.Errorf("ui: a password has at most %d bytes (bcrypt reads no more)", maxPassword)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), HashCost)
	if err != nil {
		return "", fmt.Errorf("ui: %w", err)
	}
	return string(h), nil
}

// ValidateUsers checks the configured users; paths are relative to the
// list's parent (e.g. "users[0].password_hash").
func ValidateUsers(users []User) schema.Errors {
	var es schema.Errors
	seen := map[string]bool{}
	for i, u := range users {
		p := fmt.Sprintf("users[%d]", i)
		switch {
		case !userNameRe.MatchString(u.Name):
			es.Add(p+".name", "%q: want 1 to 64 letters, digits, '.', '_', '@' or '-'", u.Name)
		case strings.EqualFold(u.Name, TokenUser):
			es.Add(p+".name", "%q is the name of the API token's sign-in", u.Name)
		case seen[strings.ToLower(u.Name)]:
			es.Add(p+".name", "%q is configured twice", u.Name)
		}
		seen[strings.ToLower(u.Name)] = true
		if cost, err := bcrypt.Cost([]byte(u.PasswordHash)); err != nil {
			es.Add(p+".password_hash", "not a bcrypt hash (make one with `honeygate user hash`): %v", err)
		} else if cost < MinBcryptCost {
			es.Add(p+".password_hash", "bcrypt cost %d is too low: at least %d", cost, MinBcryptCost)
		}
		if u.Role != "" && u.Role != RoleAdmin && u.Role != RoleReadOnly {
			es.Add(p+".role", "%q: want admin or read-only", u.Role)
		}
	}
	return es
}

// dummyHashes are compared against when the user is unknown, so that a
// wrong name takes as long as a wrong password: one per bcrypt cost, at
// the cost of the configured users' hashes (which may be anything from
// MinBcryptCost up); each is made on first need, since it takes a while.
var dummyHashes sync.Map // cost -> func() []byte

func dummyHash(cost int) []byte {
	f, _ := dummyHashes.LoadOrStore(cost, sync.OnceValue(func() []byte {
		h, _ := bcrypt.GenerateFromPassword([]byte("honeygate-no-such-user"), cost)
		return h
	}))
	return f.(func() []byte)()
}

// dummyCost is the cost an unknown name is checked at: the first
// configured user's (`honeygate user hash` gives them all one cost).
func dummyCost(users []User) int {
	for _, u := range users {
		if c, err := bcrypt.Cost([]byte(u.PasswordHash)); err == nil && c >= MinBcryptCost {
			return c
		}
	}
	return HashCost
}

// checkUser returns the user named name if pw is its password.
func checkUser(users []User, name, pw string) (User, bool) {
	var found *User
	for i := range users {
		if subtle.ConstantTimeCompare([]byte(strings.ToLower(users[i].Name)), []byte(strings.ToLower(name))) == 1 {
			found = &users[i]
		}
	}
	if found == nil || len(pw) > maxPassword {
		_ = bcrypt.CompareHashAndPassword(dummyHash(dummyCost(users)), []byte(pw))
		return User{}, false
	}
	if bcrypt.CompareHashAndPassword([]byte(found.PasswordHash), []byte(pw)) != nil {
		return User{}, false
	}
	u := *found
	if u.Role == "" {
		u.Role = RoleAdmin
	}
	return u, true
}
