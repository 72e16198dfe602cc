package gateway

import (
	"crypto/rand"
	"strings"
)

// refAlphabet is Crockford's base32: no I, L, O or U, so a reference read
// over the phone to a help desk is not misheard.
const refAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewRef returns a new reference id such as "HG-7K3Q-9XPM-2D", shown on the
// block page and stored in the block's event, so a subscriber's complaint
// finds the exact block.
func NewRef() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	var sb strings.Builder
	sb.Grow(15)
	sb.WriteString("HG-")
	for i, c := range b {
		if i == 4 || i == 8 {
			sb.WriteByte('-')
		}
		sb.WriteByte(refAlphabet[c&31])
	}
	return sb.String()
}
