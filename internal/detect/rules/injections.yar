/* honeygate's own rules: what attackers inject into compromised sites. */

rule Injected_Hidden_Iframe_Write
{
    meta:
        category = "injected"
        score = 70
        description = "a script writes an invisible iframe into the page"
    strings:
        $w  = /document\.write(ln)?\s*\(\s*['"]\s*<iframe[^>]{0,300}(width\s*=\s*\\?['"]?[01]\b|height\s*=\s*\\?['"]?[01]\b|visibility\s*:\s*hidden|display\s*:\s*none|left\s*:\s*-\d{3,})/ nocase
        $c  = /createElement\(\s*['"]iframe['"]\s*\)/ nocase
        $s1 = /\.style\.(visibility|display)\s*=\s*['"](hidden|none)['"]/ nocase
        $s2 = /\.(width|height)\s*=\s*['"]?[01]['"]?\s*;/ nocase
        $s3 = /\.style\.(left|top)\s*=\s*['"]-\d{3,}/ nocase
        $s4 = /setAttribute\(\s*['"](width|height|frameborder)['"]\s*,\s*['"]?[01]['"]?\s*\)/ nocase
        $ap = /appendChild\(/
    condition:
        $w or ($c and $ap and 2 of ($s*))
}

rule Injected_Packed_Eval
{
    meta:
        category = "injected"
        score = 30
        description = "Dean Edwards' packer output: common in injections, also used by some legitimate sites"
    strings:
        $p = /eval\s*\(\s*function\s*\(\s*p\s*,\s*a\s*,\s*c\s*,\s*k\s*,\s*e\s*,\s*[dr]\s*\)/
    condition:
        $p
}

rule Injected_Charcode_Eval
{
    meta:
        category = "injected"
        score = 75
        description = "text assembled from character codes and executed"
    strings:
        $e1 = /eval\s*\(\s*String\.fromCharCode\s*\(\s*\d{2,3}\s*,\s*\d{2,3}\s*,/
        $e2 = /\[\s*['"]eval['"]\s*\]\s*\(\s*String\.fromCharCode/
        $e3 = /document\.write\s*\(\s*String\.fromCharCode\s*\(\s*\d{2,3}\s*,\s*\d{2,3}\s*,/
        $e4 = /eval\s*\(\s*unescape\s*\(\s*['"](%[0-9a-fA-F]{2}){20,}/
        $e5 = /document\.write\s*\(\s*unescape\s*\(\s*['"](%[0-9a-fA-F]{2}){20,}/
    condition:
        any of them
}

rule Injected_Split_Marker_Decoder
{
    meta:
        category = "injected"
        score = 60
        description = "a payload interleaved with a junk marker that a replace() strips before unescape/eval (mass-injection kits)"
    strings:
        $r = /\.replace\(\s*\/[A-Za-z0-9]{6,40}\/g\s*,\s*['"](%|)['"]\s*\)/
        $u = "unescape" ascii
        $u2 = /\[\s*['"][^'"]{0,200}['"]\.replace\(/
    condition:
        $r and ($u or $u2) and filesize < 512KB
}

rule Injected_Traffic_Direction_Script
{
    meta:
        category = "injected"
        score = 55
        description = "a loader that injects a remote script once per visitor (cookie-gated), as TDS and SocGholish-style injections do"
    strings:
        $ck = /document\.cookie\.indexOf\(\s*['"][^'"]{1,40}['"]\s*\)\s*(==|===|<)\s*(-1|0)/
        $cs = /createElement\(\s*['"]script['"]\s*\)/
        $src = /\.src\s*=\s*['"]https?:\/\//
        $ref = "document.referrer" ascii
        $ua = "navigator.userAgent" ascii
        $set = /document\.cookie\s*=/
    condition:
        $ck and $cs and $src and $set and ($ref or $ua)
}
