package intel

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

// A large bundle parses in time linear in its size: line numbers used to be
// counted from the file's start for every object, so a bundle of 200,000
// small objects (about 20 MB, pretty-printed as OpenCTI writes it) took
// minutes.
func TestSTIXLargeBundleLinear(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("{\n \"type\": \"bundle\",\n \"id\": \"bundle--1\",\n \"objects\": [\n")
	const n = 200000
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "  {\n   \"type\": \"indicator\",\n   \"id\": \"indicator--%d\",\n   \"pattern\": \"[url:value = 'http://big%d.example/p.exe']\",\n   \"pattern_type\": \"stix\"\n  }", i, i)
	}
	b.WriteString("\n ]\n}\n")
	start := time.Now()
	res, err := Parse(bytes.NewReader(b.Bytes()), FormatSTIX, ParseOptions{Source: "test", Now: feedNow})
	if err != nil || res.Good != n {
		t.Fatalf("good=%d, %v", res.Good, err)
	}
	// Linear parsing takes about a second on the shared test machine;
	// quadratic line counting took over a minute.
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("%d objects (%d bytes) took %v", n, b.Len(), d)
	}
}
