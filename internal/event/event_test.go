package event

import (
	"strings"
	"testing"
	"time"
)

func TestJSONRoundTrip(t *testing.T) {
	empty := Text("")
	e := Event{ID: NewID(), Time: time.Date(2026, 11, 25, 8, 0, 0, 500, time.FixedZone("x", 3600)), Kind: LoginFailed,
		Sensor: "s1", Proto: "telnet", SrcIP: "198.51.100.4", SrcPort: 40000, DstPort: 23, Session: NewSessionID(),
		Login: Login{Username: "root", Password: &empty}}
	b, err := Marshal(&e)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"time":"2026-11-25T07:00:00.000000500Z"`) {
		t.Errorf("time not RFC 3339 UTC with nanoseconds: %s", b)
	}
	if !strings.Contains(string(b), `"password":""`) {
		t.Errorf("empty password lost: %s", b)
	}
	got, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Time.Equal(e.Time) || got.ID != e.ID || got.Password == nil || *got.Password != "" {
		t.Errorf("round trip: %+v", got)
	}
}

func TestValidateRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"no id":     `{"time":"2026-01-01T00:00:00Z","kind":"login.failed"}`,
		"no time":   `{"id":"a","kind":"login.failed"}`,
		"bad kind":  `{"id":"a","time":"2026-01-01T00:00:00Z","kind":"a>b"}`,
		"bad port":  `{"id":"a","time":"2026-01-01T00:00:00Z","kind":"k","dst_port":-1}`,
		"not json":  `{"id":`,
		"long sess": `{"id":"a","time":"2026-01-01T00:00:00Z","kind":"k","session":"` + strings.Repeat("x", 300) + `"}`,
	} {
		if _, err := Unmarshal([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestIDsAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 10000; i++ {
		id := NewID()
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
	}
}

func TestMarshalKeepsInvalidBytes(t *testing.T) {
	pw := Text("p\xffw")
	e := Event{ID: "a", Time: time.Now(), Kind: LoginFailed, Login: Login{Username: "ro\xfe\x80ot", Password: &pw}, Shell: Shell{Input: "ok é"}}
	b, err := Marshal(&e)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Username != `ro\xfe\x80ot` || *got.Password != `p\xffw` || got.Input != "ok é" {
		t.Errorf("got %q %q %q from %s", got.Username, *got.Password, got.Input, b)
	}
	if *e.Password != "p\xffw" {
		t.Error("Marshal changed its argument")
	}
}
