package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/honeygate/honeygate/internal/event"
)

// Attacker input reaches the analyst's terminal through --json: no C0 or C1
// control character may come out raw, and the output stays the same JSON.
func TestPrintJSONEscapesControls(t *testing.T) {
	in := json.RawMessage(`{"input":"ls\u001b[2J\u009b31m\u0007 x"}`)
	var out bytes.Buffer
	if err := printJSON(&out, in); err != nil {
		t.Fatal(err)
	}
	for _, r := range out.String() {
		if (r < 0x20 && r != '\n') || (r >= 0x7f && r <= 0x9f) {
			t.Fatalf("control %U printed raw: %q", r, out.String())
		}
	}
	var a, b any
	json.Unmarshal(in, &a)
	if err := json.Unmarshal(out.Bytes(), &b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `\u009b`) || a.(map[string]any)["input"] != b.(map[string]any)["input"] {
		t.Errorf("output %q does not decode to the input", out.String())
	}
}

func TestPrintable(t *testing.T) {
	if got := printable("a\x1b[31mb\u009bc"); got != "a.[31mb.c" {
		t.Errorf("printable = %q", got)
	}
}

func TestDetailReflect(t *testing.T) {
	e := event.Event{Kind: event.ReflectAttack}
	e.Reflection = event.Reflection{Phase: event.PhaseEnd, Packets: 9000, BytesIn: 72000, BytesOut: 440, PeakPPS: 310, Request: "monlist\x1b[2J"}
	if got, want := detail(e), "end 9000 packets 72000 B in 440 B out, peak 310/s: monlist.[2J"; got != want {
		t.Errorf("detail %q, want %q", got, want)
	}
	s := event.Event{Kind: event.ReflectScan}
	s.Reflection = event.Reflection{Packets: 1, BytesIn: 8, BytesOut: 440, PeakPPS: 1, Request: "monlist"}
	if got, want := detail(s), "1 packets 8 B in 440 B out, peak 1/s: monlist"; got != want {
		t.Errorf("scan detail %q, want %q", got, want)
	}
}
