package event

import (
	"testing"
	"time"
)

// FuzzUnmarshal: events arrive over the bus, possibly from remote sensors.
// Invariant: Unmarshal never panics, and what it accepts re-encodes and
// decodes to an event that validates.
func FuzzUnmarshal(f *testing.F) {
	pw := Text("")
	good := Event{ID: NewID(), Time: time.Now().UTC(), Kind: LoginSuccess, Sensor: "s", Proto: "telnet",
		SrcIP: "192.0.2.1", SrcPort: 1234, DstPort: 23, Session: "abc", Login: Login{Username: "root", Password: &pw}}
	b, _ := Marshal(&good)
	f.Add(b)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"id":"x","time":"2026-01-01T00:00:00Z","kind":"a b"}`))
	f.Add([]byte(`{"id":"x","time":"2026-01-01T00:00:00Z","kind":"k","src_port":70000}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Unmarshal(data)
		if err != nil {
			return
		}
		b, err := Marshal(&e)
		if err != nil {
			t.Fatalf("accepted event does not re-encode: %v", err)
		}
		if _, err := Unmarshal(b); err != nil {
			t.Fatalf("re-encoded event rejected: %v\n%s", err, b)
		}
	})
}
