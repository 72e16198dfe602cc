package intel

import (
	"net/netip"
	"slices"
	"testing"
)

// The canonicalization examples published with the Safe Browsing API v4
// ("URLs and Hashing", developers.google.com/safe-browsing/v4/urls-hashing),
// also used by Firefox's test_canonicalization.js, plus two cases Firefox
// adds (a query's escapes).
var safeBrowsingCanon = []struct{ in, want string }{
	{"http://host/%25%32%35", "http://host/%25"},
	{"http://host/%25%32%35%25%32%35", "http://host/%25%25"},
	{"http://host/%2525252525252525", "http://host/%25"},
	{"http://host/asdf%25%32%35asd", "http://host/asdf%25asd"},
	{"http://host/%%%25%32%35asd%%", "http://host/%25%25%25asd%25%25"},
	{"http://www.google.com/", "http://www.google.com/"},
	{"http://%31%36%38%2e%31%38%38%2e%39%39%2e%32%36/%2E%73%65%63%75%72%65/%77%77%77%2E%65%62%61%79%2E%63%6F%6D/", "http://168.188.99.26/.secure/www.ebay.com/"},
	{"http://195.127.0.11/uploads/%20%20%20%20/.verify/.eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/", "http://195.127.0.11/uploads/%20%20%20%20/.verify/.eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/"},
	{"http://host%23.com/%257Ea%2521b%2540c%2523d%2524e%25f%255E00%252611%252A22%252833%252944_55%252B", "http://host%23.com/~a!b@c%23d$e%25f^00&11*22(33)44_55+"},
	{"http://3279880203/blah", "http://195.127.0.11/blah"},
	{"http://www.google.com/blah/..", "http://www.google.com/"},
	{"www.google.com/", "http://www.google.com/"},
	{"www.google.com", "http://www.google.com/"},
	{"http://www.evil.com/blah#frag", "http://www.evil.com/blah"},
	{"http://www.GOOgle.com/", "http://www.google.com/"},
	{"http://www.google.com.../", "http://www.google.com/"},
	{"http://www.google.com/foo\tbar\rbaz\n2", "http://www.google.com/foobarbaz2"},
	{"http://www.google.com/q?", "http://www.google.com/q?"},
	{"http://www.google.com/q?r?", "http://www.google.com/q?r?"},
	{"http://www.google.com/q?r?s", "http://www.google.com/q?r?s"},
	{"http://evil.com/foo#bar#baz", "http://evil.com/foo"},
	{"http://evil.com/foo;", "http://evil.com/foo;"},
	{"http://evil.com/foo?bar;", "http://evil.com/foo?bar;"},
	{"http://\x01\x80.com/", "http://%01%80.com/"},
	{"http://notrailingslash.com", "http://notrailingslash.com/"},
	{"http://www.gotaport.com:1234/", "http://www.gotaport.com/"},
	{"  http://www.google.com/  ", "http://www.google.com/"},
	{"http:// leadingspace.com/", "http://%20leadingspace.com/"},
	{"http://%20leadingspace.com/", "http://%20leadingspace.com/"},
	{"%20leadingspace.com/", "http://%20leadingspace.com/"},
	{"https://www.securesite.com/", "https://www.securesite.com/"},
	{"http://host.com/ab%23cd", "http://host.com/ab%23cd"},
	{"http://host.com//twoslashes?more//slashes", "http://host.com/twoslashes?more//slashes"},
	// Firefox's additions.
	{"http://host.com/path?query%3Awith%3Acolons", "http://host.com/path?query:with:colons"},
	{"https://wiki.mozilla.org/index.php?title=MozillaWiki%3AHelp&action=history", "https://wiki.mozilla.org/index.php?title=MozillaWiki:Help&action=history"},
	// The issue's own example, and what a gateway sees besides.
	{"http://EVIL.example.com./a/../b?x", "http://evil.example.com/b?x"},
	{"http://user:pw@Evil.COM:8080/x", "http://evil.com/x"},
	{"http://0x7f.1/", "http://127.0.0.1/"},
	{"http://[2001:DB8::1]:80/a", "http://[2001:db8::1]/a"},
	{"http://host/a/./b/../../c/", "http://host/c/"},
}

func TestCanonicalURLSafeBrowsing(t *testing.T) {
	for _, tc := range safeBrowsingCanon {
		got, err := CanonicalURL(tc.in)
		if err != nil {
			t.Errorf("CanonicalURL(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("CanonicalURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// The lookup-expression examples from the same page.
func TestExpressionsSafeBrowsing(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"http://a.b.c/1/2.html?param=1", []string{
			"a.b.c/1/2.html?param=1", "a.b.c/1/2.html", "a.b.c/", "a.b.c/1/",
			"b.c/1/2.html?param=1", "b.c/1/2.html", "b.c/", "b.c/1/",
		}},
		{"http://a.b.c.d.e.f.g/1.html", []string{
			"a.b.c.d.e.f.g/1.html", "a.b.c.d.e.f.g/",
			"c.d.e.f.g/1.html", "c.d.e.f.g/",
			"d.e.f.g/1.html", "d.e.f.g/",
			"e.f.g/1.html", "e.f.g/",
			"f.g/1.html", "f.g/",
		}},
		{"http://1.2.3.4/1/", []string{"1.2.3.4/1/", "1.2.3.4/"}},
	}
	for _, tc := range cases {
		got, err := Expressions(tc.in)
		if err != nil {
			t.Fatalf("Expressions(%q): %v", tc.in, err)
		}
		// The page lists them as a set; compare as sets, and check the
		// exact expression comes first (it is the most specific).
		if got[0] != tc.want[0] {
			t.Errorf("Expressions(%q)[0] = %q, want %q", tc.in, got[0], tc.want[0])
		}
		g, w := slices.Clone(got), slices.Clone(tc.want)
		slices.Sort(g)
		slices.Sort(w)
		if !slices.Equal(g, w) {
			t.Errorf("Expressions(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCanonicalValue(t *testing.T) {
	good := []struct {
		typ      Type
		in, want string
	}{
		{TypeDomain, "Evil.COM.", "evil.com"},
		{TypeDomain, "*.evil.com", "evil.com"},
		{TypeHost, "WWW.evil.com", "www.evil.com"},
		{TypeURL, "http://EVIL.example.com./a/../b?x", "evil.example.com/b?x"},
		{TypeURLPrefix, "https://evil.com/dl/", "evil.com/dl/"},
		{TypeIP, "::ffff:192.0.2.1", "192.0.2.1"},
		{TypeCIDR, "192.0.2.77/24", "192.0.2.0/24"},
		{TypeCIDR, "2001:db8::1", "2001:db8::1/128"},
		{TypeSHA256, "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	}
	for _, tc := range good {
		got, err := CanonicalValue(tc.typ, tc.in)
		if err != nil || got != tc.want {
			t.Errorf("CanonicalValue(%s, %q) = %q, %v; want %q", tc.typ, tc.in, got, err, tc.want)
		}
	}
	bad := []struct {
		typ Type
		in  string
	}{
		{TypeDomain, "1.2.3.4"},
		{TypeDomain, "http://evil.com/"},
		{TypeDomain, "ev il.com"},
		{TypeDomain, ""},
		{TypeIP, "evil.com"},
		{TypeCIDR, "10.0.0.0/33"},
		{TypeSHA256, "abc"},
		{TypeURL, "http:///nohost"},
	}
	for _, tc := range bad {
		if got, err := CanonicalValue(tc.typ, tc.in); err == nil {
			t.Errorf("CanonicalValue(%s, %q) = %q, want an error", tc.typ, tc.in, got)
		}
	}
}

func TestCanonicalQuad(t *testing.T) {
	for in, want := range map[string]bool{
		"1.2.3.4": true, "255.255.255.255": true, "0.0.0.0": true, "10.0.0.1": true,
		"256.1.1.1": false, "01.2.3.4": false, "1.2.3": false, "1.2.3.4.5": false, "1..3.4": false,
		"a.b.c.d": false, "1.2.3.4 ": false, "": false, "1234.1.1.1": false,
	} {
		if got := canonicalQuad(in); got != want {
			t.Errorf("canonicalQuad(%q) = %v", in, got)
		}
		// What the fast path accepts is what canonicalization writes,
		// and the address it parses is netip's.
		if a, ok := quadAddr(in); want && (!ok || a != netip.MustParseAddr(in)) {
			t.Errorf("quadAddr(%q) = %v %v", in, a, ok)
		}
		if want {
			if c, err := CanonicalValue(TypeURL, "http://"+in+"/x"); err != nil || c != in+"/x" {
				t.Errorf("CanonicalValue of %q: %q %v", in, c, err)
			}
		}
	}
}
