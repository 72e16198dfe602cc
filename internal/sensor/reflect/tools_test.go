package reflect

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/sensor"
)

// Real clients from Debian against the reflectors on loopback: dig, and
// nmap's scripts that scanners for amplifiers run. Each reflector listens
// on its well-known port on an address of its own in 127.0.0.0/8 (nmap's
// scripts choose targets by port); a test is skipped when its tool is
// missing or the port cannot be bound.

func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed", name)
	}
	return p
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// toolLimits let one scanner have ten answers a minute, each larger than
// its question: nmap's UDP scan and its scripts ask several amplifying
// questions from one address, and the default limits answer only the first
// (which is the point, facing the Internet). Here what is under test is
// that real clients understand each answer.
func toolLimits() sensor.PacketLimits {
	l := floodLimits()
	l.ReplyBurst = 10
	l.SourceAllowance = 16 << 10
	return l
}

// startWellKnown runs a reflector on ip:port, primed so it may answer.
func startWellKnown(t *testing.T, proto, ip string, port int) *running {
	t.Helper()
	r := start(t, testHandlers()[proto], toolLimits(), fmt.Sprintf("%s:%d", ip, port))
	prime(t, r, "127.0.0.2")
	return r
}

func contains(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

func TestDigAny(t *testing.T) {
	dig := tool(t, "dig")
	r := start(t, NewDNS(DefaultDNSConfig()), toolLimits(), "127.0.0.1:0")
	prime(t, r, "127.0.0.2")
	out := run(t, dig, "@127.0.0.1", "-p", fmt.Sprint(r.addr.Port()), "+tries=1", "+time=3", "+notcp", "ANY", "isc.org") // dig 9.18 asks ANY over TCP unless told
	contains(t, out, "status: NOERROR", "flags: qr rd ra;", "ANSWER: 8,", "isc.org.\t\t86400\tIN\tSOA\tns1.isc.org. hostmaster.isc.org.",
		"isc.org.\t\t3600\tIN\tA\t203.0.113.53")
	out = run(t, dig, "@127.0.0.1", "-p", fmt.Sprint(r.addr.Port()), "+tries=1", "+time=3", "CH", "TXT", "version.bind")
	contains(t, out, `"9.8.2rc1-RedHat-9.8.2-0.68.rc1.el6_10.8"`)
}

func TestNmapScripts(t *testing.T) {
	nmap := tool(t, "nmap")
	for _, tc := range []struct {
		proto, ip string
		port      int
		script    string
		wants     []string
	}{
		{"dns", "127.77.0.53", 53, "dns-recursion", []string{"53/udp open", "Recursion appears to be enabled"}},
		{"ntp", "127.77.0.123", 123, "ntp-monlist,ntp-info", []string{"123/udp open", "ntp-monlist", "198.51.100.17", "ntpd 4.2.6p5"}},
		{"ssdp", "127.77.1.19", 1900, "upnp-info", []string{"1900/udp open", "MiniUPnPd/1.4", "http://192.168.1.1:5000/rootDesc.xml"}},
		{"memcached", "127.77.11.211", 11211, "memcached-info", []string{"11211/udp open", "Process ID: 781", "Uptime: 3542400 seconds", "UDP Port: 11211"}},
		{"chargen", "127.77.0.19", 19, "", []string{"19/udp open", "chargen"}},
	} {
		t.Run(tc.proto, func(t *testing.T) {
			startWellKnown(t, tc.proto, tc.ip, tc.port)
			args := []string{"-n", "-Pn", "-sU", "-p", fmt.Sprint(tc.port), "--max-retries", "1", "-T4"}
			if tc.script != "" {
				args = append(args, "--script", tc.script)
			}
			out := run(t, nmap, append(args, tc.ip)...)
			contains(t, out, tc.wants...)
		})
	}
}
