package ui_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/crawl"
	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/intel"
	"github.com/honeygate/honeygate/internal/store"
	"github.com/honeygate/honeygate/internal/store/sqlite"
	"github.com/honeygate/honeygate/internal/testkit/eventkit"
	"github.com/honeygate/honeygate/internal/web/ui"
)

const token = "s3cret-token"

// now is the fixed clock of the tests: "today" is 2026-03-10.
var now = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

type fixture struct {
	srv *httptest.Server
	c   *http.Client
	db  *sqlite.DB
}

func newFixture(t *testing.T, opts ...func(*ui.Options)) *fixture {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "hg.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	o := ui.Options{Store: db, Blocks: db, Crawl: &ui.Crawl{Store: db, Cells: db.VisitCells}, Intel: intel.NewManager(intel.ManagerOptions{Store: db, Now: func() time.Time { return now }}), Token: token, Audit: db, Log: testLog(t), Now: func() time.Time { return now }}
	for _, f := range opts {
		f(&o)
	}
	h, err := ui.New(o)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return &fixture{srv: srv, db: db, c: &http.Client{Jar: jar}}
}

// ev builds one event of a session.
func ev(sess, ip string, port int, t time.Time, kind event.Kind, f func(*event.Event)) event.Event {
	e := eventkit.New(sess, ip, port, t, eventkit.Sensor("hp1"), eventkit.RandomIDs()).Event(kind, 0)
	if f != nil {
		f(&e)
	}
	return e
}

func (f *fixture) seed(t *testing.T, evs ...event.Event) {
	t.Helper()
	if _, err := f.db.AppendEvents(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`)

func (f *fixture) get(t *testing.T, path string) (int, string, http.Header) {
	t.Helper()
	res, err := f.c.Get(f.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

func (f *fixture) login(t *testing.T, tok string) (int, string) {
	t.Helper()
	_, body, _ := f.get(t, "/login")
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf field in the sign-in form:\n%s", body)
	}
	res, err := f.c.PostForm(f.srv.URL+"/login", url.Values{"csrf": {m[1]}, "token": {tok}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestSignInRequiredAndCookieFlags(t *testing.T) {
	f := newFixture(t)
	for _, p := range []string{"/", "/honeypot", "/sessions/x", "/tampering", "/blocks", "/intel", "/watch", "/ui/live?since=0"} {
		res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(f.srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
			t.Errorf("%s without a session: %d %q, want 303 to /login", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
	if code, body := f.login(t, "wrong"); code != http.StatusUnauthorized || !strings.Contains(body, "not right") {
		t.Fatalf("wrong token: %d", code)
	}
	// The form without its CSRF token is refused even with the right token.
	res, err := f.c.PostForm(f.srv.URL+"/login", url.Values{"token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("sign-in without csrf: %d, want 403", res.StatusCode)
	}
	// Right token: the cookie's flags.
	_, body, _ := f.get(t, "/login")
	m := csrfRe.FindStringSubmatch(body)
	nc := &http.Client{Jar: f.c.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err = nc.PostForm(f.srv.URL+"/login", url.Values{"csrf": {m[1]}, "token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var found bool
	for _, c := range res.Cookies() {
		if c.Name == "hg_session" && c.MaxAge > 0 {
			found = true
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure {
				t.Errorf("session cookie over plain HTTP: HttpOnly=%v SameSite=%v Secure=%v", c.HttpOnly, c.SameSite, c.Secure)
			}
		}
	}
	if !found || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d, session cookie set: %v", res.StatusCode, found)
	}
	code, _, hd := f.get(t, "/")
	if code != 200 {
		t.Fatalf("overview after sign-in: %d", code)
	}
	if csp := hd.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q", csp)
	}
}

func TestSecureCookieOverTLS(t *testing.T) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "hg.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h, _ := ui.New(ui.Options{Store: db, Token: token})
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewTLSServer(mux)
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, c := range res.Cookies() {
		if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
			t.Errorf("cookie %s over TLS: Secure=%v HttpOnly=%v SameSite=%v", c.Name, c.Secure, c.HttpOnly, c.SameSite)
		}
	}
}

func TestLogoutNeedsCSRF(t *testing.T) {
	f := newFixture(t)
	f.login(t, token)
	res, err := f.c.PostForm(f.srv.URL+"/logout", url.Values{"csrf": {strings.Repeat("0", 64)}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("logout with a wrong csrf: %d, want 403", res.StatusCode)
	}
	_, body, _ := f.get(t, "/")
	m := csrfRe.FindStringSubmatch(body)
	res, err = f.c.PostForm(f.srv.URL+"/logout", url.Values{"csrf": {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Request.URL.Path != "/login" {
		t.Fatalf("after logout at %s", res.Request.URL.Path)
	}
	if _, _, _ = f.get(t, "/"); true {
		r2, _ := f.c.Get(f.srv.URL + "/")
		r2.Body.Close()
		if r2.Request.URL.Path != "/login" {
			t.Fatalf("the session outlived logout")
		}
	}
}

// barRe reads the bars the chart drew.
var barRe = regexp.MustCompile(`<rect class="bar" x="[0-9.]+" y="[0-9.]+" width="[0-9.]+" height="([0-9.]+)" fill="#[0-9a-f]{6}" data-label="([0-9-]+)" data-series="([^"]*)" data-value="([0-9]+)">`)

func TestHoneypotPageShowsTheRollups(t *testing.T) {
	f := newFixture(t)
	day := func(d int) time.Time { return now.AddDate(0, 0, -d) }
	var evs []event.Event
	// 3 sessions today (2 from one source, on two ports: one distinct
	// attacker), 1 yesterday; credentials and a payload.
	for i, ip := range []string{"192.0.2.1", "192.0.2.1", "192.0.2.2"} {
		s := "today-" + strconv.Itoa(i)
		port := []int{23, 2323, 23}[i]
		evs = append(evs,
			ev(s, ip, port, day(0), event.SessionConnect, nil),
			ev(s, ip, port, day(0).Add(time.Second), event.LoginFailed, func(e *event.Event) { e.Username = "root"; e.Password = event.TextPtr("xc3511") }))
	}
	evs = append(evs,
		ev("y-0", "198.51.100.7", 2323, day(1), event.SessionConnect, nil),
		ev("y-0", "198.51.100.7", 2323, day(1).Add(time.Second), event.LoginSuccess, func(e *event.Event) { e.Username = "admin"; e.Password = event.TextPtr("admin") }),
		ev("y-0", "198.51.100.7", 2323, day(1).Add(2*time.Second), event.FileDownload, func(e *event.Event) { e.URL = "http://203.0.113.5/bins/mirai.arm7" }),
	)
	f.seed(t, evs...)
	f.login(t, token)
	code, body, _ := f.get(t, "/honeypot")
	if code != 200 {
		t.Fatalf("honeypot: %d\n%s", code, body)
	}
	var charts, portChart string
	for _, id := range []string{"chart-family", "chart-port"} {
		m := regexp.MustCompile(`(?s)id="` + id + `">(.*?)</figure>`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no %s", id)
		}
		charts += m[1]
		if id == "chart-port" {
			portChart = m[1]
		}
	}
	bars := barRe.FindAllStringSubmatch(charts, -1)
	got := map[string]int64{}
	var h3 float64
	for _, b := range bars {
		n, _ := strconv.ParseInt(b[4], 10, 64)
		got[b[2]+"/"+b[3]] += n
		if b[2] == "2026-03-10" && b[3] == "23" {
			h3, _ = strconv.ParseFloat(b[1], 64)
		}
	}
	if got["2026-03-10/unknown"] != 3 || got["2026-03-09/unknown"] != 1 || got["2026-03-10/23"] != 2 || got["2026-03-10/2323"] != 1 || got["2026-03-09/2323"] != 1 {
		t.Errorf("bars: %v", got)
	}
	// Heights are proportional: the port chart scales to its data (3
	// sessions on the busiest day, the top tick), so the bar of 2 is two
	// thirds of the y axis.
	axis := regexp.MustCompile(`<g class="axis"[^>]*><line x1="\d+" x2="\d+" y1="(\d+)" y2="(\d+)"/>`).FindStringSubmatch(portChart)
	ticks := regexp.MustCompile(`<text class="ytick"[^>]*>([0-9,]+)</text>`).FindAllStringSubmatch(portChart, -1)
	if axis == nil || len(ticks) == 0 || ticks[len(ticks)-1][1] != "3" {
		t.Fatalf("port chart: no y axis, or its top tick is not 3: %v", ticks)
	}
	top, _ := strconv.ParseFloat(axis[1], 64)
	bottom, _ := strconv.ParseFloat(axis[2], 64)
	if want := 2.0 / 3.0 * (bottom - top); h3 < want-0.1 || h3 > want+0.1 {
		t.Errorf("bar of 2 sessions is %.2f px high, want %.2f", h3, want)
	}
	src := regexp.MustCompile(`(?s)id="chart-sources">(.*?)</figure>`).FindStringSubmatch(body)
	if src == nil || !strings.Contains(src[1], `data-label="2026-03-10" data-series="unknown" data-value="2"`) {
		t.Errorf("sources chart: want 2 distinct sources today")
	}
	// By port: 23 had both addresses today, 2323 one.
	psrc := regexp.MustCompile(`(?s)id="chart-port-sources">(.*?)</figure>`).FindStringSubmatch(body)
	if psrc == nil || !strings.Contains(psrc[1], `data-label="2026-03-10" data-series="23" data-value="2"`) ||
		!strings.Contains(psrc[1], `data-label="2026-03-10" data-series="2323" data-value="1"`) {
		t.Errorf("sources by port chart: want 2 on 23 and 1 on 2323 today")
	}
	for _, want := range []string{"xc3511", ">3<", "http://203.0.113.5/bins/mirai.arm7", "/sessions/today-0"} {
		if !strings.Contains(body, want) {
			t.Errorf("honeypot page lacks %q", want)
		}
	}
	// The overview: today's sessions, sources and new payloads with the change.
	_, body, _ = f.get(t, "/")
	for _, want := range []string{`data-stat="sessions"`, ">3<", "&#43;2 ", `data-stat="sources"`} {
		if !strings.Contains(body, want) {
			t.Errorf("overview lacks %q:\n%s", want, body)
		}
	}
	// Two distinct attacking addresses today (not three: one attacked two
	// ports), one yesterday.
	if m := regexp.MustCompile(`(?s)data-stat="sources">.*?stat-value">([^<]*)<.*?stat-dif[^>]*>([^<]*)<`).FindStringSubmatch(body); m == nil || m[1] != "2" || !strings.HasPrefix(m[2], "&#43;1 ") {
		t.Errorf("overview sources stat: %q, want 2 today, +1", m)
	}
}

func TestAttackerTextIsEscaped(t *testing.T) {
	f := newFixture(t)
	s := "xss-1"
	f.seed(t,
		ev(s, "192.0.2.9", 23, now, event.SessionConnect, nil),
		ev(s, "192.0.2.9", 23, now.Add(time.Second), event.LoginSuccess, func(e *event.Event) {
			e.Username = "<script>alert(1)</script>"
			e.Password = event.TextPtr(`"><script>alert(2)</script>`)
		}),
		ev(s, "192.0.2.9", 23, now.Add(2*time.Second), event.CommandInput, func(e *event.Event) {
			e.Input = `<img src=x onerror=alert(3)>`
			e.Output = "<b>out</b>"
		}),
		ev(s, "192.0.2.9", 23, now.Add(3*time.Second), event.FileDownload, func(e *event.Event) { e.URL = `http://x/"><svg onload=alert(4)>` }),
	)
	f.login(t, token)
	for _, p := range []string{"/sessions/" + s, "/honeypot", "/"} {
		code, body, _ := f.get(t, p)
		if code != 200 {
			t.Fatalf("%s: %d", p, code)
		}
		for _, bad := range []string{"<script>alert", "<img src=x", "<svg onload", "<b>out"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s shows attacker markup unescaped: %q", p, bad)
			}
		}
	}
	_, body, _ := f.get(t, "/sessions/"+s)
	if !strings.Contains(body, "&lt;img src=x onerror=alert(3)&gt;") {
		t.Errorf("the command is not shown escaped")
	}
}

func TestSessionNotFoundAndLanguage(t *testing.T) {
	f := newFixture(t)
	f.login(t, token)
	code, _, _ := f.get(t, "/sessions/nope")
	if code != http.StatusNotFound {
		t.Errorf("unknown session: %d", code)
	}
	req, _ := http.NewRequest("GET", f.srv.URL+"/tampering", nil)
	req.Header.Set("Accept-Language", "fr;q=1, ja;q=0.8, en;q=0.5")
	res, err := f.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(b), "改ざん") || !strings.Contains(string(b), `lang="ja"`) {
		t.Errorf("Japanese not chosen")
	}
	_, body, _ := f.get(t, "/tampering")
	if !strings.Contains(body, "client honeypot visits them") || strings.Contains(body, `class="cell"`) {
		t.Errorf("tampering view without data should say what fills it and draw nothing")
	}
}

func TestLive(t *testing.T) {
	f := newFixture(t)
	f.login(t, token)
	since := now.Add(-time.Minute).UnixMilli()
	_, body, _ := f.get(t, "/ui/live?since="+strconv.FormatInt(since, 10))
	if strings.TrimSpace(body) != `{"new":0,"cap":100}` {
		t.Fatalf("live before: %s", body)
	}
	f.seed(t, ev("l", "192.0.2.3", 23, now, event.SessionConnect, nil))
	_, body, _ = f.get(t, "/ui/live?since="+strconv.FormatInt(since, 10))
	if strings.TrimSpace(body) != `{"new":1,"cap":100}` {
		t.Fatalf("live after: %s", body)
	}
	if code, _, _ := f.get(t, "/ui/live?since=x"); code != 400 {
		t.Errorf("bad since: %d", code)
	}
}

func testLog(t *testing.T) *slog.Logger { return slog.New(slog.NewTextHandler(t.Output(), nil)) }

func TestBlocksView(t *testing.T) {
	f := newFixture(t)
	f.login(t, token)
	_, body, _ := f.get(t, "/blocks")
	if !strings.Contains(body, "No blocks in this period") {
		t.Errorf("blocks without data: no empty state")
	}
	blk := func(at time.Time, client, host string) event.Event {
		return ev("", client, 443, at, event.GatewayBlock, func(e *event.Event) {
			e.Proto = "https"
			e.Block.Host, e.Category, e.Enforcer, e.Action, e.Ref = event.Text(host), "malware", "proxy", event.ActionBlock, "R-"+event.NewID()[:8]
		})
	}
	f.seed(t, blk(now, "10.0.0.1", "evil.example"), blk(now, "10.0.0.2", "evil.example"), blk(now.AddDate(0, 0, -1), "10.0.0.1", "bad.example"))
	_, body, _ = f.get(t, "/blocks")
	got := map[string]string{}
	heights := map[string]float64{}
	for _, b := range barRe.FindAllStringSubmatch(body, -1) {
		got[b[2]] = b[4]
		heights[b[2]], _ = strconv.ParseFloat(b[1], 64)
	}
	if got["2026-03-10"] != "2" || got["2026-03-09"] != "1" || len(got) != 2 {
		t.Errorf("block bars: %v", got)
	}
	// The bar heights match the counts: 2 blocks fill the y axis up to its
	// top tick (2), 1 block half of it.
	if axis := regexp.MustCompile(`<g class="axis"[^>]*><line x1="\d+" x2="\d+" y1="(\d+)" y2="(\d+)"/>`).FindStringSubmatch(body); axis == nil {
		t.Errorf("blocks chart: no y axis")
	} else {
		top, _ := strconv.ParseFloat(axis[1], 64)
		bottom, _ := strconv.ParseFloat(axis[2], 64)
		if ax := bottom - top; math.Abs(heights["2026-03-10"]-ax) > 0.01 || math.Abs(heights["2026-03-09"]-ax/2) > 0.01 {
			t.Errorf("block bars %v px high on an axis of %.2f px, want all of it and half", heights, ax)
		}
	}
	// Three blocks are far below 10,000: the chart scales to them (the bar
	// of 2 reaches the top tick, 2) and the line is a marker at the top edge.
	if !strings.Contains(body, `class="refmark"`) || strings.Contains(body, `class="refline"`) || !strings.Contains(body, "10,000 (above this scale)") {
		t.Errorf("blocks page: want the 10,000 marker above the scale, not the line")
	}
	if ticks := regexp.MustCompile(`<text class="ytick"[^>]*>([0-9,]+)</text>`).FindAllStringSubmatch(body, -1); len(ticks) == 0 || ticks[len(ticks)-1][1] != "2" {
		t.Errorf("blocks chart: y ticks %v, want the top one 2", ticks)
	}
	if !strings.Contains(body, "evil.example") || !strings.Contains(body, "10.0.0.1") {
		t.Errorf("blocks page lacks the top lists")
	}
	evs, _ := f.db.Events(context.Background(), store.EventFilter{Kind: event.GatewayBlock, Limit: 1})
	code, body, _ := f.get(t, "/blocks?ref="+url.QueryEscape(evs[0].Ref))
	if code != 200 || !strings.Contains(body, evs[0].Ref) || !strings.Contains(body, string(evs[0].Block.Host)) {
		t.Errorf("block by ref: %d", code)
	}
	if code, _, _ := f.get(t, "/blocks?ref=nope"); code != 404 {
		t.Errorf("unknown ref: %d", code)
	}
	_, body, _ = f.get(t, "/")
	if !strings.Contains(body, `data-stat="blocked"`) || strings.Contains(body, "No block data in this build") {
		t.Errorf("overview does not count blocks")
	}
}

func TestIntelView(t *testing.T) {
	f := newFixture(t)
	f.login(t, token)
	_, body, _ := f.get(t, "/intel")
	m := csrfRe.FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, "No indicators match") {
		t.Fatalf("intel view without indicators")
	}
	post := func(v url.Values) int {
		res, err := f.c.PostForm(f.srv.URL+"/intel", v)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	add := url.Values{"op": {"add"}, "type": {"domain"}, "value": {"evil.example"}, "category": {"malware"}, "days": {"0"}}
	if code := post(add); code != http.StatusForbidden {
		t.Errorf("add without csrf: %d, want 403", code)
	}
	add.Set("csrf", m[1])
	if code := post(add); code != 200 {
		t.Errorf("add: %d", code)
	}
	_, body, _ = f.get(t, "/intel?value=evil.example")
	if !strings.Contains(body, "evil.example") || !strings.Contains(body, `<span class="bad">malware</span>`) {
		t.Fatalf("the added indicator is not listed")
	}
	// An allowlist entry and a search by category.
	if code := post(url.Values{"csrf": {m[1]}, "op": {"add"}, "type": {"domain"}, "value": {"good.example"}, "category": {"allow"}}); code != 200 {
		t.Errorf("allowlist: %d", code)
	}
	_, body, _ = f.get(t, "/intel?category=allow")
	if rows := section(body, `id="indicators"`, "</table>"); !strings.Contains(rows, "good.example") || strings.Contains(rows, "evil.example") {
		t.Errorf("search by category")
	}
	// Expire: the row stays, struck through, without its button.
	id := regexp.MustCompile(`name="id" value="(\d+)"`).FindStringSubmatch(body)
	if code := post(url.Values{"csrf": {m[1]}, "op": {"expire"}, "id": {id[1]}}); code != 200 {
		t.Errorf("expire: %d", code)
	}
	_, body, _ = f.get(t, "/intel?category=allow")
	if !strings.Contains(body, `class="expired"`) {
		t.Errorf("the expired indicator is not shown as expired")
	}
	if code := post(url.Values{"csrf": {m[1]}, "op": {"add"}, "type": {"domain"}, "value": {"<not a domain>"}, "category": {"malware"}}); code != 400 {
		t.Errorf("invalid indicator: %d, want 400", code)
	}
}

func TestRefLeadsToTheSession(t *testing.T) {
	f := newFixture(t)
	d := ev("ref-1", "192.0.2.5", 23, now, event.FileDownload, func(e *event.Event) { e.URL = "http://203.0.113.3/x" })
	f.seed(t, ev("ref-1", "192.0.2.5", 23, now, event.SessionConnect, nil), d)
	f.login(t, token)
	res, err := f.c.Get(f.srv.URL + "/ref/" + d.ID)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Request.URL.Path != "/sessions/ref-1" || res.StatusCode != 200 {
		t.Errorf("ref: at %s (%d)", res.Request.URL.Path, res.StatusCode)
	}
	if code, _, _ := f.get(t, "/ref/unknown"); code != 404 {
		t.Errorf("unknown ref: %d", code)
	}
}

func TestTamperingMatrix(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sites := []string{"alpha", "beta", "gamma", "delta"}
	for _, s := range sites {
		if _, err := f.db.AddSite(ctx, crawl.Site{Name: s, URL: "https://" + s + ".example/", Profile: crawl.DefaultProfile}); err != nil {
			t.Fatal(err)
		}
	}
	// alpha: red 3 days running (persistent); beta, gamma, delta red on the
	// last day with the same injected host (a campaign); delta grey the day before.
	put := func(site string, daysAgo int, verdict string, campaign ...string) {
		day := now.AddDate(0, 0, -daysAgo).Format(time.DateOnly)
		v := crawl.Visit{
			Capture: crawl.Capture{ID: site + day, Site: site, URL: "https://" + site + ".example/", FinalURL: "https://" + site + ".example/", Day: day, Time: now, Engine: "static", Status: 200,
				Redirects: []crawl.Hop{{From: "https://" + site + ".example/", To: "https://evil.example/<x>", Cause: crawl.CauseScript}}},
			Verdict: crawl.Verdict{Verdict: verdict, Campaign: campaign, Reasons: []crawl.Reason{{Detector: "script", Rule: "injected-script", Score: 0.9, Evidence: "https://evil.example/j.js", Excerpt: `<script src="https://evil.example/j.js"></script>`}}},
		}
		if err := f.db.PutVisit(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	put("alpha", 2, crawl.Malicious)
	put("alpha", 1, crawl.Malicious)
	put("alpha", 0, crawl.Malicious)
	for _, s := range []string{"beta", "gamma", "delta"} {
		put(s, 0, crawl.Malicious, "host:evil.example")
	}
	put("delta", 1, crawl.Error)
	put("beta", 1, crawl.Clean)
	f.login(t, token)
	// The legend counts every state the matrix draws; epsilon adds the
	// suspicious cell (a site of its own, so no campaign or persistent row
	// changes).
	if _, err := f.db.AddSite(ctx, crawl.Site{Name: "epsilon", URL: "https://epsilon.example/", Profile: crawl.DefaultProfile}); err != nil {
		t.Fatal(err)
	}
	put("epsilon", 1, crawl.Suspicious)
	_, body, _ := f.get(t, "/tampering?from=2026-03-04&to=2026-03-10")
	counts := map[string]string{}
	for _, c := range regexp.MustCompile(`data-count="([a-z]+)">([0-9,]+)<`).FindAllStringSubmatch(body, -1) {
		counts[c[1]] = c[2]
	}
	// 5 sites x 7 days: 6 tampered, 1 suspicious, 1 error, 1 clean, 26 not visited.
	if want := map[string]string{"malicious": "6", "suspicious": "1", "error": "1", "clean": "1", "notvisited": "26"}; fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("legend counts %v, want %v", counts, want)
	}
	if n := strings.Count(body, `data-verdict="suspicious"`); n != 1 {
		t.Errorf("%d suspicious cells drawn, want 1", n)
	}
	code, body, _ := f.get(t, "/tampering")
	if code != 200 {
		t.Fatalf("tampering: %d", code)
	}
	cells := regexp.MustCompile(`class="cell" [^>]*data-site="([^"]+)" data-day="([^"]+)" data-verdict="([^"]+)"`).FindAllStringSubmatch(body, -1)
	got := map[string]string{}
	for _, c := range cells {
		got[c[1]+"/"+c[2]] = c[3]
	}
	want := map[string]string{
		"alpha/2026-03-08": "malicious", "alpha/2026-03-09": "malicious", "alpha/2026-03-10": "malicious",
		"beta/2026-03-10": "malicious", "gamma/2026-03-10": "malicious", "delta/2026-03-10": "malicious", "delta/2026-03-09": "error",
		"epsilon/2026-03-09": "suspicious",
	}
	if len(got) != len(want) {
		t.Errorf("cells %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("cell %s: %q, want %q", k, got[k], v)
		}
	}
	if !strings.Contains(body, `class="site persistent"`) || !strings.Contains(body, `<li class="bad">alpha</li>`) {
		t.Errorf("alpha is not shown as persistent")
	}
	if !strings.Contains(body, "host:evil.example") || !strings.Contains(body, `class="campaign"`) {
		t.Errorf("the campaign is not shown")
	}
	_, body, _ = f.get(t, "/tampering?site=gam")
	if strings.Contains(body, `data-site="alpha"`) || !strings.Contains(body, `data-site="gamma"`) {
		t.Errorf("site filter")
	}
	code, body, _ = f.get(t, "/tampering/cell?site=beta&day=2026-03-10")
	if code != 200 || !strings.Contains(body, "&lt;script src=&#34;https://evil.example/j.js&#34;&gt;") || !strings.Contains(body, "https://evil.example/&lt;x&gt;") {
		t.Errorf("cell page: %d", code)
	}
	_, body, _ = f.get(t, "/")
	if !strings.Contains(body, `data-stat="tampered"`) || strings.Contains(body, "No tampering data") {
		t.Errorf("overview does not count tampered sites")
	}
	// What needs attention: the campaign, alpha persistent, an infected host.
	f.seed(t, ev("", "10.9.9.9", 53, now, event.GatewayInfectedHost, func(e *event.Event) {
		e.Proto, e.Block.Host, e.Action = "dns", "iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com", event.ActionResolve
	}))
	_, body, _ = f.get(t, "/")
	att := regexp.MustCompile(`(?s)<ul class="attention" id="attention">(.*?)</ul>`).FindStringSubmatch(body)
	if att == nil {
		t.Fatalf("overview lists nothing that needs attention")
	}
	for _, want := range []string{"host:evil.example", "beta, delta, gamma", "Persistently tampered</span> alpha", "10.9.9.9", "iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com"} {
		if !strings.Contains(att[1], want) {
			t.Errorf("attention list lacks %q:\n%s", want, att[1])
		}
	}
	// Watch list: add with CSRF, see the last capture, remove.
	_, body, _ = f.get(t, "/watch")
	if !strings.Contains(body, "2026-03-10 malicious") {
		t.Errorf("watch list lacks alpha's last capture")
	}
	m := csrfRe.FindStringSubmatch(body)
	res, err := f.c.PostForm(f.srv.URL+"/watch", url.Values{"csrf": {m[1]}, "op": {"add"}, "url": {"https://new.example/"}, "name": {"newsite"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	_, body, _ = f.get(t, "/watch")
	if !strings.Contains(body, "https://new.example/") {
		t.Errorf("added site not listed (%d)", res.StatusCode)
	}
	res, _ = f.c.PostForm(f.srv.URL+"/watch", url.Values{"op": {"remove"}, "name": {"newsite"}})
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("remove without csrf: %d", res.StatusCode)
	}
	res, _ = f.c.PostForm(f.srv.URL+"/watch", url.Values{"csrf": {m[1]}, "op": {"remove"}, "name": {"newsite"}})
	res.Body.Close()
	_, body, _ = f.get(t, "/watch")
	if strings.Contains(section(body, "<main>", `id="changes"`), "https://new.example/") {
		t.Errorf("removed site still listed")
	}
}

// section returns the part of body from the first from to the next to
// after it (to the end when to is missing): one table of a page, without
// the recent changes listed below it.
func section(body, from, to string) string {
	i := strings.Index(body, from)
	if i < 0 {
		return ""
	}
	body = body[i:]
	if j := strings.Index(body, to); j >= 0 {
		return body[:j]
	}
	return body
}

// TestLiveStream: the server-sent events stream sends the count of events
// stored since the page loaded, and again when a new one arrives.
func TestLiveStream(t *testing.T) {
	f := newFixture(t)
	f.login(t, token)
	since := now.Add(-time.Minute).UnixMilli()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.srv.URL+"/ui/events?since="+strconv.FormatInt(since, 10), nil)
	res, err := f.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	rd := bufio.NewReader(res.Body)
	next := func() string {
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				t.Fatalf("stream: %v", err)
			}
			if strings.HasPrefix(line, "data: ") {
				return strings.TrimSpace(strings.TrimPrefix(line, "data: "))
			}
		}
	}
	if got := next(); got != `{"new":0,"cap":100}` {
		t.Fatalf("first message %s", got)
	}
	f.seed(t, ev("l", "192.0.2.3", 23, now, event.SessionConnect, nil))
	if got := next(); got != `{"new":1,"cap":100}` {
		t.Fatalf("after an event %s", got)
	}
}

// TestChartsInJapanese: the charts' own words (the x axis, the unit, the
// text alternative) follow the browser's language like the page.
func TestChartsInJapanese(t *testing.T) {
	f := newFixture(t)
	f.seed(t, ev("s-1", "192.0.2.1", 23, now, event.SessionConnect, nil))
	f.login(t, token)
	req, _ := http.NewRequest("GET", f.srv.URL+"/honeypot", nil)
	req.Header.Set("Accept-Language", "ja")
	res, err := f.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fam := regexp.MustCompile(`(?s)id="chart-family">(.*?)</figure>`).FindStringSubmatch(string(b))
	if fam == nil {
		t.Fatal("no family chart")
	}
	for _, want := range []string{`<title>ファミリー別の日次セッション数</title><desc>ファミリー別の日次セッション数: `, "合計 1 セッション数", `class="xtitle"`, ">日付 (UTC)</text>", `<text class="unit"`, ">セッション数</text>"} {
		if !strings.Contains(fam[1], want) {
			t.Errorf("Japanese chart lacks %q", want)
		}
	}
	_, body, _ := f.get(t, "/honeypot")
	if !strings.Contains(body, ">Day (UTC)</text>") || !strings.Contains(body, ">sessions</text>") {
		t.Errorf("English chart lacks its axis title or unit")
	}
}
