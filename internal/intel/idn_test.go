package intel

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// The punycode expected was computed apart, with Python's punycode codec
// over the lower-cased label.
//
// Compatibility and confusable spellings that a browser (UTS #46, WHATWG
// URL) turns into the punycode it looks up: every one must reach the same
// key as the listed name, through a feed line, the API's Normalize, a
// proxy's URL and a DNS or SNI name.
var idnCases = []struct{ spelled, want string }{
	{"ｅｘａｍｐｌｅ．ｃｏｍ", "example.com"},                     // fullwidth letters and full stop
	{"example。com", "example.com"},                     // ideographic full stop
	{"example｡com", "example.com"},                     // halfwidth ideographic full stop
	{"ＥＸＡＭＰＬＥ.COM", "example.com"},                     // fullwidth upper case
	{"BÜCHER.example", "xn--bcher-kva.example"},        // upper case outside ASCII
	{"bücher.example", "xn--bcher-kva.example"},        // the Unicode form
	{"XN--BCHER-KVA.example", "xn--bcher-kva.example"}, // punycode in capitals
	{"%EF%BD%85xample.com", "example.com"},             // a fullwidth e, percent-escaped
	{"ﬁrma.example", "firma.example"},                  // the fi ligature
	{"ｍａｌｗａｒｅ．ｂüｃｈｅｒ．ｅｘａｍｐｌｅ", "malware.xn--bcher-kva.example"}, // fullwidth around an IDN label
	{"faß.example", "xn--fa-hia.example"},    // non-transitional: ß stays ß
	{"ЕХАМРLЕ.com", "xn--l-7sboc7aya6a.com"}, // Cyrillic look-alikes are another name, not example.com
}

func TestIDNCanonicalHost(t *testing.T) {
	for _, c := range idnCases {
		if got, _ := canonicalHost(c.spelled); got != c.want {
			t.Errorf("canonicalHost(%q) = %q, want %q", c.spelled, got, c.want)
		}
	}
}

func TestIDNIndicatorsAndLookupsAgree(t *testing.T) {
	now := time.Now()
	for _, c := range idnCases {
		t.Run(c.want, func(t *testing.T) {
			// Listed in its odd spelling: stored as the punycode.
			ind, err := Normalize(Indicator{Type: TypeDomain, Value: c.spelled})
			if err != nil {
				t.Fatalf("Normalize(%q): %v", c.spelled, err)
			}
			if ind.Value != c.want {
				t.Fatalf("Normalize(%q) = %q, want %q", c.spelled, ind.Value, c.want)
			}
			s := Build([]Indicator{ind}, now)
			// Looked up in every spelling: DNS/SNI names and proxy URLs.
			for _, q := range []string{c.spelled, c.want, "www." + c.spelled} {
				if _, ok := s.MatchHost(q); !ok {
					t.Errorf("MatchHost(%q) did not match %q", q, c.want)
				}
				u, err := url.Parse("http://" + q + "/path")
				if err != nil {
					t.Fatalf("url.Parse: %v", err)
				}
				if _, ok := s.MatchURL(u); !ok {
					t.Errorf("MatchURL(%q) did not match %q", u, c.want)
				}
				if _, ok := s.MatchRawURL("http://" + q + "/path"); !ok {
					t.Errorf("MatchRawURL(%q) did not match %q", q, c.want)
				}
			}
			// A url indicator spelled oddly matches the plain URL.
			ui, err := Normalize(Indicator{Type: TypeURL, Value: "http://" + c.spelled + "/x.sh"})
			if err != nil {
				t.Fatalf("Normalize url: %v", err)
			}
			if ui.Value != c.want+"/x.sh" {
				t.Errorf("url indicator %q, want %q", ui.Value, c.want+"/x.sh")
			}
		})
	}
	// The look-alike is not the original.
	s := Build([]Indicator{{Type: TypeDomain, Value: "example.com"}}, now)
	if _, ok := s.MatchHost("ЕХАМРLЕ.com"); ok {
		t.Errorf("a Cyrillic look-alike matched example.com")
	}
}

func TestIDNFeedLines(t *testing.T) {
	res, err := Parse(strings.NewReader("ｅｖｉｌ．ｅｘａｍｐｌｅ\nBÜCHER.example\n"), FormatDomains, ParseOptions{Source: "t", Now: feedNow})
	if err != nil {
		t.Fatal(err)
	}
	if res.Good != 2 || res.Indicators[0].Value != "evil.example" || res.Indicators[1].Value != "xn--bcher-kva.example" {
		t.Fatalf("feed gave %+v", res)
	}
}

func TestIDNInvalidRefused(t *testing.T) {
	// A name UTS #46 refuses (a right-to-left label mixed with a
	// left-to-right one, against the Bidi rule) is no indicator.
	if _, err := Normalize(Indicator{Type: TypeDomain, Value: "aש.example"}); err == nil {
		t.Errorf("a name failing the Bidi rule was accepted")
	}
}
