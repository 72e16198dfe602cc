package telnet

import (
	"errors"
	"strings"
)

// Parser bounds: a line longer than maxLine is cut by the line editor before
// it gets here; the rest keeps a hostile line from costing more than a
// normal one.
const (
	maxLine     = 8 << 10
	maxCommands = 64  // simple commands per line
	maxArgs     = 256 // words per simple command
)

// redirect is one I/O redirection of a simple command.
type redirect struct {
	fd     int    // 0, 1 or 2 (the descriptor redirected)
	op     string // "<", ">", ">>" or ">&" (dup: target is the descriptor)
	target string
}

// simpleCmd is a command with its words and redirections.
type simpleCmd struct {
	args   []string
	glob   []bool // glob[i]: args[i] had an unquoted * or ? (a pattern)
	redirs []redirect
}

// pipeline is commands joined by '|', with the operator that joins it to
// the previous pipeline ("" for the first, ";", "&&" or "||").
type pipeline struct {
	op   string
	cmds []simpleCmd
}

// errSyntax wraps the message sh prints for a syntax error.
type errSyntax string

func (e errSyntax) Error() string { return "sh: syntax error: " + string(e) }

var errTooComplex = errors.New("sh: line too complex")

// parseLine parses one command line the way ash would, for the subset worms
// use: ; && || | &, quotes, backslash escapes, # comments and redirections
// (< > >> N> N>> N>&M). Grouping with ( ) and { } is flattened; $ and `
// are kept literally. It is a single pass over the bytes with no recursion.
func parseLine(line string) ([]pipeline, error) {
	var (
		out     []pipeline
		cur     pipeline
		cmd     simpleCmd
		word    strings.Builder
		inWord  bool // a word has started (even "" counts)
		quoted  bool // part of the word was quoted (so "2" is not a descriptor)
		pattern bool // the word has an unquoted * or ?
		pendOp  string
		pendFD  int
		hasPend bool
		ncmds   int
	)
	endWord := func() error {
		if !inWord {
			return nil
		}
		w := word.String()
		word.Reset()
		pat := pattern
		inWord, quoted, pattern = false, false, false
		if hasPend {
			hasPend = false
			cmd.redirs = append(cmd.redirs, redirect{fd: pendFD, op: pendOp, target: w})
			return nil
		}
		if len(cmd.args) >= maxArgs {
			return errTooComplex
		}
		cmd.args = append(cmd.args, w)
		cmd.glob = append(cmd.glob, pat)
		return nil
	}
	endCmd := func(sep string) error {
		if err := endWord(); err != nil {
			return err
		}
		if hasPend {
			return errSyntax("unexpected " + quoteTok(sep))
		}
		if len(cmd.args) == 0 && len(cmd.redirs) == 0 {
			return errSyntax("unexpected " + quoteTok(sep))
		}
		if ncmds++; ncmds > maxCommands {
			return errTooComplex
		}
		cur.cmds = append(cur.cmds, cmd)
		cmd = simpleCmd{}
		return nil
	}
	endPipeline := func(next string) {
		if len(cur.cmds) > 0 {
			out = append(out, cur)
		}
		cur = pipeline{op: next}
	}

	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return nil, errSyntax("unterminated quoted string")
			}
			word.WriteString(line[i+1 : i+1+j])
			inWord, quoted = true, true
			i += j + 1
		case c == '"':
			inWord, quoted = true, true
			i++
			for ; i < len(line) && line[i] != '"'; i++ {
				// Inside double quotes a backslash only escapes $ ` " \ and
				// newline; \x41 stays \x41 for echo -e to expand.
				if line[i] == '\\' && i+1 < len(line) && strings.IndexByte("$`\"\\\n", line[i+1]) >= 0 {
					i++
				}
				word.WriteByte(line[i])
			}
			if i >= len(line) {
				return nil, errSyntax("unterminated quoted string")
			}
		case c == '\\':
			if i+1 < len(line) {
				i++
				word.WriteByte(line[i])
			}
			inWord, quoted = true, true
		case c == ' ' || c == '\t':
			if err := endWord(); err != nil {
				return nil, err
			}
		case c == '#' && !inWord:
			i = len(line) // comment to end of line
		case c == '(' || c == ')':
			// Grouping: flattened, so "(a || b)" runs as "a || b". Braces
			// are words; the shell drops a leading "{" and trailing "}".
			if err := endWord(); err != nil {
				return nil, err
			}
		case c == ';' || c == '&' || c == '|':
			op := string(c)
			if i+1 < len(line) && line[i+1] == c && c != ';' {
				op += string(c)
				i++
			} else if c == '&' && i+1 < len(line) && line[i+1] == '>' {
				// &>file: both descriptors to file.
				if err := endWord(); err != nil {
					return nil, err
				}
				pendOp, pendFD, hasPend = ">", 1, true
				cmd.redirs = append(cmd.redirs, redirect{fd: 2, op: ">&", target: "1"})
				i++
				continue
			}
			if op == ";" && i+1 < len(line) && line[i+1] == ';' {
				return nil, errSyntax(`unexpected ";;"`)
			}
			if err := endCmd(op); err != nil {
				return nil, err
			}
			switch op {
			case "|":
			case "&":
				endPipeline(";")
			default:
				endPipeline(op)
			}
		case c == '>' || c == '<':
			fd := 1
			if c == '<' {
				fd = 0
			}
			if inWord && !quoted && !hasPend && isDigits(word.String()) {
				n := word.String()
				if len(n) == 1 {
					fd = int(n[0] - '0')
				}
				word.Reset()
				inWord = false
			} else if err := endWord(); err != nil {
				return nil, err
			}
			if hasPend {
				return nil, errSyntax("unexpected " + quoteTok(string(c)))
			}
			op := string(c)
			if c == '>' && i+1 < len(line) && line[i+1] == '>' {
				op = ">>"
				i++
			} else if i+1 < len(line) && line[i+1] == '&' {
				op = ">&"
				i++
			} else if c == '>' && i+1 < len(line) && line[i+1] == '|' {
				i++ // >| is > for us (no noclobber)
			}
			pendOp, pendFD, hasPend = op, fd, true
		default:
			word.WriteByte(c)
			inWord = true
			if c == '*' || c == '?' {
				pattern = true
			}
		}
	}
	if err := endWord(); err != nil {
		return nil, err
	}
	if hasPend {
		return nil, errSyntax("unexpected newline")
	}
	if len(cmd.args) > 0 || len(cmd.redirs) > 0 {
		if ncmds++; ncmds > maxCommands {
			return nil, errTooComplex
		}
		cur.cmds = append(cur.cmds, cmd)
	} else if len(cur.cmds) > 0 || (cur.op != "" && cur.op != ";") {
		// "a |" or "a &&" at the end: ash would wait for more; we have a
		// line, so it is the end of file.
		return nil, errSyntax("unexpected end of file")
	}
	endPipeline("")
	return out, nil
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

func quoteTok(t string) string {
	if t == "" {
		return "newline"
	}
	return `"` + t + `"`
}
