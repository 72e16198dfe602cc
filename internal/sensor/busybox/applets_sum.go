package busybox

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"path"
	"strconv"
	"strings"
)

// Checksums, pidof, expr and id's options: small applets scripts use to
// check a download, find a competitor's pid or do sums.

// sum is md5sum, sha1sum and sha256sum over the emulated files (a
// download's placeholder hashes as what it is).
func (sh *Shell) sum(args []string, io *stdio) int {
	name := path.Base(args[0])
	var h func() hash.Hash
	switch name {
	case "md5sum":
		h = md5.New
	case "sha1sum":
		h = sha1.New
	default:
		h = sha256.New
	}
	_, files := flags(args)
	if len(files) == 0 {
		files = []string{"-"}
	}
	st := 0
	for _, f := range files {
		data, ok := sh.operand(f, io, name)
		if !ok {
			st = 1
			continue
		}
		sh.work += int64(len(data))
		d := h()
		d.Write(data)
		io.out.WriteString(hex.EncodeToString(d.Sum(nil)) + "  " + f + "\n")
	}
	return st
}

// pidof prints the pids of the named programs, as ps shows them.
func (sh *Shell) pidof(args []string, io *stdio) int {
	_, names := flags(args)
	var pids []string
	for _, l := range strings.Split(sh.ps(nil), "\n")[1:] {
		f := strings.Fields(l)
		if len(f) < 5 {
			continue
		}
		prog := path.Base(strings.Trim(f[4], "[]-"))
		for _, n := range names {
			if prog == n || prog == path.Base(n) {
				pids = append([]string{f[0]}, pids...) // newest first, as pidof lists them
			}
		}
	}
	if len(pids) == 0 {
		return 1
	}
	io.out.WriteString(strings.Join(pids, " ") + "\n")
	return 0
}

// id with -u -g -n: uid=0(root) for everything, root's names.
func (sh *Shell) id(args []string, io *stdio) int {
	fl, _ := flags(args)
	switch {
	case strings.ContainsAny(fl, "ug") && strings.Contains(fl, "n"):
		io.out.WriteString("root\n")
	case strings.ContainsAny(fl, "ugG"):
		io.out.WriteString("0\n")
	default:
		io.out.WriteString("uid=0(root) gid=0(root) groups=0(root)\n")
	}
	return 0
}

// expr: integer arithmetic, comparisons, length, and string equality,
// left to right within each precedence level as expr does.
func (sh *Shell) expr(args []string, io *stdio) int {
	a := args[1:]
	if len(a) == 0 {
		return sh.usage(io, "expr", "EXPRESSION")
	}
	e := &exprParser{a: a}
	v, ok := e.or()
	if !ok || e.i < len(e.a) {
		io.err.WriteString("expr: syntax error\n")
		return 2
	}
	if e.divZero {
		io.err.WriteString("expr: division by zero\n")
		return 2
	}
	io.out.WriteString(v + "\n")
	if v == "" || v == "0" {
		return 1
	}
	return 0
}

type exprParser struct {
	a       []string
	i       int
	divZero bool
}

func (e *exprParser) peek() string {
	if e.i < len(e.a) {
		return e.a[e.i]
	}
	return ""
}

func (e *exprParser) or() (string, bool) {
	x, ok := e.and()
	for ok && e.peek() == "|" {
		e.i++
		var y string
		if y, ok = e.and(); x == "" || x == "0" {
			x = y
		}
	}
	return x, ok
}

func (e *exprParser) and() (string, bool) {
	x, ok := e.cmp()
	for ok && e.peek() == "&" {
		e.i++
		var y string
		y, ok = e.cmp()
		if x == "" || x == "0" || y == "" || y == "0" {
			x = "0"
		}
	}
	return x, ok
}

func (e *exprParser) cmp() (string, bool) {
	x, ok := e.add()
	for ok {
		op := e.peek()
		if op != "=" && op != "!=" && op != "<" && op != "<=" && op != ">" && op != ">=" {
			return x, ok
		}
		e.i++
		var y string
		if y, ok = e.add(); !ok {
			return "", false
		}
		var c int
		xn, errx := strconv.ParseInt(x, 10, 64)
		yn, erry := strconv.ParseInt(y, 10, 64)
		if errx == nil && erry == nil {
			c = cmpInt(xn, yn)
		} else {
			c = strings.Compare(x, y)
		}
		r := map[string]bool{"=": c == 0, "!=": c != 0, "<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[op]
		x = strconv.Itoa(b2i(r))
	}
	return x, ok
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (e *exprParser) add() (string, bool) {
	x, ok := e.mul()
	for ok && (e.peek() == "+" || e.peek() == "-") {
		op := e.peek()
		e.i++
		var y string
		if y, ok = e.mul(); !ok {
			return "", false
		}
		xn, err1 := strconv.ParseInt(x, 10, 64)
		yn, err2 := strconv.ParseInt(y, 10, 64)
		if err1 != nil || err2 != nil {
			return "", false
		}
		if op == "+" {
			x = strconv.FormatInt(xn+yn, 10)
		} else {
			x = strconv.FormatInt(xn-yn, 10)
		}
	}
	return x, ok
}

func (e *exprParser) mul() (string, bool) {
	x, ok := e.unary()
	for ok && (e.peek() == "*" || e.peek() == "/" || e.peek() == "%") {
		op := e.peek()
		e.i++
		var y string
		if y, ok = e.unary(); !ok {
			return "", false
		}
		xn, err1 := strconv.ParseInt(x, 10, 64)
		yn, err2 := strconv.ParseInt(y, 10, 64)
		if err1 != nil || err2 != nil {
			return "", false
		}
		switch {
		case op == "*":
			x = strconv.FormatInt(xn*yn, 10)
		case yn == 0:
			e.divZero = true
			x = "0"
		case op == "/":
			x = strconv.FormatInt(xn/yn, 10)
		default:
			x = strconv.FormatInt(xn%yn, 10)
		}
	}
	return x, ok
}

func (e *exprParser) unary() (string, bool) {
	t := e.peek()
	switch {
	case t == "":
		return "", false
	case t == "length" && e.i+1 < len(e.a):
		e.i += 2
		return strconv.Itoa(len(e.a[e.i-1])), true
	case t == "(":
		e.i++
		v, ok := e.or()
		if !ok || e.peek() != ")" {
			return "", false
		}
		e.i++
		return v, true
	}
	e.i++
	return t, true
}
