/* honeygate's own rules: tech-support scams and fake updates. */

rule Scam_Tech_Support
{
    meta:
        category = "scam"
        score = 80
        description = "a tech-support scam: a fake warning that the computer is infected or locked, with a phone number to call"
    strings:
        $w1 = /your (computer|pc|system|windows|device|browser) (has been|is|was) (blocked|locked|infected|compromised|disabled|at risk)/ nocase
        $w2 = /(virus|spyware|malware|trojan|zeus|pornographic) (detected|alert|infection|warning)/ nocase
        $w3 = /do not (close|restart|shut ?down|ignore) (this (page|window)|your (computer|pc))/ nocase
        $w4 = /(error|code)\s*#?\s*(0x[0-9a-f]{4,}|dw6vb36|268d3)/ nocase
        $w5 = /(windows|microsoft|apple|mac) (defender|security|support) (alert|warning|center|team)/ nocase
        $call = /(call|contact|dial)\s+(microsoft|windows|apple|technical|tech|customer|the)?\s*(support|helpline|help desk|technician|toll[ -]free)/ nocase
        $ph1 = /\+?1?[\s.-]?\(?8[0-9]{2}\)?[\s.-][0-9]{3}[\s.-][0-9]{4}/
        $ph2 = /toll[ -]free/ nocase
    condition:
        2 of ($w*) and ($call or $ph2) and any of ($ph*)
}

rule Scam_Browser_Locker
{
    meta:
        category = "scam"
        score = 45
        description = "a page that traps the visitor: dialog loops, fullscreen, history flooding, refusing to close"
    strings:
        $a1 = /(setInterval|while\s*\(\s*(true|1)\s*\)|for\s*\(\s*;\s*;\s*\))[^}]{0,200}(alert|confirm)\s*\(/
        $a2 = /requestFullscreen|webkitRequestFullScreen|mozRequestFullScreen|msRequestFullscreen/
        $a3 = /for\s*\([^)]{0,60}\)\s*\{?\s*(window\.)?history\.pushState/
        $a4 = /onbeforeunload\s*=\s*function[^}]{0,200}return\s+['"]/
        $a5 = /(alert|confirm)\s*\(\s*['"][^'"]{0,200}(call|virus|infected|support)[^'"]{0,200}['"]\s*\)/ nocase
    condition:
        2 of them
}

rule FakeUpdate_Lure
{
    meta:
        category = "malware-download"
        score = 80
        description = "a fake browser or Flash update page pushing a download"
    strings:
        $t1 = /(flash player|adobe flash|chrome|firefox|browser|internet explorer|edge) (is out of date|needs to be updated|update (is )?required|must be updated|has to be updated)/ nocase
        $t2 = /(critical|recommended|security|required) (browser |chrome |flash )?update/ nocase
        $t3 = /update (chrome|firefox|flash|your browser) (now|to (view|continue|watch))/ nocase
        $t4 = /(error occurred|failed) in the display of this page/ nocase
        $d1 = /href\s*=\s*['"][^'"]{0,300}\.(exe|hta|scr|msi|apk|jar)(\?[^'"]{0,100})?['"]/ nocase
        $d2 = /\.(exe|zip|hta|js)['"]\s*;?\s*\)?\s*;?\s*[^;]{0,40}(download|click)/ nocase
        $d3 = /(download|href|location(\.href)?)\s*[=:]\s*['"][^'"]{0,200}(update|install|flash|chrome)[^'"]{0,100}\.(exe|zip|hta|js|msi)['"]/ nocase
        $d4 = "download=" ascii nocase
    condition:
        any of ($t*) and any of ($d*)
}
