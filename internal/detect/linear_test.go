package detect

import (
	"strconv"
	"strings"
	"testing"
)

// hostile is keyword-dense text of n bytes: every keyword the script and
// document scans anchor on, over and over, so that each window and regexp
// runs as often as it can.
func hostile(n int) string {
	const unit = `this[a+"b"](x);window["e"+"val"](String.fromCharCode(x-1,2,3));location.href=atob("aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ=");` +
		`document.write(unescape("%3c%69%66%72%61%6d%65%20%73%72%63%3d%22%68%74%74%70%3a%2f%2f"));if(document.referrer.match(/google|bing./)&&navigator.userAgent.indexOf("MSIE")&&document.cookie.indexOf("a")<0){}` +
		`["edo","Cr","ahC"];_0x1a2b3c['push'](_0x1a2b3c['shift']());key.indexOf(s.charAt(i));s.split("@").join("%");<object data="//x/a.swf"><param name=FlashVars value="` +
		`QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=">` + "\n"
	return strings.Repeat(unit, n/len(unit)+1)[:n]
}

// BenchmarkAnalyzeHostile: the cost per byte of one script's measures on
// hostile text of growing size; linear scanning keeps ns/byte flat (within
// the noise of a shared machine), and the 1 MiB cap holds it beyond.
//
//	go test -run='^$' -bench=Hostile -benchtime=3x ./internal/detect
func BenchmarkAnalyzeHostile(b *testing.B) {
	for _, n := range []int{64 << 10, 256 << 10, 1 << 20, 4 << 20} {
		src := hostile(n)
		b.Run(strconv.Itoa(n>>10)+"KiB", func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				Analyze(src)
			}
		})
	}
}

// BenchmarkScanPluginsHostile: the same for the document scan.
func BenchmarkScanPluginsHostile(b *testing.B) {
	for _, n := range []int{64 << 10, 256 << 10, 1 << 20, 4 << 20} {
		doc := []byte("<html><body>" + hostile(n))
		b.Run(strconv.Itoa(n>>10)+"KiB", func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				scanPlugins(doc, nil)
			}
		})
	}
}
