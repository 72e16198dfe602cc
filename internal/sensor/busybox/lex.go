package busybox

import (
	"strings"
)

// The lexer: tokens on demand, so that $( ) can continue from the middle of
// a word, and here-document bodies read at the newline that follows their
// redirection, as ash reads them.

// lex reads the next token and notes where it starts.
func (p *parser) lex() (*token, error) {
	p.skipBlanks()
	start := p.pos
	t, err := p.lexToken()
	if t != nil && t.end == 0 {
		t.pos, t.end = start, p.pos
	}
	return t, err
}

// skipBlanks skips blanks and line continuations between words.
func (p *parser) skipBlanks() {
	s := p.src
	for p.pos < len(s) {
		c := s[p.pos]
		if c == ' ' || c == '\t' {
			p.pos++
			continue
		}
		if c == '\\' && p.pos+1 < len(s) && s[p.pos+1] == '\n' {
			p.pos += 2 // a line continuation between words
			continue
		}
		break
	}
}

func (p *parser) lexToken() (*token, error) {
	s := p.src
	if p.pos >= len(s) {
		if len(p.docs) > 0 {
			if p.interactive {
				return nil, errDocOpen{p.docs[0].delim, p.docs[0].strip}
			}
			if err := p.readDocs(); err != nil { // a script's end ends them
				return nil, err
			}
		}
		if p.trailing && p.interactive {
			// A backslash at the very end continues the line.
			return nil, errIncomplete("unexpected end of file")
		}
		return &token{kind: tEOF}, nil
	}
	c := s[p.pos]
	switch c {
	case '#':
		// A comment runs to the end of the line.
		if j := strings.IndexByte(s[p.pos:], '\n'); j >= 0 {
			p.pos += j
		} else {
			p.pos = len(s)
		}
		return p.lex()
	case '\n':
		p.pos++
		if err := p.readDocs(); err != nil {
			return nil, err
		}
		return &token{kind: tOp, op: "\n"}, nil
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
	strip := false
	switch {
	case p.pos < len(s) && s[p.pos] == c && c == '>':
		op = ">>"
		p.pos++
	case p.pos < len(s) && s[p.pos] == '<' && c == '<':
		op = "<<"
		p.pos++
		if p.pos < len(s) && s[p.pos] == '-' {
			p.pos++
			strip = true
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
	return &token{kind: tRedir, fd: fd, op: op, strip: strip}
}

// wordEnd reports whether c ends an unquoted word.
func (p *parser) wordEnd(c byte) bool {
	switch c {
	case ' ', '\t', '\n', ';', '&', '|', '(', ')', '<', '>':
		return true
	}
	return false
}

func (p *parser) lexWord() (*token, error) {
	s := p.src
	var b wordBuilder
	empty := true // nothing at all yet ("" still makes a word)
	for p.pos < len(s) && !p.wordEnd(s[p.pos]) {
		c := s[p.pos]
		empty = false
		switch c {
		case '\'':
			if err := p.lexSQ(&b); err != nil {
				return nil, err
			}
		case '"':
			p.pos++
			if err := p.lexDQ(&b); err != nil {
				return nil, err
			}
		case '\\':
			switch {
			case p.pos+1 < len(s) && s[p.pos+1] == '\n':
				p.pos += 2 // a line continuation inside a word
				if b.empty() {
					empty = true
				}
			case p.pos+1 < len(s):
				b.addLit(s[p.pos+1:p.pos+2], true)
				p.pos += 2
			default:
				p.pos++ // a trailing backslash: the line goes on (see lex)
				p.trailing = true
				if b.empty() {
					empty = true
				}
			}
		case '$', '`':
			if err := p.lexExpansion(&b, false); err != nil {
				return nil, err
			}
		default:
			j := p.pos + 1
			for j < len(s) && !p.wordEnd(s[j]) && strings.IndexByte("'\"\\$`", s[j]) < 0 {
				j++
			}
			b.addLit(s[p.pos:j], false)
			p.pos = j
		}
	}
	b.flush()
	if empty {
		return p.lex()
	}
	return &token{kind: tWord, w: b.w}, nil
}

// wordBuilder collects a word's parts, merging adjacent literals of the
// same quoting.
type wordBuilder struct {
	w         word
	lit       strings.Builder
	litQuoted bool
}

func (b *wordBuilder) flush() {
	if b.lit.Len() > 0 {
		b.w.parts = append(b.w.parts, wordPart{kind: pLit, quoted: b.litQuoted, text: b.lit.String()})
		b.lit.Reset()
	}
}

func (b *wordBuilder) addLit(text string, quoted bool) {
	if quoted != b.litQuoted {
		b.flush()
		b.litQuoted = quoted
	}
	b.lit.WriteString(text)
}

func (b *wordBuilder) addPart(part wordPart) {
	b.flush()
	b.w.parts = append(b.w.parts, part)
}

func (b *wordBuilder) empty() bool { return b.lit.Len() == 0 && len(b.w.parts) == 0 }

// lexSQ reads a single-quoted string at p.pos: all literal.
func (p *parser) lexSQ(b *wordBuilder) error {
	s := p.src
	j := strings.IndexByte(s[p.pos+1:], '\'')
	if j < 0 {
		return errIncomplete("unterminated quoted string")
	}
	b.addLit(s[p.pos+1:p.pos+1+j], true)
	if j == 0 {
		b.addPart(wordPart{kind: pLit, quoted: true})
	}
	p.pos += j + 2
	return nil
}

// lexDQ reads a double-quoted string from after its opening quote to
// after its closing one.
func (p *parser) lexDQ(b *wordBuilder) error {
	s := p.src
	start := len(b.w.parts)
	for {
		if p.pos >= len(s) {
			return errIncomplete("unterminated quoted string")
		}
		d := s[p.pos]
		if d == '"' {
			p.pos++
			break
		}
		switch {
		case d == '\\' && p.pos+1 < len(s) && s[p.pos+1] == '\n':
			p.pos += 2 // a line continuation inside quotes
		case d == '\\' && p.pos+1 < len(s) && strings.IndexByte("$`\"\\", s[p.pos+1]) >= 0:
			// Inside double quotes a backslash only escapes $ ` " \
			// and newline; \x41 stays \x41 for echo -e to expand.
			b.addLit(s[p.pos+1:p.pos+2], true)
			p.pos += 2
		case d == '$' || d == '`':
			if err := p.lexExpansion(b, true); err != nil {
				return err
			}
		default:
			b.addLit(s[p.pos:p.pos+1], true)
			p.pos++
		}
	}
	if len(b.w.parts) == start && b.lit.Len() == 0 {
		b.addPart(wordPart{kind: pLit, quoted: true}) // "" is an empty word
	}
	return nil
}

// lexExpansion reads $... or `...` at p.pos into b; a lone $ is a literal.
func (p *parser) lexExpansion(b *wordBuilder, quoted bool) error {
	part, ok, err := p.lexDollar(quoted)
	if err != nil {
		return err
	}
	if ok {
		b.addPart(part)
	} else {
		b.addLit("$", quoted)
		p.pos++
	}
	return nil
}

// lexDollar lexes $NAME ${...} $( ) $(( )) or ` ` at p.pos; ok is false
// for a lone $ (a literal).
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
			return wordPart{}, false, errIncomplete("EOF in backquote substitution")
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
		// $(( )): the expression up to the "))" that balances it; its
		// $ and ` expansions are done before it is evaluated.
		depth, i := 0, p.pos+3
		for ; i < len(s); i++ {
			if s[i] == '(' {
				depth++
			} else if s[i] == ')' {
				if depth == 0 {
					break
				}
				depth--
			}
		}
		if i+1 >= len(s) || s[i+1] != ')' {
			if i >= len(s) {
				return wordPart{}, false, errIncomplete("unexpected end of file")
			}
			return wordPart{}, false, errSyntax("unexpected \")\"")
		}
		text := s[p.pos+3 : i]
		p.pos = i + 2
		if len(text) > maxArith {
			return wordPart{}, false, errTooComplex
		}
		part := wordPart{kind: pArith, quoted: quoted, text: text}
		if strings.ContainsAny(text, "$`") {
			w, err := p.textWord(text, "$`\\")
			if err != nil {
				return wordPart{}, false, err
			}
			part.arg = &w
		}
		return part, true, nil
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
			return wordPart{}, false, p.unexpected(t, ` (expecting ")")`)
		}
		p.leave()
		return wordPart{kind: pSubst, quoted: quoted, sub: sub}, true, nil
	case c == '{':
		return p.lexBrace(quoted)
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

// readDocs reads the bodies of the here-documents whose redirections were
// on the line that just ended: each runs up to a line that is its
// delimiter. A body the input has not finished yet makes the line
// unfinished.
func (p *parser) readDocs() error {
	for len(p.docs) > 0 {
		d := p.docs[0]
		p.docs = p.docs[1:]
		var body strings.Builder
		found := false
		for p.pos < len(p.src) || !found {
			if p.pos >= len(p.src) {
				break
			}
			end := strings.IndexByte(p.src[p.pos:], '\n')
			line := ""
			if end < 0 {
				line = p.src[p.pos:]
				p.pos = len(p.src)
			} else {
				line = p.src[p.pos : p.pos+end]
				p.pos += end + 1
			}
			if d.strip {
				line = strings.TrimLeft(line, "\t")
			}
			if line == d.delim {
				found = true
				break
			}
			body.WriteString(line)
			body.WriteByte('\n')
		}
		if !found && p.interactive {
			return errDocOpen{d.delim, d.strip}
		}
		if err := p.docBody(d, body.String()); err != nil {
			return err
		}
	}
	return nil
}

// docBody fills a here-document's word: literal for a quoted delimiter,
// else with $ expansions and \$ \` \\ escapes as inside double quotes.
func (p *parser) docBody(d *heredoc, body string) error {
	if d.quoted {
		d.w = word{parts: []wordPart{{kind: pLit, quoted: true, text: body}}}
		return nil
	}
	w, err := p.textWord(body, "$`\\\n")
	if err != nil {
		return err
	}
	d.w = w
	return nil
}

// textWord lexes text in which only $ and ` expand and a backslash escapes
// only the bytes in escapes (a here-document's body, an arithmetic
// expression): one quoted word.
func (p *parser) textWord(text, escapes string) (word, error) {
	var w word
	sp := &parser{src: text, ncmds: p.ncmds, maxCmds: p.maxCmds, depth: p.depth, subst: p.subst}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			w.parts = append(w.parts, wordPart{kind: pLit, quoted: true, text: lit.String()})
			lit.Reset()
		}
	}
	for sp.pos < len(text) {
		c := text[sp.pos]
		switch {
		case c == '\\' && sp.pos+1 < len(text) && strings.IndexByte(escapes, text[sp.pos+1]) >= 0:
			if text[sp.pos+1] != '\n' {
				lit.WriteByte(text[sp.pos+1])
			}
			sp.pos += 2
		case c == '$' || c == '`':
			part, ok, err := sp.lexDollar(true)
			if err != nil {
				return w, err
			}
			if ok {
				flush()
				w.parts = append(w.parts, part)
			} else {
				lit.WriteByte('$')
				sp.pos++
			}
		default:
			lit.WriteByte(c)
			sp.pos++
		}
	}
	flush()
	if len(w.parts) == 0 {
		w.parts = []wordPart{{kind: pLit, quoted: true}}
	}
	p.ncmds = sp.ncmds
	return w, nil
}
