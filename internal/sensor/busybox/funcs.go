package busybox

import (
	"bytes"
	"cmp"
	"errors"
	"strconv"
)

// Functions, case, scripts: what lets a bot's pasted or dropped script run
// in the same sandboxed shell, within the same per-line budgets.

// Bounds on functions and scripts.
const (
	maxFuncs = 64 // functions a session may define
	maxCalls = 16 // nesting of function calls, sh -c, sh FILE and . FILE
)

// specialBuiltins are found before functions, as POSIX says.
func isSpecialBuiltin(name string) bool {
	switch name {
	case "break", ":", ".", "continue", "eval", "exec", "exit", "export", "readonly", "return", "set", "shift", "trap", "unset":
		return true
	}
	return false
}

// define stores a function; a session's functions are bounded in number,
// and each body is bounded by the line it came from.
func (sh *Shell) define(c *shCmd) int {
	if _, ok := sh.funcs[c.name]; !ok && len(sh.funcs) >= maxFuncs {
		return 0
	}
	if sh.funcs == nil {
		sh.funcs = map[string]*shCmd{}
	}
	sh.funcs[c.name] = c.fn
	return 0
}

// call runs a function with its arguments as $1 ...
func (sh *Shell) call(fn *shCmd, args []string, io *stdio) int {
	if sh.calls >= maxCalls {
		sh.hit(limitCalls) // ash's stack overflows: see runText
		return 139
	}
	saved := sh.posArgs
	sh.posArgs = args[1:]
	sh.calls++
	loops := sh.loops
	sh.loops = 0
	sh.frames = append(sh.frames, nil)
	st := sh.evalCommand(fn, io)
	sh.popFrame()
	sh.loops = loops
	sh.calls--
	sh.posArgs = saved
	if sh.ctrl == ctrlReturn {
		sh.ctrl = ctrlNone
		st = sh.status
	}
	sh.status = st
	return st
}

// localVar is a variable's value before a function made it local.
type localVar struct {
	val string
	set bool
}

// makeLocal makes name local to the running function: its value is put
// back when the function returns. Outside a function it is a plain
// variable, as local's error in ash is not worth copying.
func (sh *Shell) makeLocal(name string) {
	if len(sh.frames) == 0 {
		return
	}
	f := sh.frames[len(sh.frames)-1]
	if _, ok := f[name]; ok {
		return
	}
	if f == nil {
		f = map[string]localVar{}
		sh.frames[len(sh.frames)-1] = f
	}
	if len(f) >= maxVars {
		return
	}
	v, set := sh.vars[name]
	f[name] = localVar{v, set}
}

// popFrame puts back the variables the returning function made local.
func (sh *Shell) popFrame() {
	f := sh.frames[len(sh.frames)-1]
	sh.frames = sh.frames[:len(sh.frames)-1]
	for name, lv := range f {
		if lv.set {
			sh.setVar(name, lv.val)
		} else {
			delete(sh.vars, name)
		}
	}
}

// script runs a script's text: sh FILE and sh -c TEXT in a subshell (sub
// set), . FILE in this shell. args are its $1 ...; name is how errors
// call it.
func (sh *Shell) script(text []byte, name string, args []string, sub bool, io *stdio) int {
	if sh.ctrl != ctrlNone {
		return 0
	}
	if sh.calls >= maxCalls {
		sh.hit(limitCalls)
		return 139
	}
	if i := bytes.IndexByte(text[:min(len(text), 512)], 0); i >= 0 {
		// A binary handed to sh: ash reads it as text and trips on it.
		if name != "" {
			name += ": "
		}
		io.err.WriteString("sh: " + name + "line 1: syntax error: unterminated quoted string\n")
		return 2
	}
	sh.work += 16 * int64(len(text)) // parsing
	l, err := parseScript(string(text))
	if errors.Is(err, errTooComplex) {
		sh.hit(limitParse)
		return 2
	}
	if err != nil {
		io.err.WriteString(err.Error() + "\n")
		return 2
	}
	var st state
	arg0 := sh.arg0
	if sub {
		st = sh.save()
		sh.arg0 = cmp.Or(name, "sh") // the new shell's $0
	}
	saved, top := sh.posArgs, sh.topIO
	sh.posArgs = args
	sh.calls++
	if sub {
		sh.forks++
	}
	loops := sh.loops
	sh.loops = 0
	sh.topIO = io // what exec redirects in it
	sh.evalList(l, io)
	sh.topIO = top
	sh.loops = loops
	if sub {
		sh.forks--
	}
	sh.calls--
	sh.posArgs = saved
	status := sh.status
	if sh.ctrl == ctrlReturn || (sub && sh.ctrl == ctrlExit) {
		sh.ctrl = ctrlNone
	}
	if sub {
		sh.restore(st)
	}
	sh.arg0 = arg0
	sh.unrun(l, false, 1)
	sh.status = status
	return status
}

// evalCase runs the first item whose pattern matches the word.
func (sh *Shell) evalCase(c *shCmd, io *stdio) int {
	w := sh.expandOne(&c.args[0], io)
	for _, it := range c.items {
		for i := range it.pats {
			pat := sh.expandPattern(&it.pats[i], io)
			if sh.ctrl == ctrlAbort || sh.ctrl == ctrlError {
				return 1
			}
			sh.work += int64(len(pat) * (len(w) + 1))
			if fnmatch(pat, w) {
				if it.body == nil || len(it.body.items) == 0 {
					return 0
				}
				sh.evalList(it.body, io)
				return sh.status
			}
		}
	}
	return 0
}

// positional returns $N, $# and friends of the running function or script.
func (sh *Shell) positional(name string) (string, bool) {
	switch name {
	case "#":
		return strconv.Itoa(len(sh.posArgs)), true
	case "@", "*":
		if len(sh.posArgs) == 0 {
			return "", false
		}
		n := 0
		for _, a := range sh.posArgs {
			n += len(a) + 1
		}
		b := make([]byte, 0, n)
		for i, a := range sh.posArgs {
			if i > 0 {
				b = append(b, ' ')
			}
			b = append(b, a...)
		}
		return string(b), true
	}
	i, _ := strconv.Atoi(name)
	if i >= 1 && i <= len(sh.posArgs) {
		return sh.posArgs[i-1], true
	}
	return "", false
}

// fnmatch matches s against a shell pattern (* ? [...] [!...], \ escapes)
// where, unlike pathname expansion, * also matches '/'. It backtracks only
// to the last *, so it is O(len(pat) * len(s)).
func fnmatch(pat, s string) bool {
	p, i := 0, 0
	starP, starI := -1, 0
	for i < len(s) {
		if p < len(pat) {
			switch c := pat[p]; c {
			case '*':
				starP, starI = p, i
				p++
				continue
			case '?':
				p++
				i++
				continue
			case '[':
				if end, ok := matchClass(pat, p, s[i]); end > 0 {
					if ok {
						p = end
						i++
						continue
					}
				} else if s[i] == '[' {
					p++
					i++
					continue
				}
			case '\\':
				if p+1 < len(pat) && pat[p+1] == s[i] {
					p += 2
					i++
					continue
				}
			default:
				if c == s[i] {
					p++
					i++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		starI++
		p, i = starP+1, starI
	}
	for p < len(pat) && pat[p] == '*' {
		p++
	}
	return p == len(pat)
}

// matchClass matches c against the bracket expression at pat[p]; end is
// the index after it, 0 if it is not a bracket expression.
func matchClass(pat string, p int, c byte) (end int, ok bool) {
	j := p + 1
	neg := false
	if j < len(pat) && (pat[j] == '!' || pat[j] == '^') {
		neg = true
		j++
	}
	first := true
	for j < len(pat) && (pat[j] != ']' || first) {
		first = false
		lo := pat[j]
		if lo == '\\' && j+1 < len(pat) {
			j++
			lo = pat[j]
		}
		hi := lo
		if j+2 < len(pat) && pat[j+1] == '-' && pat[j+2] != ']' {
			hi = pat[j+2]
			j += 2
		}
		if lo <= c && c <= hi {
			ok = true
		}
		j++
	}
	if j >= len(pat) {
		return 0, false
	}
	return j + 1, ok != neg
}
