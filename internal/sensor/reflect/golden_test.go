package reflect

import (
	"encoding/hex"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/sensor"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current output")

// testNow is the clock of the golden tests.
var testNow = time.Date(2026, 11, 30, 12, 0, 0, 123456789, time.UTC)

// testSrc is the (spoofed) source of the golden requests.
var testSrc = netip.MustParseAddrPort("198.51.100.7:40000")

// testHandlers returns one handler per protocol with the default
// configuration and a fixed clock.
func testHandlers() map[string]sensor.PacketHandler {
	c := DefaultConfig()
	n := NewNTP(c.NTP)
	n.now = func() time.Time { return testNow }
	m := NewMemcached(c.Memcached)
	m.now = func() time.Time { return testNow }
	m.start = testNow.Add(-41 * 24 * time.Hour)
	return map[string]sensor.PacketHandler{
		"dns":       NewDNS(c.DNS),
		"ntp":       n,
		"ssdp":      NewSSDP(c.SSDP, "sensor-1"),
		"chargen":   NewCharGen(c.CharGen),
		"memcached": m,
	}
}

// TestGolden answers each request of goldenRequests and compares the
// description and the reply with testdata/golden/<name>.golden.
func TestGolden(t *testing.T) {
	hs := testHandlers()
	for _, g := range goldenRequests {
		t.Run(g.name, func(t *testing.T) {
			h := hs[g.proto]
			reply := h.ServePacket(nil, g.req, sensor.PacketInfo{Src: testSrc, DstPort: 1})
			var b strings.Builder
			fmt.Fprintf(&b, "proto: %s\nrequest (%d bytes):\n%s", g.proto, len(g.req), hex.Dump(g.req))
			fmt.Fprintf(&b, "describe: %s\n", h.(sensor.PacketDescriber).Describe(g.req))
			if len(reply) == 0 {
				b.WriteString("reply: none\n")
			} else {
				fmt.Fprintf(&b, "reply (%d bytes, %.1fx):\n%s", len(reply), float64(len(reply))/float64(len(g.req)), hex.Dump(reply))
			}
			path := filepath.Join("testdata", "golden", g.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if b.String() != string(want) {
				t.Errorf("output differs from %s (run with -update after checking):\n%s", path, b.String())
			}
		})
	}
}
