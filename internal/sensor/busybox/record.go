package busybox

import (
	"path"
	"regexp"
	"strings"
)

// What a line asked the device to fetch, sorted out once the line is
// done: payloads (Download), flood targets (Flood), and, for URLs on the
// line that nothing fetched, whether the command naming them ran.

// Flood is a URL a line requested over and over with the answers thrown
// away: an HTTP flood against a victim (sh -c "while true; do wget -O
// /dev/null http://VICTIM/; done" &), not a payload on a malware host.
// Consumers must not treat it as a download: blocking it would block the
// victim.
type Flood struct {
	URL      string
	Tool     string
	Requests int  // requests the line made (bounded by the loop budget), or 0 if it did not run
	Ran      bool // false: found in a part of the line that did not run (a loop never entered)
}

// Bounds on what one line records.
const (
	maxDownloads = 16  // URLs per line
	maxMarkers   = 8   // unknown applet names probed per line
	maxUnrun     = 256 // commands that did not run, remembered for the URLs in them
)

// floodRepeats is how many requests with discarded answers make a flood.
// A loader that retries a download keeps what it fetched; one that
// discards a single answer is probing connectivity.
const floodRepeats = 2

// fetch is one URL of the line and how it was asked for.
type fetch struct {
	Download
	count   int  // requests made
	discard bool // every answer went to /dev/null (or was not kept)
	inLoop  bool // asked for inside a loop body
}

// record notes a URL an applet was asked to fetch. In a dry run (a
// command that did not run) it is recorded with Ran false.
func (sh *Shell) record(u, tool, filename string, discard bool) {
	discard = discard || filename == "/dev/null" || filename == "/dev/zero"
	for i := range sh.fetches {
		f := &sh.fetches[i]
		if f.URL != u {
			continue
		}
		if !sh.dry {
			f.count++
			f.Ran = true
		}
		f.discard = f.discard && discard
		f.inLoop = f.inLoop || sh.loops > 0 || sh.dryLoop
		return
	}
	if len(sh.fetches) >= maxDownloads || len(u) > 2048 {
		return
	}
	f := fetch{Download: Download{URL: u, Tool: tool, Filename: filename, Ran: !sh.dry}, discard: discard,
		inLoop: sh.loops > 0 || sh.dryLoop}
	if !sh.dry {
		f.count = 1
	}
	sh.fetches = append(sh.fetches, f)
}

// sortFetches splits the line's fetches into downloads and floods.
func (sh *Shell) sortFetches() {
	sh.downloads, sh.floods = sh.downloads[:0], sh.floods[:0]
	for _, f := range sh.fetches {
		web := strings.HasPrefix(f.URL, "http://") || strings.HasPrefix(f.URL, "https://")
		if web && f.discard && (f.count >= floodRepeats || f.inLoop) {
			sh.floods = append(sh.floods, Flood{URL: f.URL, Tool: f.Tool, Requests: f.count, Ran: f.Ran})
			continue
		}
		sh.downloads = append(sh.downloads, f.Download)
	}
}

// marker notes an unknown applet name the line asked busybox for: bots
// probe with one (Mirai's ECCHI, Satori's OKIRU, random tokens) to tell a
// real device from a fake one that answers everything.
func (sh *Shell) marker(name string) {
	if sh.dry || len(sh.markers) >= maxMarkers || len(name) > 64 || notMarkers[strings.ToLower(name)] {
		return
	}
	for _, m := range sh.markers {
		if m == name {
			return
		}
	}
	sh.markers = append(sh.markers, name)
}

// notMarkers are programs a person or a script may look for in busybox
// in earnest: asking for them is not a check of the device.
var notMarkers = map[string]bool{
	"bash": true, "curl": true, "python": true, "python3": true, "perl": true, "sudo": true, "apt": true, "yum": true,
	"nano": true, "vi": true, "vim": true, "ssh": true, "scp": true, "lscpu": true, "iptables": true, "systemctl": true,
	"service": true, "chpasswd": true, "useradd": true, "wget2": true, "ftp": true, "openssl": true, "ncat": true,
	"socat": true, "netcat": true, "telnet": true, "help": true, "list": true,
}

// fetchers are the programs whose arguments name a URL; a command with
// one of these names that did not run is read for its URLs all the same.
var fetchers = map[string]bool{"wget": true, "tftp": true, "ftpget": true, "curl": true, "nc": true, "busybox": true, "sh": true, "ash": true}

// unrun records, with Ran false, the URLs of the fetch commands in l that
// did not run: the fallbacks after a "||" that was not needed, a branch or
// a loop not taken, a function never called. Their arguments are expanded
// without side effects (no command substitution, no globbing) and handed
// to the applet in a dry run that writes nothing.
func (sh *Shell) unrun(l *list, inLoop bool, depth int) {
	if l == nil || depth > maxDepth || sh.work > maxWork {
		return
	}
	for _, ao := range l.items {
		for _, pl := range ao.pipes {
			for _, c := range pl.cmds {
				sh.unrunCmd(c, inLoop, depth)
			}
		}
	}
}

func (sh *Shell) unrunCmd(c *shCmd, inLoop bool, depth int) {
	sh.work += 64
	loop := inLoop || c.kind == cWhile || c.kind == cUntil || c.kind == cFor
	switch c.kind {
	case cSimple:
		if !c.ran {
			if len(sh.unrunSrcs) < maxUnrun {
				sh.unrunSrcs = append(sh.unrunSrcs, c.src)
			}
			sh.dryRun(c, inLoop, depth)
		}
	case cFunc:
		sh.unrunCmd(c.fn, inLoop, depth+1)
	}
	sh.unrun(c.body, loop, depth+1)
	sh.unrun(c.cond, loop, depth+1)
	for i := range c.conds {
		sh.unrun(c.conds[i], inLoop, depth+1)
		sh.unrun(c.thens[i], inLoop, depth+1)
	}
	for _, it := range c.items {
		sh.unrun(it.body, inLoop, depth+1)
	}
}

// dryRun hands a command that did not run to its fetcher, recording only.
func (sh *Shell) dryRun(c *shCmd, inLoop bool, depth int) {
	if len(c.args) == 0 {
		return
	}
	name := path.Base(staticWord(sh, &c.args[0]))
	if !fetchers[name] {
		return
	}
	args := make([]string, 0, len(c.args))
	for i := range c.args {
		args = append(args, staticWord(sh, &c.args[i]))
	}
	if (name == "sh" || name == "ash") && len(args) > 2 && args[1] == "-c" {
		// sh -c TEXT: the commands in TEXT did not run either.
		if l, err := parseScript(args[2]); err == nil && depth < 2 {
			sh.unrun(l, inLoop, depth+1)
		}
		return
	}
	if name == "sh" || name == "ash" {
		return
	}
	outName := ""
	for _, r := range c.redirs {
		if (r.fd == 1 || r.fd == -1) && (r.op == ">" || r.op == ">>") {
			outName = staticWord(sh, &r.target)
		}
	}
	dry, dryLoop, saveArgv := sh.dry, sh.dryLoop, sh.argv
	sh.dry, sh.dryLoop = true, inLoop
	io := &stdio{out: &limitBuf{}, err: &limitBuf{}, outName: outName}
	if name == "curl" {
		sh.curl(args, io)
	} else {
		sh.applet(name, args, io)
	}
	sh.dry, sh.dryLoop, sh.argv = dry, dryLoop, saveArgv
}

// staticWord expands a word without side effects: literals and variables,
// nothing for command substitutions and arithmetic.
func staticWord(sh *Shell, w *word) string {
	var sb strings.Builder
	for i := range w.parts {
		p := &w.parts[i]
		switch p.kind {
		case pLit:
			sb.WriteString(p.text)
		case pParam:
			v, _ := sh.lookup(p.text)
			if v == "" && (p.defOp == ":-" || p.defOp == "-" || p.defOp == ":=" || p.defOp == "=") {
				if p.arg != nil {
					v = staticWord(sh, p.arg)
				}
			}
			sb.WriteString(v)
		}
		if sb.Len() > maxLine {
			break
		}
	}
	return sb.String()
}

// urlRE finds payload URLs anywhere in a line, for fetchers we do not
// emulate (python, perl, a renamed busybox...).
var urlRE = regexp.MustCompile(`(?i)\b(?:https?|ftp|tftp)://[^\s'"<>;|&)\\]+`)

// fetcherRE names the tool a generic URL was handed to: the last fetcher
// word before it.
var fetcherRE = regexp.MustCompile(`\b(wget|curl|tftp|ftpget|nc|ncat|socat|python[0-9.]*|perl|php|lynx|fetch|busybox|sh)\b`)

// extractURLs records URLs in line that no applet recorded, with Ran
// false: no emulated fetcher ran with them.
func (sh *Shell) extractURLs(line string, parsed bool) {
	for _, loc := range urlRE.FindAllStringIndex(line, maxDownloads) {
		u := line[loc[0]:loc[1]]
		if sh.recorded(u) {
			continue
		}
		if i := strings.IndexAny(u, "$`"); i >= 0 && sh.recordedPrefix(u[:i]) {
			continue // written with an expansion: the applet recorded it expanded
		}
		tool := "unknown"
		if m := fetcherRE.FindAllString(line[:loc[0]], -1); len(m) > 0 {
			tool = m[len(m)-1]
		}
		// No emulated fetcher took this URL: it sat in an echo, a comment,
		// a quoted string or the arguments of a tool the device lacks. It
		// is kept as an observation, but it was no download the device
		// attempted, so it is never recorded as having run (anyone can type
		// a URL into a honeypot; intel takes only what ran).
		ran := false
		for _, src := range sh.unrunSrcs {
			if strings.Contains(src, u) {
				ran = false
				break
			}
		}
		dry := sh.dry
		sh.dry = !ran
		sh.record(u, tool, "", false)
		sh.dry = dry
	}
}

func (sh *Shell) recorded(u string) bool {
	for i := range sh.fetches {
		if sh.fetches[i].URL == u {
			return true
		}
	}
	return false
}

func (sh *Shell) recordedPrefix(p string) bool {
	for i := range sh.fetches {
		if strings.HasPrefix(sh.fetches[i].URL, p) {
			return true
		}
	}
	return false
}
