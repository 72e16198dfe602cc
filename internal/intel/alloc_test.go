package intel

import (
	"net/url"
	"testing"
	"time"
)

// A lookup that matches nothing (nearly every one at a gateway) must not
// allocate: at millions a second, garbage is the cost. A change that made
// MatchURL's stack buffer escape once cost a fifth of the URL rate; this
// catches it before a benchmark has to. (A name in capitals is lowered into
// a copy: DNS clients' 0x20 spelling is lowered by the DNS filter first.)
func TestLookupsDoNotAllocate(t *testing.T) {
	s := Build([]Indicator{
		{Type: TypeDomain, Value: "evil.example"},
		{Type: TypeHost, Value: "host.example"},
		{Type: TypeURL, Value: "listed.example/a/b.sh"},
		{Type: TypeURLPrefix, Value: "prefix.example/kit/"},
		{Type: TypeURL, Value: "198.51.100.7/bins/x.sh"},
		{Type: TypeCIDR, Value: "203.0.113.0/24"},
	}, time.Now())
	// The same through an overlay with a change (what the Manager serves
	// between full builds).
	o := Overlay(s, Build([]Indicator{{ID: 99, Type: TypeDomain, Value: "changed.example"}}, time.Now()), map[int64]struct{}{99: {}})
	urls := []string{
		"http://www.benign.example/index.html?q=1",  // unlisted host
		"http://listed.example/a/other.sh",          // another path on a listed host
		"http://a.b.prefix.example/elsewhere/x.php", // under a url-prefix host, another path
		"http://198.51.100.7/bins/y.sh",             // an address with a listed URL
		"http://192.0.2.1:8080/x",                   // an address
	}
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(200, func() { s.MatchURL(u) }); n > 0 {
			t.Errorf("MatchURL(%s) allocates %.1f times", raw, n)
		}
		if n := testing.AllocsPerRun(200, func() { o.MatchURL(u) }); n > 0 {
			t.Errorf("Overlay MatchURL(%s) allocates %.1f times", raw, n)
		}
	}
	for _, h := range []string{"www.benign.example", "www.benign.example.", "a.b.c.d.e.f.example", "192.0.2.1"} {
		if n := testing.AllocsPerRun(200, func() { s.MatchHost(h) }); n > 0 {
			t.Errorf("MatchHost(%s) allocates %.1f times", h, n)
		}
	}
}
