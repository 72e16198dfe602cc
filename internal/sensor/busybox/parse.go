package busybox

import (
	"errors"
	"strings"
)

// Parser bounds: a line longer than maxLine is cut by the line editor before
// it gets here, and a script (lines joined by continuation, sh -c, sh FILE)
// longer than maxScript is not parsed; the rest keeps a hostile line from
// costing more than a normal one. The parser recurses only on nesting
// ({ } ( ) if for while case $( ) and backquotes), and maxDepth bounds that;
// everything else is a loop.
const (
	maxLine          = 8 << 10
	maxScript        = 64 << 10
	maxCommands      = 512  // commands (simple or compound) per line, substitutions included
	maxScriptCommand = 4096 // the same for a script
	maxArgs          = 256  // words per simple command
	maxDepth         = 24   // nesting of compound commands and substitutions
	maxSubst         = 12   // nesting of $( ) and ` ` inside each other (bots nest 3 at most)
	maxArith         = 256  // bytes of one $(( )) expression
	maxDocs          = 16   // here-documents per line
)

// Word part kinds.
const (
	pLit   = iota // literal text
	pParam        // $NAME, ${NAME}, $?, $1 ...
	pSubst        // $( ) or ` `
	pArith        // $(( )): text is the expression
)

// wordPart is one piece of a word, as the lexer saw it.
type wordPart struct {
	kind   uint8
	quoted bool   // inside quotes or escaped: no field splitting, no globbing
	text   string // the literal, the parameter name or the expression
	defOp  string // pParam: the operator of ${NAME OP WORD} (paramOps), "len" for ${#NAME}, or ""
	arg    *word  // pParam: the WORD of ${NAME OP WORD}; pArith: the expression with its expansions (nil if it has none)
	rep    *word  // pParam: the replacement of ${NAME/PAT/REP}
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
			sb.WriteString("${" + p.text + p.defOp)
			if p.arg != nil {
				sb.WriteString(p.arg.String())
			}
			if p.rep != nil {
				sb.WriteString("/" + p.rep.String())
			}
			sb.WriteString("}")
		case pSubst:
			sb.WriteString("$(...)")
		case pArith:
			sb.WriteString("$((" + p.text + "))")
		}
	}
	return sb.String()
}

// redirect is one I/O redirection.
type redirect struct {
	fd     int    // the descriptor redirected
	op     string // "<", ">", ">>", ">&" or "<&" (dup: target is the descriptor), "<<" (here-document)
	target word
	doc    *heredoc // "<<": the body
}

// heredoc is a here-document: its delimiter and, once the lines after the
// command are read, its body.
type heredoc struct {
	delim  string
	strip  bool // <<-: leading tabs removed
	quoted bool // the delimiter was quoted: the body is literal
	w      word
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
	cCase     // case word in pattern) list;; ... esac
	cFunc     // NAME() command: defines a function
)

// shCmd is a simple or compound command with its redirections.
type shCmd struct {
	kind   uint8
	ran    bool   // evaluated at least once (for the URLs of what did not run)
	inArgs bool   // for without "in": over "$@"
	assign []word // simple: NAME=value words before the command name
	args   []word // simple: the words; for: the list after "in"; case: the word
	redirs []redirect
	name   string // for: the variable; func: the name
	body   *list  // group, subshell, loops: the body; if: the else branch (may be nil)
	conds  []*list
	thens  []*list // if: conds[i] then thens[i]
	cond   *list   // while/until
	items  []caseItem
	fn     *shCmd // func: the body
	src    string // simple: the text of the command, for URLs found in it
}

// caseItem is one "pattern|pattern) list ;;" of a case.
type caseItem struct {
	pats []word
	body *list
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
	bg    bool // ended by '&': a background job
}

// list is and-or lists separated by ';', '&' or newlines.
type list struct {
	items []*andOr
}

// errSyntax wraps the message sh prints for a syntax error.
type errSyntax string

func (e errSyntax) Error() string { return "sh: syntax error: " + string(e) }

// errIncomplete is a syntax error at the end of the input: an open quote,
// "do" without "done", a trailing | or &&. Interactive ash prints its "> "
// and reads on; anywhere else it is the syntax error it says.
type errIncomplete string

func (e errIncomplete) Error() string { return "sh: syntax error: " + string(e) }

// errDocOpen is an input that ends inside a here-document's body: the
// lines that follow are its body, up to the delimiter.
type errDocOpen struct {
	delim string
	strip bool
}

func (e errDocOpen) Error() string { return "sh: syntax error: unexpected end of file" }

// errTooComplex is a line past the parser's bounds (nesting, commands,
// words, size). Real ash has no such bounds, so nothing is printed: the
// shell takes it as a budget hit (see stall.go), as if the device were
// still working on it.
var errTooComplex = errors.New("busybox: line past the parser's bounds")

// Token kinds.
const (
	tEOF = iota
	tWord
	tOp    // ; & && || | ( ) ;; and "\n"
	tRedir // fd and op; the target is the next word
)

type token struct {
	pos, end int // where the token is in the source
	kind     uint8
	strip    bool   // tRedir "<<-"
	op       string // tOp, tRedir
	fd       int    // tRedir
	w        word   // tWord
}

// parser is a recursive-descent parser for the ash subset bots use. It
// reads tokens on demand so that $( ) can continue from the middle of a
// word.
type parser struct {
	src      string
	pos      int
	peeked   *token
	ncmds    int
	maxCmds  int
	depth    int
	subst    int
	inCase   int        // case bodies being parsed: ";;" ends a list
	docs     []*heredoc // here-documents whose bodies follow the next newline
	ndocs    int
	trailing bool // the input ended with a lone backslash
	// interactive: the input is what was typed at the prompt, which can go
	// on (an open here-document or a trailing backslash wait for more);
	// in a script the end of the text ends them.
	interactive bool
	lastEnd     int // the end of the last token consumed
}

// parseLine parses one line typed at the prompt.
func parseLine(line string) (*list, error) {
	return parseText(line, maxCommands, true)
}

// parseTyped parses lines typed at the prompt and joined by continuation;
// their command budget is a script's.
func parseTyped(text string) (*list, error) {
	if len(text) > maxScript {
		return nil, errTooComplex
	}
	return parseText(text, maxScriptCommand, true)
}

// parseScript parses a script: sh -c TEXT, sh FILE, eval. Its command
// budget is larger than a line's.
func parseScript(text string) (*list, error) {
	if len(text) > maxScript {
		return nil, errTooComplex
	}
	return parseText(text, maxScriptCommand, false)
}

func parseText(text string, maxCmds int, interactive bool) (*list, error) {
	p := &parser{src: text, maxCmds: maxCmds, interactive: interactive}
	l, err := p.list(true)
	if err != nil {
		return nil, err
	}
	t, err := p.peek()
	if err != nil {
		return nil, err
	}
	if t.kind != tEOF {
		return nil, p.unexpected(t, "")
	}
	return l, nil
}

func tokName(t *token) string {
	switch t.kind {
	case tEOF:
		return "end of file"
	case tOp:
		if t.op == "\n" {
			return "newline"
		}
		return `"` + t.op + `"`
	case tRedir:
		return "redirection"
	}
	return `"` + t.w.String() + `"`
}

// unexpected is the error for token t where it does not fit: an
// unfinished input at the end, a syntax error elsewhere.
func (p *parser) unexpected(t *token, expecting string) error {
	if t.kind == tEOF {
		return errIncomplete("unexpected end of file" + expecting)
	}
	return errSyntax("unexpected " + tokName(t) + expecting)
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
	if t != nil {
		p.lastEnd = t.end
	}
	return t, err
}

// skipNewlines consumes newline tokens (after && || | and where a
// reserved word may follow on the next line).
func (p *parser) skipNewlines() error {
	for {
		t, err := p.peek()
		if err != nil {
			return err
		}
		if t.kind != tOp || t.op != "\n" {
			return nil
		}
		p.next()
	}
}

// reserved words that end a list when they start a command.
func isTerminator(s string) bool {
	switch s {
	case "then", "else", "elif", "fi", "do", "done", "}", "esac":
		return true
	}
	return false
}

// list parses and-or lists up to EOF, ')', ";;" in a case, or a
// terminating reserved word. top is true for the whole input (where ')'
// is an error, not an end).
func (p *parser) list(top bool) (*list, error) {
	l := &list{}
	if err := p.skipNewlines(); err != nil {
		return nil, err
	}
	for {
		t, err := p.peek()
		if err != nil {
			return nil, err
		}
		if t.kind == tEOF || (t.kind == tOp && t.op == ")" && !top) || (t.kind == tWord && isTerminator(t.w.lit())) ||
			(t.kind == tOp && t.op == ";;" && p.inCase > 0) {
			return l, nil
		}
		if t.kind == tOp && (t.op != "(" && t.op != "!") {
			return nil, p.unexpected(t, "")
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
		if t.kind == tOp && (t.op == ";" || t.op == "&" || t.op == "\n") {
			ao.bg = t.op == "&"
			p.next()
			if err := p.skipNewlines(); err != nil {
				return nil, err
			}
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
		if err := p.skipNewlines(); err != nil {
			return nil, err
		}
	}
}

func (p *parser) pipeline() (*pipeline, error) {
	pl := &pipeline{}
	if t, err := p.peek(); err != nil {
		return nil, err
	} else if t.kind == tWord && t.w.lit() == "!" {
		p.next()
		pl.neg = true
		if t, err := p.peek(); err != nil {
			return nil, err
		} else if t.kind == tWord && t.w.lit() == "!" {
			return nil, errSyntax(`unexpected "!"`)
		}
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
		if err := p.skipNewlines(); err != nil {
			return nil, err
		}
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
	return p.unexpected(t, ` (expecting "`+kw+`")`)
}

// body parses a non-empty list ended by one of the reserved words; kw is
// the word that must follow it, which ash names when the input ends first.
func (p *parser) body(kw string) (*list, error) {
	l, err := p.list(false)
	if err != nil {
		return nil, err
	}
	if len(l.items) == 0 {
		t, err := p.peek()
		if err != nil {
			return nil, err
		}
		if t.kind == tEOF {
			return nil, p.unexpected(t, ` (expecting "`+kw+`")`)
		}
		return nil, p.unexpected(t, "")
	}
	return l, nil
}

// doDone parses "do LIST done", the body of for, while and until.
func (p *parser) doDone() (*list, error) {
	if err := p.skipNewlines(); err != nil {
		return nil, err
	}
	if err := p.expect("do"); err != nil {
		return nil, err
	}
	l, err := p.body("done")
	if err != nil {
		return nil, err
	}
	if err := p.expect("done"); err != nil {
		return nil, err
	}
	return l, nil
}

func (p *parser) command() (*shCmd, error) {
	if p.ncmds++; p.ncmds > p.maxCmds {
		return nil, errTooComplex
	}
	t, err := p.peek()
	if err != nil {
		return nil, err
	}
	var c *shCmd
	kw := ""
	if t.kind == tWord {
		kw = t.w.lit()
	}
	switch {
	case t.kind == tOp && t.op == "(":
		p.next()
		if err := p.enter(); err != nil {
			return nil, err
		}
		b, err := p.body(")")
		if err != nil {
			return nil, err
		}
		p.leave()
		if t, err := p.next(); err != nil {
			return nil, err
		} else if t.kind != tOp || t.op != ")" {
			return nil, p.unexpected(t, ` (expecting ")")`)
		}
		c = &shCmd{kind: cSubshell, body: b}
	case kw == "{":
		p.next()
		if err := p.enter(); err != nil {
			return nil, err
		}
		b, err := p.body("}")
		if err != nil {
			return nil, err
		}
		p.leave()
		if err := p.expect("}"); err != nil {
			return nil, err
		}
		c = &shCmd{kind: cGroup, body: b}
	case kw == "if":
		p.next()
		if c, err = p.ifCmd(); err != nil {
			return nil, err
		}
	case kw == "while" || kw == "until":
		p.next()
		if err := p.enter(); err != nil {
			return nil, err
		}
		c = &shCmd{kind: cWhile}
		if kw == "until" {
			c.kind = cUntil
		}
		if c.cond, err = p.body("do"); err != nil {
			return nil, err
		}
		if c.body, err = p.doDone(); err != nil {
			return nil, err
		}
		p.leave()
	case kw == "for":
		p.next()
		if c, err = p.forCmd(); err != nil {
			return nil, err
		}
	case kw == "case":
		p.next()
		if c, err = p.caseCmd(); err != nil {
			return nil, err
		}
	case kw == "function":
		// bash's "function NAME { ...; }", which ash accepts too.
		p.next()
		nt, err := p.next()
		if err != nil {
			return nil, err
		}
		if nt.kind != tWord || !isName(nt.w.lit()) {
			return nil, p.unexpected(nt, "")
		}
		if t, err := p.peek(); err != nil {
			return nil, err
		} else if t.kind == tOp && t.op == "(" {
			p.next()
			if t, err := p.next(); err != nil {
				return nil, err
			} else if t.kind != tOp || t.op != ")" {
				return nil, p.unexpected(t, ` (expecting ")")`)
			}
		}
		return p.funcBody(nt.w.lit())
	case t.kind == tWord && isTerminator(kw):
		return nil, p.unexpected(t, "")
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

func (p *parser) ifCmd() (*shCmd, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	c := &shCmd{kind: cIf}
	for {
		cond, err := p.body("then")
		if err != nil {
			return nil, err
		}
		if err := p.expect("then"); err != nil {
			return nil, err
		}
		then, err := p.body("fi")
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
			if c.body, err = p.body("fi"); err != nil {
				return nil, err
			}
			if err := p.expect("fi"); err != nil {
				return nil, err
			}
		} else if kw != "fi" {
			return nil, p.unexpected(t, ` (expecting "fi")`)
		}
		break
	}
	p.leave()
	return c, nil
}

func (p *parser) forCmd() (*shCmd, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	c := &shCmd{kind: cFor}
	nt, err := p.next()
	if err != nil {
		return nil, err
	}
	if nt.kind == tEOF {
		return nil, p.unexpected(nt, "")
	}
	if nt.kind != tWord || !isName(nt.w.lit()) {
		return nil, errSyntax("bad for loop variable")
	}
	c.name = nt.w.lit()
	if err := p.skipNewlines(); err != nil {
		return nil, err
	}
	nt, err = p.peek()
	if err != nil {
		return nil, err
	}
	c.inArgs = !(nt.kind == tWord && nt.w.lit() == "in")
	if !c.inArgs {
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
	} else if st.kind == tOp && (st.op == ";" || st.op == "\n") {
		p.next()
	}
	if c.body, err = p.doDone(); err != nil {
		return nil, err
	}
	p.leave()
	return c, nil
}

// caseCmd parses "case WORD in [(]PAT[|PAT]...) LIST ;; ... esac".
func (p *parser) caseCmd() (*shCmd, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	c := &shCmd{kind: cCase}
	t, err := p.next()
	if err != nil {
		return nil, err
	}
	if t.kind != tWord {
		return nil, p.unexpected(t, "")
	}
	c.args = []word{t.w}
	if err := p.skipNewlines(); err != nil {
		return nil, err
	}
	if err := p.expect("in"); err != nil {
		return nil, err
	}
	for {
		if err := p.skipNewlines(); err != nil {
			return nil, err
		}
		t, err := p.next()
		if err != nil {
			return nil, err
		}
		if t.kind == tWord && t.w.lit() == "esac" {
			break
		}
		if t.kind == tEOF {
			return nil, p.unexpected(t, ` (expecting ")")`)
		}
		if t.kind == tOp && t.op == "(" {
			if t, err = p.next(); err != nil {
				return nil, err
			}
		}
		var it caseItem
		for {
			if t.kind != tWord {
				return nil, p.unexpected(t, "")
			}
			if len(it.pats) >= maxArgs {
				return nil, errTooComplex
			}
			it.pats = append(it.pats, t.w)
			if t, err = p.next(); err != nil {
				return nil, err
			}
			if t.kind == tOp && t.op == ")" {
				break
			}
			if t.kind != tOp || t.op != "|" {
				return nil, p.unexpected(t, ` (expecting ")")`)
			}
			if t, err = p.next(); err != nil {
				return nil, err
			}
		}
		p.inCase++
		it.body, err = p.list(false)
		p.inCase--
		if err != nil {
			return nil, err
		}
		if len(c.items) >= maxArgs {
			return nil, errTooComplex
		}
		c.items = append(c.items, it)
		t, err = p.peek()
		if err != nil {
			return nil, err
		}
		if t.kind == tOp && t.op == ";;" {
			p.next()
			continue
		}
		if t.kind == tEOF {
			return nil, p.unexpected(t, ` (expecting ";;")`)
		}
		if err := p.expect("esac"); err != nil {
			return nil, err
		}
		break
	}
	p.leave()
	return c, nil
}

// funcBody parses the compound command of a function definition.
func (p *parser) funcBody(name string) (*shCmd, error) {
	if err := p.skipNewlines(); err != nil {
		return nil, err
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	t, err := p.peek()
	if err != nil {
		return nil, err
	}
	if t.kind == tEOF {
		return nil, p.unexpected(t, "")
	}
	if t.kind != tWord && !(t.kind == tOp && t.op == "(") {
		return nil, p.unexpected(t, "")
	}
	// Any command may be the body (ash accepts "f() echo x").
	body, err := p.command()
	if err != nil {
		return nil, err
	}
	p.leave()
	return &shCmd{kind: cFunc, name: name, fn: body}, nil
}

func (p *parser) redirect() (redirect, error) {
	t, _ := p.next()
	r := redirect{fd: t.fd, op: t.op}
	w, err := p.next()
	if err != nil {
		return r, err
	}
	if w.kind == tEOF && !p.interactive {
		return r, errSyntax("unexpected end of file") // sh -c: the text ends there
	}
	if w.kind == tEOF || (w.kind == tOp && w.op == "\n") {
		return r, errSyntax("unexpected newline") // the line typed ends with its newline
	}
	if w.kind != tWord {
		return r, errSyntax("unexpected " + tokName(w))
	}
	r.target = w.w
	if r.op == "<<" {
		if p.ndocs++; p.ndocs > maxDocs {
			return r, errTooComplex
		}
		d := &heredoc{strip: t.strip}
		for _, part := range w.w.parts {
			if part.quoted {
				d.quoted = true
			}
			d.delim += part.text
		}
		r.doc = d
		p.docs = append(p.docs, d)
	}
	return r, nil
}

func (p *parser) simple() (*shCmd, error) {
	c := &shCmd{kind: cSimple}
	start := -1
	if t, err := p.peek(); err != nil {
		return nil, err
	} else {
		start = t.pos
	}
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
			if len(c.args) == 1 && len(c.assign) == 0 && len(c.redirs) == 0 && isName(t.w.lit()) {
				// NAME() COMMAND defines a function.
				nt, err := p.peek()
				if err != nil {
					return nil, err
				}
				if nt.kind == tOp && nt.op == "(" {
					p.next()
					if nt, err := p.next(); err != nil {
						return nil, err
					} else if nt.kind != tOp || nt.op != ")" {
						return nil, p.unexpected(nt, ` (expecting ")")`)
					}
					return p.funcBody(t.w.lit())
				}
			}
			continue
		}
		break
	}
	if len(c.args) == 0 && len(c.assign) == 0 && len(c.redirs) == 0 {
		t, err := p.peek()
		if err != nil {
			return nil, err
		}
		return nil, p.unexpected(t, "")
	}
	if start >= 0 && start <= p.lastEnd && p.lastEnd <= len(p.src) {
		c.src = p.src[start:p.lastEnd]
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

// subParse parses the text of a backquoted substitution.
func (p *parser) subParse(text string) (*list, error) {
	if p.subst >= maxSubst {
		return nil, errTooComplex
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	sp := &parser{src: text, ncmds: p.ncmds, maxCmds: p.maxCmds, depth: p.depth, subst: p.subst + 1, interactive: p.interactive}
	l, err := sp.list(true)
	if err != nil {
		return nil, err
	}
	if t, err := sp.peek(); err != nil {
		return nil, err
	} else if t.kind != tEOF {
		return nil, sp.unexpected(t, "")
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
