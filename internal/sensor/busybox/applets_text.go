package busybox

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Text applets: what bots pipe output through to pick out a number or a
// name (free -m | grep Mem | awk '{print $2}', cut -d: -f1, tr -d).
// Each reads its files or standard input whole (both bounded by
// maxOutput or the overlay), and charges what it scans to the line.

// readInputs concatenates the named files, or standard input for none.
func (sh *Shell) readInputs(name string, files []string, io *stdio) ([]byte, int) {
	if len(files) == 0 {
		files = []string{""}
	}
	var all []byte
	st := 0
	for _, f := range files {
		data, ok := sh.operand(f, io, name)
		if !ok {
			st = 1
			continue
		}
		sh.work += int64(len(data))
		if len(all)+len(data) > maxOutput*4 {
			data = data[:max(0, maxOutput*4-len(all))]
		}
		all = append(all, data...)
	}
	return all, st
}

// fgrep and egrep are grep -F and grep -E.
func (sh *Shell) fgrep(args []string, io *stdio) int {
	return sh.grep(append([]string{"grep", "-F"}, args[1:]...), io)
}

func (sh *Shell) egrep(args []string, io *stdio) int {
	return sh.grep(append([]string{"grep", "-E"}, args[1:]...), io)
}

// cut: -d DELIM -f LIST, -c LIST, -b LIST, -s.
func (sh *Shell) cut(args []string, io *stdio) int {
	delim, fields, chars, only := "\t", "", "", false
	var files []string
	for i := 1; i < len(args); i++ {
		a := args[i]
		take := func() string {
			if len(a) > 2 {
				return a[2:]
			}
			if i+1 < len(args) {
				i++
				return args[i]
			}
			return ""
		}
		switch {
		case strings.HasPrefix(a, "-d"):
			delim = take()
		case strings.HasPrefix(a, "-f"):
			fields = take()
		case strings.HasPrefix(a, "-c"), strings.HasPrefix(a, "-b"):
			chars = take()
		case a == "-s":
			only = true
		case a == "-n":
		case len(a) > 1 && a[0] == '-':
			io.err.WriteString("cut: invalid option -- '" + a[1:2] + "'\n")
			return sh.usage(io, "cut", "[OPTIONS] [FILE]...")
		default:
			files = append(files, a)
		}
	}
	if (fields == "") == (chars == "") {
		io.err.WriteString("cut: expected a list of bytes, characters, or fields\n")
		return 1
	}
	if len(delim) != 1 {
		io.err.WriteString("cut: the delimiter must be a single character\n")
		return 1
	}
	spec := fields + chars
	ranges, ok := parseRanges(spec)
	if !ok {
		io.err.WriteString("cut: invalid byte, character or field list\n")
		return 1
	}
	data, st := sh.readInputs("cut", files, io)
	var out bytes.Buffer
	eachLine(data, func(l []byte) bool {
		if chars != "" {
			for i := range l {
				if inRanges(ranges, i+1) {
					out.WriteByte(l[i])
				}
			}
			out.WriteByte('\n')
			return true
		}
		if bytes.IndexByte(l, delim[0]) < 0 {
			if !only {
				out.Write(l)
				out.WriteByte('\n')
			}
			return true
		}
		parts := bytes.Split(l, []byte(delim))
		first := true
		for i, p := range parts {
			if inRanges(ranges, i+1) {
				if !first {
					out.WriteByte(delim[0])
				}
				out.Write(p)
				first = false
			}
		}
		out.WriteByte('\n')
		return out.Len() < maxOutput
	})
	io.out.Write(out.Bytes())
	return st
}

type span struct{ lo, hi int }

// parseRanges reads a cut list: N, N-M, N-, -M, comma separated.
func parseRanges(s string) ([]span, bool) {
	var out []span
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		r := span{1, 1 << 30}
		var err error
		if lo != "" {
			if r.lo, err = strconv.Atoi(lo); err != nil || r.lo < 1 {
				return nil, false
			}
		}
		switch {
		case !isRange:
			r.hi = r.lo
		case hi != "":
			if r.hi, err = strconv.Atoi(hi); err != nil || r.hi < r.lo {
				return nil, false
			}
		}
		if lo == "" && hi == "" {
			return nil, false
		}
		out = append(out, r)
	}
	return out, len(out) > 0
}

func inRanges(rs []span, n int) bool {
	for _, r := range rs {
		if n >= r.lo && n <= r.hi {
			return true
		}
	}
	return false
}

// tr: SET1 [SET2], -d, -s, -c; ranges, [:class:] and backslash escapes.
func (sh *Shell) tr(args []string, io *stdio) int {
	fl, ops := flags(args)
	del, squeeze, comp := strings.Contains(fl, "d"), strings.Contains(fl, "s"), strings.ContainsAny(fl, "cC")
	if len(ops) == 0 || (!del && !squeeze && len(ops) < 2) {
		return sh.usage(io, "tr", "[-cds] STRING1 [STRING2]")
	}
	set1 := expandTrSet(ops[0])
	var set2 []byte
	if len(ops) > 1 {
		set2 = expandTrSet(ops[1])
	}
	var in [256]bool
	for _, c := range set1 {
		in[c] = true
	}
	if comp {
		for i := range in {
			in[i] = !in[i]
		}
	}
	var mapping [256]int
	for i := range mapping {
		mapping[i] = i
	}
	if !del && len(set2) > 0 {
		src := set1
		if comp {
			src = nil
			for i := 0; i < 256; i++ {
				if in[i] {
					src = append(src, byte(i))
				}
			}
		}
		for i, c := range src {
			mapping[c] = int(set2[min(i, len(set2)-1)])
		}
	}
	squeezeSet := in
	if squeeze && len(set2) > 0 && !del {
		squeezeSet = [256]bool{}
		for _, c := range set2 {
			squeezeSet[c] = true
		}
	}
	data := io.stdin()
	sh.work += int64(len(data))
	out := make([]byte, 0, len(data))
	last := -1
	for _, c := range data {
		if del && in[c] {
			continue
		}
		m := mapping[c]
		if squeeze && squeezeSet[m] && m == last {
			continue
		}
		out = append(out, byte(m))
		last = m
	}
	io.out.Write(out)
	return 0
}

var trClasses = map[string]string{
	"alpha": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", "upper": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
	"lower": "abcdefghijklmnopqrstuvwxyz", "digit": "0123456789", "space": " \t\n\r\v\f", "blank": " \t",
	"alnum": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "punct": "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
	"xdigit": "0123456789ABCDEFabcdef",
}

// expandTrSet expands a tr set to its bytes (at most 256 ranges' worth).
func expandTrSet(s string) []byte {
	var out []byte
	for i := 0; i < len(s) && len(out) < 4096; i++ {
		c := s[i]
		if c == '[' && i+1 < len(s) && s[i+1] == ':' {
			if j := strings.Index(s[i:], ":]"); j > 2 {
				if cl, ok := trClasses[s[i+2:i+j]]; ok {
					out = append(out, cl...)
					i += j + 1
					continue
				}
			}
		}
		if c == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n':
				c = '\n'
			case 't':
				c = '\t'
			case 'r':
				c = '\r'
			case '\\':
				c = '\\'
			default:
				if s[i] >= '0' && s[i] <= '7' {
					v, j := 0, i
					for ; j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7'; j++ {
						v = v*8 + int(s[j]-'0')
					}
					c, i = byte(v), j-1
				} else {
					c = s[i]
				}
			}
		}
		if i+2 < len(s) && s[i+1] == '-' {
			hi := s[i+2]
			for x := int(c); x <= int(hi); x++ {
				out = append(out, byte(x))
			}
			i += 2
			continue
		}
		out = append(out, c)
	}
	return out
}

// hexdump: -C (canonical), the default 16-bit words, -n LEN, -s OFFSET.
func (sh *Shell) hexdump(args []string, io *stdio) int {
	canon, n, skip := false, -1, 0
	var files []string
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-C":
			canon = true
		case (a == "-n" || a == "-s") && i+1 < len(args):
			v, _ := parseSize(args[i+1])
			if a == "-n" {
				n = v
			} else {
				skip = v
			}
			i++
		case len(a) > 1 && a[0] == '-':
		default:
			files = append(files, a)
		}
	}
	data, st := sh.readInputs("hexdump", files, io)
	data = window(data, skip, n)
	var out bytes.Buffer
	for off := 0; off < len(data) && out.Len() < maxOutput; off += 16 {
		row := data[off:min(off+16, len(data))]
		if canon {
			fmt.Fprintf(&out, "%08x ", skip+off)
			for i := 0; i < 16; i++ {
				if i == 8 {
					out.WriteByte(' ')
				}
				if i < len(row) {
					fmt.Fprintf(&out, " %02x", row[i])
				} else {
					out.WriteString("   ")
				}
			}
			out.WriteString("  |")
			for _, c := range row {
				if c < 0x20 || c > 0x7e {
					c = '.'
				}
				out.WriteByte(c)
			}
			out.WriteString("|\n")
			continue
		}
		fmt.Fprintf(&out, "%07x", skip+off)
		for i := 0; i < 16; i += 2 {
			if i >= len(row) {
				out.WriteString("     ") // a short last row keeps its columns
				continue
			}
			w := uint16(row[i])
			if i+1 < len(row) {
				w |= uint16(row[i+1]) << 8
			}
			fmt.Fprintf(&out, " %04x", w)
		}
		out.WriteByte('\n')
	}
	if len(data) > 0 || canon {
		if canon {
			fmt.Fprintf(&out, "%08x\n", skip+len(data))
		} else {
			fmt.Fprintf(&out, "%07x\n", skip+len(data))
		}
	}
	io.out.Write(out.Bytes())
	return st
}

func window(data []byte, skip, n int) []byte {
	if skip > 0 {
		data = data[min(skip, len(data)):]
	}
	if n >= 0 && n < len(data) {
		data = data[:n]
	}
	return data
}

// od: the default octal 16-bit words, -c characters, -x hex words,
// -t x1 hex bytes, -A n without offsets, -N LEN, -j SKIP.
func (sh *Shell) od(args []string, io *stdio) int {
	mode, noAddr, n, skip := "o2", false, -1, 0
	var files []string
	for i := 1; i < len(args); i++ {
		a := args[i]
		next := func() string {
			if len(a) > 2 {
				return a[2:]
			}
			if i+1 < len(args) {
				i++
				return args[i]
			}
			return ""
		}
		switch {
		case a == "-c", a == "-b", a == "-x", a == "-d":
			mode = a[1:]
		case strings.HasPrefix(a, "-t"):
			mode = "t" + next()
		case strings.HasPrefix(a, "-A"):
			noAddr = next() == "n"
		case strings.HasPrefix(a, "-N"):
			n, _ = parseSize(next())
		case strings.HasPrefix(a, "-j"):
			skip, _ = parseSize(next())
		case len(a) > 1 && a[0] == '-':
		default:
			files = append(files, a)
		}
	}
	data, st := sh.readInputs("od", files, io)
	data = window(data, skip, n)
	var out bytes.Buffer
	addr := func(off int) {
		if !noAddr {
			fmt.Fprintf(&out, "%07o", off)
		}
	}
	for off := 0; off < len(data) && out.Len() < maxOutput; off += 16 {
		row := data[off:min(off+16, len(data))]
		addr(skip + off)
		switch mode {
		case "c":
			for _, c := range row {
				out.WriteString(odChar(c))
			}
		case "b":
			for _, c := range row {
				fmt.Fprintf(&out, " %03o", c)
			}
		case "tx1", "tx1z", "tx1c":
			for _, c := range row {
				fmt.Fprintf(&out, " %02x", c)
			}
		default:
			for i := 0; i < len(row); i += 2 {
				w := uint16(row[i])
				if i+1 < len(row) {
					w |= uint16(row[i+1]) << 8
				}
				switch mode {
				case "x":
					fmt.Fprintf(&out, " %04x", w)
				case "d":
					fmt.Fprintf(&out, " %5d", w)
				default:
					fmt.Fprintf(&out, " %06o", w)
				}
			}
		}
		out.WriteByte('\n')
	}
	if !noAddr {
		fmt.Fprintf(&out, "%07o\n", skip+len(data))
	}
	io.out.Write(out.Bytes())
	return st
}

func odChar(c byte) string {
	switch c {
	case 0:
		return "  \\0"
	case '\a':
		return "  \\a"
	case '\b':
		return "  \\b"
	case '\f':
		return "  \\f"
	case '\n':
		return "  \\n"
	case '\r':
		return "  \\r"
	case '\t':
		return "  \\t"
	case '\v':
		return "  \\v"
	}
	if c < 0x20 || c > 0x7e {
		return fmt.Sprintf(" %03o", c)
	}
	return "   " + string(c)
}

// base64 [-d] [FILE]: encode wrapped at 76 columns, or decode.
func (sh *Shell) base64(args []string, io *stdio) int {
	fl, ops := flags(args)
	data, st := sh.readInputs("base64", ops, io)
	if strings.Contains(fl, "d") {
		clean := bytes.Map(func(r rune) rune {
			if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, data)
		out := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
		n, err := base64.StdEncoding.Decode(out, clean)
		io.out.Write(out[:n])
		if err != nil {
			io.err.WriteString("base64: invalid input\n")
			return 1
		}
		return st
	}
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		io.out.WriteString(enc[:76] + "\n")
		enc = enc[76:]
	}
	if enc != "" {
		io.out.WriteString(enc + "\n")
	}
	return st
}

// more: without a terminal it is cat; on one, a short file shows whole.
func (sh *Shell) more(args []string, io *stdio) int {
	_, ops := flags(args)
	if len(ops) == 0 {
		io.out.Write(io.stdin())
		return 0
	}
	st := 0
	for _, f := range ops {
		data, ok := sh.operand(f, io, "more")
		if !ok {
			st = 1
			continue
		}
		if len(ops) > 1 {
			io.out.WriteString("::::::::::::::\n" + f + "\n::::::::::::::\n")
		}
		io.out.Write(data)
	}
	return st
}

// sed: -n, -e SCRIPT (repeatable), -i (in place); commands separated by
// ';' or newlines, each with an optional address (N, $, /RE/): s/RE/REPL/
// with g, p, N and I flags, d, p, q.
func (sh *Shell) sed(args []string, io *stdio) int {
	quiet, inPlace := false, false
	var scripts, files []string
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-e" && i+1 < len(args):
			scripts = append(scripts, args[i+1])
			i++
		case a == "-n":
			quiet = true
		case strings.HasPrefix(a, "-i"):
			inPlace = true
		case a == "-r" || a == "-E":
		case len(a) > 1 && a[0] == '-' && strings.Trim(a[1:], "nirE") == "":
			quiet = quiet || strings.Contains(a, "n")
			inPlace = inPlace || strings.Contains(a, "i")
		case len(scripts) == 0 && a != "":
			scripts = append(scripts, a)
		default:
			files = append(files, a)
		}
	}
	if len(scripts) == 0 {
		return sh.usage(io, "sed", "[-inr] [-f FILE]... [-e CMD]... [FILE]...")
	}
	prog, err := parseSed(strings.Join(scripts, "\n"))
	if err != nil {
		io.err.WriteString("sed: " + err.Error() + "\n")
		return 1
	}
	sh.work += int64(100 * len(prog))
	if inPlace {
		st := 0
		for _, f := range files {
			p := sh.path(f)
			data, err := sh.readPath(p)
			if err != nil {
				io.err.WriteString("sed: can't read " + f + ": " + err.Error() + "\n")
				st = 1
				continue
			}
			out := sh.runSed(prog, data, quiet, io)
			if err := sh.fs.write(p, out, false); err != nil {
				io.err.WriteString("sed: can't create " + f + ": " + err.Error() + "\n")
				st = 4
			}
		}
		return st
	}
	data, st := sh.readInputs("sed", files, io)
	io.out.Write(sh.runSed(prog, data, quiet, io))
	return st
}

type sedCmd struct {
	addr    string         // "", a line number, "$", or "/re/"
	re      *regexp.Regexp // for /re/ addresses
	cmd     byte
	pat     *regexp.Regexp
	repl    string
	global  bool
	nth     int
	printIt bool
}

func parseSed(script string) ([]sedCmd, error) {
	var prog []sedCmd
	s := script
	for len(s) > 0 && len(prog) < 64 {
		s = strings.TrimLeft(s, " \t\n;")
		if s == "" {
			break
		}
		var c sedCmd
		switch {
		case s[0] == '$':
			c.addr, s = "$", s[1:]
		case s[0] >= '0' && s[0] <= '9':
			j := 0
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			c.addr, s = s[:j], s[j:]
		case s[0] == '/':
			j := strings.IndexByte(s[1:], '/')
			if j < 0 {
				return nil, fmt.Errorf("unterminated address regex")
			}
			re, err := regexp.Compile(breToERE(s[1 : j+1]))
			if err != nil {
				return nil, fmt.Errorf("bad regex '%s'", s[1:j+1])
			}
			c.addr, c.re, s = "/", re, s[j+2:]
		}
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return nil, fmt.Errorf("missing command")
		}
		c.cmd, s = s[0], s[1:]
		switch c.cmd {
		case 'd', 'p', 'q':
		case 's':
			if s == "" {
				return nil, fmt.Errorf("unterminated `s' command")
			}
			delim := s[0]
			parts := splitUnescaped(s[1:], delim, 2)
			if len(parts) < 3 {
				return nil, fmt.Errorf("unterminated `s' command")
			}
			flagsEnd := strings.IndexAny(parts[2], ";\n")
			flags := parts[2]
			rest := ""
			if flagsEnd >= 0 {
				flags, rest = parts[2][:flagsEnd], parts[2][flagsEnd:]
			}
			pat := breToERE(parts[0])
			if strings.Contains(flags, "I") {
				pat = "(?i)" + pat
			}
			re, err := regexp.Compile(pat)
			if err != nil {
				return nil, fmt.Errorf("bad regex '%s'", parts[0])
			}
			c.pat, c.repl = re, parts[1]
			for _, f := range strings.TrimSpace(flags) {
				switch {
				case f == 'g':
					c.global = true
				case f == 'p':
					c.printIt = true
				case f >= '1' && f <= '9':
					c.nth = int(f - '0')
				case f == 'I' || f == 'i':
				default:
					return nil, fmt.Errorf("unknown option to `s'")
				}
			}
			s = rest
		default:
			return nil, fmt.Errorf("unsupported command %c", c.cmd)
		}
		prog = append(prog, c)
	}
	return prog, nil
}

// splitUnescaped splits s at the first n unescaped delim bytes.
func splitUnescaped(s string, delim byte, n int) []string {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			if s[i+1] == delim {
				cur.WriteByte(delim)
			} else {
				cur.WriteByte(s[i])
				cur.WriteByte(s[i+1])
			}
			i++
			continue
		}
		if s[i] == delim && len(parts) < n {
			parts = append(parts, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteByte(s[i])
	}
	return append(parts, cur.String())
}

func (sh *Shell) runSed(prog []sedCmd, data []byte, quiet bool, io *stdio) []byte {
	var out bytes.Buffer
	lines := bytes.Split(data, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	sh.work += int64(8 * len(data) * max(1, len(prog)))
lines:
	for n, l := range lines {
		line := string(l)
		last := n == len(lines)-1
		deleted := false
		for _, c := range prog {
			switch c.addr {
			case "":
			case "$":
				if !last {
					continue
				}
			case "/":
				if !c.re.MatchString(line) {
					continue
				}
			default:
				if k, _ := strconv.Atoi(c.addr); k != n+1 {
					continue
				}
			}
			switch c.cmd {
			case 'd':
				deleted = true
			case 'p':
				out.WriteString(line + "\n")
			case 'q':
				if !quiet {
					out.WriteString(line + "\n")
				}
				break lines
			case 's':
				k := 0
				done := false
				line = c.pat.ReplaceAllStringFunc(line, func(m string) string {
					k++
					if done || (c.nth > 0 && k != c.nth) || (!c.global && c.nth == 0 && k > 1) {
						return m
					}
					if !c.global {
						done = true
					}
					sub := c.pat.FindStringSubmatch(m)
					return sedRepl(c.repl, sub)
				})
				if k > 0 && c.printIt {
					out.WriteString(line + "\n")
				}
			}
			if deleted {
				break
			}
		}
		if !deleted && !quiet {
			out.WriteString(line + "\n")
		}
		if out.Len() > maxOutput {
			break
		}
	}
	return out.Bytes()
}

// sedRepl expands & and \1..\9 in a replacement.
func sedRepl(repl string, sub []string) string {
	var sb strings.Builder
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		switch {
		case c == '&' && len(sub) > 0:
			sb.WriteString(sub[0])
		case c == '\\' && i+1 < len(repl):
			i++
			d := repl[i]
			switch {
			case d >= '0' && d <= '9':
				if k := int(d - '0'); k < len(sub) {
					sb.WriteString(sub[k])
				}
			case d == 'n':
				sb.WriteByte('\n')
			default:
				sb.WriteByte(d)
			}
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String()
}
