package busybox

import (
	"errors"
	"strconv"
	"strings"
)

// Arithmetic expansion, $(( )): ash's integer expressions over int64, with
// variables by name or by $NAME, C's operators and precedence, assignment
// (= += -= *= /= %=) and the ternary. The expression is at most maxArith
// bytes, so the recursion is bounded by it.

var (
	errArith    = errors.New("sh: arithmetic syntax error")
	errDivZero  = errors.New("sh: divide by zero")
	errArithVar = errors.New("sh: arithmetic syntax error") // a variable whose value is not a number
)

// arith evaluates one $(( )) expression.
func (sh *Shell) arith(expr string) (int64, error) {
	a := &arithParser{sh: sh, s: expandArithParams(sh, expr)}
	a.skip()
	if a.pos >= len(a.s) {
		return 0, nil // $(( )) is 0
	}
	v, err := a.comma(true)
	if err != nil {
		return 0, err
	}
	a.skip()
	if a.pos < len(a.s) {
		return 0, errArith
	}
	return v, nil
}

// comma is EXPR, EXPR, ...: each evaluated, the last one's value.
func (a *arithParser) comma(eval bool) (int64, error) {
	v, err := a.ternary(eval)
	for err == nil {
		a.skip()
		if a.pos >= len(a.s) || a.s[a.pos] != ',' {
			break
		}
		a.pos++
		v, err = a.ternary(eval)
	}
	return v, err
}

// expandArithParams replaces $NAME and ${NAME} with their values first, as
// ash does before it parses the expression.
func expandArithParams(sh *Shell, s string) string {
	if strings.IndexByte(s, '$') < 0 {
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			sb.WriteByte(s[i])
			continue
		}
		j := i + 1
		brace := s[j] == '{'
		if brace {
			j++
		}
		k := j
		for k < len(s) && isNameByte(s[k], k-j) {
			k++
		}
		if k == j && k < len(s) && strings.IndexByte("?#$0123456789", s[k]) >= 0 {
			k++
		}
		if k == j {
			sb.WriteByte('$')
			continue
		}
		v, _ := sh.lookup(s[j:k])
		sb.WriteString(v)
		if brace && k < len(s) && s[k] == '}' {
			k++
		}
		i = k - 1
	}
	return sb.String()
}

type arithParser struct {
	sh    *Shell
	s     string
	pos   int
	depth int // nesting of (, ?:, assignments and unary operators
}

// maxArithNest bounds the nesting of one expression: an expression is
// bounded in size only after its expansions ($x may hold 32 KiB of
// parentheses), and each level recurses.
const maxArithNest = 1024

// errArithDeep is an expression nested past maxArithNest: a budget hit,
// not an error ash would print.
var errArithDeep = errors.New("busybox: arithmetic nested too deep")

func (a *arithParser) skip() {
	for a.pos < len(a.s) && (a.s[a.pos] == ' ' || a.s[a.pos] == '\t' || a.s[a.pos] == '\n') {
		a.pos++
	}
}

// binary operators by precedence level, lowest first (after ?: and ||).
var arithLevels = [][]string{
	{"||"}, {"&&"}, {"|"}, {"^"}, {"&"}, {"==", "!="}, {"<=", ">=", "<", ">"}, {"<<", ">>"}, {"+", "-"}, {"*", "/", "%"}, {"**"},
}

// ternary: cond ? a : b, and assignments. eval false parses without
// effects (the branch not taken).
func (a *arithParser) ternary(eval bool) (int64, error) {
	if a.depth++; a.depth > maxArithNest {
		return 0, errArithDeep
	}
	defer func() { a.depth-- }()
	// Assignment: NAME op= expr.
	save := a.pos
	a.skip()
	if name := a.name(); name != "" {
		a.skip()
		for _, op := range []string{"+=", "-=", "*=", "/=", "%=", "="} {
			if strings.HasPrefix(a.s[a.pos:], op) && !strings.HasPrefix(a.s[a.pos:], "==") {
				a.pos += len(op)
				v, err := a.ternary(eval)
				if err != nil {
					return 0, err
				}
				if op != "=" {
					cur, err := a.varValue(name)
					if err != nil {
						return 0, err
					}
					if v, err = applyOp(op[:1], cur, v); err != nil {
						return 0, err
					}
				}
				if eval {
					if err := a.set(name, v); err != nil {
						return 0, err
					}
				}
				return v, nil
			}
		}
	}
	a.pos = save
	c, err := a.binary(0, eval)
	if err != nil {
		return 0, err
	}
	a.skip()
	if a.pos < len(a.s) && a.s[a.pos] == '?' {
		a.pos++
		x, err := a.ternary(eval && c != 0)
		if err != nil {
			return 0, err
		}
		a.skip()
		if a.pos >= len(a.s) || a.s[a.pos] != ':' {
			return 0, errArith
		}
		a.pos++
		y, err := a.ternary(eval && c == 0)
		if err != nil {
			return 0, err
		}
		if c != 0 {
			return x, nil
		}
		return y, nil
	}
	return c, nil
}

func (a *arithParser) binary(level int, eval bool) (int64, error) {
	if level == len(arithLevels) {
		return a.unary(eval)
	}
	x, err := a.binary(level+1, eval)
	if err != nil {
		return 0, err
	}
	for {
		a.skip()
		op := ""
		for _, o := range arithLevels[level] {
			if strings.HasPrefix(a.s[a.pos:], o) {
				// "<" must not take "<<", "&" not "&&", "|" not "||", "*"
				// not "**", "+" not "++".
				rest := a.s[a.pos+len(o):]
				if len(o) == 1 && rest != "" && (rest[0] == o[0] && strings.Contains("<>&|*+-", o) || rest[0] == '=' && strings.Contains("<>", o)) {
					continue
				}
				op = o
				break
			}
		}
		if op == "" {
			return x, nil
		}
		a.pos += len(op)
		shortEval := eval
		if op == "&&" && x == 0 || op == "||" && x != 0 {
			shortEval = false
		}
		y, err := a.binary(level+1, shortEval)
		if err != nil {
			return 0, err
		}
		if !eval {
			continue
		}
		if op == "&&" || op == "||" {
			x = b2i64(op == "&&" && x != 0 && y != 0 || op == "||" && (x != 0 || y != 0))
			continue
		}
		if x, err = applyOp(op, x, y); err != nil {
			return 0, err
		}
	}
}

func applyOp(op string, x, y int64) (int64, error) {
	switch op {
	case "+":
		return x + y, nil
	case "-":
		return x - y, nil
	case "*":
		return x * y, nil
	case "/", "%":
		if y == 0 {
			return 0, errDivZero
		}
		if x == -1<<63 && y == -1 {
			return x, nil
		}
		if op == "/" {
			return x / y, nil
		}
		return x % y, nil
	case "<<":
		return x << (uint64(y) & 63), nil
	case ">>":
		return x >> (uint64(y) & 63), nil
	case "&":
		return x & y, nil
	case "|":
		return x | y, nil
	case "^":
		return x ^ y, nil
	case "**":
		if y < 0 {
			return 0, errArith
		}
		r := int64(1)
		for ; y > 0 && r != 0; y-- {
			r *= x
			if y > 64 && (x == 0 || x == 1 || x == -1) {
				break
			}
		}
		return r, nil
	case "==":
		return b2i64(x == y), nil
	case "!=":
		return b2i64(x != y), nil
	case "<":
		return b2i64(x < y), nil
	case "<=":
		return b2i64(x <= y), nil
	case ">":
		return b2i64(x > y), nil
	case ">=":
		return b2i64(x >= y), nil
	}
	return 0, errArith
}

func b2i64(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func (a *arithParser) unary(eval bool) (int64, error) {
	if a.depth++; a.depth > maxArithNest {
		return 0, errArithDeep
	}
	defer func() { a.depth-- }()
	a.skip()
	if a.pos >= len(a.s) {
		return 0, errArith
	}
	if strings.HasPrefix(a.s[a.pos:], "++") || strings.HasPrefix(a.s[a.pos:], "--") {
		d := int64(1)
		if a.s[a.pos] == '-' {
			d = -1
		}
		a.pos += 2
		a.skip()
		name := a.name()
		if name == "" {
			return 0, errArith
		}
		v, err := a.varValue(name)
		if err != nil {
			return 0, err
		}
		if eval {
			if err := a.set(name, v+d); err != nil {
				return 0, err
			}
		}
		return v + d, nil
	}
	switch c := a.s[a.pos]; c {
	case '-', '+', '!', '~':
		a.pos++
		v, err := a.unary(eval)
		if err != nil {
			return 0, err
		}
		switch c {
		case '-':
			return -v, nil
		case '!':
			return b2i64(v == 0), nil
		case '~':
			return ^v, nil
		}
		return v, nil
	case '(':
		a.pos++
		v, err := a.comma(eval)
		if err != nil {
			return 0, err
		}
		a.skip()
		if a.pos >= len(a.s) || a.s[a.pos] != ')' {
			return 0, errArith
		}
		a.pos++
		return v, nil
	}
	if name := a.name(); name != "" {
		v, err := a.varValue(name)
		if err != nil {
			return 0, err
		}
		if strings.HasPrefix(a.s[a.pos:], "++") || strings.HasPrefix(a.s[a.pos:], "--") {
			d := int64(1)
			if a.s[a.pos] == '-' {
				d = -1
			}
			a.pos += 2
			if eval {
				if err := a.set(name, v+d); err != nil {
					return 0, err
				}
			}
		}
		return v, nil
	}
	start := a.pos
	for a.pos < len(a.s) && (isNameByte(a.s[a.pos], 1)) {
		a.pos++
	}
	if a.pos < len(a.s) && a.s[a.pos] == '#' && isDigits(a.s[start:a.pos]) {
		// BASE#DIGITS, bases 2 to 64.
		base, err := strconv.Atoi(a.s[start:a.pos])
		if err != nil || base < 2 || base > 64 {
			return 0, errArith
		}
		a.pos++
		ds := a.pos
		for a.pos < len(a.s) && (isNameByte(a.s[a.pos], 1) || a.s[a.pos] == '@') {
			a.pos++
		}
		return parseBaseNumber(a.s[ds:a.pos], base)
	}
	return parseArithNumber(a.s[start:a.pos])
}

// parseBaseNumber reads the digits of BASE#DIGITS as ash does: 0-9, then
// a-z, then A-Z (the same as a-z up to base 36), @ and _.
func parseBaseNumber(s string, base int) (int64, error) {
	if s == "" {
		return 0, errArith
	}
	var v int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		d := 0
		switch {
		case c >= '0' && c <= '9':
			d = int(c - '0')
		case c >= 'a' && c <= 'z':
			d = int(c-'a') + 10
		case c >= 'A' && c <= 'Z':
			d = int(c-'A') + 10
			if base > 36 {
				d += 26
			}
		case c == '@':
			d = 62
		case c == '_':
			d = 63
		}
		if d >= base {
			return 0, errArith
		}
		v = v*int64(base) + int64(d)
	}
	return v, nil
}

// set assigns a variable from an expression, unless it is read-only.
func (a *arithParser) set(name string, v int64) error {
	if a.sh.readonly[name] {
		return roArith(name)
	}
	a.sh.setVar(name, strconv.FormatInt(v, 10))
	return nil
}

// name reads a variable name at pos, or returns "".
func (a *arithParser) name() string {
	start := a.pos
	if a.pos < len(a.s) && isNameByte(a.s[a.pos], 0) {
		for a.pos < len(a.s) && isNameByte(a.s[a.pos], 1) {
			a.pos++
		}
	}
	return a.s[start:a.pos]
}

// varValue is a variable as a number: unset or empty is 0, a value that is
// not a number is an error.
func (a *arithParser) varValue(name string) (int64, error) {
	v, _ := a.sh.lookup(name)
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	n, err := parseArithNumber(v)
	if err != nil {
		return 0, errArithVar
	}
	return n, nil
}

// parseArithNumber reads a C integer constant: decimal, 0x hex, 0 octal.
func parseArithNumber(s string) (int64, error) {
	if s == "" {
		return 0, errArith
	}
	neg := false
	if s[0] == '-' {
		neg, s = true, s[1:]
	}
	base := 10
	switch {
	case strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X"):
		base, s = 16, s[2:]
	case len(s) > 1 && s[0] == '0':
		base, s = 8, s[1:]
	}
	u, err := strconv.ParseUint(s, base, 64)
	if err != nil {
		return 0, errArith
	}
	v := int64(u)
	if neg {
		v = -v
	}
	return v, nil
}
