package busybox

import "strings"

// Parameter expansion as ash lexes it: ${NAME OP WORD}, where WORD is a
// word of its own (quotes, $, `, $(( )), another ${ }) that runs to the }
// that is neither quoted nor nested.

// paramOps are the operators after ${NAME, longest first where one is the
// prefix of another.
var paramOps = []string{":-", ":=", ":+", ":?", "-", "=", "+", "?", "%%", "%", "##", "#", "//", "/", ":"}

// isPatternOp reports whether op takes a pattern, whose metacharacters
// stay special inside double quotes.
func isPatternOp(op string) bool {
	switch op {
	case "%", "%%", "#", "##", "/", "//":
		return true
	}
	return false
}

// lexBrace lexes ${...} at p.pos.
func (p *parser) lexBrace(quoted bool) (wordPart, bool, error) {
	s := p.src
	if strings.IndexByte(s[p.pos:], '}') < 0 {
		return wordPart{}, false, errIncomplete("unterminated quoted string")
	}
	if err := p.enter(); err != nil {
		return wordPart{}, false, err
	}
	defer p.leave()
	i := p.pos + 2
	length := false
	if i+1 < len(s) && s[i] == '#' && s[i+1] != '}' {
		length, i = true, i+1 // ${#NAME}
	}
	j := i
	switch {
	case j < len(s) && isNameByte(s[j], 0):
		for j < len(s) && isNameByte(s[j], 1) {
			j++
		}
	case j < len(s) && s[j] >= '0' && s[j] <= '9':
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
	case j < len(s) && strings.IndexByte("?$#!@*-", s[j]) >= 0:
		j++
	}
	if j == i {
		return p.badSubst(quoted)
	}
	part := wordPart{kind: pParam, quoted: quoted, text: s[i:j]}
	p.pos = j
	if length {
		part.defOp = "len"
	}
	if p.pos < len(s) && s[p.pos] == '}' {
		p.pos++
		return part, true, nil
	}
	if length {
		return p.badSubst(quoted)
	}
	for _, op := range paramOps {
		if strings.HasPrefix(s[p.pos:], op) {
			part.defOp = op
			break
		}
	}
	if part.defOp == "" {
		return p.badSubst(quoted)
	}
	p.pos += len(part.defOp)
	if part.defOp == ":" && p.pos < len(s) && s[p.pos] == '}' {
		return wordPart{}, false, errSyntax("missing '}'")
	}
	pattern := isPatternOp(part.defOp)
	arg, err := p.braceWord(quoted && !pattern, part.defOp[0] == '/')
	if err != nil {
		return wordPart{}, false, err
	}
	part.arg = &arg
	if part.defOp[0] == '/' && p.pos < len(s) && s[p.pos] == '/' {
		p.pos++
		rep, err := p.braceWord(quoted, false)
		if err != nil {
			return wordPart{}, false, err
		}
		part.rep = &rep
	}
	if p.pos >= len(s) || s[p.pos] != '}' {
		return wordPart{}, false, errIncomplete("missing '}'")
	}
	p.pos++
	return part, true, nil
}

// badSubst is a ${ } ash parses but cannot expand (${!x}, ${x^}, ${}):
// it skips to the closing } and leaves a part that fails when expanded,
// so that the commands before it on the line run, as in ash.
func (p *parser) badSubst(quoted bool) (wordPart, bool, error) {
	end := strings.IndexByte(p.src[p.pos:], '}')
	if end < 0 {
		return wordPart{}, false, errIncomplete("missing '}'")
	}
	p.pos += end + 1
	return wordPart{kind: pParam, quoted: quoted, defOp: "bad"}, true, nil
}

// braceWord lexes the WORD of ${NAME OP WORD} up to its closing } (or,
// with slash, the / that ends a ${NAME/PAT/REP} pattern). quoted is
// whether the ${ } stands inside double quotes.
func (p *parser) braceWord(quoted, slash bool) (word, error) {
	s := p.src
	var b wordBuilder
	for p.pos < len(s) {
		c := s[p.pos]
		if c == '}' || (slash && c == '/') {
			break
		}
		switch c {
		case '\'':
			if quoted {
				b.addLit("'", true) // literal inside double quotes
				p.pos++
				continue
			}
			if err := p.lexSQ(&b); err != nil {
				return b.w, err
			}
		case '"':
			p.pos++
			if err := p.lexDQ(&b); err != nil {
				return b.w, err
			}
		case '\\':
			switch {
			case p.pos+1 >= len(s):
				p.pos++
			case s[p.pos+1] == '\n':
				p.pos += 2
			case quoted && strings.IndexByte("$`\"\\}", s[p.pos+1]) < 0:
				b.addLit("\\", true)
				p.pos++
			default:
				b.addLit(s[p.pos+1:p.pos+2], true)
				p.pos += 2
			}
		case '$', '`':
			if err := p.lexExpansion(&b, quoted); err != nil {
				return b.w, err
			}
		default:
			j := p.pos + 1
			for j < len(s) && strings.IndexByte("}/'\"\\$`", s[j]) < 0 {
				j++
			}
			b.addLit(s[p.pos:j], quoted)
			p.pos = j
		}
	}
	b.flush()
	return b.w, nil
}
