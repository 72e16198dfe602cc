package busybox

import (
	"bytes"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// busybox runs "busybox NAME ARGS" (args[0] is busybox itself). An unknown
// NAME gets BusyBox's exact complaint, which is what Mirai (MIRAI, ECCHI),
// Satori (SATORI, OKIRU) and their kin probe for to tell a real shell from a
// fake one that answers everything.
func (sh *Shell) busybox(args []string, io *stdio) int {
	if len(args) < 2 || args[1] == "--help" {
		sh.busyboxHelp(io)
		return 0
	}
	name := args[1]
	if name == "--list" || name == "--list-full" {
		for _, n := range slices.Sorted(maps.Keys(sh.dev.applets)) {
			if name == "--list-full" {
				n = strings.TrimPrefix(sh.dev.applets[n], "/") + "/" + n
			}
			io.out.WriteString(n + "\n")
		}
		return 0
	}
	if _, ok := sh.dev.applets[name]; !ok {
		if name == "curl" {
			sh.curl(args[1:], io)
		} else {
			sh.marker(name)
		}
		io.err.WriteString(name + ": applet not found\n")
		return 127
	}
	return sh.applet(name, args[1:], io)
}

// busyboxHelp is what a bare "busybox" prints, on stderr as BusyBox does:
// the applet names wrapped as appletlib.c wraps them for an 80-column
// terminal.
func (sh *Shell) busyboxHelp(io *stdio) {
	var sb strings.Builder
	sb.WriteString(sh.dev.bannerLine() + "\n" +
		"Copyright (C) 1998-2011 Erik Andersen, Rob Landley, Denys Vlasenko\n" +
		"and others. Licensed under GPLv2.\n" +
		"See source distribution for full notice.\n\n" +
		"Usage: busybox [function] [arguments]...\n" +
		"   or: busybox --list[-full]\n" +
		"   or: busybox --install [-s] [DIR]\n" +
		"   or: function [arguments]...\n\n" +
		"\tBusyBox is a multi-call binary that combines many common Unix\n" +
		"\tutilities into a single executable.  Most people will create a\n" +
		"\tlink to busybox for each function they wish to use and BusyBox\n" +
		"\twill act like whatever it was invoked as.\n\n" +
		"Currently defined functions:\n")
	const width = 80 - 1 // "prevent last comma to be in the very last pos"
	col := 0
	for _, n := range slices.Sorted(maps.Keys(sh.dev.applets)) {
		l := len(n) + 2
		if col >= width-l {
			sb.WriteString(",\n")
			col = 0
		}
		if col == 0 {
			col = 6
			sb.WriteString("\t")
		} else {
			sb.WriteString(", ")
		}
		sb.WriteString(n)
		col += l
	}
	sb.WriteString("\n\n")
	io.err.WriteString(sb.String())
}

// usage is bb_show_usage without FEATURE_VERBOSE_USAGE: the banner and the
// applet's short usage, on stderr, exit status 1.
func (sh *Shell) usage(io *stdio, name, text string) int {
	io.err.WriteString(sh.dev.bannerLine() + "\n\nUsage: " + name + " " + text + "\n\n")
	return 1
}

// appletFunc runs one applet; args[0] is the name it was called by.
type appletFunc func(sh *Shell, args []string, io *stdio) int

// appletDef is one applet of our BusyBox build: the directory
// `busybox --list-full` places it in, and its behaviour. The table below is
// the only list of applets: a name cannot be listed without saying what it
// does (TestEveryAppletBehaves runs each).
type appletDef struct {
	dir string
	run appletFunc
}

// appletTable is filled by init: its functions reach the table again
// (busybox, sh), which a package-level initializer may not.
var appletTable map[string]appletDef

func init() {
	bin := func(f appletFunc) appletDef { return appletDef{"/bin", f} }
	sbin := func(f appletFunc) appletDef { return appletDef{"/sbin", f} }
	ubin := func(f appletFunc) appletDef { return appletDef{"/usr/bin", f} }
	usbin := func(f appletFunc) appletDef { return appletDef{"/usr/sbin", f} }
	appletTable = map[string]appletDef{
		// /bin
		"ash":      bin((*Shell).appletSh),
		"base64":   bin((*Shell).base64),
		"chown":    bin((*Shell).chown),
		"busybox":  bin((*Shell).busybox),
		"cat":      bin((*Shell).cat),
		"chmod":    bin((*Shell).chmod),
		"cp":       bin((*Shell).cp),
		"date":     bin((*Shell).date),
		"dd":       bin((*Shell).dd),
		"df":       bin((*Shell).df),
		"dmesg":    bin((*Shell).dmesg),
		"echo":     bin((*Shell).echo),
		"egrep":    bin((*Shell).egrep),
		"false":    bin(func(*Shell, []string, *stdio) int { return 1 }),
		"fgrep":    bin((*Shell).fgrep),
		"grep":     bin((*Shell).grep),
		"gunzip":   bin((*Shell).gzip),
		"gzip":     bin((*Shell).gzip),
		"hostname": bin((*Shell).hostname),
		"kill":     bin((*Shell).kill),
		"ln":       bin((*Shell).ln),
		"ls":       bin((*Shell).ls),
		"mkdir":    bin((*Shell).mkdir),
		"more":     bin((*Shell).more),
		"mount":    bin((*Shell).mount),
		"pidof":    bin((*Shell).pidof),
		"mv":       bin((*Shell).mv),
		"netstat":  bin((*Shell).netstat),
		"ping":     bin((*Shell).ping),
		"ps":       bin((*Shell).psApplet),
		"pwd":      bin((*Shell).pwd),
		"rm":       bin((*Shell).rm),
		"rmdir":    bin((*Shell).rm),
		"sed":      bin((*Shell).sed),
		"sh":       bin((*Shell).appletSh),
		"sleep":    bin((*Shell).sleep),
		"su":       bin((*Shell).su),
		"sync":     bin(succeed),
		"tar":      bin((*Shell).tar),
		"touch":    bin((*Shell).touch),
		"true":     bin(succeed),
		"umount":   bin((*Shell).umount),
		"uname":    bin((*Shell).uname),
		"zcat":     bin((*Shell).zcat),
		// /sbin
		"arp":      sbin((*Shell).arp),
		"halt":     sbin(succeed), // the session goes on: the "device" takes its time
		"ifconfig": sbin((*Shell).ifconfig),
		"init":     sbin((*Shell).initApplet),
		"insmod":   sbin((*Shell).insmod),
		"lsmod":    sbin((*Shell).lsmod),
		"poweroff": sbin(succeed),
		"reboot":   sbin(succeed),
		"rmmod":    sbin((*Shell).rmmod),
		"route":    sbin((*Shell).route),
		"syslogd":  sbin(succeed), // daemons detach silently
		// /usr/bin
		"[":         ubin((*Shell).test),
		"[[":        ubin((*Shell).test),
		"awk":       ubin((*Shell).awk),
		"crontab":   ubin((*Shell).crontab),
		"cut":       ubin((*Shell).cut),
		"env":       ubin((*Shell).env),
		"find":      ubin((*Shell).find),
		"free":      ubin((*Shell).free),
		"ftpget":    ubin((*Shell).ftpget),
		"ftpput":    ubin((*Shell).ftpput),
		"head":      ubin((*Shell).headTail),
		"hexdump":   ubin((*Shell).hexdump),
		"id":        ubin((*Shell).id),
		"killall":   ubin((*Shell).killall),
		"last":      ubin((*Shell).last),
		"nc":        ubin((*Shell).nc),
		"nohup":     ubin((*Shell).nohup),
		"nproc":     ubin((*Shell).nproc),
		"od":        ubin((*Shell).od),
		"passwd":    ubin((*Shell).passwd),
		"pgrep":     ubin((*Shell).pgrep),
		"pkill":     ubin((*Shell).pkill),
		"printf":    ubin((*Shell).printf),
		"basename":  ubin((*Shell).basename),
		"dirname":   ubin((*Shell).dirname),
		"sort":      ubin((*Shell).sort),
		"uniq":      ubin((*Shell).uniq),
		"xargs":     ubin((*Shell).xargs),
		"expr":      ubin((*Shell).expr),
		"md5sum":    ubin((*Shell).sum),
		"sha1sum":   ubin((*Shell).sum),
		"sha256sum": ubin((*Shell).sum),
		"seq":       ubin((*Shell).seq),
		"tail":      ubin((*Shell).headTail),
		"tee":       ubin((*Shell).tee),
		"telnet":    ubin((*Shell).telnet),
		"test":      ubin((*Shell).test),
		"tftp":      ubin((*Shell).tftp),
		"top":       ubin((*Shell).top),
		"tr":        ubin((*Shell).tr),
		"uptime":    ubin((*Shell).uptime),
		"w":         ubin((*Shell).w),
		"wc":        ubin((*Shell).wc),
		"wget":      ubin((*Shell).wget),
		"which":     ubin((*Shell).which),
		"who":       ubin((*Shell).who),
		"whoami":    ubin((*Shell).whoami),
		"yes":       ubin((*Shell).yes),
		// /usr/sbin
		"adduser": usbin((*Shell).adduser),
		"crond":   usbin(succeed),
		"telnetd": usbin(succeed),
	}
}

// succeed is the whole behaviour of applets that print nothing and
// succeed on a real device too (sync, true, daemons that detach).
func succeed(*Shell, []string, *stdio) int { return 0 }

// applet runs one BusyBox applet; args[0] is its name.
func (sh *Shell) applet(name string, args []string, io *stdio) int {
	def, ok := appletTable[name]
	if !ok {
		io.err.WriteString(name + ": applet not found\n")
		return 127
	}
	return def.run(sh, args, io)
}

// appletSh: "sh" alone is what worms type to leave a vendor CLI (a nested
// interactive shell); "sh -c TEXT", "sh FILE" and "... | sh" run the
// script in a subshell of this same emulated shell, within the line's
// budgets. A downloaded file is only a placeholder, so a fetched script
// runs nothing.
func (sh *Shell) appletSh(args []string, io *stdio) int {
	if len(args) < 2 && io.tty && sh.substs == 0 {
		// An interactive shell in the shell: exit leaves it first.
		if sh.nest < 16 {
			sh.nest++
		}
		return 0
	}
	i, withC := 1, false
	for ; i < len(args) && len(args[i]) > 1 && args[i][0] == '-'; i++ {
		if args[i] == "--" {
			i++
			break
		}
		if strings.IndexByte(args[i], 'c') >= 0 {
			withC = true
		}
	}
	switch {
	case withC:
		if i >= len(args) {
			io.err.WriteString("sh: -c requires an argument\n")
			return 2
		}
		// sh -c TEXT [NAME [ARGS...]]: NAME is $0, ARGS $1...
		var pos []string
		name := "sh"
		if i+1 < len(args) {
			name, pos = args[i+1], args[i+2:]
		}
		return sh.script([]byte(args[i]), name, pos, true, io)
	case i >= len(args):
		// The script is standard input: "wget -O - URL | sh".
		return sh.script(io.stdin(), "", nil, true, io)
	}
	p, err := resolve(sh.cwd, args[i])
	if err != nil {
		return 2
	}
	data, err := sh.readPath(p)
	if err != nil {
		io.err.WriteString("sh: can't open '" + args[i] + "'\n")
		return 2
	}
	return sh.script(data, args[i], args[i+1:], true, io)
}

// flags splits single-letter options from operands.
func flags(args []string) (set string, rest []string) {
	// BusyBox's getopt permutes: options may follow the operands
	// ("ls /home -a"), up to a "--".
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return set, append(rest, args[i+1:]...)
		case strings.HasPrefix(a, "--"):
			// A long option (ls --color=auto): not letters to read one
			// by one, where "--color" would be -c -o -l -o -r.
		case len(a) > 1 && a[0] == '-':
			set += a[1:]
		default:
			rest = append(rest, a)
		}
	}
	return set, rest
}

func (sh *Shell) path(p string) string {
	q, err := resolve(sh.cwd, p)
	if err != nil {
		return tooLongPath // fails every operation with ENAMETOOLONG
	}
	return q
}

func (sh *Shell) uname(args []string, io *stdio) int {
	fl, _ := flags(args)
	if strings.Contains(fl, "a") {
		io.out.WriteString(sh.dev.unameAll() + "\n")
		return 0
	}
	if fl == "" {
		fl = "s"
	}
	var parts []string
	for _, f := range "snrvmp" {
		if !strings.ContainsRune(fl, f) {
			continue
		}
		switch f {
		case 's':
			parts = append(parts, "Linux")
		case 'n':
			parts = append(parts, sh.dev.p.Hostname)
		case 'r':
			parts = append(parts, sh.dev.p.Kernel)
		case 'v':
			parts = append(parts, sh.dev.p.KernelBuild)
		case 'm':
			parts = append(parts, sh.dev.machine())
		case 'p':
			parts = append(parts, "unknown")
		}
	}
	io.out.WriteString(strings.Join(parts, " ") + "\n")
	return 0
}

func (sh *Shell) kill(args []string, io *stdio) int {
	st := 0
	ps := sh.ps(nil)
	for _, a := range args[1:] {
		if strings.HasPrefix(a, "-") {
			continue
		}
		pid, err := strconv.Atoi(a)
		if err != nil {
			io.err.WriteString("sh: kill: " + a + ": invalid number\n")
			st = 1
			continue
		}
		if !strings.Contains(ps, fmt.Sprintf("%5d root", pid)) {
			io.err.WriteString("sh: can't kill pid " + a + ": No such process\n")
			st = 1
		}
	}
	return st
}

// maxSleep is what all the sleeps of one line may wait together.
const maxSleep = 2 * time.Second

// sleep waits at most a second: long enough to look real to a script that
// times it, short enough that sleep 9999 holds nothing.
func (sh *Shell) sleep(args []string, io *stdio) int {
	if len(args) < 2 {
		return sh.usage(io, "sleep", "N")
	}
	f, err := strconv.ParseFloat(strings.TrimRight(args[1], "smhd"), 64)
	if err != nil || f < 0 {
		io.err.WriteString("sleep: invalid number '" + args[1] + "'\n")
		return 1
	}
	// A line sleeps two seconds at most in all: a loop of sleeps must
	// not hold the session.
	d := min(time.Duration(f*float64(time.Second)), time.Second, maxSleep-sh.slept)
	if d <= 0 || sh.ctx == nil {
		return 0
	}
	sh.slept += d
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-sh.ctx.Done():
	}
	return 0
}

// operand returns the named file's content, or stdin for none or "-".
func (sh *Shell) operand(name string, io *stdio, applet string) ([]byte, bool) {
	if name == "" || name == "-" {
		return io.stdin(), true
	}
	data, err := sh.readPath(sh.path(name))
	if err != nil {
		io.err.WriteString(applet + ": can't open '" + name + "': " + err.Error() + "\n")
		return nil, false
	}
	return data, true
}

func (sh *Shell) headTail(args []string, io *stdio) int {
	name := path.Base(args[0])
	lines, byteCount := 10, -1
	var files []string
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case (a == "-n" || a == "-c") && i+1 < len(args):
			v, _ := strconv.Atoi(strings.TrimPrefix(args[i+1], "+"))
			if a == "-n" {
				lines = v
			} else {
				byteCount = v
			}
			i++
		case len(a) > 1 && a[0] == '-' && isDigits(a[1:]):
			lines, _ = strconv.Atoi(a[1:])
		case strings.HasPrefix(a, "-n") && isDigits(a[2:]):
			lines, _ = strconv.Atoi(a[2:])
		case strings.HasPrefix(a, "-c") && isDigits(a[2:]):
			byteCount, _ = strconv.Atoi(a[2:])
		default:
			files = append(files, a)
		}
	}
	if len(files) == 0 {
		files = []string{""}
	}
	st := 0
	shown := 0
	for _, f := range files {
		data, ok := sh.operand(f, io, name)
		if !ok {
			st = 1
			continue
		}
		if len(files) > 1 {
			// Several files: each under its name, as BusyBox does.
			if shown > 0 {
				io.out.WriteString("\n")
			}
			io.out.WriteString("==> " + f + " <==\n")
			shown++
		}
		switch {
		case byteCount >= 0 && name == "head":
			data = data[:min(byteCount, len(data))]
		case byteCount >= 0:
			data = data[len(data)-min(byteCount, len(data)):]
		case name == "head":
			end := 0
			for n := 0; n < lines && end < len(data); n++ {
				i := bytes.IndexByte(data[end:], '\n')
				if i < 0 {
					end = len(data)
					break
				}
				end += i + 1
			}
			data = data[:end]
		default:
			start := len(data)
			if start > 0 && data[start-1] == '\n' {
				start--
			}
			for n := 0; n < lines && start > 0; n++ {
				i := bytes.LastIndexByte(data[:start], '\n')
				if n == lines-1 || i < 0 {
					start = i + 1
					break
				}
				start = i
			}
			data = data[start:]
		}
		io.out.Write(data)
	}
	return st
}

// test supports the file and string tests scripts use to probe a device.
func (sh *Shell) test(args []string, io *stdio) int {
	a := args[1:]
	if args[0] == "[" || args[0] == "[[" {
		if len(a) == 0 || (a[len(a)-1] != "]" && a[len(a)-1] != "]]") {
			return 2
		}
		a = a[:len(a)-1]
	}
	t := &testExpr{sh: sh, a: a}
	ok := t.or()
	if t.err != "" {
		io.err.WriteString("sh: " + t.err + "\n")
		return 2
	}
	if t.i < len(t.a) {
		return 2
	}
	return b2i(!ok)
}

// testExpr evaluates test's expression: ! -a -o ( ), unary file and
// string tests, string and integer comparisons.
type testExpr struct {
	sh  *Shell
	a   []string
	i   int
	err string
}

func (t *testExpr) or() bool {
	v := t.and()
	for t.i < len(t.a) && t.a[t.i] == "-o" {
		t.i++
		w := t.and()
		v = v || w
	}
	return v
}

func (t *testExpr) and() bool {
	v := t.not()
	for t.i < len(t.a) && t.a[t.i] == "-a" {
		t.i++
		w := t.not()
		v = v && w
	}
	return v
}

func (t *testExpr) not() bool {
	if t.i < len(t.a) && t.a[t.i] == "!" && t.i+1 < len(t.a) {
		t.i++
		return !t.not()
	}
	return t.primary()
}

func (t *testExpr) primary() bool {
	rest := t.a[t.i:]
	if len(rest) == 0 {
		return false
	}
	if rest[0] == "(" && len(rest) > 1 && t.i < 64 {
		t.i++
		v := t.or()
		if t.i < len(t.a) && t.a[t.i] == ")" {
			t.i++
		}
		return v
	}
	// Binary: A op B.
	if len(rest) >= 3 {
		x, op, y := rest[0], rest[1], rest[2]
		switch op {
		case "=", "==":
			t.i += 3
			return x == y
		case "!=":
			t.i += 3
			return x != y
		case "<":
			t.i += 3
			return x < y
		case ">":
			t.i += 3
			return x > y
		case "-eq", "-ne", "-lt", "-le", "-gt", "-ge":
			t.i += 3
			n, ok1 := t.number(x)
			m, ok2 := t.number(y)
			if !ok1 || !ok2 {
				return false
			}
			switch op {
			case "-eq":
				return n == m
			case "-ne":
				return n != m
			case "-lt":
				return n < m
			case "-le":
				return n <= m
			case "-gt":
				return n > m
			}
			return n >= m
		}
	}
	// Unary: -X operand.
	if len(rest) >= 2 && len(rest[0]) == 2 && rest[0][0] == '-' && strings.IndexByte("efdxrwsnzLhcbpSgku", rest[0][1]) >= 0 {
		op, arg := rest[0][1], rest[1]
		t.i += 2
		switch op {
		case 'n':
			return arg != ""
		case 'z':
			return arg == ""
		}
		n, exists := t.sh.fs.stat(t.sh.path(arg))
		switch op {
		case 'e', 'r', 'w':
			return exists
		case 'f':
			return exists && n.kind == kindFile
		case 'd':
			return exists && n.kind == kindDir
		case 'x':
			return exists && n.mode&0o111 != 0
		case 's':
			return exists && n.displaySize() > 0
		case 'L', 'h':
			return exists && n.link != ""
		case 'c':
			return exists && n.kind == kindDev
		}
		return false
	}
	t.i++
	return rest[0] != ""
}

// number reads an integer operand, as test does: blanks around it allowed.
func (t *testExpr) number(s string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		if t.err == "" {
			t.err = s + ": bad number"
		}
		return 0, false
	}
	return n, true
}

// ps renders ps: the device's processes, the login shell ("-sh", as login
// starts it), a row per nested sh and ps itself with the command line it
// was run with.
func (sh *Shell) ps(args []string) string {
	var sb strings.Builder
	sb.WriteString(sh.dev.ps)
	pid := sh.dev.shPID
	sb.WriteString(psRow(pid, "1500", "S", "-sh"))
	for i := 0; i < sh.nest; i++ {
		pid++
		sb.WriteString(psRow(pid, "1500", "S", "sh"))
	}
	cmd := "ps"
	if len(args) > 0 {
		cmd = strings.Join(args, " ")
		if len(cmd) > 64 {
			cmd = cmd[:64]
		}
	}
	sb.WriteString(psRow(pid+1, "1496", "R", cmd))
	return sb.String()
}
