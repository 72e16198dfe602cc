package busybox

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// awk: the part of the language bots use to pick fields out of a line
// (free -m | awk '{print $2}', awk -F: '$3==0 {print $1}', awk 'FNR == 2
// {print $2;}', awk '{s+=$1} END {print s}'): BEGIN/END, /regex/ and
// expression patterns, print and printf, assignments, next, exit, if,
// while, for and for-in, arrays, fields, NR NF FNR FS OFS, arithmetic,
// comparison, concatenation, ~ !~, && || !, and length substr index
// tolower toupper sprintf sub gsub split. A program is at most
// maxAwkProgram bytes; every record and statement is charged to the line,
// loops run at most maxLoop times, arrays hold at most maxAwkCells.

const maxAwkProgram = 4096

type awkRule struct {
	kind    uint8 // 0 every record, 1 BEGIN, 2 END
	pattern *awkNode
	action  []*awkNode // nil: print $0
}

// awkNode is an expression or statement.
type awkNode struct {
	op   string // "num" "str" "var" "field" "re" "call" "bin" "un" "assign" "print" "printf" "next" "exit" "if" "block" "cond" "concat" "match"
	s    string
	n    float64
	re   *regexp.Regexp
	kids []*awkNode
}

type awkParser struct {
	s   string
	pos int
}

type awkErr string

func (e awkErr) Error() string { return string(e) }

func (sh *Shell) awk(args []string, io *stdio) int {
	fs := ""
	prog := ""
	have := false
	var files []string
	vars := map[string]string{}
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-F" && i+1 < len(args):
			fs = args[i+1]
			i++
		case strings.HasPrefix(a, "-F"):
			fs = a[2:]
		case a == "-v" && i+1 < len(args):
			if k, v, ok := strings.Cut(args[i+1], "="); ok {
				vars[k] = v
			}
			i++
		case !have:
			prog, have = a, true
		default:
			files = append(files, a)
		}
	}
	if !have {
		return sh.usage(io, "awk", "[OPTIONS] [AWK_PROGRAM] [FILE]...")
	}
	if len(prog) > maxAwkProgram {
		io.err.WriteString("awk: program too long\n")
		return 1
	}
	rules, err := parseAwk(prog)
	if err != nil {
		io.err.WriteString("awk: cmd. line:1: " + err.Error() + "\n")
		return 2
	}
	data, st := sh.readInputs("awk", files, io)
	m := &awkMachine{sh: sh, vars: vars, out: &bytes.Buffer{}}
	if fs != "" {
		m.vars["FS"] = unescapeAwk(fs)
	}
	m.run(rules, data)
	io.out.Write(m.out.Bytes())
	if m.exitCode != 0 {
		return m.exitCode
	}
	return st
}

func unescapeAwk(s string) string {
	if s == "\\t" || s == "t" {
		return "\t"
	}
	return s
}

type awkMachine struct {
	sh       *Shell
	vars     map[string]string
	arrays   map[string]map[string]string
	cells    int // array elements, bounded
	fields   []string
	record   string
	out      *bytes.Buffer
	next     bool
	exit     bool
	exitCode int
	steps    int
}

func (m *awkMachine) get(name string) string {
	if v, ok := m.vars[name]; ok {
		return v
	}
	switch name {
	case "FS", "OFS":
		return " "
	case "ORS", "RS":
		return "\n"
	case "NF":
		return strconv.Itoa(len(m.fields))
	case "SUBSEP":
		return "\x1c"
	}
	return ""
}

func (m *awkMachine) split(rec string) {
	m.record = rec
	fs := m.get("FS")
	switch {
	case fs == " ":
		m.fields = strings.Fields(rec)
	case len(fs) == 1:
		m.fields = strings.Split(rec, fs)
	default:
		if re, err := regexp.Compile(fs); err == nil {
			m.fields = re.Split(rec, -1)
		} else {
			m.fields = strings.Split(rec, fs)
		}
	}
	if rec == "" {
		m.fields = nil
	}
	delete(m.vars, "NF")
}

func (m *awkMachine) run(rules []awkRule, data []byte) {
	for _, r := range rules {
		if r.kind == 1 {
			m.exec(r.action)
		}
	}
	nr := 0
	if !m.exit && hasMain(rules) {
		eachLine(data, func(l []byte) bool {
			nr++
			m.vars["NR"] = strconv.Itoa(nr)
			m.vars["FNR"] = strconv.Itoa(nr)
			m.split(string(l))
			m.next = false
			for _, r := range rules {
				if r.kind != 0 || m.next || m.exit {
					continue
				}
				if r.pattern != nil && !truthy(m.eval(r.pattern)) {
					continue
				}
				if r.action == nil {
					m.out.WriteString(m.record + m.get("ORS"))
					continue
				}
				m.exec(r.action)
			}
			return !m.exit && m.out.Len() < maxOutput && m.sh.work < maxWork
		})
	}
	m.exit = false
	for _, r := range rules {
		if r.kind == 2 && !m.exit {
			m.exec(r.action)
		}
	}
}

func hasMain(rules []awkRule) bool {
	for _, r := range rules {
		if r.kind != 1 {
			return true
		}
	}
	return false
}

func (m *awkMachine) exec(stmts []*awkNode) {
	for _, st := range stmts {
		if m.next || m.exit {
			return
		}
		if m.steps++; m.steps > 100000 || m.sh.work > maxWork {
			m.exit = true
			return
		}
		m.sh.work += 16
		switch st.op {
		case "print":
			var parts []string
			for _, k := range st.kids {
				parts = append(parts, m.str(m.eval(k)))
			}
			if len(st.kids) == 0 {
				parts = []string{m.record}
			}
			m.out.WriteString(strings.Join(parts, m.get("OFS")) + m.get("ORS"))
		case "printf":
			if len(st.kids) > 0 {
				var vals []string
				for _, k := range st.kids[1:] {
					vals = append(vals, m.str(m.eval(k)))
				}
				m.out.WriteString(awkSprintf(m.str(m.eval(st.kids[0])), vals))
			}
		case "next":
			m.next = true
		case "exit":
			m.exit = true
			if len(st.kids) > 0 {
				m.exitCode = int(num(m.eval(st.kids[0])))
			}
		case "if":
			if truthy(m.eval(st.kids[0])) {
				m.exec(st.kids[1].kids)
			} else if len(st.kids) > 2 {
				m.exec(st.kids[2].kids)
			}
		case "block":
			m.exec(st.kids)
		case "while":
			for i := 0; i < maxLoop && !m.exit && !m.next && truthy(m.eval(st.kids[0])); i++ {
				m.exec(st.kids[1].kids)
			}
		case "for":
			if st.kids[0] != nil {
				m.eval(st.kids[0])
			}
			for i := 0; i < maxLoop && !m.exit && !m.next && (st.kids[1] == nil || truthy(m.eval(st.kids[1]))); i++ {
				m.exec(st.kids[3].kids)
				if st.kids[2] != nil {
					m.eval(st.kids[2])
				}
			}
		case "forin":
			m.sh.work += int64(64 * len(m.arrays[st.s])) // the keys, sorted
			for _, k := range slices.Sorted(maps.Keys(m.arrays[st.s])) {
				if m.exit || m.next {
					break
				}
				m.store(st.kids[0], awkVal{s: k})
				m.exec(st.kids[1].kids)
			}
		default:
			m.eval(st)
		}
		if m.out.Len() > maxOutput {
			m.exit = true
		}
	}
}

// awk values are strings or numbers; a number-looking string compares as
// a number.
type awkVal struct {
	s     string
	n     float64
	isNum bool
}

func (m *awkMachine) str(v awkVal) string {
	if !v.isNum {
		return v.s
	}
	return fmtNum(v.n)
}

func fmtNum(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e16 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', 6, 64)
}

func num(v awkVal) float64 {
	if v.isNum {
		return v.n
	}
	s := strings.TrimSpace(v.s)
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == '.' || (end == 0 && (s[end] == '-' || s[end] == '+'))) {
		end++
	}
	f, _ := strconv.ParseFloat(s[:end], 64)
	return f
}

func truthy(v awkVal) bool {
	if v.isNum {
		return v.n != 0
	}
	return v.s != ""
}

func looksNumeric(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return false
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

func (m *awkMachine) field(i int) string {
	if i == 0 {
		return m.record
	}
	if i > 0 && i <= len(m.fields) {
		return m.fields[i-1]
	}
	return ""
}

func (m *awkMachine) eval(n *awkNode) awkVal {
	m.sh.work += 4
	switch n.op {
	case "num":
		return awkVal{n: n.n, isNum: true}
	case "str":
		return awkVal{s: n.s}
	case "re":
		return awkVal{n: b2f(n.re.MatchString(m.record)), isNum: true}
	case "var":
		v := m.get(n.s)
		if n.s == "NR" || n.s == "NF" || n.s == "FNR" || looksNumeric(v) {
			return awkVal{s: v, n: num(awkVal{s: v}), isNum: looksNumeric(v)}
		}
		return awkVal{s: v}
	case "field":
		f := m.field(int(num(m.eval(n.kids[0]))))
		return awkVal{s: f, n: num(awkVal{s: f}), isNum: looksNumeric(f)}
	case "elem":
		v := m.arrays[n.s][m.key(n)]
		return awkVal{s: v, n: num(awkVal{s: v}), isNum: looksNumeric(v)}
	case "assign":
		var v awkVal
		if n.s == "=" {
			v = m.eval(n.kids[1])
		} else {
			cur := num(m.eval(n.kids[0]))
			r := num(m.eval(n.kids[1]))
			v = awkVal{n: arithF(n.s[:1], cur, r), isNum: true}
		}
		m.store(n.kids[0], v)
		return v
	case "incr":
		cur := num(m.eval(n.kids[0]))
		nv := cur + n.n
		m.store(n.kids[0], awkVal{n: nv, isNum: true})
		if n.s == "post" {
			return awkVal{n: cur, isNum: true}
		}
		return awkVal{n: nv, isNum: true}
	case "un":
		v := m.eval(n.kids[0])
		switch n.s {
		case "!":
			return awkVal{n: b2f(!truthy(v)), isNum: true}
		case "-":
			return awkVal{n: -num(v), isNum: true}
		}
		return awkVal{n: num(v), isNum: true}
	case "concat":
		a, b := m.str(m.eval(n.kids[0])), m.str(m.eval(n.kids[1]))
		m.sh.work += int64(len(a) + len(b)) // the copy
		if len(a)+len(b) > maxVarBytes {
			m.exit = true // a string past what a variable may hold: stop
			return awkVal{s: a}
		}
		return awkVal{s: a + b}
	case "match":
		s := m.str(m.eval(n.kids[0]))
		var re *regexp.Regexp
		if n.kids[1].op == "re" {
			re = n.kids[1].re
		} else {
			re, _ = regexp.Compile(m.str(m.eval(n.kids[1])))
		}
		ok := re != nil && re.MatchString(s)
		if n.s == "!~" {
			ok = !ok
		}
		return awkVal{n: b2f(ok), isNum: true}
	case "cond":
		if truthy(m.eval(n.kids[0])) {
			return m.eval(n.kids[1])
		}
		return m.eval(n.kids[2])
	case "bin":
		if n.s == "&&" {
			return awkVal{n: b2f(truthy(m.eval(n.kids[0])) && truthy(m.eval(n.kids[1]))), isNum: true}
		}
		if n.s == "||" {
			return awkVal{n: b2f(truthy(m.eval(n.kids[0])) || truthy(m.eval(n.kids[1]))), isNum: true}
		}
		a, b := m.eval(n.kids[0]), m.eval(n.kids[1])
		switch n.s {
		case "<", "<=", ">", ">=", "==", "!=":
			var c int
			if a.isNum && b.isNum {
				c = cmpF(a.n, b.n)
			} else {
				c = strings.Compare(m.str(a), m.str(b))
			}
			var r bool
			switch n.s {
			case "<":
				r = c < 0
			case "<=":
				r = c <= 0
			case ">":
				r = c > 0
			case ">=":
				r = c >= 0
			case "==":
				r = c == 0
			default:
				r = c != 0
			}
			return awkVal{n: b2f(r), isNum: true}
		}
		return awkVal{n: arithF(n.s, num(a), num(b)), isNum: true}
	case "call":
		return m.call(n)
	}
	return awkVal{}
}

// key is an element's subscript: its expressions joined by SUBSEP.
func (m *awkMachine) key(n *awkNode) string {
	parts := make([]string, len(n.kids))
	for i, k := range n.kids {
		parts[i] = m.str(m.eval(k))
	}
	return strings.Join(parts, m.get("SUBSEP"))
}

// maxAwkCells bounds the elements of all arrays of one awk run.
const maxAwkCells = 4096

func (m *awkMachine) store(target *awkNode, v awkVal) {
	switch target.op {
	case "elem":
		k := m.key(target)
		if m.arrays == nil {
			m.arrays = map[string]map[string]string{}
		}
		a := m.arrays[target.s]
		if a == nil {
			if len(m.arrays) >= 64 {
				return
			}
			a = map[string]string{}
			m.arrays[target.s] = a
		}
		if _, ok := a[k]; !ok {
			if m.cells >= maxAwkCells {
				return
			}
			m.cells++
		}
		a[k] = m.str(v)
	case "var":
		if len(m.vars) < 256 {
			m.vars[target.s] = m.str(v)
		}
	case "field":
		i := int(num(m.eval(target.kids[0])))
		if i < 0 || i > 1024 {
			return
		}
		if i == 0 {
			m.split(m.str(v))
			return
		}
		for len(m.fields) < i {
			m.fields = append(m.fields, "")
		}
		m.fields[i-1] = m.str(v)
		m.record = strings.Join(m.fields, m.get("OFS"))
	}
}

func (m *awkMachine) call(n *awkNode) awkVal {
	arg := func(i int) awkVal {
		if i < len(n.kids) {
			return m.eval(n.kids[i])
		}
		return awkVal{}
	}
	switch n.s {
	case "length":
		if len(n.kids) == 0 {
			return awkVal{n: float64(len(m.record)), isNum: true}
		}
		return awkVal{n: float64(len(m.str(arg(0)))), isNum: true}
	case "substr":
		s := m.str(arg(0))
		start := int(num(arg(1)))
		l := len(s)
		if len(n.kids) > 2 {
			l = int(num(arg(2)))
		}
		from := max(start, 1)
		to := min(start+l, len(s)+1)
		if from >= to {
			return awkVal{}
		}
		return awkVal{s: s[from-1 : to-1]}
	case "index":
		return awkVal{n: float64(strings.Index(m.str(arg(0)), m.str(arg(1))) + 1), isNum: true}
	case "tolower":
		return awkVal{s: strings.ToLower(m.str(arg(0)))}
	case "toupper":
		return awkVal{s: strings.ToUpper(m.str(arg(0)))}
	case "int":
		return awkVal{n: math.Trunc(num(arg(0))), isNum: true}
	case "sprintf":
		if len(n.kids) == 0 {
			return awkVal{}
		}
		var vals []string
		for i := 1; i < len(n.kids); i++ {
			vals = append(vals, m.str(arg(i)))
		}
		return awkVal{s: awkSprintf(m.str(arg(0)), vals)}
	case "sub", "gsub":
		// sub(re, repl [, target]): target defaults to $0.
		if len(n.kids) < 2 {
			return awkVal{}
		}
		var re *regexp.Regexp
		if n.kids[0].op == "re" {
			re = n.kids[0].re
		} else {
			re, _ = regexp.Compile(m.str(arg(0)))
		}
		if re == nil {
			return awkVal{n: 0, isNum: true}
		}
		target := &awkNode{op: "field", kids: []*awkNode{{op: "num"}}}
		if len(n.kids) > 2 {
			target = n.kids[2]
		}
		cur := m.str(m.eval(target))
		repl := m.str(arg(1))
		count := 0
		out := re.ReplaceAllStringFunc(cur, func(match string) string {
			if n.s == "sub" && count > 0 {
				return match
			}
			count++
			return strings.ReplaceAll(strings.ReplaceAll(repl, "\\&", "\x00"), "&", match)
		})
		out = strings.ReplaceAll(out, "\x00", "&")
		if count > 0 {
			m.store(target, awkVal{s: out})
		}
		return awkVal{n: float64(count), isNum: true}
	case "split":
		// split(s, arr [, sep]): the array is not kept (no arrays here);
		// the count is what scripts test.
		sep := m.get("FS")
		if len(n.kids) > 2 {
			sep = m.str(arg(2))
		}
		s := m.str(arg(0))
		if sep == " " {
			return awkVal{n: float64(len(strings.Fields(s))), isNum: true}
		}
		return awkVal{n: float64(len(strings.Split(s, sep))), isNum: true}
	}
	return awkVal{}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func arithF(op string, a, b float64) float64 {
	switch op {
	case "+":
		return a + b
	case "-":
		return a - b
	case "*":
		return a * b
	case "/":
		if b == 0 {
			return 0
		}
		return a / b
	case "%":
		if b == 0 {
			return 0
		}
		return math.Mod(a, b)
	case "^":
		return math.Pow(a, b)
	}
	return 0
}

// awkSprintf formats with %d %i %s %c %x %o %f %e %g and widths.
func awkSprintf(format string, vals []string) string {
	var sb strings.Builder
	k := 0
	next := func() string {
		if k < len(vals) {
			k++
			return vals[k-1]
		}
		return ""
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c == '\\' && i+1 < len(format) {
			i++
			switch format[i] {
			case 'n':
				sb.WriteByte('\n')
			case 't':
				sb.WriteByte('\t')
			default:
				sb.WriteByte(format[i])
			}
			continue
		}
		if c != '%' || i+1 >= len(format) {
			sb.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(format) && strings.IndexByte("-+ #0123456789.", format[j]) >= 0 {
			j++
		}
		if j >= len(format) {
			sb.WriteString(format[i:])
			break
		}
		spec := clampSpec(format[i:j])
		switch verb := format[j]; verb {
		case '%':
			sb.WriteByte('%')
		case 'd', 'i':
			fmt.Fprintf(&sb, spec+"d", int64(num(awkVal{s: next()})))
		case 'x', 'X', 'o':
			fmt.Fprintf(&sb, spec+string(verb), int64(num(awkVal{s: next()})))
		case 'f', 'e', 'g', 'E', 'G':
			fmt.Fprintf(&sb, spec+string(verb), num(awkVal{s: next()}))
		case 'c':
			v := next()
			if v != "" {
				sb.WriteByte(v[0])
			}
		default:
			fmt.Fprintf(&sb, spec+"s", next())
		}
		i = j
	}
	return sb.String()
}

// parseAwk parses a program into rules.
func parseAwk(src string) ([]awkRule, error) {
	p := &awkParser{s: src}
	var rules []awkRule
	for {
		p.skipSpace(true)
		if p.pos >= len(p.s) {
			return rules, nil
		}
		if len(rules) >= 64 {
			return nil, awkErr("program too complex")
		}
		var r awkRule
		switch {
		case p.word("BEGIN"):
			r.kind = 1
		case p.word("END"):
			r.kind = 2
		case p.peek() != '{':
			e, err := p.expr(0)
			if err != nil {
				return nil, err
			}
			r.pattern = e
		}
		p.skipSpace(false)
		if p.peek() == '{' {
			body, err := p.block(0)
			if err != nil {
				return nil, err
			}
			r.action = body
			if r.action == nil {
				r.action = []*awkNode{}
			}
		} else if r.kind != 0 {
			return nil, awkErr("syntax error: BEGIN and END need an action")
		}
		rules = append(rules, r)
	}
}

func (p *awkParser) peek() byte {
	if p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

func (p *awkParser) skipSpace(newlines bool) {
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if c == ' ' || c == '\t' || (newlines && (c == '\n' || c == ';')) {
			p.pos++
			continue
		}
		if c == '#' {
			for p.pos < len(p.s) && p.s[p.pos] != '\n' {
				p.pos++
			}
			continue
		}
		break
	}
}

// word consumes keyword w if it is next as a whole word.
func (p *awkParser) word(w string) bool {
	p.skipSpace(false)
	if strings.HasPrefix(p.s[p.pos:], w) {
		end := p.pos + len(w)
		if end == len(p.s) || !isNameByte(p.s[end], 1) {
			p.pos = end
			return true
		}
	}
	return false
}

func (p *awkParser) block(depth int) ([]*awkNode, error) {
	if depth > 16 {
		return nil, awkErr("program too complex")
	}
	p.pos++ // {
	var out []*awkNode
	for {
		p.skipSpace(true)
		if p.pos >= len(p.s) {
			return nil, awkErr("syntax error: unexpected end of program")
		}
		if p.peek() == '}' {
			p.pos++
			return out, nil
		}
		st, err := p.statement(depth)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
		if len(out) > 256 {
			return nil, awkErr("program too complex")
		}
	}
}

func (p *awkParser) statement(depth int) (*awkNode, error) {
	p.skipSpace(false)
	switch {
	case p.peek() == '{':
		b, err := p.block(depth + 1)
		return &awkNode{op: "block", kids: b}, err
	case p.word("print"):
		return p.printArgs("print")
	case p.word("printf"):
		return p.printArgs("printf")
	case p.word("next"):
		return &awkNode{op: "next"}, nil
	case p.word("exit"):
		n := &awkNode{op: "exit"}
		p.skipSpace(false)
		if c := p.peek(); c != 0 && c != ';' && c != '\n' && c != '}' {
			e, err := p.expr(0)
			if err != nil {
				return nil, err
			}
			n.kids = []*awkNode{e}
		}
		return n, nil
	case p.word("while"):
		p.skipSpace(false)
		if p.peek() != '(' {
			return nil, awkErr("syntax error: while without (")
		}
		cond, err := p.primary()
		if err != nil {
			return nil, err
		}
		p.skipSpace(true)
		body, err := p.statement(depth + 1)
		if err != nil {
			return nil, err
		}
		return &awkNode{op: "while", kids: []*awkNode{cond, asBlock(body)}}, nil
	case p.word("for"):
		p.skipSpace(false)
		if p.peek() != '(' {
			return nil, awkErr("syntax error: for without (")
		}
		p.pos++
		// for (k in arr) or for (init; cond; step)
		save := p.pos
		p.skipSpace(false)
		if lv, _ := p.lvalue(); lv != nil && lv.op == "var" {
			p.skipSpace(false)
			if p.word("in") {
				p.skipSpace(false)
				arr, _ := p.lvalue()
				p.skipSpace(false)
				if arr == nil || arr.op != "var" || p.peek() != ')' {
					return nil, awkErr("syntax error in for-in")
				}
				p.pos++
				p.skipSpace(true)
				body, err := p.statement(depth + 1)
				if err != nil {
					return nil, err
				}
				return &awkNode{op: "forin", s: arr.s, kids: []*awkNode{lv, asBlock(body)}}, nil
			}
		}
		p.pos = save
		var parts [3]*awkNode
		for i := 0; i < 3; i++ {
			p.skipSpace(false)
			end := byte(';')
			if i == 2 {
				end = ')'
			}
			if p.peek() != end {
				e, err := p.expr(0)
				if err != nil {
					return nil, err
				}
				parts[i] = e
				p.skipSpace(false)
			}
			if p.peek() != end {
				return nil, awkErr("syntax error in for")
			}
			p.pos++
		}
		p.skipSpace(true)
		body, err := p.statement(depth + 1)
		if err != nil {
			return nil, err
		}
		n := &awkNode{op: "for", kids: []*awkNode{parts[0], parts[1], parts[2], asBlock(body)}}
		return n, nil
	case p.word("if"):
		p.skipSpace(false)
		if p.peek() != '(' {
			return nil, awkErr("syntax error: if without (")
		}
		cond, err := p.primary()
		if err != nil {
			return nil, err
		}
		p.skipSpace(true)
		then, err := p.statement(depth + 1)
		if err != nil {
			return nil, err
		}
		n := &awkNode{op: "if", kids: []*awkNode{cond, asBlock(then)}}
		save := p.pos
		p.skipSpace(true)
		if p.word("else") {
			p.skipSpace(true)
			els, err := p.statement(depth + 1)
			if err != nil {
				return nil, err
			}
			n.kids = append(n.kids, asBlock(els))
		} else {
			p.pos = save
		}
		return n, nil
	}
	return p.expr(0)
}

func asBlock(n *awkNode) *awkNode {
	if n.op == "block" {
		return n
	}
	return &awkNode{op: "block", kids: []*awkNode{n}}
}

func (p *awkParser) printArgs(op string) (*awkNode, error) {
	n := &awkNode{op: op}
	p.skipSpace(false)
	paren := false
	if p.peek() == '(' {
		// print(a, b): the parentheses group the list.
		save := p.pos
		p.pos++
		paren = true
		defer func() {
			if !paren {
				p.pos = save
			}
		}()
	}
	for {
		p.skipSpace(false)
		c := p.peek()
		if c == 0 || c == ';' || c == '\n' || c == '}' || c == '>' || c == '|' || (paren && c == ')') {
			break
		}
		e, err := p.expr(1)
		if err != nil {
			return nil, err
		}
		n.kids = append(n.kids, e)
		p.skipSpace(false)
		if p.peek() != ',' {
			break
		}
		p.pos++
	}
	if paren {
		if p.peek() == ')' {
			p.pos++
		}
	}
	return n, nil
}

// Binary operator precedence, lowest first. noGT (level 1) is for print
// lists, where > would be a redirection.
var awkBinLevels = [][]string{{"||"}, {"&&"}, {"~", "!~"}, {"<=", ">=", "!=", "==", "<", ">"}, {"concat"}, {"+", "-"}, {"*", "/", "%"}, {"^"}}

func (p *awkParser) expr(noGT int) (*awkNode, error) {
	return p.ternary(noGT, 0)
}

func (p *awkParser) ternary(noGT, depth int) (*awkNode, error) {
	if depth > 64 {
		return nil, awkErr("program too complex")
	}
	// Assignment.
	save := p.pos
	if lhs, err := p.lvalue(); err == nil && lhs != nil {
		p.skipSpace(false)
		for _, op := range []string{"+=", "-=", "*=", "/=", "%=", "="} {
			if strings.HasPrefix(p.s[p.pos:], op) && !strings.HasPrefix(p.s[p.pos:], "==") {
				p.pos += len(op)
				rhs, err := p.ternary(noGT, depth+1)
				if err != nil {
					return nil, err
				}
				return &awkNode{op: "assign", s: op, kids: []*awkNode{lhs, rhs}}, nil
			}
		}
	}
	p.pos = save
	c, err := p.binary(0, noGT, depth)
	if err != nil {
		return nil, err
	}
	p.skipSpace(false)
	if p.peek() == '?' {
		p.pos++
		a, err := p.ternary(noGT, depth+1)
		if err != nil {
			return nil, err
		}
		p.skipSpace(false)
		if p.peek() != ':' {
			return nil, awkErr("syntax error: ? without :")
		}
		p.pos++
		b, err := p.ternary(noGT, depth+1)
		if err != nil {
			return nil, err
		}
		return &awkNode{op: "cond", kids: []*awkNode{c, a, b}}, nil
	}
	return c, nil
}

// lvalue reads a variable or $field for an assignment, or returns nil.
func (p *awkParser) lvalue() (*awkNode, error) {
	p.skipSpace(false)
	if p.peek() == '$' {
		p.pos++
		e, err := p.primary()
		if err != nil {
			return nil, err
		}
		return &awkNode{op: "field", kids: []*awkNode{e}}, nil
	}
	start := p.pos
	for p.pos < len(p.s) && isNameByte(p.s[p.pos], p.pos-start) {
		p.pos++
	}
	if p.pos == start {
		return nil, nil
	}
	name := p.s[start:p.pos]
	if p.peek() == '[' {
		return p.index(name)
	}
	return &awkNode{op: "var", s: name}, nil
}

// index parses NAME[expr] (an array element; SUBSEP joins a[i,j]).
func (p *awkParser) index(name string) (*awkNode, error) {
	p.pos++
	var keys []*awkNode
	for {
		e, err := p.expr(0)
		if err != nil {
			return nil, err
		}
		keys = append(keys, e)
		p.skipSpace(false)
		if p.peek() == ',' && len(keys) < 8 {
			p.pos++
			continue
		}
		break
	}
	if p.peek() != ']' {
		return nil, awkErr("syntax error: missing ]")
	}
	p.pos++
	return &awkNode{op: "elem", s: name, kids: keys}, nil
}

func (p *awkParser) binary(level, noGT, depth int) (*awkNode, error) {
	if level == len(awkBinLevels) {
		return p.unary(depth)
	}
	x, err := p.binary(level+1, noGT, depth)
	if err != nil {
		return nil, err
	}
	for {
		p.skipSpace(false)
		if awkBinLevels[level][0] == "concat" {
			// Juxtaposition: another operand starts here.
			c := p.peek()
			if !(c == '$' || c == '"' || c == '(' || isNameByte(c, 0) || c >= '0' && c <= '9') || strings.HasPrefix(p.s[p.pos:], "in ") {
				return x, nil
			}
			y, err := p.binary(level+1, noGT, depth)
			if err != nil {
				return nil, err
			}
			x = &awkNode{op: "concat", kids: []*awkNode{x, y}}
			continue
		}
		op := ""
		for _, o := range awkBinLevels[level] {
			if strings.HasPrefix(p.s[p.pos:], o) {
				if (o == "<" || o == ">") && strings.HasPrefix(p.s[p.pos+1:], "=") {
					continue
				}
				if o == ">" && noGT > 0 {
					continue
				}
				op = o
				break
			}
		}
		if op == "" || (op == "-" || op == "+") && strings.HasPrefix(p.s[p.pos+1:], op) {
			return x, nil
		}
		p.pos += len(op)
		y, err := p.binary(level+1, noGT, depth)
		if err != nil {
			return nil, err
		}
		switch op {
		case "~", "!~":
			x = &awkNode{op: "match", s: op, kids: []*awkNode{x, y}}
		default:
			x = &awkNode{op: "bin", s: op, kids: []*awkNode{x, y}}
		}
	}
}

func (p *awkParser) unary(depth int) (*awkNode, error) {
	p.skipSpace(false)
	switch c := p.peek(); c {
	case '!', '-', '+':
		if strings.HasPrefix(p.s[p.pos:], "++") || strings.HasPrefix(p.s[p.pos:], "--") {
			p.pos += 2
			lv, err := p.lvalue()
			if err != nil || lv == nil {
				return nil, awkErr("syntax error")
			}
			d := 1.0
			if c == '-' {
				d = -1
			}
			return &awkNode{op: "incr", s: "pre", n: d, kids: []*awkNode{lv}}, nil
		}
		p.pos++
		x, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return &awkNode{op: "un", s: string(c), kids: []*awkNode{x}}, nil
	}
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	if (x.op == "var" || x.op == "field" || x.op == "elem") && (strings.HasPrefix(p.s[p.pos:], "++") || strings.HasPrefix(p.s[p.pos:], "--")) {
		d := 1.0
		if p.s[p.pos] == '-' {
			d = -1
		}
		p.pos += 2
		return &awkNode{op: "incr", s: "post", n: d, kids: []*awkNode{x}}, nil
	}
	return x, nil
}

func (p *awkParser) primary() (*awkNode, error) {
	p.skipSpace(false)
	if p.pos >= len(p.s) {
		return nil, awkErr("syntax error: unexpected end of program")
	}
	c := p.s[p.pos]
	switch {
	case c == '(':
		p.pos++
		e, err := p.expr(0)
		if err != nil {
			return nil, err
		}
		p.skipSpace(false)
		if p.peek() != ')' {
			return nil, awkErr("syntax error: missing )")
		}
		p.pos++
		return e, nil
	case c == '$':
		p.pos++
		e, err := p.primary()
		if err != nil {
			return nil, err
		}
		return &awkNode{op: "field", kids: []*awkNode{e}}, nil
	case c == '"':
		var sb strings.Builder
		p.pos++
		for p.pos < len(p.s) && p.s[p.pos] != '"' {
			if p.s[p.pos] == '\\' && p.pos+1 < len(p.s) {
				p.pos++
				switch p.s[p.pos] {
				case 'n':
					sb.WriteByte('\n')
				case 't':
					sb.WriteByte('\t')
				default:
					sb.WriteByte(p.s[p.pos])
				}
				p.pos++
				continue
			}
			sb.WriteByte(p.s[p.pos])
			p.pos++
		}
		if p.pos >= len(p.s) {
			return nil, awkErr("syntax error: unterminated string")
		}
		p.pos++
		return &awkNode{op: "str", s: sb.String()}, nil
	case c == '/':
		end := p.pos + 1
		for end < len(p.s) && p.s[end] != '/' {
			if p.s[end] == '\\' {
				end++
			}
			end++
		}
		if end >= len(p.s) {
			return nil, awkErr("syntax error: unterminated regexp")
		}
		re, err := regexp.Compile(p.s[p.pos+1 : end])
		if err != nil {
			return nil, awkErr("syntax error: bad regexp")
		}
		p.pos = end + 1
		return &awkNode{op: "re", re: re}, nil
	case c >= '0' && c <= '9' || c == '.':
		start := p.pos
		for p.pos < len(p.s) && (p.s[p.pos] >= '0' && p.s[p.pos] <= '9' || p.s[p.pos] == '.') {
			p.pos++
		}
		f, _ := strconv.ParseFloat(p.s[start:p.pos], 64)
		return &awkNode{op: "num", n: f}, nil
	case isNameByte(c, 0):
		start := p.pos
		for p.pos < len(p.s) && isNameByte(p.s[p.pos], 1) {
			p.pos++
		}
		name := p.s[start:p.pos]
		if p.peek() == '(' {
			p.pos++
			n := &awkNode{op: "call", s: name}
			for {
				p.skipSpace(false)
				if p.peek() == ')' {
					p.pos++
					break
				}
				e, err := p.expr(0)
				if err != nil {
					return nil, err
				}
				n.kids = append(n.kids, e)
				p.skipSpace(false)
				if p.peek() == ',' {
					p.pos++
				} else if p.peek() != ')' {
					return nil, awkErr("syntax error in call")
				}
				if len(n.kids) > 8 {
					return nil, awkErr("syntax error in call")
				}
			}
			return n, nil
		}
		if name == "length" {
			return &awkNode{op: "call", s: name}, nil
		}
		if p.peek() == '[' {
			return p.index(name)
		}
		return &awkNode{op: "var", s: name}, nil
	}
	return nil, awkErr(fmt.Sprintf("syntax error at source line 1: unexpected character '%c'", c))
}
