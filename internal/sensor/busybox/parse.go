package busybox

import (
	"errors"
	"strings"
)

// Parser bounds: a line longer than maxLine is cut by the line editor before
// it gets here; the rest keeps a hostile line from costing more than a
// normal one. The parser recurses only on nesting ({ } ( ) if for while
// $( ) and backquotes), and maxDepth bounds that; everything else is a loop.
const (
	maxLine     = 8 << 10
	maxCommands = 512 // commands (simple or compound) per line, substitutions included
	maxArgs     = 256 // words per simple command
	maxDepth    = 24  // nesting of compound commands and substitutions
	maxSubst    = 2   // nesting of $( ) and ` ` inside each other
)

// Word part kinds.
const (
	pLit   = iota // literal text
	pParam        // $NAME, ${NAME}, $?, $1 ...
	pSubst        // $( ) or ` `
)

// wordPart is one piece of a word, as the lexer saw it.
type wordPart struct {
	kind   uint8
	quoted bool   // inside quotes or escaped: no field splitting, no globbing
	text   string // the literal, or the parameter name
	def    string // ${NAME:-def} / ${NAME-def}: the default (a literal)
	defOp  string // ":-", "-", ":=", "=", ":+", "+" or ""
	sub    *list  // pSubst: the commands
}

// word is a shell word before expansion.
type word struct {
	parts []wordPart
}

// lit returns the word's text when it is a single unquoted literal (what a
// reserved word must be), else "".
func (w *word) lit() string {
	if len(w.parts) == 1 && w.parts[0].kind == pLit && !w.parts[0].quoted {
		return w.parts[0].text
	}
	return ""
}

// String is the word as the user wrote it, roughly; for tests and messages.
func (w *word) String() string {
	var sb strings.Builder
	for _, p := range w.parts {
		switch p.kind {
		case pLit:
			sb.WriteString(p.text)
		case pParam:
			sb.WriteString("${" + p.text + p.defOp + p.def + "}")
		case pSubst:
			sb.WriteString("$(...)")
		}
	}
	return sb.String()
}

// redirect is one I/O redirection.
type redirect struct {
	fd     int    // the descriptor redirected
	op     string // "<", ">", ">>", ">&" or "<&" (dup: target is the descriptor), "<<" (heredoc: unsupported, empty)
	target word
}

// Command kinds.
const (
	cSimple   = iota
	cGroup    // { list; }
	cSubshell // ( list )
	cIf       // if list; then list; [elif list; then list;]... [else list;] fi
	cFor      // for NAME [in words]; do list; done
	cWhile    // while list; do list; done
	cUntil    // until list; do list; done
)

// shCmd is a simple or compound command with its redirections.
type shCmd struct {
	kind   uint8
	assign []word // simple: NAME=value words before the command name
	args   []word // simple: the words; for: the list after "in"
	redirs []redirect
	name   string // for: the variable
	body   *list  // group, subshell, loops: the body; if: the else branch (may be nil)
	conds  []*list
	thens  []*list // if: conds[i] then thens[i]
	cond   *list   // while/until
}

// pipeline is commands joined by '|', possibly negated with '!'.
type pipeline struct {
	neg  bool
	cmds []*shCmd
}

// andOr is pipelines joined by && and ||; ops[i] joins pipes[i] to pipes[i+1].
type andOr struct {
	pipes []*pipeline
	ops   []string
}

// list is and-or lists separated by ';', '&' or newlines.
type list struct {
	items []*andOr
}

// errSyntax wraps the message sh prints for a syntax error.
type errSyntax string

func (e errSyntax) Error() string { return "sh: syntax error: " + string(e) }

// errTooComplex is what ash says when it runs out of memory, the nearest
// thing to "this line is more than we will run".
var errTooComplex = errors.New("sh: out of memory")

// Token kinds.
const (
	tEOF = iota
	tWord
	tOp    // ; & && || | ( ) ;;
	tRedir // fd and op; the target is the next word
)

type token struct {
	kind uint8
	op   string // tOp, tRedir
	fd   int    // tRedir
	w    word   // tWord
}

// parser is a recursive-descent parser for the ash subset worms use, over
// one line. It reads tokens on demand so that $( ) can continue from the
// middle of a word.
type parser struct {
	src    string
	pos    int
	peeked *token
	ncmds  int
	depth  int
	subst  int
}

// parseLine parses one command line.
func parseLine(line string) (*list, error) {
	p := &parser{src: line}
	l, err := p.list(true)
	if err != nil {
		return nil, err
	}
	t, err := p.peek()
	if err != nil {
		return nil, err
	}
	if t.kind != tEOF {
		return nil, errSyntax("unexpected " + tokName(t))
	}
	return l, nil
}

func tokName(t *token) string {
	switch t.kind {
	case tEOF:
		return "end of file"
	case tOp:
		return `"` + t.op + `"`
	case tRedir:
		return `"` + t.op + `"`
	}
	return `"` + t.w.String() + `"`
}

func (p *parser) enter() error {
	if p.depth++; p.depth > maxDepth {
		return errTooComplex
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

func (p *parser) peek() (*token, error) {
	if p.peeked == nil {
		t, err := p.lex()
		if err != nil {
			return nil, err
		}
		p.peeked = t
	}
	return p.peeked, nil
}

func (p *parser) next() (*token, error) {
	t, err := p.peek()
	p.peeked = nil
	return t, err
}

// reserved words that end a list when they start a command.
func isTerminator(s string) bool {
	switch s {
	case "then", "else", "elif", "fi", "do", "done", "}", "esac":
		return true
	}
	return false
}

// list parses and-or lists up to EOF, ')' or a terminating reserved word.
// top is true for the whole line (where ')' is an error, not an end).
func (p *parser) list(top bool) (*list, error) {
	l := &list{}
	for {
		t, err := p.peek()
		if err != nil {
			return nil, err
		}
		if t.kind == tEOF || (t.kind == tOp && t.op == ")" && !top) || (t.kind == tWord && isTerminator(t.w.lit())) {
			return l, nil
		}
		if t.kind == tOp && (t.op != "(" && t.op != "!") {
			return nil, errSyntax("unexpected " + tokName(t))
		}
		ao, err := p.andOr()
		if err != nil {
			return nil, err
		}
		l.items = append(l.items, ao)
		t, err = p.peek()
		if err != nil {
			return nil, err
		}
		if t.kind == tOp && (t.op == ";" || t.op == "&") {
			p.next()
			continue
		}
		return l, nil
	}
}

func (p *parser) andOr() (*andOr, error) {
	ao := &andOr{}
	for {
		pl, err := p.pipeline()
		if err != nil {
			return nil, err
		}
		ao.pipes = append(ao.pipes, pl)
		t, err := p.peek()
		if err != nil {
			return nil, err
		}
		if t.kind != tOp || (t.op != "&&" && t.op != "||") {
			return ao, nil
		}
		p.next()
		ao.ops = append(ao.ops, t.op)
	}
}

func (p *parser) pipeline() (*pipeline, error) {
	pl := &pipeline{}
	if t, err := p.peek(); err != nil {
		return nil, err
	} else if t.kind == tWord && t.w.lit() == "!" {
		p.next()
		pl.neg = true
	}
	for {
		c, err := p.command()
		if err != nil {
			return nil, err
		}
		pl.cmds = append(pl.cmds, c)
		t, err := p.peek()
		if err != nil {
			return nil, err
		}
		if t.kind != tOp || t.op != "|" {
			return pl, nil
		}
		p.next()
	}
}

// expect consumes the reserved word kw or fails as ash does.
func (p *parser) expect(kw string) error {
	t, err := p.next()
	if err != nil {
		return err
	}
	if t.kind == tWord && t.w.lit() == kw {
		return nil
	}
	return errSyntax("unexpected " + tokName(t) + ` (expecting "` + kw + `")`)
}

// body parses a non-empty list ended by one of the reserved words.
func (p *parser) body() (*list, error) {
	l, err := p.list(false)
	if err != nil {
		return nil, err
	}
	if len(l.items) == 0 {
		t, err := p.peek()
		if err != nil {
			return nil, err
		}
		return nil, errSyntax("unexpected " + tokName(t))
	}
	return l, nil
}

// doDone parses "do LIST done", the body of for, while and until.
func (p *parser) doDone() (*list, error) {
	if err := p.expect("do"); err != nil {
		return nil, err
	}
	l, err := p.body()
	if err != nil {
		return nil, err
	}
	if err := p.expect("done"); err != nil {
		return nil, err
	}
	return l, nil
}

func (p *parser) command() (*shCmd, error) {
	if p.ncmds++; p.ncmds > maxCommands {
		return nil, errTooComplex
	}
	t, err := p.peek()
	if err != nil {
		return nil, err
	}
	var c *shCmd
	switch {
	case t.kind == tOp && t.op == "(":
		p.next()
		if err := p.enter(); err != nil {
			return nil, err
		}
		b, err := p.body()
		if err != nil {
			return nil, err
		}
		p.leave()
		if t, err := p.next(); err != nil {
			return nil, err
		} else if t.kind != tOp || t.op != ")" {
			return nil, errSyntax("unexpected " + tokName(t) + ` (expecting ")")`)
		}
		c = &shCmd{kind: cSubshell, body: b}
	case t.kind == tWord && t.w.lit() == "{":
		p.next()
		if err := p.enter(); err != nil {
			return nil, err
		}
		b, err := p.body()
		if err != nil {
			return nil, err
		}
		p.leave()
		if err := p.expect("}"); err != nil {
			return nil, err
		}
		c = &shCmd{kind: cGroup, body: b}
	case t.kind == tWord && t.w.lit() == "if":
		p.next()
		if err := p.enter(); err != nil {
			return nil, err
		}
		c = &shCmd{kind: cIf}
		for {
			cond, err := p.body()
			if err != nil {
				return nil, err
			}
			if err := p.expect("then"); err != nil {
				return nil, err
			}
			then, err := p.body()
			if err != nil {
				return nil, err
			}
			c.conds, c.thens = append(c.conds, cond), append(c.thens, then)
			t, err := p.next()
			if err != nil {
				return nil, err
			}
			kw := ""
			if t.kind == tWord {
				kw = t.w.lit()
			}
			if kw == "elif" {
				continue
			}
			if kw == "else" {
				if c.body, err = p.body(); err != nil {
					return nil, err
				}
				if err := p.expect("fi"); err != nil {
					return nil, err
				}
			} else if kw != "fi" {
				return nil, errSyntax("unexpected " + tokName(t) + ` (expecting "fi")`)
			}
			break
		}
		p.leave()
	case t.kind == tWord && (t.w.lit() == "while" || t.w.lit() == "until"):
		p.next()
		if err := p.enter(); err != nil {
			return nil, err
		}
		c = &shCmd{kind: cWhile}
		if t.w.lit() == "until" {
			c.kind = cUntil
		}
		if c.cond, err = p.body(); err != nil {
			return nil, err
		}
		if c.body, err = p.doDone(); err != nil {
			return nil, err
		}
		p.leave()
	case t.kind == tWord && t.w.lit() == "for":
		p.next()
		if err := p.enter(); err != nil {
			return nil, err
		}
		c = &shCmd{kind: cFor}
		nt, err := p.next()
		if err != nil {
			return nil, err
		}
		if nt.kind != tWord || !isName(nt.w.lit()) {
			return nil, errSyntax("bad for loop variable")
		}
		c.name = nt.w.lit()
		nt, err = p.peek()
		if err != nil {
			return nil, err
		}
		if nt.kind == tWord && nt.w.lit() == "in" {
			p.next()
			for {
				wt, err := p.peek()
				if err != nil {
					return nil, err
				}
				if wt.kind != tWord {
					break
				}
				p.next()
				if len(c.args) >= maxArgs {
					return nil, errTooComplex
				}
				c.args = append(c.args, wt.w)
			}
		}
		if st, err := p.peek(); err != nil {
			return nil, err
		} else if st.kind == tOp && st.op == ";" {
			p.next()
		}
		if c.body, err = p.doDone(); err != nil {
			return nil, err
		}
		p.leave()
	case t.kind == tWord && isTerminator(t.w.lit()):
		return nil, errSyntax("unexpected " + tokName(t))
	default:
		return p.simple()
	}
	// Redirections after a compound command.
	for {
		t, err := p.peek()
		if err != nil {
			return nil, err
		}
		if t.kind != tRedir {
			return c, nil
		}
		r, err := p.redirect()
		if err != nil {
			return nil, err
		}
		c.redirs = append(c.redirs, r)
	}
}

func (p *parser) redirect() (redirect, error) {
	t, _ := p.next()
	r := redirect{fd: t.fd, op: t.op}
	w, err := p.next()
	if err != nil {
		return r, err
	}
	if w.kind == tEOF {
		return r, errSyntax("unexpected newline")
	}
	if w.kind != tWord {
		return r, errSyntax("unexpected " + tokName(w))
	}
	r.target = w.w
	return r, nil
}

func (p *parser) simple() (*shCmd, error) {
	c := &shCmd{kind: cSimple}
	for {
		t, err := p.peek()
		if err != nil {
			return nil, err
		}
		switch t.kind {
		case tRedir:
			r, err := p.redirect()
			if err != nil {
				return nil, err
			}
			c.redirs = append(c.redirs, r)
			continue
		case tWord:
			p.next()
			if len(c.args) == 0 && isAssignment(&t.w) {
				if len(c.assign) >= maxArgs {
					return nil, errTooComplex
				}
				c.assign = append(c.assign, t.w)
				continue
			}
			if len(c.args) >= maxArgs {
				return nil, errTooComplex
			}
			c.args = append(c.args, t.w)
			continue
		}
		break
	}
	if len(c.args) == 0 && len(c.assign) == 0 && len(c.redirs) == 0 {
		t, err := p.peek()
		if err != nil {
			return nil, err
		}
		return nil, errSyntax("unexpected " + tokName(t))
	}
	return c, nil
}

// isAssignment reports whether w is NAME=value with an unquoted NAME=.
func isAssignment(w *word) bool {
	if len(w.parts) == 0 || w.parts[0].kind != pLit || w.parts[0].quoted {
		return false
	}
	s := w.parts[0].text
	i := strings.IndexByte(s, '=')
	return i > 0 && isName(s[:i])
}

func isName(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			return false
		}
	}
	return true
}

// lex reads the next token.
func (p *parser) lex() (*token, error) {
	s := p.src
	for p.pos < len(s) && (s[p.pos] == ' ' || s[p.pos] == '\t') {
		p.pos++
	}
	if p.pos >= len(s) {
		return &token{kind: tEOF}, nil
	}
	c := s[p.pos]
	switch c {
	case '#':
		p.pos = len(s) // comment to end of line
		return &token{kind: tEOF}, nil
	case ';':
		if p.pos+1 < len(s) && s[p.pos+1] == ';' {
			p.pos += 2
			return &token{kind: tOp, op: ";;"}, nil
		}
		p.pos++
		return &token{kind: tOp, op: ";"}, nil
	case '&', '|':
		if p.pos+1 < len(s) && s[p.pos+1] == c {
			p.pos += 2
			return &token{kind: tOp, op: string(c) + string(c)}, nil
		}
		if c == '&' && p.pos+1 < len(s) && s[p.pos+1] == '>' {
			// &>file: both descriptors to file (bash's, kept for loaders
			// written against bash).
			p.pos += 2
			return &token{kind: tRedir, fd: -1, op: ">"}, nil
		}
		p.pos++
		return &token{kind: tOp, op: string(c)}, nil
	case '(', ')':
		p.pos++
		return &token{kind: tOp, op: string(c)}, nil
	case '<', '>':
		return p.lexRedir(-1), nil
	}
	// A single digit right before < or > is the descriptor.
	if c >= '0' && c <= '9' && p.pos+1 < len(s) && (s[p.pos+1] == '<' || s[p.pos+1] == '>') {
		p.pos++
		t := p.lexRedir(int(c - '0'))
		return t, nil
	}
	return p.lexWord()
}

func (p *parser) lexRedir(fd int) *token {
	s := p.src
	c := s[p.pos]
	p.pos++
	op := string(c)
	if fd < 0 {
		fd = 1
		if c == '<' {
			fd = 0
		}
	}
	switch {
	case p.pos < len(s) && s[p.pos] == c && c == '>':
		op = ">>"
		p.pos++
	case p.pos < len(s) && s[p.pos] == '<' && c == '<':
		op = "<<"
		p.pos++
		if p.pos < len(s) && s[p.pos] == '-' {
			p.pos++
		}
	case p.pos < len(s) && s[p.pos] == '&':
		op = string(c) + "&"
		p.pos++
	case c == '>' && p.pos < len(s) && s[p.pos] == '|':
		p.pos++ // >| is > for us (no noclobber)
	case c == '<' && p.pos < len(s) && s[p.pos] == '>':
		op = "<>"
		p.pos++
	}
	return &token{kind: tRedir, fd: fd, op: op}
}

// wordEnd reports whether c ends an unquoted word.
func (p *parser) wordEnd(c byte) bool {
	switch c {
	case ' ', '\t', ';', '&', '|', '(', ')', '<', '>':
		return true
	}
	return false
}

func (p *parser) lexWord() (*token, error) {
	s := p.src
	var w word
	var lit strings.Builder
	litQuoted := false
	flush := func() {
		if lit.Len() > 0 {
			w.parts = append(w.parts, wordPart{kind: pLit, quoted: litQuoted, text: lit.String()})
			lit.Reset()
		}
	}
	addLit := func(text string, quoted bool) {
		if quoted != litQuoted {
			flush()
			litQuoted = quoted
		}
		lit.WriteString(text)
	}
	addPart := func(part wordPart) {
		flush()
		w.parts = append(w.parts, part)
	}
	empty := true // nothing at all yet ("" still makes a word)
	for p.pos < len(s) && !p.wordEnd(s[p.pos]) {
		c := s[p.pos]
		empty = false
		switch c {
		case '\'':
			j := strings.IndexByte(s[p.pos+1:], '\'')
			if j < 0 {
				return nil, errSyntax("unterminated quoted string")
			}
			addLit(s[p.pos+1:p.pos+1+j], true)
			if j == 0 {
				addPart(wordPart{kind: pLit, quoted: true})
			}
			p.pos += j + 2
		case '"':
			p.pos++
			start := len(w.parts)
			for {
				if p.pos >= len(s) {
					return nil, errSyntax("unterminated quoted string")
				}
				d := s[p.pos]
				if d == '"' {
					p.pos++
					break
				}
				switch {
				case d == '\\' && p.pos+1 < len(s) && strings.IndexByte("$`\"\\\n", s[p.pos+1]) >= 0:
					// Inside double quotes a backslash only escapes $ ` " \
					// and newline; \x41 stays \x41 for echo -e to expand.
					addLit(s[p.pos+1:p.pos+2], true)
					p.pos += 2
				case d == '$' || d == '`':
					part, ok, err := p.lexDollar(true)
					if err != nil {
						return nil, err
					}
					if ok {
						addPart(part)
					} else {
						addLit("$", true)
						p.pos++
					}
				default:
					addLit(s[p.pos:p.pos+1], true)
					p.pos++
				}
			}
			if len(w.parts) == start && lit.Len() == 0 {
				addPart(wordPart{kind: pLit, quoted: true}) // "" is an empty word
			}
		case '\\':
			if p.pos+1 < len(s) {
				addLit(s[p.pos+1:p.pos+2], true)
				p.pos += 2
			} else {
				p.pos++ // a trailing backslash: line continuation, the line ends
				if lit.Len() == 0 && len(w.parts) == 0 {
					empty = true
				}
			}
		case '$', '`':
			part, ok, err := p.lexDollar(false)
			if err != nil {
				return nil, err
			}
			if ok {
				addPart(part)
			} else {
				addLit("$", false)
				p.pos++
			}
		default:
			j := p.pos + 1
			for j < len(s) && !p.wordEnd(s[j]) && strings.IndexByte("'\"\\$`", s[j]) < 0 {
				j++
			}
			addLit(s[p.pos:j], false)
			p.pos = j
		}
	}
	flush()
	if empty {
		return &token{kind: tEOF}, nil
	}
	return &token{kind: tWord, w: w}, nil
}

// lexDollar lexes $NAME ${...} $( ) or ` ` at p.pos; ok is false for a
// lone $ (a literal).
func (p *parser) lexDollar(quoted bool) (wordPart, bool, error) {
	s := p.src
	if s[p.pos] == '`' {
		// Backquotes: the text up to the closing one, with \` \\ \$
		// unescaped, parsed on its own.
		var inner strings.Builder
		i := p.pos + 1
		for ; i < len(s) && s[i] != '`'; i++ {
			if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("`\\$", s[i+1]) >= 0 {
				i++
			}
			inner.WriteByte(s[i])
		}
		if i >= len(s) {
			return wordPart{}, false, errSyntax("unterminated quoted string")
		}
		p.pos = i + 1
		sub, err := p.subParse(inner.String())
		if err != nil {
			return wordPart{}, false, err
		}
		return wordPart{kind: pSubst, quoted: quoted, sub: sub}, true, nil
	}
	if p.pos+1 >= len(s) {
		return wordPart{}, false, nil
	}
	c := s[p.pos+1]
	switch {
	case c == '(' && p.pos+2 < len(s) && s[p.pos+2] == '(':
		// $(( )): arithmetic is not emulated; the expression stays
		// literal text.
		end := strings.Index(s[p.pos:], "))")
		if end < 0 {
			return wordPart{}, false, errSyntax("unexpected end of file")
		}
		text := s[p.pos : p.pos+end+2]
		p.pos += end + 2
		return wordPart{kind: pLit, quoted: true, text: text}, true, nil
	case c == '(':
		if p.subst >= maxSubst {
			return wordPart{}, false, errTooComplex
		}
		if err := p.enter(); err != nil {
			return wordPart{}, false, err
		}
		p.pos += 2
		p.subst++
		sub, err := p.list(false)
		p.subst--
		if err != nil {
			return wordPart{}, false, err
		}
		t, err := p.next()
		if err != nil {
			return wordPart{}, false, err
		}
		if t.kind != tOp || t.op != ")" {
			return wordPart{}, false, errSyntax("unexpected " + tokName(t) + ` (expecting ")")`)
		}
		p.leave()
		return wordPart{kind: pSubst, quoted: quoted, sub: sub}, true, nil
	case c == '{':
		end := strings.IndexByte(s[p.pos:], '}')
		if end < 0 {
			return wordPart{}, false, errSyntax("unterminated quoted string")
		}
		inner := s[p.pos+2 : p.pos+end]
		p.pos += end + 1
		name, rest := inner, ""
		for i := 0; i < len(inner); i++ {
			if !isNameByte(inner[i], i) {
				name, rest = inner[:i], inner[i:]
				break
			}
		}
		if name == "" && len(inner) > 0 && strings.IndexByte("?$#!0123456789@*-", inner[0]) >= 0 {
			name, rest = inner[:1], inner[1:]
		}
		part := wordPart{kind: pParam, quoted: quoted, text: name}
		if rest != "" {
			ok := false
			for _, op := range []string{":-", ":=", ":+", "-", "=", "+"} {
				if strings.HasPrefix(rest, op) {
					part.defOp, part.def, ok = op, rest[len(op):], true
					break
				}
			}
			if !ok {
				return wordPart{}, false, errors.New("sh: ${" + inner + "}: bad substitution")
			}
		}
		if name == "" {
			return wordPart{}, false, errors.New("sh: ${" + inner + "}: bad substitution")
		}
		return part, true, nil
	case strings.IndexByte("?$#!0123456789@*-", c) >= 0:
		p.pos += 2
		return wordPart{kind: pParam, quoted: quoted, text: string(c)}, true, nil
	case isNameByte(c, 0):
		i := p.pos + 1
		for i < len(s) && isNameByte(s[i], 1) {
			i++
		}
		name := s[p.pos+1 : i]
		p.pos = i
		return wordPart{kind: pParam, quoted: quoted, text: name}, true, nil
	}
	return wordPart{}, false, nil
}

func isNameByte(c byte, i int) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9')
}

// subParse parses the text of a backquoted substitution.
func (p *parser) subParse(text string) (*list, error) {
	if p.subst >= maxSubst {
		return nil, errTooComplex
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	sp := &parser{src: text, ncmds: p.ncmds, depth: p.depth, subst: p.subst + 1}
	l, err := sp.list(true)
	if err != nil {
		return nil, err
	}
	if t, err := sp.peek(); err != nil {
		return nil, err
	} else if t.kind != tEOF {
		return nil, errSyntax("unexpected " + tokName(t))
	}
	p.ncmds = sp.ncmds
	p.leave()
	return l, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
