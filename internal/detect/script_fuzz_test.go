package detect

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzAnalyze: any script text is measured without panicking, in bounded
// time, with consistent features (counts never negative, the longest
// encoded literal never longer than the longest literal nor the text,
// escaped bytes never more than the literals' bytes nor these the text's).
func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{
		`eval(unescape("%61%6c%65%72%74"))`, `var a="cr"+"eateElement"; this["eval"](x)`,
		`String.fromCharCode(1,2,3,4)`, `'unterminated`, "\"\\", `document['wNeZrite'.replace(/NeZ/g,'')]('x')`,
		`this["get"+t[4]+"lement"](1); window[k[0]+"val"](s)`, `x["\x65\x76\x61\x6c"]("\u003ciframe src=x>")`, `"\x6"`, `"\u12"`,
		`unescape("%u9090%u9090"); new ActiveXObject("Microsoft.XMLDOM").loadXML("res://c:\\a.dll")`, `'<object data="a.swf">'`,
		`r(["edo","Cr","ahC","mo","rf"]); ["w"+("")+"i"]`, `_0x1a2b['push'](_0x1a2b['shift']())`, `String.fromCharCode(`, `fromCharCode(x^`, `"%u1"`, `'\x4'`,
		`if(document.referrer.match(/google|bing./)&&navigator.userAgent.indexOf("MSIE"))location.href="http://x"`, `document.write(unescape("%3c%3c`,
	} {
		f.Add(s)
	}
	if fs, _ := filepath.Glob("testdata/web-malicious/files/crimepack/iframes/*.js"); len(fs) > 0 {
		for _, p := range fs[:min(3, len(fs))] {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(string(b))
			}
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		ft := Analyze(s)
		if ft.Sinks < 0 || ft.Decoders < 0 || ft.NumRun < 0 || ft.TableNames < 0 || ft.HiddenSink < 0 || ft.Escaped < 0 || ft.EncodedLit > ft.LongestLit || ft.LongestLit > len(s) || ft.LitRatio > 1.0001 ||
			ft.EscBytes > ft.LitBytes || ft.LitBytes > len(s) || ft.FragNames < 0 || ft.HexIdents > len(s)/7 {
			t.Fatalf("inconsistent features %+v for %d bytes", ft, len(s))
		}
		_ = ft.Rules()
	})
}

// FuzzSiteOf: any host gives a site that is a suffix of it (lowercased,
// without port), never longer.
func FuzzSiteOf(f *testing.F) {
	for _, s := range []string{"www.example.co.uk", "a.b.example.com:8080", "[::1]:80", "127.0.0.1:1", "", ".", "x..y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		s := SiteOf(h)
		if len(s) > len(h) {
			t.Fatalf("SiteOf(%q) = %q is longer", h, s)
		}
	})
}
