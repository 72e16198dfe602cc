package intel

import (
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

func TestVerdictIndicators(t *testing.T) {
	at := time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)
	verdict := func(c event.Crawl) event.Event {
		return event.Event{ID: "v1", Kind: event.CrawlVerdict, Time: at, Crawl: c}
	}
	cases := []struct {
		ev   event.Event
		want []string
	}{
		{verdict(event.Crawl{Page: "http://shop.example/", Verdict: "malicious", Indicators: []event.Indicator{
			{Type: "url", Value: "http://ek.example/land.php", Category: "exploit-kit"},
			{Type: "domain", Value: "ek.example", Category: "exploit-kit"},
			{Type: "sha256", Value: "5E884898DA28047151D0E56F8DC6292773603D0D6AABBDD62A11EF721D1542D8", Category: "injected"}}}),
			[]string{"url ek.example/land.php exploit-kit", "domain ek.example exploit-kit", "sha256 5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8 malware"}},
		// Issue 8: the empty file's hash is never an indicator, and
		// neither is a loopback, private or link-local host.
		{verdict(event.Crawl{Page: "http://shop.example/", Verdict: "malicious", Indicators: []event.Indicator{
			{Type: "sha256", Value: "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", Category: "malware-download"},
			{Type: "url", Value: "http://127.0.0.1:8080/ek/gate.php", Category: "exploit-kit"},
			{Type: "ip", Value: "127.0.0.1", Category: "exploit-kit"},
			{Type: "url", Value: "http://192.168.1.1/x.exe", Category: "malware-download"},
			{Type: "url", Value: "http://[fe80::1]/x", Category: "malware-download"},
			{Type: "ip", Value: "169.254.169.254", Category: "exploit-kit"},
			{Type: "domain", Value: "localhost", Category: "exploit-kit"},
			{Type: "url", Value: "http://203.0.113.9/gate.php", Category: "exploit-kit"}}}),
			[]string{"url 203.0.113.9/gate.php exploit-kit"}},
		{verdict(event.Crawl{Page: "http://127.0.0.1:8080/", Verdict: "malicious"}), nil},
		{verdict(event.Crawl{Page: "http://miner.example/", Verdict: "malicious"}), []string{"url miner.example/ malware"}},
		{verdict(event.Crawl{Page: "http://fine.example/", Verdict: "clean", Indicators: []event.Indicator{{Type: "domain", Value: "x.example"}}}), nil},
		{verdict(event.Crawl{Verdict: "suspicious"}), nil},
		{event.Event{ID: "c1", Kind: event.CrawlCapture, Time: at, Crawl: event.Crawl{Verdict: "malicious", Page: "http://x.example/"}}, nil},
	}
	for _, tc := range cases {
		var r recAdder
		if err := NewConsumer(&r, HostsIP, nil).Events(t.Context(), []event.Event{tc.ev}); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, ind := range r.got {
			got = append(got, string(ind.Type)+" "+ind.Value+" "+ind.Category)
			if ind.Source != SourceCrawl || len(ind.Refs) != 1 || ind.Refs[0] != tc.ev.ID || !ind.FirstSeen.Equal(at) {
				t.Errorf("%+v", ind)
			}
		}
		if len(got) != len(tc.want) {
			t.Errorf("%+v: got %v, want %v", tc.ev.Crawl, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%+v: got %v, want %v", tc.ev.Crawl, got, tc.want)
			}
		}
	}
}
