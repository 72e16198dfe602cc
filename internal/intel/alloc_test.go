package intel

import (
	"fmt"
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

// A hit allocates once: its value, copied out of the lookup's buffer (the
// snapshot keeps no strings). Whether its entry was in a host line or in
// the keyed table, and through an overlay, nothing more may escape.
func TestHitsAllocateOnce(t *testing.T) {
	inds := []Indicator{
		{ID: 1, Type: TypeURL, Value: "listed.example/a/b.sh"},     // a host line
		{ID: 2, Type: TypeURLPrefix, Value: "prefix.example/kit/"}, // a host line
		{ID: 3, Type: TypeURL, Value: "198.51.100.7/bins/x.sh"},    // a host line, an address
		{ID: 1 << 50, Type: TypeURL, Value: "bigid.example/x.sh"},  // keyed: the id does not pack
		{ID: 5, Type: TypeDomain, Value: "evil.example"},           // names
	}
	for i := range lineKeysMax + 1 { // keyed: a host of many URLs
		inds = append(inds, Indicator{ID: int64(10 + i), Type: TypeURL, Value: fmt.Sprintf("many.example/f/%d.sh", i)})
	}
	s := Build(inds, time.Now())
	o := Overlay(s, Build([]Indicator{{ID: 99, Type: TypeDomain, Value: "changed.example"}}, time.Now()), map[int64]struct{}{99: {}})
	for _, raw := range []string{
		"http://listed.example/a/b.sh",
		"http://a.prefix.example/kit/x.php",
		"http://198.51.100.7/bins/x.sh",
		"http://bigid.example/x.sh",
		"http://many.example/f/3.sh",
		"http://www.evil.example/x",
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := s.MatchURL(u); !ok {
			t.Fatalf("MatchURL(%s): no hit", raw)
		}
		if n := testing.AllocsPerRun(200, func() { s.MatchURL(u) }); n > 1 {
			t.Errorf("MatchURL(%s) hit allocates %.1f times", raw, n)
		}
		if n := testing.AllocsPerRun(200, func() { o.MatchURL(u) }); n > 1 {
			t.Errorf("Overlay MatchURL(%s) hit allocates %.1f times", raw, n)
		}
	}
}
