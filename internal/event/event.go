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

// Kind names what an event observed.
type Kind string

// The catalogue of event kinds. Add new kinds here and only here.
const (
	SessionConnect    Kind = "session.connect"    // a client connected to a sensor
	SessionClosed     Kind = "session.closed"     // the session ended; carries duration and final family
	SessionAttributed Kind = "session.attributed" // the session's family changed; carries the reasons
	SessionPanic      Kind = "session.panic"      // a bug in honeygate ended the session; carries the message
	ClientSize        Kind = "client.size"        // telnet NAWS window size
	LoginSuccess      Kind = "login.success"      // credentials accepted
	LoginFailed       Kind = "login.failed"       // credentials rejected
	CommandInput      Kind = "command.input"      // one shell command line
	FileDownload      Kind = "file.download"      // a payload URL the attacker asked the device to fetch (never fetched)
)

// Kinds lists every kind in the catalogue, in a stable order.
var Kinds = []Kind{
	SessionConnect, SessionClosed, SessionAttributed, SessionPanic, ClientSize,
	LoginSuccess, LoginFailed, CommandInput, FileDownload,
}

// Known reports whether k is in the catalogue.
func (k Kind) Known() bool {
	for _, c := range Kinds {
		if c == k {
			return true
		}
	}
	return false
}

// FamilyUnknown is the family of a session no attribution rule matched.
const FamilyUnknown = "unknown"

// Event is one observation. Common fields first; kind-specific fields follow
// and are omitted from JSON when empty.
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

	Username string   `json:"username,omitempty"`
	Password *string  `json:"password,omitempty"` // pointer: an empty password is a real observation
	Input    string   `json:"input,omitempty"`    // command line as typed
	Output   string   `json:"output,omitempty"`   // what the honeypot answered (truncated)
	URL      string   `json:"url,omitempty"`      // payload URL, never fetched
	Tool     string   `json:"tool,omitempty"`     // wget, tftp, curl, ...
	Filename string   `json:"filename,omitempty"` // where the attacker wanted the payload written
	Reasons  []string `json:"reasons,omitempty"`  // why the family was attributed
	Message  string   `json:"message,omitempty"`  // panic message, close reason, ...
	Duration float64  `json:"duration,omitempty"` // seconds, for session.closed
	Width    int      `json:"width,omitempty"`
	Height   int      `json:"height,omitempty"`
	Bytes    int64    `json:"bytes,omitempty"` // bytes received in the session, for session.closed

	// Raw is the encoding this event arrived in from the bus, set by the
	// bus on delivery; it is not part of the event. Stores and logs keep it as is
	// rather than encode again: that is cheaper, and it keeps fields a newer
	// sensor added that this version does not know.
	Raw json.RawMessage `json:"-"`
}

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

// NewSessionID returns a short random session id, as Cowrie uses.
func NewSessionID() string {
	var b [6]byte
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
	for name, v := range map[string]string{"sensor": e.Sensor, "proto": e.Proto, "src_ip": e.SrcIP, "session": e.Session, "family": e.Family} {
		if len(v) > 256 {
			errs = append(errs, fmt.Errorf("%s: longer than 256", name))
		}
	}
	return errors.Join(errs...)
}

// TimeFormat is RFC 3339 with all nine fractional digits, so that event
// times sort as strings and every consumer sees the same precision.
const TimeFormat = "2006-01-02T15:04:05.000000000Z07:00"

// wire is Event without methods, with Time in TimeFormat.
type wire struct {
	plain
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

// Marshal encodes e as one JSON object. Attacker-supplied text that is not
// valid UTF-8 keeps its bytes: each invalid byte is written as the four
// characters \xNN, where encoding/json would replace it with U+FFFD and lose it.
func Marshal(e *Event) ([]byte, error) {
	w := wire{plain: plain(*e), Time: jsonTime(e.Time)}
	for _, f := range []*string{&w.Username, &w.Input, &w.Output, &w.URL, &w.Filename, &w.Message, &w.Tool} {
		*f = keepBytes(*f)
	}
	if w.Password != nil && !utf8.ValidString(*w.Password) {
		p := keepBytes(*w.Password)
		w.Password = &p
	}
	return json.Marshal(w)
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
	if len(b) > MaxEncoded {
		return e, fmt.Errorf("event: %d bytes is over the %d limit", len(b), MaxEncoded)
	}
	if err := json.Unmarshal(b, &e); err != nil {
		return e, fmt.Errorf("event: %w", err)
	}
	if err := e.Validate(); err != nil {
		return e, fmt.Errorf("event %s: %w", e.ID, err)
	}
	e.Time = e.Time.UTC()
	return e, nil
}

// Truncate cuts s to at most n bytes, marking the cut.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…[truncated]"
}
