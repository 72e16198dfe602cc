package busybox

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Word expansion: parameters, command substitution, field splitting and
// pathname expansion, in ash's order, within the line's budgets.

// defaultVars is the login shell's environment (/etc/profile and login).
var defaultVars = map[string]string{
	"HOME":    "/",
	"PATH":    "/bin:/sbin:/usr/bin:/usr/sbin",
	"USER":    "root",
	"LOGNAME": "root",
	"SHELL":   "/bin/sh",
	"TERM":    "vt100",
	"PS1":     `\w # `,
	"PS2":     "> ",
	"PS4":     "+ ",
	"IFS":     " \t\n",
	"OPTIND":  "1",
}

// defaultExported are the variables env shows without an export.
var defaultExported = []string{"USER", "HOME", "TERM", "PATH", "SHELL", "PWD"}

// shellPID is the pid ps shows for the login shell; nested shells follow.
func (sh *Shell) shellPID() int { return sh.dev.shPID + sh.nest }

// lookup returns a variable's value and whether it is set.
func (sh *Shell) lookup(name string) (string, bool) {
	switch name {
	case "?":
		return strconv.Itoa(sh.status), true
	case "$":
		return strconv.Itoa(sh.shellPID()), true
	case "0":
		if sh.arg0 != "" {
			return sh.arg0, true
		}
		if sh.nest > 0 || sh.calls > 0 {
			return "sh", true
		}
		return "-sh", true
	case "#", "@", "*", "1", "2", "3", "4", "5", "6", "7", "8", "9":
		return sh.positional(name)
	case "-":
		return "smi", true
	case "!":
		if sh.lastBg == 0 {
			return "", false
		}
		return strconv.Itoa(sh.lastBg), true
	case "PWD":
		if v, ok := sh.vars["PWD"]; ok {
			return v, true
		}
		return sh.cwd, true
	case "OLDPWD":
		if v, ok := sh.vars["OLDPWD"]; ok {
			return v, true
		}
		return sh.oldpwd, true
	case "PPID":
		return strconv.Itoa(sh.shellPID() - 1), true
	case "RANDOM":
		// ash's RANDOM: a new 0..32767 at each expansion.
		return strconv.Itoa(rand.IntN(32768)), true
	}
	if sh.vars != nil {
		v, ok := sh.vars[name]
		if ok {
			return v, true
		}
		if _, gone := sh.vars["\x00unset:"+name]; gone {
			return "", false
		}
	}
	v, ok := defaultVars[name]
	return v, ok
}

// maxVars bounds the variables a session can create, and maxVarBytes what
// they hold together.
const (
	maxVars     = 256
	maxVarBytes = 32 << 10
)

func (sh *Shell) varBytes() int {
	n := 0
	for k, v := range sh.vars {
		n += len(k) + len(v)
	}
	return n
}

func (sh *Shell) setVar(name, val string) {
	if !isName(name) {
		return
	}
	if sh.vars == nil {
		sh.vars = map[string]string{}
	}
	old, had := sh.vars[name]
	if !had && len(sh.vars) >= maxVars {
		return
	}
	if sh.varBytes()-len(old)+len(val) > maxVarBytes {
		return
	}
	sh.vars[name] = val
	delete(sh.vars, "\x00unset:"+name)
}

func (sh *Shell) unsetVar(name string) {
	if !isName(name) {
		return
	}
	if sh.vars == nil {
		sh.vars = map[string]string{}
	}
	delete(sh.vars, name)
	delete(sh.exported, name)
	if _, ok := defaultVars[name]; ok && len(sh.vars) < maxVars {
		sh.vars["\x00unset:"+name] = ""
	}
}

// varNames lists the set variables, sorted, for set and env.
func (sh *Shell) varNames() []string {
	var names []string
	for k := range defaultVars {
		if _, ok := sh.lookup(k); ok {
			names = append(names, k)
		}
	}
	for k := range sh.vars {
		if isName(k) && !slices.Contains(names, k) {
			names = append(names, k)
		}
	}
	names = append(names, "PWD")
	slices.Sort(names)
	return slices.Compact(names)
}

// envNamesSorted lists the exported variables sorted, for export.
func (sh *Shell) envNamesSorted() []string {
	names := sh.envNames()
	slices.Sort(names)
	return names
}

// envNames lists the exported variables, for env.
func (sh *Shell) envNames() []string {
	var names []string
	for _, k := range defaultExported {
		if _, ok := sh.lookup(k); ok {
			names = append(names, k)
		}
	}
	for k := range sh.exported {
		if _, ok := sh.lookup(k); ok && !slices.Contains(names, k) {
			names = append(names, k)
		}
	}
	return names
}

// expandWords expands command words: every expansion, field splitting and
// globbing.
func (sh *Shell) expandWords(ws []word, io *stdio) []string {
	var out []string
	for i := range ws {
		out = sh.expandWord(out, &ws[i], true, io)
		if len(out) > maxGlob {
			out = out[:maxGlob]
		}
		if sh.ctrl == ctrlAbort || sh.ctrl == ctrlError {
			break
		}
	}
	return out
}

// expandOne expands a word to one string (assignments, redirection
// targets): no field splitting, no globbing.
func (sh *Shell) expandOne(w *word, io *stdio) string {
	if len(w.parts) == 1 && w.parts[0].kind == pLit && (w.parts[0].quoted || strings.IndexByte(w.parts[0].text, '~') < 0) {
		return w.parts[0].text
	}
	f := sh.expandWord(nil, w, false, io)
	return strings.Join(f, " ")
}

// expandPattern expands a case pattern: quoted characters lose their
// special meaning (they come back escaped), unquoted ones keep it.
func (sh *Shell) expandPattern(w *word, io *stdio) string {
	var sb strings.Builder
	for i := range w.parts {
		p := &w.parts[i]
		text := p.text
		switch p.kind {
		case pParam:
			text = sh.param(p, io)
		case pSubst:
			text = sh.subst(p.sub, io)
		case pArith:
			n, _ := sh.arithPart(p, io)
			text = strconv.FormatInt(n, 10)
		}
		if !p.quoted {
			sb.WriteString(text) // unquoted: $p's * and ? stay special
			continue
		}
		for j := 0; j < len(text); j++ {
			if strings.IndexByte(`*?[\`, text[j]) >= 0 {
				sb.WriteByte('\\')
			}
			sb.WriteByte(text[j])
		}
	}
	return sb.String()
}

// field is one word being built: its text and, for globbing, the pattern
// with quoted metacharacters escaped.
type field struct {
	text, pat strings.Builder
	glob      bool
	started   bool
}

func (f *field) add(s string, quoted bool) {
	f.started = true
	f.text.WriteString(s)
	if quoted {
		for i := 0; i < len(s); i++ {
			if strings.IndexByte(`*?[\`, s[i]) >= 0 {
				f.pat.WriteByte('\\')
			}
			f.pat.WriteByte(s[i])
		}
		return
	}
	f.pat.WriteString(s)
	if strings.ContainsAny(s, "*?[") {
		f.glob = true
	}
}

func isIFS(c byte) bool { return c == ' ' || c == '\t' || c == '\n' }

// ifs returns the field separators: IFS if set, else blank, tab, newline.
func (sh *Shell) ifs() string {
	if v, ok := sh.lookup("IFS"); ok {
		return v
	}
	return " \t\n"
}

func (sh *Shell) expandWord(out []string, w *word, split bool, io *stdio) []string {
	var f field
	emit := func() {
		if !f.started {
			return
		}
		if f.glob && split {
			out = append(out, sh.glob(f.pat.String(), f.text.String())...)
		} else {
			out = append(out, f.text.String())
		}
		f = field{}
	}
	// walk expands parts into f; the WORD of ${NAME:-WORD} is walked in
	// place, so that its quoting decides its splitting, as in ash. It
	// reports false when the line must stop.
	var walk func(parts []wordPart) bool
	walk = func(parts []wordPart) bool {
		for i := range parts {
			p := &parts[i]
			var val string
			switch p.kind {
			case pLit:
				text := p.text
				if i == 0 && !p.quoted && strings.IndexByte(text, '~') >= 0 {
					if j := strings.IndexByte(text, '='); !split && j > 0 && isName(text[:j]) {
						// NAME=~ and NAME=a:~ in an assignment expand too.
						f.add(sh.assignTilde(text), false)
						continue
					}
					if home, rest, ok := sh.tilde(text); ok {
						f.add(home, true)
						text = rest
					}
				}
				if text != "" || p.quoted {
					f.add(text, p.quoted)
				}
				continue
			case pParam:
				v, alt := sh.paramExpand(p, io)
				if sh.ctrl == ctrlAbort || sh.ctrl == ctrlError {
					return false
				}
				if alt != nil {
					if len(alt.parts) == 0 && p.quoted {
						f.started = true // "${x:-}" is an empty word
					}
					if !walk(alt.parts) {
						return false
					}
					continue
				}
				val = v
			case pSubst:
				val = sh.subst(p.sub, io)
			case pArith:
				n, err := sh.arithPart(p, io)
				if errors.Is(err, errArithDeep) {
					sh.hit(limitParse)
					return false
				}
				if err != nil {
					sh.fail(io, err.Error())
					return false
				}
				val = strconv.FormatInt(n, 10)
			}
			if p.kind == pParam && p.quoted && p.text == "@" && p.defOp == "" && split {
				// "$@" is one field per argument, none for none.
				for k, a := range sh.posArgs {
					if k > 0 {
						emit()
					}
					f.add(a, true)
				}
				continue
			}
			sh.work += int64(len(val))
			if sh.work > maxWork || f.text.Len()+len(val) > maxVarBytes {
				sh.hit(limitWork)
				return false
			}
			if p.quoted || !split {
				f.add(val, true)
				continue
			}
			// Field splitting on IFS, up to the words a command may have:
			// runs of IFS blanks separate, each other IFS byte ends a field.
			ifs := sh.ifs()
			if ifs == "" {
				f.add(val, false)
				continue
			}
			inIFS := func(c byte) bool { return strings.IndexByte(ifs, c) >= 0 }
			for j := 0; j < len(val) && len(out) < maxGlob; {
				if c := val[j]; inIFS(c) {
					if !isIFS(c) {
						f.started = true // "a::b" has an empty field
					}
					emit()
					j++
					for j < len(val) && inIFS(val[j]) && isIFS(val[j]) {
						j++
					}
					continue
				}
				k := j
				for k < len(val) && !inIFS(val[k]) {
					k++
				}
				f.add(val[j:k], false)
				j = k
			}
		}
		return true
	}
	if !walk(w.parts) {
		return out
	}
	emit()
	return out
}

// tilde expands ~ and ~USER at the start of text (up to a /): the home
// directory, and the rest of text; ok is false when text does not start
// with one (or USER is not in /etc/passwd).
func (sh *Shell) tilde(text string) (home, rest string, ok bool) {
	if text == "" || text[0] != '~' {
		return "", text, false
	}
	user, rest, _ := strings.Cut(text[1:], "/")
	if rest != "" || strings.Contains(text, "/") {
		rest = "/" + rest
	}
	if user == "" {
		home, _ := sh.lookup("HOME")
		return home, rest, true
	}
	for _, l := range strings.Split(etcPasswd, "\n") {
		if f := strings.Split(l, ":"); len(f) >= 6 && f[0] == user {
			return f[5], rest, true
		}
	}
	return "", text, false
}

// assignTilde expands the ~ after the = of NAME=VALUE and after each :
// in it.
func (sh *Shell) assignTilde(text string) string {
	name, val, _ := strings.Cut(text, "=")
	fields := strings.Split(val, ":")
	for i, fl := range fields {
		if home, rest, ok := sh.tilde(fl); ok {
			fields[i] = home + rest
		}
	}
	return name + "=" + strings.Join(fields, ":")
}

// emptyWord is the WORD of ${NAME OP} written without one; never changed.
var emptyWord word

// param expands ${NAME OP WORD} to one string.
func (sh *Shell) param(p *wordPart, io *stdio) string {
	v, alt := sh.paramExpand(p, io)
	if alt != nil {
		return sh.expandOne(alt, io)
	}
	return v
}

// paramExpand resolves ${NAME OP WORD}: a value, or, for the default and
// alternative forms, the WORD to expand in its place.
func (sh *Shell) paramExpand(p *wordPart, io *stdio) (string, *word) {
	v, set := sh.lookup(p.text)
	if p.defOp == "" {
		return v, nil
	}
	arg := p.arg
	if arg == nil {
		arg = &emptyWord
	}
	switch p.defOp {
	case ":-", "-":
		if v == "" && (p.defOp == ":-" || !set) {
			return "", arg
		}
	case ":+", "+":
		if v != "" || (p.defOp == "+" && set) {
			return "", arg
		}
		return "", nil
	case ":=", "=":
		if v == "" && (p.defOp == ":=" || !set) {
			val := sh.expandOne(arg, io)
			if !isName(p.text) {
				sh.fail(io, "sh: $"+p.text+": cannot assign in this way")
				return "", nil
			}
			if !sh.assign(p.text, val, "", io) {
				return "", nil
			}
			return val, nil
		}
	case ":?", "?":
		if v == "" && (p.defOp == ":?" || !set) {
			msg := sh.expandOne(arg, io)
			if msg == "" {
				msg = "parameter not set"
				if p.defOp == ":?" {
					msg += " or null"
				}
			}
			sh.fail(io, "sh: "+p.text+": "+msg)
			return "", nil
		}
	case "len":
		return strconv.Itoa(len(v)), nil
	case "bad":
		sh.fail(io, "sh: syntax error: bad substitution")
		return "", nil
	case "%", "%%", "#", "##", "/", "//":
		pat := sh.expandPattern(arg, io)
		// Matching at every position of the value costs up to
		// len(v)^2 * len(pat): charged to the line first.
		if sh.work += int64(len(v)+1) * int64(len(v)+1) * int64(len(pat)+1) / 16; sh.work > maxWork {
			sh.hit(limitWork)
			return v, nil
		}
		if p.defOp[0] != '/' {
			return trimPattern(v, pat, p.defOp), nil
		}
		rep := ""
		if p.rep != nil {
			rep = sh.expandOne(p.rep, io)
		}
		return replacePattern(v, pat, rep, p.defOp == "//"), nil
	case ":":
		return sh.substring(v, sh.expandOne(arg, io)), nil
	}
	return v, nil
}

// arithPart evaluates $(( )), its expansions done first.
func (sh *Shell) arithPart(p *wordPart, io *stdio) (int64, error) {
	expr := p.text
	if p.arg != nil {
		expr = sh.expandOne(p.arg, io)
	}
	return sh.arith(expr)
}

// trimPattern is ${v%pat} ${v%%pat} ${v#pat} ${v##pat}: the shortest or
// longest suffix or prefix matching pat removed. Values are at most
// maxVarBytes, so the quadratic search is bounded.
func trimPattern(v, pat, op string) string {
	if len(v) > 4096 {
		return v
	}
	switch op {
	case "#":
		for i := 0; i <= len(v); i++ {
			if fnmatch(pat, v[:i]) {
				return v[i:]
			}
		}
	case "##":
		for i := len(v); i >= 0; i-- {
			if fnmatch(pat, v[:i]) {
				return v[i:]
			}
		}
	case "%":
		for i := len(v); i >= 0; i-- {
			if fnmatch(pat, v[i:]) {
				return v[:i]
			}
		}
	case "%%":
		for i := 0; i <= len(v); i++ {
			if fnmatch(pat, v[i:]) {
				return v[:i]
			}
		}
	}
	return v
}

// replacePattern is ${v/pat/rep} and ${v//pat/rep} (longest match at each
// position, as bash and ash do).
func replacePattern(v, pat, rep string, all bool) string {
	if pat == "" || len(v) > 4096 {
		return v
	}
	var sb strings.Builder
	for i := 0; i < len(v); {
		matched := -1
		for j := len(v); j > i; j-- {
			if fnmatch(pat, v[i:j]) {
				matched = j
				break
			}
		}
		if matched < 0 {
			sb.WriteByte(v[i])
			i++
			continue
		}
		sb.WriteString(rep)
		i = matched
		if !all {
			sb.WriteString(v[i:])
			return sb.String()
		}
	}
	return sb.String()
}

// substring is ${v:off} and ${v:off:len}; off and len are arithmetic.
func (sh *Shell) substring(v, spec string) string {
	offS, lenS, hasLen := strings.Cut(spec, ":")
	off64, err := sh.arith(offS)
	if err != nil {
		return v
	}
	off := int(max(min(off64, int64(len(v))), -int64(len(v))-1))
	if off < 0 {
		off += len(v)
	}
	off = max(0, min(off, len(v)))
	end := len(v)
	if hasLen {
		n64, err := sh.arith(lenS)
		if err != nil {
			return v
		}
		n := int(max(min(n64, int64(len(v))), -int64(len(v))))
		if n < 0 {
			end = max(off, len(v)+n)
		} else {
			end = min(len(v), off+n)
		}
	}
	return v[off:end]
}

// subst runs a command substitution in a subshell and returns its output
// without trailing newlines. Its nesting is bounded by the parser (and
// again here), its output by maxOutput, its commands by the line's budget.
func (sh *Shell) subst(l *list, io *stdio) string {
	if l == nil || sh.substs >= maxSubst+1 || sh.ctrl != ctrlNone {
		return ""
	}
	if sh.steps++; sh.steps > maxSteps {
		sh.hit(limitSteps)
		return ""
	}
	buf := &limitBuf{max: maxOutput, work: &sh.work}
	s := sh.save()
	sh.substs++
	loops := sh.loops
	sh.loops = 0
	// stderr goes where the line's stderr goes: the terminal.
	sio, top := &stdio{out: buf, err: io.err, tty: false}, sh.topIO
	sh.topIO = sio
	sh.forks++
	sh.evalList(l, sio)
	sh.forks--
	sh.topIO = top
	sh.loops = loops
	sh.substs--
	st := sh.status
	sh.restore(s)
	sh.status, sh.substStatus = st, st
	return strings.TrimRight(string(buf.b), "\n")
}

// glob expands one pattern word, every path component of it (/pro*/c*info,
// */*), as ash's expmeta does; a pattern that matches nothing, or one past
// the line's budget, stays as it is.
func (sh *Shell) glob(pat, lit string) []string {
	keep := []string{lit}
	if sh.globWords >= maxGlobWords || len(pat) > maxLine {
		return keep
	}
	sh.globWords++
	comps := strings.Split(pat, "/")
	// prefixes are the paths matched so far, as they will be printed.
	prefixes := []string{""}
	if comps[0] == "" {
		prefixes, comps = []string{"/"}, comps[1:]
	}
	for i, c := range comps {
		last := i == len(comps)-1
		if c == "" {
			if !last {
				for j := range prefixes {
					prefixes[j] += "/" // a doubled slash stays
				}
				continue
			}
			// A trailing slash: directories only.
			var dirs []string
			for _, p := range prefixes {
				if sh.fs.isDir(sh.globPath(p)) {
					dirs = append(dirs, p)
				}
			}
			prefixes = dirs
			break
		}
		if onlyEscaped(c) {
			name := unescapeGlob(c)
			for j, p := range prefixes {
				prefixes[j] = p + name
				if !last {
					prefixes[j] += "/"
				}
			}
			if last && len(comps) > 1 {
				// After a pattern, a literal last name must exist.
				var found []string
				for _, p := range prefixes {
					if _, ok := sh.fs.stat(sh.globPath(p)); ok {
						found = append(found, p)
					}
				}
				prefixes = found
			}
			continue
		}
		if len(c) > 2*maxNameLen {
			return keep
		}
		var next []string
		for _, p := range prefixes {
			if sh.globCost++; sh.globCost > maxGlobCost {
				return keep // a listing costs a unit even when empty
			}
			names, err := sh.fs.list(sh.globPath(p))
			if err != nil {
				continue
			}
			if c[0] == '.' {
				names = append([]string{".", ".."}, names...) // .* matches them too
			}
			for _, n := range names {
				cost := 1 + len(c)*len(n)/256
				if sh.globCost+cost > maxGlobCost {
					return keep
				}
				sh.globCost += cost
				if n[0] == '.' && c[0] != '.' {
					continue
				}
				if ok, _ := path.Match(c, n); !ok {
					continue
				}
				if len(next) >= maxGlob {
					break
				}
				m := p + n
				if !last {
					m += "/"
				}
				next = append(next, m)
			}
		}
		prefixes = next
		if len(prefixes) == 0 {
			return keep
		}
	}
	if len(prefixes) == 0 || (len(prefixes) == 1 && prefixes[0] == lit) {
		return keep
	}
	if strings.HasSuffix(pat, "/") {
		for j := range prefixes {
			prefixes[j] = strings.TrimSuffix(prefixes[j], "/") + "/"
		}
	}
	slices.Sort(prefixes)
	return prefixes
}

// globPath resolves a glob's prefix (relative to the working directory)
// to a path in the filesystem.
func (sh *Shell) globPath(p string) string {
	if p == "" {
		return sh.cwd
	}
	r, err := resolve(sh.cwd, p)
	if err != nil {
		return "/\x00" // nothing there
	}
	return r
}

// onlyEscaped reports whether every metacharacter in s is escaped.
func onlyEscaped(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if strings.IndexByte("*?[", s[i]) >= 0 {
			return false
		}
	}
	return true
}

func unescapeGlob(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		sb.WriteByte(s[i])
	}
	return sb.String()
}

// zeroBlock is what /dev/zero reads as; shared and never modified.
var zeroBlock = make([]byte, maxOutput)

// readPath reads a file, or a bounded block of a character device.
func (sh *Shell) readPath(p string) ([]byte, error) {
	if n, ok := sh.fs.stat(p); ok && n.kind == kindDev {
		return sh.devRead(p), nil
	}
	if p == "/proc/uptime" {
		if _, ok := sh.fs.ov[p]; !ok {
			up := sh.dev.uptime().Seconds()
			return []byte(fmt.Sprintf("%.2f %.2f\n", up, up*0.97)), nil
		}
	}
	return sh.fs.read(p)
}

// devRead is what reading a device gives: the endless ones stop after
// maxOutput bytes (as if the reader had been interrupted), the others are
// empty.
func (sh *Shell) devRead(p string) []byte {
	switch p {
	case "/dev/zero":
		return zeroBlock
	case "/dev/urandom", "/dev/random":
		sh.work += maxOutput
		b := make([]byte, maxOutput)
		for i := 0; i < len(b); i += 8 {
			v := rand.Uint64()
			for j := 0; j < 8 && i+j < len(b); j++ {
				b[i+j] = byte(v >> (8 * j))
			}
		}
		return b
	}
	return nil
}
