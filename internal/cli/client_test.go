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

// A block and a crawl verdict say in the list what was blocked or judged:
// they carry no session, login or command to show instead.
func TestDetailGatewayAndCrawl(t *testing.T) {
	b := event.Event{Kind: event.GatewayBlock}
	b.URL = "http://bad.example/x\x1b"
	b.Block = event.Block{Host: "bad.example", Enforcer: "proxy", Action: event.ActionBlock, IndicatorType: "host", Indicator: "bad.example", Category: "malware", Ref: "HG-1"}
	if got, want := detail(b), "proxy block http://bad.example/x.: host bad.example (malware) HG-1"; got != want {
		t.Errorf("block detail %q, want %q", got, want)
	}
	d := event.Event{Kind: event.GatewayBlock}
	d.Block = event.Block{Host: "bad.example", Enforcer: "dns", Action: event.ActionNXDomain, IndicatorType: "domain", Indicator: "bad.example", Category: "c2"}
	if got, want := detail(d), "dns nxdomain bad.example: domain bad.example (c2)"; got != want {
		t.Errorf("dns detail %q, want %q", got, want)
	}
	v := event.Event{Kind: event.CrawlVerdict}
	v.Crawl = event.Crawl{Site: "shop", Verdict: "suspicious", Page: "http://shop.example/"}
	if got, want := detail(v), "shop suspicious http://shop.example/"; got != want {
		t.Errorf("crawl detail %q, want %q", got, want)
	}
}
