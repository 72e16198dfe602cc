package iothttp

import (
	"strconv"
	"strings"
)

// Bounds on what one request's extraction yields.
const (
	maxParamLen    = 8 << 10 // bytes of one SOAP parameter value kept
	maxInjections  = 8       // injected spans per parameter
	maxCommands    = 32      // commands per request
	maxCommandLen  = 1024    // bytes of one command (the device's line buffer)
	maxSOAPNesting = 16      // $( ) nesting followed inside an injection
)

// soapParam returns the text content of the first element named name in a
// SOAP body (with or without a namespace prefix), XML entities decoded,
// and whether it was there. It reads the body as text rather than XML:
// exploit bodies are often not well-formed, and the device's own parser
// was no stricter.
func soapParam(body, name string) (string, bool) {
	for from := 0; from < len(body); {
		i := strings.Index(body[from:], name)
		if i < 0 {
			return "", false
		}
		i += from
		from = i + len(name)
		// The name must be an element name: after "<" or "<prefix:", and
		// followed by ">" or attributes.
		// Look back a bounded way: a body full of the name must not make
		// this quadratic.
		lo := max(0, i-64)
		lt := strings.LastIndexByte(body[lo:i], '<')
		if lt < 0 || !validPrefix(body[lo+lt+1:i]) {
			continue
		}
		if from >= len(body) || (body[from] != '>' && body[from] != ' ' && body[from] != '\t' && body[from] != '/') {
			continue
		}
		gt := strings.IndexByte(body[from:], '>')
		if gt < 0 {
			return "", false
		}
		start := from + gt + 1
		if body[from+gt-1] == '/' { // <Name/>
			return "", true
		}
		end := strings.Index(body[start:], "</")
		if end < 0 {
			end = len(body) - start
		}
		v := body[start : start+end]
		if len(v) > maxParamLen {
			v = v[:maxParamLen]
		}
		return xmlUnescape(v), true
	}
	return "", false
}

// validPrefix accepts "" or "prefix:" between "<" and an element name.
func validPrefix(s string) bool {
	if s == "" {
		return true
	}
	if !strings.HasSuffix(s, ":") {
		return false
	}
	for _, c := range s[:len(s)-1] {
		if !(c == '_' || c == '-' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// xmlUnescape decodes the five XML entities and numeric references; an
// unknown or broken entity stays as written.
func xmlUnescape(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '&' {
			b.WriteByte(s[i])
			i++
			continue
		}
		semi := strings.IndexByte(s[i:], ';')
		if semi < 0 || semi > 10 {
			b.WriteByte('&')
			i++
			continue
		}
		ent := s[i+1 : i+semi]
		rep := ""
		switch ent {
		case "amp":
			rep = "&"
		case "lt":
			rep = "<"
		case "gt":
			rep = ">"
		case "quot":
			rep = `"`
		case "apos":
			rep = "'"
		default:
			if strings.HasPrefix(ent, "#") {
				var n uint64
				var err error
				if strings.HasPrefix(ent, "#x") || strings.HasPrefix(ent, "#X") {
					n, err = strconv.ParseUint(ent[2:], 16, 32)
				} else {
					n, err = strconv.ParseUint(ent[1:], 10, 32)
				}
				if err == nil && n > 0 && n < 0x110000 {
					rep = string(rune(n))
				}
			}
		}
		if rep == "" {
			b.WriteByte('&')
			i++
			continue
		}
		b.WriteString(rep)
		i += semi + 1
	}
	return b.String()
}

// injections returns the shell text a parameter value smuggles into the
// device's system() call: each $( ) and backtick span, or, when there is
// none, what follows a command separator (";cmd", "|cmd", "&&cmd"). A
// value with neither injects nothing.
func injections(v string) []string {
	var out []string
	for i := 0; i < len(v) && len(out) < maxInjections; i++ {
		switch {
		case v[i] == '`':
			end := strings.IndexByte(v[i+1:], '`')
			if end < 0 {
				out = append(out, v[i+1:])
				i = len(v)
				continue
			}
			out = append(out, v[i+1:i+1+end])
			i += end + 1
		case v[i] == '$' && i+1 < len(v) && v[i+1] == '(':
			end := closingParen(v, i+2)
			out = append(out, v[i+2:end])
			i = end
		}
	}
	if len(out) > 0 {
		return out
	}
	if j := strings.IndexAny(v, ";|&\n"); j >= 0 {
		rest := strings.TrimLeft(v[j:], ";|&\n ")
		if rest != "" {
			return []string{rest}
		}
	}
	return nil
}

// closingParen returns the index of the ")" that closes a "$(" whose body
// starts at from (or len(v)), following nesting and quotes.
func closingParen(v string, from int) int {
	depth := 1
	var quote byte
	for i := from; i < len(v); i++ {
		c := v[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '(':
			if depth++; depth > maxSOAPNesting {
				return len(v)
			}
		case c == ')':
			if depth--; depth == 0 {
				return i
			}
		}
	}
	return len(v)
}

// splitCommands splits shell text into the commands a device runs one
// after another: at ";", "&&", "||", "&" and line ends outside quotes and
// $( ). Pipelines stay whole. Empty commands are dropped; at most max are
// returned, each cut to maxCommandLen.
func splitCommands(s string, max int) []string {
	var out []string
	var quote byte
	depth := 0
	start := 0
	emit := func(end int) {
		c := strings.TrimSpace(s[start:end])
		if c != "" && len(out) < max {
			if len(c) > maxCommandLen {
				c = c[:maxCommandLen]
			}
			out = append(out, c)
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == '\\' && i+1 < len(s):
			i++
		case c == '$' && i+1 < len(s) && s[i+1] == '(':
			depth++
			i++
		case c == ')' && depth > 0:
			depth--
		case depth == 0 && (c == ';' || c == '\n' || c == '\r'):
			emit(i)
			start = i + 1
		case depth == 0 && c == '&':
			emit(i)
			if i+1 < len(s) && s[i+1] == '&' {
				i++
			}
			start = i + 1
		case depth == 0 && c == '|' && i+1 < len(s) && s[i+1] == '|':
			emit(i)
			i++
			start = i + 1
		}
	}
	emit(len(s))
	return out
}

// injection is one exploit attempt found in a request.
type injection struct {
	Param    string   // the SOAP parameter that carried it
	Value    string   // its value, as decoded
	Commands []string // the commands it would run, in order
}

// extract finds the commands injected into the named SOAP parameters of
// body, in parameter order, at most maxCommands in all.
func extract(body string, params ...string) []injection {
	var out []injection
	n := 0
	for _, p := range params {
		v, ok := soapParam(body, p)
		if !ok {
			continue
		}
		inj := injection{Param: p, Value: v}
		for _, span := range injections(v) {
			cmds := splitCommands(span, maxCommands-n)
			n += len(cmds)
			inj.Commands = append(inj.Commands, cmds...)
		}
		if len(inj.Commands) > 0 {
			out = append(out, inj)
		}
	}
	return out
}
