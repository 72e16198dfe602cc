package intel

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

var feedNow = time.Date(2021, 3, 29, 12, 0, 0, 0, time.UTC)

// golden renders a parse result one indicator or error a line.
func golden(res *ParseResult) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "good=%d bad=%d\n", res.Good, res.Bad)
	for _, ind := range res.Indicators {
		j, _ := json.Marshal(ind)
		b.Write(j)
		b.WriteByte('\n')
	}
	for _, e := range res.Errors {
		j, _ := json.Marshal(e)
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func TestParseGolden(t *testing.T) {
	ins, _ := filepath.Glob("testdata/feeds/*.in")
	if len(ins) < len(ImportFormats) {
		t.Fatalf("want a sample for each of %v, have %v", ImportFormats, ins)
	}
	for _, in := range ins {
		name := strings.TrimSuffix(filepath.Base(in), ".in")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Parse(bytes.NewReader(data), Format(name), ParseOptions{Source: "test", Now: feedNow})
			if err != nil {
				t.Fatal(err)
			}
			got := golden(res)
			gf := strings.TrimSuffix(in, ".in") + ".golden"
			if *update {
				if err := os.WriteFile(gf, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(gf)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("parse %s:\n%s\nwant:\n%s", in, got, want)
			}
			// Every sample has good and bad lines: the good ones load and
			// every bad one names its line.
			if res.Good == 0 || res.Bad == 0 || len(res.Errors) != res.Bad {
				t.Errorf("good=%d bad=%d errors=%d", res.Good, res.Bad, len(res.Errors))
			}
			lines := bytes.Count(data, []byte{'\n'}) + 1
			for _, e := range res.Errors {
				if e.Line < 1 || e.Line > lines {
					t.Errorf("error at line %d of %d", e.Line, lines)
				}
			}
		})
	}
}

func TestParseLimits(t *testing.T) {
	big := strings.Repeat("a", maxLineLen+10) + "\nok.example\n"
	res, err := Parse(strings.NewReader(big), FormatDomains, ParseOptions{})
	if err != nil || res.Good != 1 || res.Bad != 1 || res.Errors[0].Line != 1 {
		t.Errorf("long line: %+v, %v", res, err)
	}
	_, err = Parse(strings.NewReader(strings.Repeat("a.example\n", 100)), FormatDomains, ParseOptions{MaxBytes: 50})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("over MaxBytes: %v", err)
	}
	if _, err := Parse(strings.NewReader(""), "nope", ParseOptions{}); err == nil {
		t.Error("unknown format accepted")
	}
	res, _ = Parse(strings.NewReader(strings.Repeat("bad name\n", 500)), FormatDomains, ParseOptions{})
	if res.Bad != 500 || len(res.Errors) != maxLineErrors {
		t.Errorf("bad=%d errors=%d", res.Bad, len(res.Errors))
	}
}

// Export then import gives the same indicators back, for the formats that
// carry everything.
func TestExportImportRoundTrip(t *testing.T) {
	var inds []Indicator
	for i, v := range []struct {
		t   Type
		v   string
		cat string
	}{
		{TypeDomain, "evil.example", "malware"},
		{TypeHost, "exact.example", "phishing"},
		{TypeURL, "http://45.15.143.158/bins.sh", "malware-download"},
		{TypeURLPrefix, "http://drop.example/p/", "malware-download"},
		{TypeIP, "192.0.2.1", "c2"},
		{TypeCIDR, "2001:db8::/32", "c2"},
		{TypeSHA256, strings.Repeat("ab", 32), "malware"},
		{TypeDomain, "good.example", CategoryAllow},
	} {
		ind := mustNorm(t, v.t, v.v, v.cat, int64(i+1))
		ind.Source = "manual"
		ind.FirstSeen, ind.LastSeen = feedNow, feedNow
		inds = append(inds, ind)
	}
	for _, f := range []Format{FormatCSV, FormatSTIX} {
		var buf bytes.Buffer
		if err := Export(&buf, f, inds, ExportOptions{Now: feedNow}); err != nil {
			t.Fatal(err)
		}
		res, err := Parse(&buf, f, ParseOptions{Source: "manual", Now: feedNow})
		if err != nil || res.Bad != 0 {
			t.Fatalf("%s: %v %+v", f, err, res.Errors)
		}
		if len(res.Indicators) != len(inds) {
			t.Fatalf("%s: %d indicators back, want %d", f, len(res.Indicators), len(inds))
		}
		for i, got := range res.Indicators {
			want := inds[i]
			if got.Type != want.Type || got.Value != want.Value || got.Category != want.Category {
				t.Errorf("%s: %d: got %s %s %s, want %s %s %s", f, i, got.Type, got.Value, got.Category, want.Type, want.Value, want.Category)
			}
		}
	}
}

func TestExportGolden(t *testing.T) {
	inds := []Indicator{
		mustNorm(t, TypeDomain, "evil.example", "malware", 1),
		mustNorm(t, TypeHost, "exact.example", "phishing", 2),
		mustNorm(t, TypeURL, "http://45.15.143.158/bins.sh?a=\"b;c\"", "malware-download", 3),
		mustNorm(t, TypeIP, "192.0.2.1", "c2", 4),
		mustNorm(t, TypeCIDR, "2001:db8::/32", "c2", 5),
		mustNorm(t, TypeDomain, "good.example", CategoryAllow, 6),
		{ID: 7, Type: TypeDomain, Value: "expired.example", Category: "malware", Source: "t", Expires: feedNow.Add(-time.Hour)},
		// An allowed subdomain of a blocked domain, and a block under an
		// allowed domain (left out: the allowlist wins).
		mustNorm(t, TypeDomain, "safe.evil.example", CategoryAllow, 8),
		mustNorm(t, TypeHost, "x.good.example", "malware", 9),
		mustNorm(t, TypeIP, "192.0.2.7", CategoryAllow, 10),
	}
	for _, f := range ExportFormats {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			if err := Export(&buf, f, inds, ExportOptions{Now: feedNow}); err != nil {
				t.Fatal(err)
			}
			gf := filepath.Join("testdata", "export", string(f)+".golden")
			if *update {
				os.MkdirAll(filepath.Dir(gf), 0o755)
				if err := os.WriteFile(gf, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(gf)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("export %s:\n%s\nwant:\n%s", f, buf.Bytes(), want)
			}
			if bytes.Contains(buf.Bytes(), []byte("expired.example")) {
				t.Error("an expired indicator was exported")
			}
			// An allow entry appears only as an exception (rpz-passthru,
			// dnsmasq's server=/name/#, Squid's allow ACL), never as a
			// block; hosts and suricata cannot say "except" and leave it
			// out, with the block under it (x.good.example).
			allowForm := map[Format]string{FormatRPZ: "rpz-passthru.", FormatDnsmasq: "/#", FormatSquid: "acl honeygate_allow "}[f]
			for _, line := range strings.Split(buf.String(), "\n") {
				if f == FormatSTIX || f == FormatCSV || !strings.Contains(line, "good.example") && !strings.Contains(line, "safe.evil.example") && !strings.Contains(line, "192.0.2.7") {
					continue
				}
				if allowForm == "" || !strings.Contains(line, allowForm) || strings.Contains(line, "x.good.example") {
					t.Errorf("an allow entry (or a block under one) exported as a block: %q", line)
				}
			}
			if allowForm != "" && !bytes.Contains(buf.Bytes(), []byte(allowForm)) {
				t.Errorf("the allowlist is missing from the %s export", f)
			}
		})
	}
}

// A hosts file lists exact names: a domain blocked and its own name allowed
// as a host leaves the name out (its subdomains cannot be said anyway); rpz
// keeps the wildcard block and passes the name through.
func TestExportAllowedHostOfBlockedDomain(t *testing.T) {
	inds := []Indicator{
		mustNorm(t, TypeDomain, "mixed.example", "malware", 1),
		mustNorm(t, TypeHost, "mixed.example", CategoryAllow, 2),
	}
	var hosts, rpz bytes.Buffer
	if err := Export(&hosts, FormatHosts, inds, ExportOptions{Now: feedNow}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(hosts.String(), "0.0.0.0 mixed.example") {
		t.Errorf("hosts blocks an allowed name:\n%s", hosts.String())
	}
	if err := Export(&rpz, FormatRPZ, inds, ExportOptions{Now: feedNow}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\n*.mixed.example CNAME .\n", "\nmixed.example CNAME rpz-passthru.\n"} {
		if !strings.Contains(rpz.String(), want) {
			t.Errorf("rpz lacks %q:\n%s", want, rpz.String())
		}
	}
	if strings.Contains(rpz.String(), "\nmixed.example CNAME .\n") {
		t.Errorf("rpz blocks the allowed name exactly (two CNAMEs at one owner):\n%s", rpz.String())
	}
}
