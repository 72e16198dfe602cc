package intel

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

// Feeds as their publishers write them, beyond the golden samples: the
// shapes a stranger's real list holds and what each must (and must not)
// load. Found by driving `honeygate intel import` with real-shaped files.

// parsed returns "type value category" for each indicator a feed yields.
func parsed(t *testing.T, f Format, in string) ([]string, *ParseResult) {
	t.Helper()
	res, err := Parse(strings.NewReader(in), f, ParseOptions{Source: "test", Now: feedNow})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ind := range res.Indicators {
		out = append(out, string(ind.Type)+" "+ind.Value+" "+ind.Category)
	}
	return out, res
}

// A STIX indicator with "revoked": true has been withdrawn by its producer
// (STIX 2.1, 3.2: "revoked ... it is no longer considered valid"); a
// bundle may carry several versions of one object (same id), of which the
// one with the latest "modified" is current (3.6). MISP and OpenCTI export
// both. Neither a revoked object nor an outdated version may be enforced.
func TestSTIXRevokedAndVersions(t *testing.T) {
	in := `{"type":"bundle","id":"bundle--1","objects":[
 {"type":"indicator","spec_version":"2.1","id":"indicator--a","modified":"2021-03-01T00:00:00.000Z",
  "pattern":"[domain-name:value = 'revoked.example']","pattern_type":"stix","revoked":true},
 {"type":"indicator","spec_version":"2.1","id":"indicator--b","modified":"2021-03-01T00:00:00.000Z",
  "pattern":"[domain-name:value = 'withdrawn-later.example']","pattern_type":"stix"},
 {"type":"indicator","spec_version":"2.1","id":"indicator--b","modified":"2021-03-20T00:00:00.000Z",
  "pattern":"[domain-name:value = 'withdrawn-later.example']","pattern_type":"stix","revoked":true},
 {"type":"indicator","spec_version":"2.1","id":"indicator--c","modified":"2021-03-20T00:00:00.000Z",
  "pattern":"[domain-name:value = 'new-value.example']","pattern_type":"stix"},
 {"type":"indicator","spec_version":"2.1","id":"indicator--c","modified":"2021-03-01T00:00:00.000Z",
  "pattern":"[domain-name:value = 'old-value.example']","pattern_type":"stix"},
 {"type":"indicator","spec_version":"2.1","id":"indicator--d",
  "pattern":"[domain-name:value = 'kept.example']","pattern_type":"stix","revoked":false}
]}`
	got, res := parsed(t, FormatSTIX, in)
	want := []string{"domain new-value.example malware", "domain kept.example malware"}
	if !slices.Equal(got, want) {
		t.Errorf("loaded %q, want %q", got, want)
	}
	if res.Bad != 0 {
		t.Errorf("bad=%d (%+v): a withdrawn or superseded object is not a bad line", res.Bad, res.Errors)
	}
}

// The STIX pattern grammar lets observation expressions be grouped in
// parentheses; producers wrap even a single one.
func TestSTIXParenthesizedPattern(t *testing.T) {
	in := `{"type":"bundle","id":"bundle--1","objects":[
 {"type":"indicator","id":"indicator--a","pattern":"([url:value = 'http://paren.example/x'])","pattern_type":"stix"},
 {"type":"indicator","id":"indicator--b","pattern":"([domain-name:value = 'p1.example'] OR ([domain-name:value = 'p2.example']))","pattern_type":"stix"},
 {"type":"indicator","id":"indicator--c","pattern":"([domain-name:value = 'unbalanced.example']","pattern_type":"stix"},
 {"type":"indicator","id":"indicator--d","pattern":"([domain-name:value = 'x.example'] AND [domain-name:value = 'y.example'])","pattern_type":"stix"}
]}`
	got, res := parsed(t, FormatSTIX, in)
	want := []string{"url paren.example/x malware", "domain p1.example malware", "domain p2.example malware"}
	if !slices.Equal(got, want) {
		t.Errorf("loaded %q, want %q", got, want)
	}
	if res.Bad != 2 {
		t.Errorf("bad=%d (%+v), want the unbalanced and the AND pattern", res.Bad, res.Errors)
	}
}

// AdBlock modifiers that narrow a rule to some pages, clients, record
// types or request kinds ($domain=, $third-party, $client=, $denyallow=,
// $dnstype=, $ctag=, ...) or turn it into something other than a block
// ($dnsrewrite=) cannot be expressed by a DNS or host indicator: enforced
// as a plain ||name^ they would block the whole site for everyone
// (||google.com^$domain=evil.example blocks Google). AdGuard Home discards
// such rules for the same reason. $important only orders rules and $all
// covers every request, so those load; $badfilter withdraws the rule it
// names. Cosmetic rules with no domain (##.ad) are counted, not
// mistaken for comments.
func TestAdblockModifiers(t *testing.T) {
	in := strings.Join([]string{
		"||plain.example^",
		"||important.example^$important",
		"||all.example^$all",
		"||google.example^$domain=evil.example",
		"||tracker.example^$third-party",
		"||client.example^$client=127.0.0.1",
		"||rewrite.example^$dnsrewrite=1.2.3.4",
		"||deny.example^$denyallow=ok.deny.example",
		"||aaaa.example^$dnstype=AAAA",
		"||ctag.example^$ctag=device_phone",
		"||script.example^$script,important",
		"||withdrawn.example^",
		"||withdrawn.example^$badfilter",
		"||plain.example^$important,badfilter",
		"@@||exception.example^$important",
		"@@||narrow-exception.example^$client=10.0.0.1",
		"##.sponsored",
		"#@#.ad",
		"# a hosts-style comment",
		"||trailing.example^$",
	}, "\n")
	got, res := parsed(t, FormatAdblock, in)
	want := []string{
		"domain plain.example malware",
		"domain important.example malware",
		"domain all.example malware",
		"domain exception.example allow",
		"domain trailing.example malware",
	}
	if !slices.Equal(got, want) {
		t.Errorf("loaded %q, want %q", got, want)
	}
	// Every narrowed rule and both cosmetic rules are bad lines, with
	// their numbers.
	var lines []int
	for _, e := range res.Errors {
		lines = append(lines, e.Line)
	}
	wantLines := []int{4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18}
	if !slices.Equal(lines, wantLines) {
		t.Errorf("bad lines %v, want %v (%+v)", lines, wantLines, res.Errors)
	}
}

// URLhaus publishes its list as CSV and as plain text, one URL a line
// (urlhaus.abuse.ch/downloads/text/), with '#' comment headers and CRLF
// line ends; both are "urlhaus" to a user, so --format urlhaus reads both.
func TestURLhausPlainTextList(t *testing.T) {
	in := "################################################################\r\n" +
		"# abuse.ch URLhaus Database Dump (TEXT - recent URLs only)     #\r\n" +
		"################################################################\r\n" +
		"#\r\n" +
		"http://123.45.67.89:36789/i\r\n" +
		"https://evil-dl.example.com/files/Invoice%20Nov.zip\r\n" +
		"\r\n" +
		"not a url\r\n"
	got, res := parsed(t, FormatURLhaus, in)
	want := []string{"url 123.45.67.89/i malware-download", "url evil-dl.example.com/files/Invoice%20Nov.zip malware-download"}
	if !slices.Equal(got, want) {
		t.Errorf("loaded %q, want %q", got, want)
	}
	if res.Bad != 1 || res.Errors[0].Line != 8 {
		t.Errorf("bad=%d %+v, want line 8", res.Bad, res.Errors)
	}
}

// Hosts files as distributions and list publishers write them: the names
// Red Hat and Fedora give loopback (localhost4, localhost6 and their
// .localdomain forms) are the machine's own, never blocked; a wildcard
// cannot be in a hosts file (no resolver reads one there), so "*.name" is
// reported rather than loaded as the exact host "name", which is the one
// name it does not cover.
func TestHostsRealShapes(t *testing.T) {
	in := "\ufeff# Title: StevenBlack/hosts\r\n" +
		"127.0.0.1   localhost localhost.localdomain localhost4 localhost4.localdomain4\r\n" +
		"::1         localhost localhost.localdomain localhost6 localhost6.localdomain6\r\n" +
		"0.0.0.0 0.0.0.0\r\n" +
		"0.0.0.0 localhost. LOCALHOST.localdomain. broadcasthost. ip6-localhost.\r\n" +
		"0.0.0.0\tads.example.com\t# trailing comment\r\n" +
		"127.0.0.1 a.bad.example b.bad.example\r\n" +
		"0.0.0.0 *.wild.example\r\n"
	got, res := parsed(t, FormatHosts, in)
	want := []string{"host ads.example.com malware", "host a.bad.example malware", "host b.bad.example malware"}
	if !slices.Equal(got, want) {
		t.Errorf("loaded %q, want %q", got, want)
	}
	if res.Bad != 1 || res.Errors[0].Line != 8 {
		t.Errorf("bad=%d %+v, want line 8", res.Bad, res.Errors)
	}
}

// STIX 2.1 prohibits empty lists ("Empty lists are prohibited in STIX and
// MUST NOT be used as a substitute for omitting the property if it is
// optional", 2.7), and the stix2 library a TAXII consumer parses with
// refuses one: an export with nothing to say leaves "objects" out, and
// importing such a bundle yields nothing, without an error.
func TestSTIXEmptyBundle(t *testing.T) {
	var b strings.Builder
	if err := Export(&b, FormatSTIX, nil, ExportOptions{Now: feedNow}); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(b.String()), &doc); err != nil {
		t.Fatalf("%v: %s", err, b.String())
	}
	if doc["type"] != "bundle" || !strings.HasPrefix(doc["id"].(string), "bundle--") {
		t.Errorf("not a bundle: %s", b.String())
	}
	if objs, ok := doc["objects"]; ok {
		t.Errorf("objects %v present in an empty export: %s", objs, b.String())
	}
	res, err := Parse(strings.NewReader(b.String()), FormatSTIX, ParseOptions{Now: feedNow})
	if err != nil || res.Good != 0 || res.Bad != 0 {
		t.Errorf("import of the empty export: %+v, %v", res, err)
	}
}

// A lone object that is not a bundle is still refused as a whole.
func TestSTIXNotABundle(t *testing.T) {
	if _, err := Parse(strings.NewReader(`{"type":"indicator","id":"indicator--a","pattern":"[domain-name:value = 'a.example']"}`), FormatSTIX, ParseOptions{Now: feedNow}); err == nil {
		t.Error("a lone indicator object parsed as a bundle")
	}
}

// MISP's STIX 2.1 export (misp-stix) writes an ip-dst attribute as
// [network-traffic:dst_ref.type = 'ipv4-addr' AND
// network-traffic:dst_ref.value = '5.6.7.8'], a filename|sha256 as
// [file:name = 'x' AND file:hashes.'SHA-256' = '...'], a domain|ip as
// [domain-name:value = 'x' AND domain-name:resolves_to_refs[*].value =
// 'ip'], and OpenCTI a file with several hashes as one OR of them. Each
// names one thing the gateway can enforce, beside descriptions of the
// same object (the address's type, the file's name, its other hashes, what
// the name resolved to), so it loads; an OR loads the alternatives it can
// enforce (a subset of an OR never blocks more than it says). An AND that
// narrows (a port, a second value) is still refused.
func TestSTIXMISPAndOpenCTIPatterns(t *testing.T) {
	h := strings.Repeat("ab", 32)
	objs := []string{
		`[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '5.6.7.8']`,
		`[network-traffic:dst_ref.type = 'ipv6-addr' AND network-traffic:dst_ref.value = '2001:db8::8']`,
		`[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '198.51.100.0/24']`,
		`[file:name = 'invoice.exe' AND file:hashes.'SHA-256' = '` + h + `']`,
		`[file:hashes.MD5 = '0123456789abcdef0123456789abcdef' OR file:hashes.'SHA-1' = '0123456789abcdef0123456789abcdef01234567' OR file:hashes.'SHA-256' = '` + strings.Repeat("cd", 32) + `']`,
		`[domain-name:value = 'misp-domain.example' AND domain-name:resolves_to_refs[*].value = '203.0.113.9']`,
		`[email-addr:value = 'x@example.com'] OR [url:value = 'http://or-subset.example/x']`,
		// Refused: a port narrows, two values, nothing enforceable.
		`[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '5.6.7.9' AND network-traffic:dst_port = 443]`,
		`[domain-name:value = 'a.example' AND domain-name:value = 'b.example']`,
		`[file:name = 'x.exe' AND file:hashes.MD5 = '0123456789abcdef0123456789abcdef']`,
		`[network-traffic:src_ref.type = 'ipv4-addr' AND network-traffic:src_ref.value = '5.6.7.10']`,
	}
	var b strings.Builder
	b.WriteString(`{"type":"bundle","id":"bundle--1","objects":[`)
	for i, p := range objs {
		if i > 0 {
			b.WriteString(",")
		}
		j, _ := json.Marshal(map[string]string{"type": "indicator", "id": "indicator--" + string(rune('a'+i)), "pattern": p, "pattern_type": "stix"})
		b.WriteString("\n")
		b.Write(j)
	}
	b.WriteString("\n]}")
	got, res := parsed(t, FormatSTIX, b.String())
	want := []string{
		"ip 5.6.7.8 malware", "ip 2001:db8::8 malware", "cidr 198.51.100.0/24 malware",
		"sha256 " + h + " malware", "sha256 " + strings.Repeat("cd", 32) + " malware",
		"domain misp-domain.example malware", "url or-subset.example/x malware",
	}
	if !slices.Equal(got, want) {
		t.Errorf("loaded %q\nwant %q", got, want)
	}
	var lines []int
	for _, e := range res.Errors {
		lines = append(lines, e.Line)
	}
	if !slices.Equal(lines, []int{9, 10, 11, 12}) {
		t.Errorf("bad lines %v, want 9-12: %+v", lines, res.Errors)
	}
}

// Comparisons written without spaces parse as with them.
func TestSTIXPatternSpacing(t *testing.T) {
	terms, err := parseSTIXPattern("[network-traffic:dst_ref.type='ipv4-addr' AND network-traffic:dst_ref.value='192.0.2.7']")
	if err != nil || len(terms) != 1 || terms[0].value != "192.0.2.7" {
		t.Errorf("%+v, %v", terms, err)
	}
	if _, err := parseSTIXPattern("[network-traffic:dst_ref.value='192.0.2.7' AND network-traffic:dst_port=443]"); err == nil {
		t.Error("a port-narrowed address was accepted")
	}
}

// A bundle saved by a Windows tool (PowerShell's Out-File, Notepad) starts
// with a UTF-8 byte order mark; JSON parsers may ignore it (RFC 8259, 8.1)
// and the line formats already do.
func TestSTIXByteOrderMark(t *testing.T) {
	got, _ := parsed(t, FormatSTIX, "\ufeff"+`{"type":"bundle","id":"bundle--1","objects":[{"type":"indicator","id":"indicator--x","pattern":"[domain-name:value = 'bom.example']","pattern_type":"stix"}]}`)
	if !slices.Equal(got, []string{"domain bom.example malware"}) {
		t.Errorf("loaded %q", got)
	}
}

// The publishers' main downloads are compressed: URLhaus's full dump is
// csv.txt.zip (one file in a ZIP), PhishTank's online-valid.csv.gz. A
// feed's bytes are looked at, not its name (a subscribed URL has none), and
// the expanded content is bounded by MaxBytes like a plain one.
func TestCompressedFeeds(t *testing.T) {
	csvText := "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n" +
		`"1","2021-03-20 01:48:55","http://192.0.2.9/bins.sh","online","","malware_download","","",""` + "\n"
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	w, _ := zw.Create("csv.txt")
	io.WriteString(w, csvText)
	zw.Close()
	var gbuf bytes.Buffer
	gw := gzip.NewWriter(&gbuf)
	io.WriteString(gw, csvText)
	gw.Close()
	for name, data := range map[string][]byte{"zip": zbuf.Bytes(), "gzip": gbuf.Bytes()} {
		res, err := Parse(bytes.NewReader(data), FormatURLhaus, ParseOptions{Now: feedNow})
		if err != nil || res.Good != 1 || res.Bad != 0 || res.Indicators[0].Value != "192.0.2.9/bins.sh" {
			t.Errorf("%s: %+v, %v", name, res, err)
		}
		// Expanded past the limit: refused as too large, whatever the
		// compressed size.
		_, err = Parse(bytes.NewReader(data), FormatURLhaus, ParseOptions{Now: feedNow, MaxBytes: 100})
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s over MaxBytes expanded: %v", name, err)
		}
	}
	// A ZIP of two files is not a feed.
	zbuf.Reset()
	zw = zip.NewWriter(&zbuf)
	for _, n := range []string{"a.txt", "b.txt"} {
		w, _ := zw.Create(n)
		io.WriteString(w, csvText)
	}
	zw.Close()
	if _, err := Parse(bytes.NewReader(zbuf.Bytes()), FormatURLhaus, ParseOptions{Now: feedNow}); err == nil {
		t.Error("a ZIP of two files was read as one feed")
	}
}
