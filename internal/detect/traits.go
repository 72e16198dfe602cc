package detect

import (
	"regexp"
	"strings"
)

// kitTraits are habits that drive-by exploit kits share whatever their
// family, because they follow from the job (find a vulnerable plug-in or
// browser, stay away from analysts, corrupt memory, deliver the exploit),
// not from one kit's code: a bit set, one bit a habit.
type kitTraits uint16

const (
	// traitPluginProbe: asks for several plug-ins by their ActiveX or
	// MIME names (Flash, Silverlight, Java, Adobe Reader).
	traitPluginProbe kitTraits = 1 << iota
	// traitFileProbe: probes the visitor's disk for security products
	// through res:// URLs or the XMLDOM file-existence trick.
	traitFileProbe
	// traitHeapSpray: long %u-escaped shellcode or NOP sleds.
	traitHeapSpray
	// traitVBSCorrupt: VBScript array resizing with error suppression,
	// the IE memory-corruption pattern (CVE-2014-6332 and kin).
	traitVBSCorrupt
	// traitCarrier: a script writes an object, embed or applet that loads
	// a Flash, Silverlight or Java payload.
	traitCarrier
	// traitForcedGC: calls CollectGarbage(), Internet Explorer's own
	// collector, as use-after-free exploits do to free the object they
	// then replace.
	traitForcedGC
	// traitVBSFromJS: runs VBScript from JavaScript (execScript(..,
	// "VBScript")), reaching IE's older engine.
	traitVBSFromJS
	// traitShellParams: hands a plug-in a long encoded parameter
	// (FlashVars, initParams): the exploit's shellcode or its key.
	traitShellParams
)

var (
	rePluginName = regexp.MustCompile(`(?i)ShockwaveFlash\.ShockwaveFlash|AgControl\.AgControl|JavaWebStart\.isInstalled|JavaPlugin|AcroPDF\.PDF|PDF\.PdfCtrl|application/x-silverlight|application/x-java-applet|application/pdf|application/x-shockwave-flash`)
	reFileProbe  = regexp.MustCompile(`(?i)res://[^"'\s]{0,200}\.(?:dll|exe|sys)|loadXML\s*\([^)]{0,200}res://`)
	// %u escapes are unescape's own format, which no modern code needs;
	// \u escapes are everywhere in legitimate code (Unicode tables).
	reSpray      = regexp.MustCompile(`(?i)(?:%u[0-9a-f]{4}){8}|%u0c0c%u0c0c|%u9090%u9090|0x0c0c0c0c`)
	reRedim      = regexp.MustCompile(`(?i)redim\s+preserve`)
	reResumeNext = regexp.MustCompile(`(?i)on\s+error\s+resume\s+next`)
	reForcedGC   = regexp.MustCompile(`\bCollectGarbage\s*\(\s*\)`)
	reVBSFromJS  = regexp.MustCompile(`(?i)execScript\s*\([^;]{1,200}["']vbscript["']`)
	reShellParam = regexp.MustCompile(`(?i)(?:flashvars|initparams)["'\s]*(?:value\s*=|[:=,])\s*\\?["']?[^"'\s&]{0,40}=?[A-Za-z0-9+/=%_-]{200}`)
	reCarrier    = regexp.MustCompile(`(?i)<\s*(?:object|embed|applet)\b[^\n]{0,400}?(?:\.swf\b|\.jar\b|\.xap\b|clsid:d27cdb6e|x-shockwave-flash|x-silverlight|x-java)`)
)

// traitsOf finds the habits in a script's text. Each regexp runs only when
// a keyword it needs is there: most scripts have none.
func traitsOf(src string) kitTraits {
	src = src[:min(len(src), maxScriptScan)]
	var t kitTraits
	lower := strings.ToLower(src)
	has := func(k string) bool { return strings.Contains(lower, k) }
	if (has("activexobject") || has("navigator.plugins") || has("navigator.mimetypes") || has("mimetypes[")) &&
		distinct(rePluginName.FindAllString(src, 64)) >= 2 {
		t |= traitPluginProbe
	}
	if has("res://") && reFileProbe.MatchString(src) {
		t |= traitFileProbe
	}
	if (has("%u") || has("0x0c0c")) && countAround(lower, reSpray, 10, 200, "%u", "0x0c0c") > 0 {
		t |= traitHeapSpray
	}
	if has("redim") && reRedim.MatchString(src) && reResumeNext.MatchString(src) {
		t |= traitVBSCorrupt
	}
	if (has("<object") || has("<embed") || has("<applet")) && countAround(lower, reCarrier, 10, 440, "<object", "<embed", "<applet") > 0 {
		t |= traitCarrier
	}
	if has("collectgarbage") && reForcedGC.MatchString(src) {
		t |= traitForcedGC
	}
	if has("execscript") && countAround(lower, reVBSFromJS, 0, 240, "execscript") > 0 {
		t |= traitVBSFromJS
	}
	if (has("flashvars") || has("initparams")) && countAround(src, reShellParam, 0, 320, "FlashVars", "flashvars", "Flashvars", "initParams", "initparams", "FLASHVARS") > 0 {
		t |= traitShellParams
	}
	return t
}

// distinct counts the different strings of ss, case-insensitively.
func distinct(ss []string) int {
	seen := map[string]bool{}
	for _, s := range ss {
		seen[strings.ToLower(s)] = true
	}
	return len(seen)
}

func (t kitTraits) n() int {
	n := 0
	for b := t; b != 0; b &= b - 1 {
		n++
	}
	return n
}

// rules are the script rules the traits make. Probing plug-ins is what
// swfobject and video players do too, so it counts only with another
// habit; the others no benign page has reason for.
func (t kitTraits) rules() []string {
	var rs []string
	if t&traitFileProbe != 0 {
		rs = append(rs, "local-file-probe")
	}
	if t&traitHeapSpray != 0 {
		rs = append(rs, "heap-spray")
	}
	if t&traitVBSCorrupt != 0 {
		rs = append(rs, "vbscript-corruption")
	}
	if t.n() >= 2 {
		rs = append(rs, "exploit-kit-traits")
	}
	return rs
}
