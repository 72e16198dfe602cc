package busybox

import (
	"bytes"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
)

// grep and wc: streaming over their input in one pass, charged to the
// line's work budget by the size of the program and of the input.

// eachLine calls f for every line of data (without its newline), without
// allocating; f returns false to stop.
func eachLine(data []byte, f func(line []byte) bool) {
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			f(data)
			return
		}
		if !f(data[:i]) {
			return
		}
		data = data[i+1:]
	}
}

// lowerASCII returns data with ASCII letters lowered (one copy for the
// whole input, for grep -i).
func lowerASCII(data []byte) []byte {
	out := make([]byte, len(data))
	for i, c := range data {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// grepMatcher builds what grep matches a line with: a fixed string when
// the pattern has no regex syntax (or -F), else a Go regexp from the BRE
// or ERE (linear time whatever the pattern); cost is what a byte of input
// costs against the line's work budget.
func grepMatcher(pat string, fixed, ere, word bool) (match func([]byte) bool, cost int) {
	if !fixed && strings.ContainsAny(pat, `.[]*^$\+?(){}|`) {
		re := pat
		if !ere {
			re = breToERE(pat)
		}
		if word {
			re = `\b(?:` + re + `)\b`
		}
		if r, err := regexp.Compile(re); err == nil {
			// The NFA can visit every instruction for every byte.
			size := 8
			if sre, err := syntax.Parse(re, syntax.Perl); err == nil {
				if prog, err := syntax.Compile(sre.Simplify()); err == nil {
					size = max(size, len(prog.Inst))
				}
			}
			return r.Match, size
		}
	}
	p := []byte(pat)
	if word {
		return func(l []byte) bool {
			for off := 0; off <= len(l); {
				i := bytes.Index(l[off:], p)
				if i < 0 {
					return false
				}
				s, e := off+i, off+i+len(p)
				if (s == 0 || !isWordByte(l[s-1])) && (e == len(l) || !isWordByte(l[e])) {
					return true
				}
				off = s + 1
			}
			return false
		}, 1
	}
	return func(l []byte) bool { return bytes.Contains(l, p) }, 1
}

func isWordByte(c byte) bool { return isNameByte(c, 1) }

// breToERE turns a POSIX basic regular expression into Go's syntax: \( \)
// \{ \} \| are the operators, ( ) { } | + ? are literals.
func breToERE(p string) string {
	var sb strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			i++
			switch d := p[i]; d {
			case '(', ')', '{', '}', '|', '+', '?':
				sb.WriteByte(d)
			default:
				sb.WriteByte('\\')
				sb.WriteByte(d)
			}
		case strings.IndexByte("(){}|+?", c) >= 0:
			sb.WriteByte('\\')
			sb.WriteByte(c)
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

func (sh *Shell) grep(args []string, io *stdio) int {
	var fl string
	var ops []string
	pat, havePat := "", false
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-e" && i+1 < len(args):
			pat, havePat = args[i+1], true
			i++
		case a == "--":
			ops = append(ops, args[i+1:]...)
			i = len(args)
		case len(a) > 1 && a[0] == '-':
			fl += a[1:]
		default:
			ops = append(ops, a)
		}
	}
	if !havePat {
		if len(ops) == 0 {
			return sh.usage(io, "grep", "[-HhnlLoqvsriwFE] [-m N] [-A/B/C N] PATTERN/-e PATTERN.../-f FILE [FILE]...")
		}
		pat, ops = ops[0], ops[1:]
	}
	files := ops
	if len(files) == 0 {
		files = []string{""}
	}
	has := func(f string) bool { return strings.Contains(fl, f) }
	recursive := has("r") || has("R")
	if recursive {
		// -r: the files under each directory operand, named by their path.
		files = sh.grepTree(files)
		if len(ops) > 0 && !has("h") {
			fl += "H"
		}
	}
	ignore, invert, countOnly, quiet, number, list := has("i"), has("v"), has("c"), has("q"), has("n"), has("l")
	prefix := (len(files) > 1 || has("H")) && !has("h")
	if ignore {
		pat = strings.ToLower(pat)
	}
	match, cost := grepMatcher(pat, has("F"), has("E"), has("w"))
	sh.work += int64(100 * len(pat) * (cost - 1))
	matched, st := 0, 1
	for _, f := range files {
		data, ok := sh.operand(f, io, "grep")
		if !ok {
			st = 2
			continue
		}
		sh.work += int64(cost * len(data))
		if sh.work > maxWork {
			break
		}
		name := f
		if name == "" {
			name = "(standard input)"
		}
		hay := data
		if ignore {
			hay = lowerASCII(data)
		}
		n, lineNo := 0, 0
		off := 0
		eachLine(hay, func(l []byte) bool {
			lineNo++
			start := off
			off += len(l) + 1
			if match(l) == invert {
				return true
			}
			n++
			if quiet || list || countOnly {
				return !quiet && !list
			}
			orig := data[start : start+len(l)]
			if prefix {
				io.out.WriteString(name + ":")
			}
			if number {
				io.out.WriteString(strconv.Itoa(lineNo) + ":")
			}
			io.out.Write(orig)
			io.out.WriteString("\n")
			return len(io.out.b) < io.out.max
		})
		matched += n
		switch {
		case list && n > 0:
			io.out.WriteString(name + "\n")
		case countOnly:
			if prefix {
				io.out.WriteString(name + ":")
			}
			io.out.WriteString(strconv.Itoa(n) + "\n")
		}
		if quiet && n > 0 {
			return 0
		}
	}
	if matched > 0 && st != 2 {
		st = 0
	}
	return st
}

// wc counts in one pass over each input, as BusyBox prints: "%9u" columns,
// or a bare number when only one count is asked for (wc.c's start_fmt).
func (sh *Shell) wc(args []string, io *stdio) int {
	fl, files := flags(args)
	lines, words, chars := strings.Contains(fl, "l"), strings.Contains(fl, "w"), strings.Contains(fl, "c") || strings.Contains(fl, "m")
	if !lines && !words && !chars {
		lines, words, chars = true, true, true
	}
	one := b2i(lines)+b2i(words)+b2i(chars) == 1 && len(files) <= 1 // one count of one file is not padded
	stdin := len(files) == 0
	if stdin {
		files = []string{""}
	}
	st := 0
	var tl, tw, tc int
	for _, f := range files {
		data, ok := sh.operand(f, io, "wc")
		if !ok {
			st = 1
			continue
		}
		sh.work += int64(len(data))
		if sh.work > maxWork {
			break
		}
		l, w, in := 0, 0, false
		for _, c := range data {
			if c == '\n' {
				l++
			}
			space := c == ' ' || (c >= '\t' && c <= '\r')
			if !space && !in {
				w++
			}
			in = !space
		}
		tl, tw, tc = tl+l, tw+w, tc+len(data)
		io.out.WriteString(wcLine(lines, words, chars, l, w, len(data), one) + wcName(f, stdin))
	}
	if len(files) > 1 {
		io.out.WriteString(wcLine(lines, words, chars, tl, tw, tc, one) + " total\n")
	}
	return st
}

func wcLine(lines, words, chars bool, l, w, c int, bare bool) string {
	var parts []string
	for _, x := range []struct {
		on bool
		n  int
	}{{lines, l}, {words, w}, {chars, c}} {
		if x.on {
			parts = append(parts, fmt.Sprintf("%9d", x.n))
		}
	}
	s := strings.Join(parts, " ")
	if bare {
		return strings.TrimLeft(s, " ")
	}
	return s
}

func wcName(f string, stdin bool) string {
	if stdin {
		return "\n"
	}
	return " " + f + "\n"
}

// grepTree expands grep -r's operands: a directory becomes the files under
// it, depth first in name order, by a worklist within the overlay's caps.
func (sh *Shell) grepTree(ops []string) []string {
	var files []string
	for _, op := range ops {
		if op == "" || !sh.fs.isDir(sh.path(op)) {
			files = append(files, op)
			continue
		}
		work := []string{op}
		for len(work) > 0 && len(files) < 4*maxOverlayFiles {
			c := work[len(work)-1]
			work = work[:len(work)-1]
			p := sh.path(c)
			n, ok := sh.fs.stat(p)
			switch {
			case !ok || n.link != "":
			case n.kind == kindFile:
				files = append(files, c)
			case n.kind == kindDir && (c == op || p != "/proc" && p != "/sys" && p != "/dev"):
				names, _ := sh.fs.list(p)
				sh.work += int64(64 * (len(names) + 1))
				for i := len(names) - 1; i >= 0 && len(work) < 4*maxOverlayFiles; i-- {
					work = append(work, strings.TrimSuffix(c, "/")+"/"+names[i])
				}
			}
		}
	}
	return files
}
