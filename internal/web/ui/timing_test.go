package ui

import (
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// A wrong name must cost as much bcrypt work as a wrong password, whatever
// cost the configured hashes have (MinBcryptCost is accepted, HashCost is
// what `honeygate user hash` makes): an unknown name used to be compared
// with a cost-12 hash, four times the work of a cost-10 user's, which told
// names apart by timing. The work of a bcrypt comparison is set by the
// hash's cost, so the test checks the cost an unknown name is compared at,
// not the clock (tests here never assert speed).
func TestUnknownUserComparedAtUsersCost(t *testing.T) {
	for _, cost := range []int{MinBcryptCost, HashCost} {
		h, err := bcrypt.GenerateFromPassword([]byte("alice-password-1"), cost)
		if err != nil {
			t.Fatal(err)
		}
		users := []User{{Name: "alice", PasswordHash: string(h)}}
		if _, ok := checkUser(users, "mallory", "wrong-password"); ok {
			t.Fatal("an unknown name signed in")
		}
		got, err := bcrypt.Cost(dummyHash(dummyCost(users)))
		if err != nil || got != cost {
			t.Errorf("users at cost %d: an unknown name is compared at cost %d (%v)", cost, got, err)
		}
	}
}
