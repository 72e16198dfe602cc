package intel

import (
	"strings"
	"testing"
)

// FuzzCanonicalURL: canonicalization never panics; its output is a fixed
// point (canonicalizing it again gives it back), carries no byte Safe
// Browsing says to escape, and yields at most 30 lookup expressions, the
// first of which is the whole expression. A URL valid as an indicator,
// listed, matches itself.
func FuzzCanonicalURL(f *testing.F) {
	for _, tc := range safeBrowsingCanon {
		f.Add(tc.in)
	}
	f.Add("http://a.b.c.d.e.f.g.h/1/2/3/4/5/6.html?x#y")
	f.Add("http://%5B::1%5D:80/%2e%2e/%3F?%23")
	f.Add("http://a%2Fb%3Fc@host:99/p%3Fq?%3F")
	for _, c := range idnCases {
		f.Add("http://" + c.spelled + "/p")
	}
	f.Add("http://a\u0634.example/")
	f.Fuzz(func(t *testing.T, raw string) {
		c1, err := CanonicalURL(raw)
		if err != nil {
			return
		}
		c2, err := CanonicalURL(c1)
		if err != nil {
			t.Fatalf("canonical %q of %q does not parse: %v", c1, raw, err)
		}
		if c1 != c2 {
			t.Fatalf("not a fixed point: %q -> %q -> %q", raw, c1, c2)
		}
		for i := 0; i < len(c1); i++ {
			if c := c1[i]; c <= 0x20 || c >= 0x7f || c == '#' {
				t.Fatalf("canonical %q has byte %#x", c1, c)
			}
		}
		exprs, err := Expressions(raw)
		if err != nil || len(exprs) == 0 || len(exprs) > 30 {
			t.Fatalf("Expressions(%q) = %d, %v", raw, len(exprs), err)
		}
		if want := c1[strings.Index(c1, "://")+3:]; exprs[0] != want {
			t.Fatalf("first expression %q, want %q", exprs[0], want)
		}
		// A URL that is valid as an indicator (its host a DNS name or an
		// address) and is listed matches itself.
		v, err := CanonicalValue(TypeURL, raw)
		if err != nil {
			return
		}
		if v != exprs[0] {
			t.Fatalf("indicator value %q, expression %q", v, exprs[0])
		}
		s := Build([]Indicator{{ID: 1, Type: TypeURL, Value: v, Category: "c", Source: "s"}}, testNow)
		if h, ok := s.MatchRawURL(raw); !ok || h.Value != v {
			t.Fatalf("listing %q does not match %q: %+v %v", v, raw, h, ok)
		}
	})
}

// FuzzMatchHost: any name a DNS query or an SNI may carry never panics the
// matcher, and a name valid as an indicator, listed as a host, matches
// its canonical form however that is spelled (case, trailing dot, a port).
func FuzzMatchHost(f *testing.F) {
	for _, s := range []string{"evil.example", "EVIL.example.", "evil.example:443", "[2001:db8::1]:443", "192.0.2.1", "3221225985", "a..b", "%41.example", "*.x", ""} {
		f.Add(s)
	}
	s := Build([]Indicator{{ID: 1, Type: TypeCIDR, Value: "192.0.2.0/24"}, {ID: 2, Type: TypeDomain, Value: "example"}}, testNow)
	f.Fuzz(func(t *testing.T, host string) {
		s.MatchHost(host)
		v, err := CanonicalValue(TypeHost, host)
		if err != nil {
			return
		}
		one := Build([]Indicator{{ID: 9, Type: TypeHost, Value: v, Category: "c", Source: "s"}}, testNow)
		for _, spelled := range []string{v, strings.ToUpper(v), v + ".", v + ":443"} {
			if h, ok := one.MatchHost(spelled); !ok || h.ID != 9 || h.Value != v {
				t.Fatalf("host %q listed as %q: MatchHost(%q) = %+v %v", host, v, spelled, h, ok)
			}
		}
	})
}
