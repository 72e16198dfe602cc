package busybox

import (
	"errors"
	"strconv"
	"strings"
)

// let, umask and ulimit as ash's builtins answer them.

// let evaluates each argument as $(( )) does; its status is 1 when the
// last is 0.
func (sh *Shell) let(args []string, io *stdio) int {
	if len(args) < 2 {
		io.err.WriteString("sh: let: expression expected\n")
		return 2
	}
	var v int64
	for _, a := range args[1:] {
		var err error
		if v, err = sh.arith(a); errors.Is(err, errArithDeep) {
			sh.hit(limitParse)
			return 2
		} else if err != nil {
			io.err.WriteString("sh: let: " + strings.TrimPrefix(err.Error(), "sh: ") + "\n")
			return 2
		}
	}
	return b2i(v == 0)
}

// umaskBuiltin shows or sets the session's umask (022 at login).
func (sh *Shell) umaskBuiltin(args []string, io *stdio) int {
	symbolic := false
	for _, a := range args[1:] {
		if a == "-S" {
			symbolic = true
			continue
		}
		m, err := strconv.ParseUint(a, 8, 32)
		if err != nil || m > 0o777 {
			io.err.WriteString("sh: umask: Illegal mode: " + a + "\n")
			return 1
		}
		sh.umask = int(m) | umaskSet
		return 0
	}
	m := 0o022
	if sh.umask != 0 {
		m = sh.umask &^ umaskSet
	}
	if !symbolic {
		io.out.WriteString(pad4(m)) // four digits: 0022
		return 0
	}
	var sb strings.Builder
	for i, who := range []string{"u", "g", "o"} {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(who + "=")
		bits := 7 &^ (m >> (3 * (2 - i)) & 7)
		for j, c := range "rwx" {
			if bits&(4>>j) != 0 {
				sb.WriteRune(c)
			}
		}
	}
	io.out.WriteString(sb.String() + "\n")
	return 0
}

// umaskSet marks Shell.umask as set (a umask of 0 is a real one).
const umaskSet = 1 << 16

// pad4 is m in octal on four digits, with a newline.
func pad4(m int) string {
	s := strconv.FormatInt(int64(m), 8)
	return strings.Repeat("0", 4-len(s)) + s + "\n"
}

// ulimit answers with a small device's limits.
func ulimit(args []string, io *stdio) int {
	limits := []struct{ name, opt, val string }{
		{"core file size (blocks)", "c", "0"}, {"data seg size (kb)", "d", "unlimited"}, {"scheduling priority", "e", "0"},
		{"file size (blocks)", "f", "unlimited"}, {"pending signals", "i", "480"}, {"max locked memory (kb)", "l", "64"},
		{"max memory size (kb)", "m", "unlimited"}, {"open files", "n", "1024"}, {"POSIX message queues (bytes)", "q", "819200"},
		{"real-time priority", "r", "0"}, {"stack size (kb)", "s", "8192"}, {"cpu time (seconds)", "t", "unlimited"},
		{"max user processes", "u", "480"}, {"virtual memory (kb)", "v", "unlimited"}, {"file locks", "x", "unlimited"},
	}
	opt := "f"
	for _, a := range args[1:] {
		if !strings.HasPrefix(a, "-") {
			return 0 // setting a limit: accepted
		}
		opt = strings.TrimLeft(a, "-HS")
		if opt == "" {
			opt = "f"
		}
	}
	if opt == "a" {
		for _, l := range limits {
			io.out.WriteString(l.name + strings.Repeat(" ", max(1, 32-len(l.name))) + "(-" + l.opt + ") " + l.val + "\n")
		}
		return 0
	}
	for _, l := range limits {
		if l.opt == opt[:1] {
			io.out.WriteString(l.val + "\n")
			return 0
		}
	}
	io.err.WriteString("sh: ulimit: illegal option -" + opt[:1] + "\n")
	return 2
}
