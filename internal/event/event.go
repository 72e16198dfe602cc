// Package event defines the one observation type that every part of honeygate
// produces and consumes, and the catalogue of event kinds.
//
// Kinds are named in the style of Cowrie's event ids (without its "cowrie."
// prefix) so that tooling written for Cowrie's JSON log maps onto ours.
package event

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Event is one observation. Common fields first; the fields of one kind of
// observation follow in embedded groups (declared beside their kinds in the
// catalogue files), which encoding/json flattens, so the JSON stays one flat,
// Cowrie-compatible object. Group fields are omitted from JSON when empty.
//
// Attacker-controlled text has the type Text, which keeps bytes that are not
// valid UTF-8 (see Text); a new field that carries what an attacker sent
// must use it.
type Event struct {
	ID      string    `json:"id"`     // unique, assigned once by the producer, stable across redelivery
	Time    time.Time `json:"time"`   // UTC
	Kind    Kind      `json:"kind"`   // from the catalogue
	Sensor  string    `json:"sensor"` // the sensor instance (host name of the honeypot by default)
	Proto   string    `json:"proto"`  // telnet, smb, http, ...
	SrcIP   string    `json:"src_ip"` // attacker address
	SrcPort int       `json:"src_port"`
	DstPort int       `json:"dst_port"` // the port the attacker connected to (before any local redirect)
	Session string    `json:"session"`
	Family  string    `json:"family,omitempty"` // malware family attributed so far

	// Groups, in the order their fields appear in JSON.
	Login
	Shell
	Download
	Attribution
	Closing
	WindowSize
	Traffic
	Reflection
	Flood
	SSH
	Block
	Crawl
	Exploit
	SMB
	NTLM
	HTTP

	// Raw is the encoding this event arrived in from the bus, set by the
	// bus on delivery; it is not part of the event. Stores and logs keep it as is
	// rather than encode again: that is cheaper, and it keeps fields a newer
	// sensor added that this version does not know.
	Raw json.RawMessage `json:"-"`
}

// Text is text an attacker controls (a username, a command line, a URL).
// It marshals like a string, except that each byte of an invalid UTF-8
// sequence is written as the four characters \xNN, where encoding/json
// would replace it with U+FFFD and lose it.
type Text string

// MarshalText implements encoding.TextMarshaler.
func (t Text) MarshalText() ([]byte, error) { return []byte(keepBytes(string(t))), nil }

// NewID returns a new unique, time-ordered event id (a UUIDv7).
func NewID() string {
	u, err := uuid.NewV7()
	if err != nil {
		var b [16]byte
		_, _ = rand.Read(b[:])
		return hex.EncodeToString(b[:])
	}
	return u.String()
}

// NewSessionID returns a random session id: 32 hex digits, 128 random bits,
// so that ids do not collide across billions of sessions (Cowrie's 48 bits
// would at tens of millions).
func NewSessionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Validation limits: an event is produced by our sensors, but it may also
// arrive from a remote sensor over the bus, so nothing is trusted.
const (
	MaxFieldLen = 64 << 10
	MaxEncoded  = 1 << 20
)

// Validate checks an event's common fields.
func (e *Event) Validate() error {
	var errs []error
	if e.ID == "" || len(e.ID) > 64 {
		errs = append(errs, errors.New("id: missing or longer than 64"))
	}
	if e.Time.IsZero() {
		errs = append(errs, errors.New("time: missing"))
	}
	if e.Kind == "" || len(e.Kind) > 64 || strings.ContainsAny(string(e.Kind), " *>\t\r\n") {
		errs = append(errs, fmt.Errorf("kind: %q is not a valid kind", e.Kind))
	}
	if e.SrcPort < 0 || e.SrcPort > 65535 || e.DstPort < 0 || e.DstPort > 65535 {
		errs = append(errs, errors.New("src_port/dst_port: out of range"))
	}
	// An array, not a map: Validate runs for every event published and
	// decoded, and a map literal is an allocation each time.
	for _, f := range [...]struct{ name, v string }{{"sensor", e.Sensor}, {"proto", e.Proto}, {"src_ip", e.SrcIP}, {"session", e.Session}, {"family", e.Family}} {
		if len(f.v) > 256 {
			errs = append(errs, fmt.Errorf("%s: longer than 256", f.name))
		}
	}
	return errors.Join(errs...)
}

// TimeFormat is RFC 3339 with all nine fractional digits, so that event
// times sort as strings and every consumer sees the same precision.
const TimeFormat = "2006-01-02T15:04:05.000000000Z07:00"

// wire is Event without methods, with Time in TimeFormat. It points to the
// event rather than holding a copy: an Event is over a kilobyte of mostly
// empty groups, and Marshal runs for every event published.
type wire struct {
	*plain
	Time jsonTime `json:"time"`
}

type plain Event // no methods: no recursion

type jsonTime time.Time

// MarshalText writes the time in TimeFormat, in UTC. (A text marshaler,
// unlike a JSON one, is not re-scanned by encoding/json.)
func (t jsonTime) MarshalText() ([]byte, error) {
	return time.Time(t).UTC().AppendFormat(make([]byte, 0, len(TimeFormat)), TimeFormat), nil
}

// MarshalJSON writes Time in TimeFormat, in UTC. Hot paths use Marshal,
// which avoids the re-scan encoding/json does of a MarshalJSON result.
func (e Event) MarshalJSON() ([]byte, error) { return Marshal(&e) }

// Marshal encodes e as one JSON object (fields of type Text keep their
// bytes, see Text).
func Marshal(e *Event) ([]byte, error) {
	return json.Marshal(&wire{plain: (*plain)(e), Time: jsonTime(e.Time)})
}

// keepBytes returns s with each byte of an invalid UTF-8 sequence written
// as \xNN; valid text (the common case) is returned as is, without copying.
func keepBytes(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			fmt.Fprintf(&b, "\\x%02x", s[i])
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Unmarshal decodes and validates one event.
func Unmarshal(b []byte) (Event, error) {
	var e Event
	err := UnmarshalTo(b, &e)
	return e, err
}

// UnmarshalTo is Unmarshal into *e, which must be the zero Event: a
// consumer decoding a batch fills its slice in place instead of copying
// each kilobyte-sized Event out and in again.
func UnmarshalTo(b []byte, e *Event) error {
	if len(b) > MaxEncoded {
		return fmt.Errorf("event: %d bytes is over the %d limit", len(b), MaxEncoded)
	}
	if err := json.Unmarshal(b, e); err != nil {
		return fmt.Errorf("event: %w", err)
	}
	if err := e.Validate(); err != nil {
		return fmt.Errorf("event %s: %w", e.ID, err)
	}
	e.Time = e.Time.UTC()
	return nil
}

// Truncate cuts s to at most n bytes, marking the cut.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…[truncated]"
}
