package ui

import (
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// A wrong name takes as long as a wrong password, whatever cost the
// configured hashes have (MinBcryptCost is accepted, HashCost is what
// `honeygate user hash` makes): an unknown name used to be compared with
// a cost-12 hash, four times the work of a cost-10 user's, which told
// names apart by timing.
func TestUnknownUserTakesAsLong(t *testing.T) {
	h, err := bcrypt.GenerateFromPassword([]byte("alice-password-1"), MinBcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	users := []User{{Name: "alice", PasswordHash: string(h)}}
	fastest := func(name string) time.Duration {
		best := time.Hour
		for range 3 {
			start := time.Now()
			checkUser(users, name, "wrong-password")
			best = min(best, time.Since(start))
		}
		return best
	}
	checkUser(users, "warm-up", "x") // the dummy hash is made on first need
	known, unknown := fastest("alice"), fastest("mallory")
	if unknown > 2*known || known > 2*unknown {
		t.Fatalf("a wrong password takes %s, an unknown name %s", known, unknown)
	}
}
