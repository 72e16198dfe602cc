package intel

import (
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

func TestVerdictIndicators(t *testing.T) {
	at := time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)
	ev := event.Event{ID: "v1", Kind: KindCrawlVerdict, Time: at}
	cases := []struct {
		raw  string
		want []string
	}{
		{`{"kind":"crawl.verdict","url":"http://shop.example/","verdict":"malicious","indicators":[
			{"type":"url","value":"http://ek.example/land.php","category":"exploit-kit"},
			{"type":"domain","value":"ek.example","category":"exploit-kit"},
			{"type":"sha256","value":"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855","category":"injected"}]}`,
			[]string{"url ek.example/land.php exploit-kit", "domain ek.example exploit-kit", "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 malware"}},
		{`{"kind":"crawl.verdict","url":"http://miner.example/","verdict":"malicious","category":"miner"}`, []string{"url miner.example/ miner"}},
		{`{"kind":"crawl.verdict","url":"http://fine.example/","verdict":"clean","indicators":[{"type":"domain","value":"x.example"}]}`, nil},
		{`{"kind":"crawl.verdict","verdict":"suspicious"}`, nil},
		{`not json`, nil},
	}
	for _, tc := range cases {
		var r recAdder
		for _, ind := range verdictIndicators(ev, []byte(tc.raw)) {
			n, err := Normalize(ind)
			if err != nil {
				t.Errorf("%s: %v", tc.raw, err)
				continue
			}
			r.got = append(r.got, n)
		}
		var got []string
		for _, ind := range r.got {
			got = append(got, string(ind.Type)+" "+ind.Value+" "+ind.Category)
			if ind.Source != SourceCrawl || len(ind.Refs) != 1 || ind.Refs[0] != "v1" || !ind.FirstSeen.Equal(at) {
				t.Errorf("%+v", ind)
			}
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: got %v, want %v", tc.raw, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: got %v, want %v", tc.raw, got, tc.want)
			}
		}
	}
}
