package e2e

import (
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// apiAttack is an attack as GET /api/v1/attacks lists it.
type apiAttack struct {
	ID        string    `json:"id"`
	Proto     string    `json:"proto"`
	Victim    string    `json:"victim"`
	DstPort   int       `json:"dst_port"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	Requests  int64     `json:"requests"`
	BytesIn   int64     `json:"bytes_in"`
	BytesOut  int64     `json:"bytes_out"`
	PeakPPS   int64     `json:"peak_pps"`
	Request   string    `json:"request"`
	Ended     bool      `json:"ended"`
}

// TestReflectorFloodIsAnAttack runs the NTP and DNS reflectors of the real
// binary, floods NTP with monlist requests from three spoofed victim
// addresses (loopback sources), has a scanner probe DNS once, and checks
// what the API shows: one ended attack per victim with every request
// counted, the scanner's scan, and fewer bytes sent than received.
func TestReflectorFloodIsAnAttack(t *testing.T) {
	data := t.TempDir()
	cfg := filepath.Join(data, "honeygate.yaml")
	if err := os.WriteFile(cfg, []byte("reflect:\n  limits:\n    attack_requests: 50\n    attack_window: 1s\n    attack_idle: 1s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, data, "--config", cfg, "--listen", "web=127.0.0.1:0",
		"--listen", "reflect-ntp=127.0.0.1:0", "--listen", "reflect-dns=127.0.0.1:0")
	ntp := netip.MustParseAddrPort(s.addrs["reflect-ntp"][0])
	dns := netip.MustParseAddrPort(s.addrs["reflect-dns"][0])
	begin := time.Now().Add(-time.Second)

	monlist := []byte{0x17, 0x00, 0x03, 0x2a, 0, 0, 0, 0}
	const per = 200
	victims := []string{"127.0.60.1", "127.0.60.2", "127.0.60.3"}
	var sent, got int64
	for _, v := range victims {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(v)})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		for range per {
			if _, err := c.WriteToUDPAddrPort(monlist, ntp); err != nil {
				t.Fatal(err)
			}
			sent += int64(len(monlist))
		}
		got += drain(c)
	}
	// The victims' bytes are the sensor's to spend: a scanner now sees an
	// open resolver.
	sc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP("127.0.61.1")})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	query := []byte{0xab, 0xcd, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'i', 's', 'c', 3, 'o', 'r', 'g', 0, 0, 255, 0, 1}
	if _, err := sc.WriteToUDPAddrPort(query, dns); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2048)
	_ = sc.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := sc.Read(buf)
	if err != nil {
		t.Fatalf("the scanner got no answer: %v", err)
	}
	if n < 12 || binary.BigEndian.Uint16(buf) != 0xabcd || buf[2]&0x80 == 0 || binary.BigEndian.Uint16(buf[6:]) == 0 {
		t.Errorf("answer to ANY: % x", buf[:n])
	}
	if got >= sent {
		t.Errorf("victims received %d bytes for %d sent in their name", got, sent)
	}

	q := url.Values{"from": {begin.UTC().Format(time.RFC3339Nano)}, "to": {time.Now().Add(time.Minute).UTC().Format(time.RFC3339Nano)}}
	var resp struct{ Attacks []apiAttack }
	waitFor(t, "three ended attacks", 30*time.Second, func() bool {
		if code := s.get("/api/v1/attacks", q, testToken, &resp); code != http.StatusOK {
			t.Fatalf("attacks: status %d", code)
		}
		ended := 0
		for _, a := range resp.Attacks {
			if a.Ended {
				ended++
			}
		}
		return ended == len(victims)
	})
	if len(resp.Attacks) != len(victims) {
		t.Fatalf("%d attacks: %+v", len(resp.Attacks), resp.Attacks)
	}
	seen := map[string]bool{}
	for _, a := range resp.Attacks {
		seen[a.Victim] = true
		if a.Proto != "ntp" || a.Requests != per || a.BytesIn != per*int64(len(monlist)) || a.BytesOut >= a.BytesIn ||
			a.DstPort != int(ntp.Port()) || a.Request != "monlist" || a.PeakPPS <= 0 || a.LastSeen.Before(a.FirstSeen) {
			t.Errorf("attack %+v", a)
		}
	}
	for _, v := range victims {
		if !seen[v] {
			t.Errorf("no attack on %s: %+v", v, resp.Attacks)
		}
	}
	// The attack's events: a start and an end per victim, tied by their
	// attack_id and by no session (an attack is no session: nothing would
	// ever close it).
	var evs struct {
		Events []struct {
			SrcIP    string `json:"src_ip"`
			Session  string `json:"session"`
			AttackID string `json:"attack_id"`
			Phase    string `json:"phase"`
		}
	}
	if code := s.get("/api/v1/events", url.Values{"kind": {"reflect.attack"}}, testToken, &evs); code != http.StatusOK {
		t.Fatalf("events: status %d", code)
	}
	phases := map[string]string{}
	for _, e := range evs.Events {
		if e.Session != "" || e.AttackID == "" {
			t.Errorf("reflect.attack event %+v", e)
		}
		phases[e.AttackID] += e.Phase + " "
	}
	for _, a := range resp.Attacks {
		if p := phases[a.ID]; p != "end start " {
			t.Errorf("attack %s: events %q (newest first), want an end and a start", a.ID, p)
		}
	}
	// The same through the client subcommand.
	env := []string{"HONEYGATE_SERVER=http://" + s.addrs["web"][0], "HONEYGATE_TOKEN=" + testToken}
	out, code := runCLI(t, env, "attacks", "--from", "10m", "--proto", "ntp")
	if code != 0 {
		t.Fatalf("honeygate attacks: code %d\n%s", code, out)
	}
	for _, want := range append(victims, "ended (idle)", "monlist", "REQUESTS") {
		if !strings.Contains(out, want) {
			t.Errorf("honeygate attacks lacks %q:\n%s", want, out)
		}
	}
	// Outside the window: nothing.
	var none struct{ Attacks []apiAttack }
	old := url.Values{"from": {"2020-01-01"}, "to": {"2020-01-02"}}
	if code := s.get("/api/v1/attacks", old, testToken, &none); code != http.StatusOK || len(none.Attacks) != 0 {
		t.Errorf("2020: status %d, %+v", code, none.Attacks)
	}
	if code := s.get("/api/v1/attacks", url.Values{"from": {"junk"}}, testToken, nil); code != http.StatusBadRequest {
		t.Errorf("from=junk: status %d", code)
	}
	// The process's own count: bytes out below bytes in, over both reflectors.
	in, outB := metricSum(t, s, "honeygate_packet_bytes_in_total"), metricSum(t, s, "honeygate_packet_bytes_out_total")
	if in < float64(sent) || outB >= in || outB == 0 {
		t.Errorf("metrics: %v bytes in, %v out (%d sent by the victims)", in, outB, sent)
	}
	waitFor(t, "the scan", 30*time.Second, func() bool {
		for _, e := range s.events(url.Values{"kind": {"reflect.scan"}}) {
			if e.SrcIP == "127.0.61.1" && e.Proto == "dns" && e.DstPort == int(dns.Port()) {
				return true
			}
		}
		return false
	})
}

// drain reads what a socket was sent until it is quiet and returns the bytes.
func drain(c *net.UDPConn) int64 {
	var n int64
	buf := make([]byte, 65536)
	for {
		_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		m, err := c.Read(buf)
		if err != nil {
			return n
		}
		n += int64(m)
	}
}

// metricSum adds up every series of a Prometheus counter on /metrics.
func metricSum(t *testing.T, s *server, name string) float64 {
	t.Helper()
	resp, err := http.Get(s.apiURL("/metrics", nil))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var sum float64
	for _, line := range strings.Split(string(body), "\n") {
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil {
			t.Fatalf("metric line %q", line)
		}
		sum += v
	}
	return sum
}
