package busybox

import (
	"fmt"
	"strconv"
	"strings"
)

// echo and printf: the escapes loaders use to write binaries byte by
// byte and their check strings.

// echo implements BusyBox echo: -n, -e, -E (also combined, as in -ne), and
// with -e the escapes \a \b \c \e \f \n \r \t \v \\ \0NNN \NNN \xHH, which
// loaders use to write binaries and their "kami" check string.
func (sh *Shell) echo(args []string, io *stdio) int {
	args = args[1:]
	newline, escapes := true, false
	for len(args) > 0 && len(args[0]) > 1 && args[0][0] == '-' && strings.Trim(args[0][1:], "neE") == "" {
		for _, f := range args[0][1:] {
			switch f {
			case 'n':
				newline = false
			case 'e':
				escapes = true
			case 'E':
				escapes = false
			}
		}
		args = args[1:]
	}
	var b []byte
	for i, a := range args {
		if i > 0 {
			b = append(b, ' ')
		}
		if !escapes {
			b = append(b, a...)
			continue
		}
		var stop bool
		b, stop = appendEscaped(b, a)
		if stop {
			io.out.Write(b)
			return 0
		}
	}
	if newline {
		b = append(b, '\n')
	}
	io.out.Write(b)
	return 0
}

// appendEscaped expands echo -e escapes in s; stop is true after \c.
func appendEscaped(b []byte, s string) (_ []byte, stop bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b = append(b, c)
			continue
		}
		i++
		switch s[i] {
		case 'a':
			b = append(b, 7)
		case 'b':
			b = append(b, 8)
		case 'c':
			return b, true
		case 'e':
			b = append(b, 27)
		case 'f':
			b = append(b, 12)
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'v':
			b = append(b, 11)
		case '\\':
			b = append(b, '\\')
		case 'x':
			v, n := 0, 0
			for n < 2 && i+1 < len(s) && isHex(s[i+1]) {
				v = v<<4 | hexVal(s[i+1])
				i++
				n++
			}
			if n == 0 {
				b = append(b, '\\', 'x')
			} else {
				b = append(b, byte(v))
			}
		case '0', '1', '2', '3', '4', '5', '6', '7':
			if s[i] == '0' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '7' {
				i++ // \0NNN: the 0 is a prefix
			}
			v, n := 0, 0
			for n < 3 && i < len(s) && s[i] >= '0' && s[i] <= '7' {
				v = v<<3 | int(s[i]-'0')
				i++
				n++
			}
			i--
			b = append(b, byte(v))
		default:
			b = append(b, '\\', s[i])
		}
	}
	return b, false
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func hexVal(c byte) int {
	switch {
	case c >= 'a':
		return int(c-'a') + 10
	case c >= 'A':
		return int(c-'A') + 10
	}
	return int(c - '0')
}

// printf is ash's printf builtin: the format's escapes and %s %b %c %d %i
// %u %x %X %o %%, reused while arguments remain.
func (sh *Shell) printf(args []string, io *stdio) int {
	if len(args) < 2 {
		return sh.usage(io, "printf", "FORMAT [ARG]...")
	}
	format, rest := args[1], args[2:]
	var b []byte
	status := 0
	for iter := 0; iter < maxArgs; iter++ {
		used := false
		for i := 0; i < len(format); i++ {
			c := format[i]
			if c == '\\' {
				j := i + 1
				for j < len(format) && j < i+4 && (format[j] != '\\' || j == i+1) {
					j++
					if format[i+1] != 'x' && (format[i+1] < '0' || format[i+1] > '7') {
						break
					}
				}
				var stop bool
				b, stop = appendEscaped(b, format[i:j])
				if stop {
					io.out.Write(b)
					return status
				}
				i = j - 1
				continue
			}
			if c != '%' || i+1 == len(format) {
				b = append(b, c)
				continue
			}
			j := i + 1
			for j < len(format) && strings.IndexByte("-+ #0123456789.", format[j]) >= 0 {
				j++
			}
			if j == len(format) {
				b = append(b, format[i:]...)
				break
			}
			spec := clampSpec(format[i+1 : j])
			verb := format[j]
			i = j
			if verb == '%' {
				b = append(b, '%')
				continue
			}
			arg := ""
			if len(rest) > 0 {
				arg, rest, used = rest[0], rest[1:], true
			}
			switch verb {
			case 's':
				b = fmt.Appendf(b, "%"+spec+"s", arg)
			case 'b':
				var stop bool
				b, stop = appendEscaped(b, arg)
				if stop {
					io.out.Write(b)
					return status
				}
			case 'c':
				if arg != "" {
					b = append(b, arg[0])
				}
			case 'd', 'i', 'u', 'x', 'X', 'o':
				n, err := strconv.ParseInt(strings.TrimSpace(arg), 0, 64)
				switch {
				case arg != "" && (arg[0] == '\'' || arg[0] == '"') && len(arg) > 1:
					n = int64(arg[1])
				case err != nil && arg != "":
					io.err.WriteString("printf: invalid number '" + arg + "'\n")
					status = 1
				}
				v := verb
				if v == 'i' || v == 'u' {
					v = 'd'
				}
				b = fmt.Appendf(b, "%"+spec+string(v), n)
			case 'f', 'e', 'E', 'g', 'G':
				f, _ := strconv.ParseFloat(strings.TrimSpace(arg), 64)
				b = fmt.Appendf(b, "%"+spec+string(verb), f)
			default:
				b = append(b, '%')
				b = append(b, spec...)
				b = append(b, verb)
			}
			if len(b) > maxOutput {
				break
			}
		}
		if !used || len(rest) == 0 || len(b) > maxOutput {
			break
		}
	}
	io.out.Write(b)
	return status
}

// clampSpec bounds the widths and precisions of a printf conversion, so
// that "%0999999d" costs no more than "%0999d".
func clampSpec(spec string) string {
	var sb strings.Builder
	for i := 0; i < len(spec); {
		if spec[i] < '1' || spec[i] > '9' {
			sb.WriteByte(spec[i])
			i++
			continue
		}
		j := i
		for j < len(spec) && spec[j] >= '0' && spec[j] <= '9' {
			j++
		}
		if j-i > 3 {
			sb.WriteString("999")
		} else {
			sb.WriteString(spec[i:j])
		}
		i = j
	}
	return sb.String()
}
