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
			{Type: "sha256", Value: "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", Category: "injected"}}}),
			[]string{"url ek.example/land.php exploit-kit", "domain ek.example exploit-kit", "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 malware"}},
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
