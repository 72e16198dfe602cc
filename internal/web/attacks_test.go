package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/attack"
	"github.com/honeygate/honeygate/internal/web"
)

// attackFixture serves a store with three attacks: two ended on 2025-06-11
// (NTP at 10:00-10:05, DNS at 11:00-11:30 on another victim) and one in
// progress since 2025-06-12 09:00.
func attackFixture(t *testing.T, keep bool) *fixture {
	t.Helper()
	db := openStore(t)
	at := func(d, h, m int) time.Time { return time.Date(2025, 6, d, h, m, 0, 0, time.UTC) }
	as := []attack.Attack{
		{ID: "ntp1", Sensor: "s", Proto: "ntp", Victim: "192.0.2.1", VictimPort: 80, DstPort: 123, FirstSeen: at(11, 10, 0),
			LastSeen: at(11, 10, 5), Requests: 30000, BytesIn: 240000, BytesOut: 440, PeakPPS: 120, Request: "monlist", Ended: true, EndReason: "idle"},
		{ID: "dns1", Sensor: "s", Proto: "dns", Victim: "2001:db8::7", VictimPort: 443, DstPort: 53, FirstSeen: at(11, 11, 0),
			LastSeen: at(11, 11, 30), Requests: 90000, BytesIn: 3600000, BytesOut: 900, PeakPPS: 80, Request: "ANY isc.org.", Ended: true, EndReason: "idle"},
		{ID: "mc1", Sensor: "s", Proto: "memcached", Victim: "192.0.2.1", VictimPort: 53, DstPort: 11211, FirstSeen: at(12, 9, 0),
			LastSeen: at(12, 9, 1), Requests: 100, BytesIn: 1500, Request: "stats"},
	}
	if err := db.PutAttacks(context.Background(), as); err != nil {
		t.Fatal(err)
	}
	o := web.Options{Store: db, Token: token, Log: slog.New(slog.DiscardHandler)}
	if keep {
		o.Attacks = db
	}
	srv := httptest.NewServer(web.New(o))
	t.Cleanup(srv.Close)
	return &fixture{url: srv.URL}
}

func TestAttacks(t *testing.T) {
	f := attackFixture(t, true)
	for _, tc := range []struct {
		name, query string
		want        []string
	}{
		{"all", "", []string{"mc1", "dns1", "ntp1"}},
		{"a day", q("from", "2025-06-11", "to", "2025-06-12"), []string{"dns1", "ntp1"}},
		{"in progress at a time", q("from", "2025-06-11T10:04:00Z", "to", "2025-06-11T10:06:00Z"), []string{"ntp1"}},
		{"between the two", q("from", "2025-06-11T10:30:00Z", "to", "2025-06-11T10:45:00Z"), nil},
		{"open end", q("from", "2025-06-11T11:15:00Z"), []string{"mc1", "dns1"}},
		{"victim, not canonical", q("victim", "2001:0DB8::0007"), []string{"dns1"}},
		{"proto and victim", q("proto", "memcached", "victim", "192.0.2.1"), []string{"mc1"}},
		{"limit", q("limit", "1"), []string{"mc1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got struct{ Attacks []attack.Attack }
			wantJSON(t, f.get(t, "/api/v1/attacks"+tc.query), http.StatusOK, &got)
			if got.Attacks == nil {
				t.Fatal(`"attacks" missing or null`)
			}
			var ids []string
			for _, a := range got.Attacks {
				ids = append(ids, a.ID)
			}
			if len(ids) != len(tc.want) || (len(ids) > 0 && ids[0] != tc.want[0]) || (len(ids) > 1 && ids[len(ids)-1] != tc.want[len(tc.want)-1]) {
				t.Errorf("attacks %v, want %v", ids, tc.want)
			}
		})
	}
	var got struct{ Attacks []attack.Attack }
	wantJSON(t, f.get(t, "/api/v1/attacks"+q("victim", "2001:db8::7")), http.StatusOK, &got)
	a := got.Attacks[0]
	if a.Proto != "dns" || a.Requests != 90000 || a.BytesIn != 3600000 || a.PeakPPS != 80 || a.Request != "ANY isc.org." ||
		!a.Ended || a.EndReason != "idle" || !a.FirstSeen.Equal(time.Date(2025, 6, 11, 11, 0, 0, 0, time.UTC)) {
		t.Errorf("attack %+v", a)
	}
}

func TestAttacksBadRequest(t *testing.T) {
	f := attackFixture(t, true)
	for query, contains := range map[string]string{
		q("from", "yesterday"):                      "from",
		q("to", "2025-13-01"):                       "to",
		q("from", "2025-06-12", "to", "2025-06-11"): "before",
		q("victim", "example.com"):                  "victim",
		q("limit", "0"):                             "limit",
		q("limit", "10001"):                         "limit",
	} {
		wantError(t, f.get(t, "/api/v1/attacks"+query), http.StatusBadRequest, contains)
	}
	if r := f.do(t, http.MethodGet, "/api/v1/attacks", ""); r.code != http.StatusUnauthorized {
		t.Errorf("no token: %d", r.code)
	}
	wantError(t, attackFixture(t, false).get(t, "/api/v1/attacks"), http.StatusNotFound, "attacks")
}
