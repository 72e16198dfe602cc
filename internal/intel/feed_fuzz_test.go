package intel

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"reflect"
	"testing"
)

// fuzzFeed checks one feed parser on arbitrary input. Invariant: Parse never
// panics; only a STIX document, an HTML page or a compressed feed is refused
// whole; each good indicator is already normalized (Normalize gives it
// back unchanged) and Good counts them; every reported line exists; Bad is
// at least the number of reported errors.
func fuzzFeed(f *testing.F, format Format) {
	if data, err := os.ReadFile("testdata/feeds/" + string(format) + ".in"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(""))
	f.Add([]byte("\n\n#\n"))
	// Compressed feeds: whole, cut short, and a bomb's first bytes.
	var gz bytes.Buffer
	gw := gzip.NewWriter(&gz)
	gw.Write([]byte("evil.example\n0.0.0.0 evil.example\n"))
	gw.Close()
	f.Add(gz.Bytes())
	f.Add(gz.Bytes()[:gz.Len()/2])
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Parse(bytes.NewReader(data), format, ParseOptions{Source: "fuzz", Now: feedNow, MaxBytes: 1 << 20})
		if err != nil {
			if format == FormatSTIX || errors.Is(err, ErrHTML) {
				return // a document that is not a bundle, or an HTML page, is refused whole
			}
			if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) || bytes.HasPrefix(data, []byte("PK\x03\x04")) {
				return // a compressed feed that does not expand (cut, corrupt, a bomb) is refused whole
			}
			t.Fatalf("Parse: %v", err)
		}
		if res.Good != len(res.Indicators) || res.Bad < len(res.Errors) {
			t.Fatalf("good=%d indicators=%d bad=%d errors=%d", res.Good, len(res.Indicators), res.Bad, len(res.Errors))
		}
		content := data // the lines are the expanded content's
		if r, err := expand(bytes.NewReader(data), 1<<20); err == nil {
			content, _ = io.ReadAll(io.LimitReader(r, 1<<20))
		}
		lines := bytes.Count(content, []byte{'\n'}) + 1
		for _, e := range res.Errors {
			if e.Line < 1 || e.Line > lines {
				t.Fatalf("error at line %d of %d", e.Line, lines)
			}
		}
		for _, ind := range res.Indicators {
			n, err := Normalize(ind)
			if err != nil || !reflect.DeepEqual(n, ind) {
				t.Fatalf("indicator %+v not normalized: %+v %v", ind, n, err)
			}
		}
	})
}

func FuzzParseDomains(f *testing.F)   { fuzzFeed(f, FormatDomains) }
func FuzzParseHosts(f *testing.F)     { fuzzFeed(f, FormatHosts) }
func FuzzParseURLhaus(f *testing.F)   { fuzzFeed(f, FormatURLhaus) }
func FuzzParsePhishTank(f *testing.F) { fuzzFeed(f, FormatPhishTank) }
func FuzzParseAdblock(f *testing.F)   { fuzzFeed(f, FormatAdblock) }
func FuzzParseSTIX(f *testing.F)      { fuzzFeed(f, FormatSTIX) }
func FuzzParseCSV(f *testing.F)       { fuzzFeed(f, FormatCSV) }

// FuzzSTIXPattern drives the pattern parser directly (through a bundle, a
// mutation rarely stays valid JSON). Invariant: it never panics, and it
// either refuses a pattern or returns at least one term, each of a type we
// enforce.
func FuzzSTIXPattern(f *testing.F) {
	for _, s := range []string{
		"[url:value = 'http://x.example/']",
		"([domain-name:value = 'a.example'] OR ([domain-name:value = 'b.example']))",
		"[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '192.0.2.1']",
		"[file:name = 'x' AND file:hashes.'SHA-256' = 'ab' OR file:hashes.MD5 = 'cd']",
		"[network-traffic:dst_ref.value='1.2.3.4' AND network-traffic:dst_port=443]",
		"[domain-name:value = 'evil.example' AND file:name = 'setup.exe']",
		"[a:b = 'it\\'s'] FOLLOWEDBY [c:d = 1] WITHIN 5 SECONDS",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		terms, err := parseSTIXPattern(s)
		if err == nil && len(terms) == 0 {
			t.Fatalf("%q: no terms and no error", s)
		}
		for _, tm := range terms {
			switch tm.typ {
			case TypeURL, TypeDomain, TypeIP, TypeCIDR, TypeSHA256:
			default:
				t.Fatalf("%q: term of type %q", s, tm.typ)
			}
		}
	})
}
