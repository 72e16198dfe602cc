package detect

import (
	"slices"
	"strings"
	"testing"
)

// The general obfuscation and exploit-kit signals, on snippets written for
// the test (not taken from any sample): each must fire on its habit and
// stay quiet on the legitimate code that looks closest.
func TestGeneralSignals(t *testing.T) {
	for _, c := range []struct {
		name, src string
		rule      string // "" = no rule at all
	}{
		{"table-built names", `var t=[];for(i=65;i<91;i++)t.push(String.fromCharCode(i));
var e = this["document"]["get"+t[4]+"lement"+t[1]+"yId"]("p")["inner"+t[7]+"TML"];`, "hidden-api-names"},
		{"hidden sink with pieces", `var k=["e","v"]; this[k[0]+"val"]("x"+"y"); window["cr"+"eate"]; q["get"+"Element"+"ById"];`, "hidden-api-names"},
		{"escaped names", `var a = window["\x65\x76\x61\x6c"]; a(document["\x77\x72\x69\x74\x65"]);`, "hidden-api-names"},
		{"escaped markup written", `document.write("\x3c\x69\x66\x72\x61\x6d\x65\x20\x73\x72\x63\x3d\x22\x68\x74\x74\x70\x3a\x2f\x2f\x65\x76\x69\x6c\x22\x3e"); eval(s);`, "hidden-api-names"},
		{"file probing", `var x = new ActiveXObject("Microsoft.XMLDOM"); x.async = false; x.loadXML('<!DOCTYPE svg SYSTEM "res://c:\\program files\\some av\\avengine.dll">');`, "local-file-probe"},
		{"heap spray", `var sc = unescape("%u4141%u4242%u9090%u9090%u0c0c%u0c0c%u4343%u4444%u4545"); while (s.length < 0x40000) s += s;`, "heap-spray"},
		{"vbscript corruption", `<script language="VBScript">On Error Resume Next
ReDim Preserve aa(a2)</script>`, "vbscript-corruption"},
		{"probing and carrier", `if (navigator.mimeTypes["application/x-shockwave-flash"] || new ActiveXObject("ShockwaveFlash.ShockwaveFlash")) {
try { new ActiveXObject("AgControl.AgControl") } catch (e) {}
document.body.innerHTML += '<object type="application/x-shockwave-flash" data="/x.swf"><param name="FlashVars" value="a=1"></object>'; }`, "exploit-kit-traits"},
		// Legitimate look-alikes.
		{"jquery dimensions", `jQuery.each({Height:"height",Width:"width"},function(name,type){jQuery.fn["inner"+name]=function(){};
deferred[ tuple[ 0 ] + "With" ]( this ); elem[ "offset" + dimension[ 0 ] ];});`, ""},
		{"swfobject probing only", `if (typeof navigator.plugins != "undefined" && typeof navigator.plugins["Shockwave Flash"] == "object") { var a = new ActiveXObject("ShockwaveFlash.ShockwaveFlash"); }
var b = navigator.mimeTypes["application/x-shockwave-flash"];`, ""},
		{"unicode tables", `var re = /[\u0041-\u005a\u0061-\u007a\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02c1\u02c6-\u02d1]/; var s = "\u00e9t\u00e9";`, ""},
		{"jsonp callback", `window[cb](data); this[method].apply(this, args);`, ""},
	} {
		f := Analyze(c.src)
		rules := f.Rules()
		if c.rule == "" && len(rules) != 0 {
			t.Errorf("%s: rules %v on legitimate code (%+v)", c.name, rules, f)
		}
		if c.rule != "" && !slices.Contains(rules, c.rule) {
			t.Errorf("%s: rules %v, want %s (%+v)", c.name, rules, c.rule, f)
		}
	}
	if d, n := unescapeJS(`\x65\u0076a\x6c\q`); d != `eval\q` || n != 3 {
		t.Errorf("unescapeJS = %q, %d", d, n)
	}
	w := DefaultWeights()
	for _, r := range []string{"local-file-probe", "heap-spray", "vbscript-corruption", "exploit-kit-traits"} {
		if !strings.Contains(string(defaultWeights), r+":") || w.Score("script", r, 0) < w.Malicious {
			t.Errorf("%s: weight %v, want one strong enough alone", r, w.Score("script", r, 0))
		}
	}
}
