package crawl

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse: hostile HTML never panics, stays bounded, and every reference
// Parse returns is an absolute http(s) URL (a crawler must never be steered
// to file:, javascript: or data: by a page).
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`<html><script src="/a.js"></script><iframe src="//evil.example/x" width=1 height=1></iframe></html><script>eval(1)</script>`,
		`<meta http-equiv=refresh content="0;URL='javascript:alert(1)'"><a href="file:///etc/passwd">x</a>`,
		`<div style="position:absolute;left:-9999px"><a href=/1>1</a><a href=/2>2</a></div>`,
		`<script>document.write('<iframe src=http://e/ width=0>')`, `<iframe src="http://[::1`, "\x00<\xff>",
	} {
		f.Add([]byte(s))
	}
	if fs, _ := filepath.Glob("../detect/testdata/web-malicious/files/*/*.html"); len(fs) > 0 {
		for _, p := range fs[:min(5, len(fs))] {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	base, _ := url.Parse("http://site.example/dir/page.html")
	f.Fuzz(func(t *testing.T, b []byte) {
		d := Parse(b, base)
		if len(d.Scripts) > maxRefs || len(d.Iframes) > maxRefs || len(d.Links) > maxRefs || len(d.HiddenText) > maxHiddenTxt {
			t.Fatalf("unbounded: %d scripts %d frames %d links", len(d.Scripts), len(d.Iframes), len(d.Links))
		}
		check := func(what, u string) {
			if u == "" {
				return
			}
			if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				t.Fatalf("%s: %q is not an http(s) URL", what, u)
			}
		}
		for _, s := range d.Scripts {
			check("script", s.Src)
			if len(s.Inline) > maxInline {
				t.Fatalf("inline script of %d bytes", len(s.Inline))
			}
		}
		for _, fr := range d.Iframes {
			check("frame", fr.Src)
		}
		check("refresh", d.MetaRefresh)
		for _, l := range d.Links {
			check("link", l)
		}
	})
}

// FuzzScriptRefs: what a script writes or navigates to is always an
// absolute http(s) URL or nothing.
func FuzzScriptRefs(f *testing.F) {
	for _, s := range []string{
		`window.location.href = "http://evil.example/gate?x=1";`,
		`location.replace('/next')`, `document.write("<script src='//cdn.example/a.js'></scr"+"ipt>")`,
		`document.write('<iframe src=\"javascript:alert(1)\">')`, `top.location = "data:text/html,x"`,
	} {
		f.Add(s)
	}
	base, _ := url.Parse("http://site.example/")
	f.Fuzz(func(t *testing.T, s string) {
		for _, u := range append([]string{ScriptRedirect(s, base)}, refsOf(WrittenRefs(s, base))...) {
			if u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				t.Fatalf("%q is not an http(s) URL", u)
			}
		}
	})
}

func refsOf(ws []WrittenRef) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Src)
	}
	return out
}
