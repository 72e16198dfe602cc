package busybox

import (
	"path"
	"slices"
	"strconv"
	"strings"
)

// basename, dirname, sort, uniq, xargs and chown: what scripts glue
// pipelines with (ps | grep x | awk '{print $1}' | xargs kill -9 is how
// bots kill a competitor).

func (sh *Shell) basename(args []string, io *stdio) int {
	_, ops := flags(args)
	if len(ops) == 0 {
		return sh.usage(io, "basename", "FILE [SUFFIX]")
	}
	b := path.Base(ops[0])
	if len(ops) > 1 && b != ops[1] {
		b = strings.TrimSuffix(b, ops[1])
	}
	io.out.WriteString(b + "\n")
	return 0
}

func (sh *Shell) dirname(args []string, io *stdio) int {
	_, ops := flags(args)
	if len(ops) == 0 {
		return sh.usage(io, "dirname", "FILENAME")
	}
	io.out.WriteString(path.Dir(ops[0]) + "\n")
	return 0
}

// sort: -n -r -u over lines of files or standard input.
func (sh *Shell) sort(args []string, io *stdio) int {
	fl, files := flags(args)
	data, st := sh.readInputs("sort", files, io)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(data) == 0 {
		lines = nil
	}
	sh.work += int64(len(data)) * 8 // n log n on short inputs
	numeric := strings.Contains(fl, "n")
	slices.SortStableFunc(lines, func(a, b string) int {
		if numeric {
			x, _ := strconv.ParseFloat(leadingNumber(a), 64)
			y, _ := strconv.ParseFloat(leadingNumber(b), 64)
			if x != y {
				if x < y {
					return -1
				}
				return 1
			}
		}
		return strings.Compare(a, b)
	})
	if strings.Contains(fl, "r") {
		slices.Reverse(lines)
	}
	if strings.Contains(fl, "u") {
		lines = slices.Compact(lines)
	}
	for _, l := range lines {
		io.out.WriteString(l + "\n")
	}
	return st
}

// leadingNumber is the number a line starts with, for sort -n.
func leadingNumber(s string) string {
	s = strings.TrimLeft(s, " \t")
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == '.' || end == 0 && s[end] == '-') {
		end++
	}
	return s[:end]
}

// uniq: -c -d -u over adjacent lines.
func (sh *Shell) uniq(args []string, io *stdio) int {
	fl, files := flags(args)
	data, st := sh.readInputs("uniq", files, io)
	sh.work += int64(len(data))
	var prev string
	n := 0
	flush := func() {
		if n == 0 || strings.Contains(fl, "d") && n < 2 || strings.Contains(fl, "u") && n > 1 {
			return
		}
		if strings.Contains(fl, "c") {
			io.out.WriteString(strings.Repeat(" ", max(0, 7-len(strconv.Itoa(n)))) + strconv.Itoa(n) + " " + prev + "\n")
			return
		}
		io.out.WriteString(prev + "\n")
	}
	eachLine(data, func(l []byte) bool {
		if n > 0 && string(l) == prev {
			n++
			return true
		}
		flush()
		prev, n = string(l), 1
		return true
	})
	flush()
	return st
}

// xargs [CMD [ARGS]]: the words of standard input appended to CMD (echo
// by default), run once, in this shell.
func (sh *Shell) xargs(args []string, io *stdio) int {
	i, per := 1, 0
	for i < len(args) && strings.HasPrefix(args[i], "-") {
		if (args[i] == "-n" || args[i] == "-I" || args[i] == "-d") && i+1 < len(args) {
			if args[i] == "-n" {
				per, _ = strconv.Atoi(args[i+1])
			}
			i++
		} else if n, err := strconv.Atoi(strings.TrimPrefix(args[i], "-n")); err == nil && strings.HasPrefix(args[i], "-n") {
			per = n
		}
		i++
	}
	cmd := args[i:]
	if len(cmd) == 0 {
		cmd = []string{"echo"}
	}
	words := strings.Fields(string(io.stdin()))
	if len(words) > maxArgs {
		words = words[:maxArgs]
	}
	if per <= 0 {
		per = max(len(words), 1)
	}
	cio := *io
	cio.in, cio.tty = &pipeIn{}, false
	st := 0
	// -n N: the command once per N words.
	for start := 0; start < len(words) || start == 0; start += per {
		argv := append(slices.Clone(cmd), words[start:min(start+per, len(words))]...)
		if st = sh.exec(argv, &cio); sh.ctrl != ctrlNone {
			break
		}
		if start+per >= len(words) {
			break
		}
	}
	return st
}

// chown: root may; a file that is not there is the only failure.
func (sh *Shell) chown(args []string, io *stdio) int {
	_, ops := flags(args)
	if len(ops) < 2 {
		return sh.usage(io, "chown", "[-RhLHPcvf]... OWNER[<.|:>[GROUP]] FILE...")
	}
	st := 0
	for _, f := range ops[1:] {
		if _, ok := sh.fs.stat(sh.path(f)); !ok {
			io.err.WriteString("chown: " + f + ": No such file or directory\n")
			st = 1
		}
	}
	return st
}
