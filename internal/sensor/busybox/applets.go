package busybox

import (
	"bytes"
	"fmt"
	"maps"
	"path"
	"regexp"
	"regexp/syntax"
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
		"[":       ubin((*Shell).test),
		"[[":      ubin((*Shell).test),
		"awk":     ubin((*Shell).awk),
		"crontab": ubin((*Shell).crontab),
		"cut":     ubin((*Shell).cut),
		"env":     ubin((*Shell).env),
		"find":    ubin((*Shell).find),
		"free":    ubin((*Shell).free),
		"ftpget":  ubin((*Shell).ftpget),
		"ftpput":  ubin((*Shell).ftpput),
		"head":    ubin((*Shell).headTail),
		"hexdump": ubin((*Shell).hexdump),
		"id":      ubin((*Shell).id),
		"killall": ubin((*Shell).killall),
		"last":    ubin((*Shell).last),
		"nc":      ubin((*Shell).nc),
		"nohup":   ubin((*Shell).nohup),
		"nproc":   ubin((*Shell).nproc),
		"od":      ubin((*Shell).od),
		"passwd":  ubin((*Shell).passwd),
		"pgrep":   ubin((*Shell).pgrep),
		"pkill":   ubin((*Shell).pkill),
		"printf":  ubin((*Shell).printf),
		"seq":     ubin((*Shell).seq),
		"tail":    ubin((*Shell).headTail),
		"telnet":  ubin((*Shell).telnet),
		"test":    ubin((*Shell).test),
		"tftp":    ubin((*Shell).tftp),
		"top":     ubin((*Shell).top),
		"tr":      ubin((*Shell).tr),
		"uptime":  ubin((*Shell).uptime),
		"w":       ubin((*Shell).w),
		"wc":      ubin((*Shell).wc),
		"wget":    ubin((*Shell).wget),
		"which":   ubin((*Shell).which),
		"who":     ubin((*Shell).who),
		"whoami":  ubin((*Shell).whoami),
		"yes":     ubin((*Shell).yes),
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
		var pos []string
		if i+2 <= len(args) {
			pos = args[min(i+2, len(args)):]
		}
		return sh.script([]byte(args[i]), "sh", pos, true, io)
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

// flags splits single-letter options from operands.
func flags(args []string) (set string, rest []string) {
	// BusyBox's getopt permutes: options may follow the operands
	// ("ls /home -a"), up to a "--".
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return set, append(rest, args[i+1:]...)
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

func (sh *Shell) cat(args []string, io *stdio) int {
	fl, files := flags(args)
	if strings.Contains(fl, "n") {
		// cat -n numbers the lines: through a buffer, then as usual.
		buf := &limitBuf{max: maxOutput, work: &sh.work}
		cio := *io
		cio.out = buf
		st := sh.cat(append([]string{"cat"}, files...), &cio)
		n := 0
		eachLine(buf.b, func(l []byte) bool {
			n++
			fmt.Fprintf(io.out, "%6d\t%s\n", n, l)
			return true
		})
		return st
	}
	if len(files) == 0 {
		io.out.Write(io.stdin())
		return 0
	}
	st := 0
	for _, f := range files {
		if sh.work > maxWork {
			break
		}
		if f == "-" {
			io.out.Write(io.stdin())
			continue
		}
		data, err := sh.readPath(sh.path(f))
		switch err {
		case nil:
			io.out.Write(data)
		case errIsDir:
			io.err.WriteString("cat: read error: Is a directory\n")
			st = 1
		default:
			io.err.WriteString("cat: can't open '" + f + "': " + err.Error() + "\n")
			st = 1
		}
	}
	return st
}

// destination resolves cp/mv's last operand: into it when it is a directory.
func (sh *Shell) destination(src, dst string) string {
	d := sh.path(dst)
	if sh.fs.isDir(d) {
		return path.Join(d, path.Base(src))
	}
	return d
}

func (sh *Shell) cp(args []string, io *stdio) int {
	fl, ops := flags(args)
	if len(ops) < 2 {
		return sh.usage(io, "cp", "[OPTIONS] SOURCE... DEST")
	}
	dst := ops[len(ops)-1]
	st := 0
	for _, src := range ops[:len(ops)-1] {
		s := sh.path(src)
		if sh.fs.isDir(s) {
			if strings.ContainsAny(fl, "rRa") {
				if err := sh.fs.mkdir(sh.destination(src, dst)); err != nil && err != errExist {
					io.err.WriteString("cp: can't create directory '" + dst + "': " + err.Error() + "\n")
					st = 1
				}
				continue
			}
			io.err.WriteString("cp: omitting directory '" + src + "'\n")
			st = 1
			continue
		}
		if _, ok := sh.fs.stat(s); !ok {
			io.err.WriteString("cp: can't stat '" + src + "': No such file or directory\n")
			st = 1
			continue
		}
		if err := sh.fs.copyFile(s, sh.destination(src, dst)); err != nil {
			io.err.WriteString("cp: can't create '" + dst + "': " + err.Error() + "\n")
			st = 1
		}
	}
	return st
}

func (sh *Shell) mv(args []string, io *stdio) int {
	_, ops := flags(args)
	if len(ops) < 2 {
		return sh.usage(io, "mv", "[-fin] SOURCE DEST")
	}
	dst := ops[len(ops)-1]
	st := 0
	for _, src := range ops[:len(ops)-1] {
		if err := sh.fs.rename(sh.path(src), sh.path(dst)); err != nil {
			io.err.WriteString("mv: can't rename '" + src + "': " + err.Error() + "\n")
			st = 1
		}
	}
	return st
}

func (sh *Shell) rm(args []string, io *stdio) int {
	fl, ops := flags(args)
	force := strings.Contains(fl, "f")
	recursive := strings.ContainsAny(fl, "rR") || args[0] == "rmdir"
	st := 0
	for _, f := range ops {
		p := sh.path(f)
		n, ok := sh.fs.stat(p)
		if !ok {
			if !force {
				io.err.WriteString(args[0] + ": can't remove '" + f + "': No such file or directory\n")
				st = 1
			}
			continue
		}
		if n.kind == kindDir && !recursive {
			io.err.WriteString("rm: can't remove '" + f + "': Is a directory\n")
			st = 1
			continue
		}
		if err := sh.fs.remove(p, recursive); err != nil {
			io.err.WriteString(args[0] + ": can't remove '" + f + "': " + err.Error() + "\n")
			st = 1
		}
	}
	return st
}

func (sh *Shell) mkdir(args []string, io *stdio) int {
	fl, ops := flags(args)
	parents := strings.Contains(fl, "p")
	st := 0
	for _, d := range ops {
		p := sh.path(d)
		if parents && sh.fs.isDir(p) {
			continue
		}
		if parents {
			var cur string
			for _, part := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
				cur += "/" + part
				if sh.fs.isDir(cur) {
					continue
				}
				if err := sh.fs.mkdir(cur); err != nil {
					io.err.WriteString("mkdir: can't create directory '" + d + "': " + err.Error() + "\n")
					st = 1
					break
				}
			}
			continue
		}
		if err := sh.fs.mkdir(p); err != nil {
			io.err.WriteString("mkdir: can't create directory '" + d + "': " + err.Error() + "\n")
			st = 1
		}
	}
	return st
}

func (sh *Shell) touch(args []string, io *stdio) int {
	_, ops := flags(args)
	st := 0
	for _, f := range ops {
		p := sh.path(f)
		if _, ok := sh.fs.stat(p); ok {
			continue
		}
		if err := sh.fs.write(p, nil, false); err != nil {
			io.err.WriteString("touch: " + f + ": " + err.Error() + "\n")
			st = 1
		}
	}
	return st
}

func (sh *Shell) chmod(args []string, io *stdio) int {
	ops := args[1:]
	for len(ops) > 0 && (ops[0] == "-R" || ops[0] == "-f" || ops[0] == "-v") {
		ops = ops[1:]
	}
	if len(ops) < 2 {
		return sh.usage(io, "chmod", "[-Rcvf] MODE[,MODE]... FILE...")
	}
	mode := ops[0]
	st := 0
	for _, f := range ops[1:] {
		p := sh.path(f)
		n, ok := sh.fs.stat(p)
		if !ok {
			io.err.WriteString("chmod: " + f + ": No such file or directory\n")
			st = 1
			continue
		}
		m, ok := parseMode(mode, n.mode)
		if !ok {
			io.err.WriteString("chmod: invalid mode '" + mode + "'\n")
			return 1
		}
		if err := sh.fs.chmod(p, m); err != nil {
			io.err.WriteString("chmod: " + f + ": " + err.Error() + "\n")
			st = 1
		}
	}
	return st
}

// parseMode applies an octal or symbolic ([ugoa]*[+-=][rwxst]*) mode.
func parseMode(s string, cur uint32) (uint32, bool) {
	if v, err := strconv.ParseUint(s, 8, 32); err == nil {
		return uint32(v) & 0o7777, true
	}
	m := cur
	for _, clause := range strings.Split(s, ",") {
		i := 0
		var who uint32
		for ; i < len(clause) && strings.IndexByte("ugoa", clause[i]) >= 0; i++ {
			switch clause[i] {
			case 'u':
				who |= 0o700
			case 'g':
				who |= 0o070
			case 'o':
				who |= 0o007
			case 'a':
				who |= 0o777
			}
		}
		if who == 0 {
			who = 0o777
		}
		if i == len(clause) || strings.IndexByte("+-=", clause[i]) < 0 {
			return 0, false
		}
		op := clause[i]
		var bits uint32
		for _, c := range clause[i+1:] {
			switch c {
			case 'r':
				bits |= 0o444
			case 'w':
				bits |= 0o222
			case 'x':
				bits |= 0o111
			case 's', 't', 'X':
			default:
				return 0, false
			}
		}
		bits &= who
		switch op {
		case '+':
			m |= bits
		case '-':
			m &^= bits
		case '=':
			m = m&^who | bits
		}
	}
	return m, true
}

func (sh *Shell) ls(args []string, io *stdio) int {
	fl, ops := flags(args)
	long, all := strings.Contains(fl, "l"), strings.Contains(fl, "a")
	if len(ops) == 0 {
		ops = []string{"."}
	}
	st := 0
	for _, o := range ops {
		// Listing a directory walks the whole overlay.
		if sh.work += int64(len(sh.fs.ov)+1) * 256; sh.work > maxWork {
			break
		}
		p := sh.path(o)
		n, ok := sh.fs.stat(p)
		if !ok {
			io.err.WriteString("ls: " + o + ": No such file or directory\n")
			st = 1
			continue
		}
		if n.kind != kindDir || strings.Contains(fl, "d") {
			sh.lsEntry(io, o, n, long)
			continue
		}
		names, _ := sh.fs.list(p)
		if all {
			names = append([]string{".", ".."}, names...)
		}
		var short []string
		for _, name := range names {
			if strings.HasPrefix(name, ".") && !all {
				continue
			}
			if !long {
				short = append(short, name)
				continue
			}
			c, ok := sh.fs.stat(path.Join(p, name))
			if !ok {
				c = &node{kind: kindDir, mode: 0o755}
			}
			sh.lsEntry(io, name, c, true)
		}
		if len(short) > 0 {
			sep := "  "
			if !io.outTerm || strings.Contains(fl, "1") {
				sep = "\n" // one name a line unless the terminal shows it
			}
			io.out.WriteString(strings.Join(short, sep) + "\n")
		}
	}
	return st
}

func (sh *Shell) lsEntry(io *stdio, name string, n *node, long bool) {
	if !long {
		io.out.WriteString(name + "\n")
		return
	}
	typ, links, size := byte('-'), 1, n.displaySize()
	switch {
	case n.link != "":
		typ, size = 'l', int64(len(n.link))
	case n.kind == kindDir:
		typ, links, size = 'd', 2, 0
	case n.kind == kindDev:
		typ = 'c'
	}
	perm := []byte("rwxrwxrwx")
	for i := range perm {
		if n.mode&(1<<(8-i)) == 0 {
			perm[i] = '-'
		}
	}
	line := fmt.Sprintf("%c%s %4d root     root     %8d Jan  1 00:00 %s", typ, perm, links, size, name)
	if n.link != "" {
		line += " -> " + n.link
	}
	io.out.WriteString(line + "\n")
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
	for _, f := range files {
		data, ok := sh.operand(f, io, name)
		if !ok {
			st = 1
			continue
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

// dd supports if= of= bs= count= skip= seek= conv=, the forms bots use to
// read the ELF header of /proc/self/exe, to clear a file or to fill the
// disk. What it reports is what it copied; a write that does not fit the
// overlay fails with ENOSPC after the records that did.
func (sh *Shell) dd(args []string, io *stdio) int {
	in, of := "", ""
	ibs, obs, count, skip := 512, 512, -1, 0
	for _, a := range args[1:] {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			return sh.usage(io, "dd", "[if=FILE] [of=FILE] [ibs=N] [obs=N] [bs=N] [count=N] [skip=N]\n\t[seek=N] [conv=notrunc|noerror|sync|fsync]")
		}
		switch k {
		case "if":
			in = v
		case "of":
			of = v
		case "bs", "ibs", "obs", "count", "skip", "seek":
			n, err := parseSize(v)
			if err != nil {
				io.err.WriteString("dd: invalid number '" + v + "'\n")
				return 1
			}
			switch k {
			case "count":
				count = n
			case "skip":
				skip = n
			case "seek":
			case "ibs":
				ibs = max(n, 1)
			case "obs":
				obs = max(n, 1)
			default:
				ibs, obs = max(n, 1), max(n, 1)
			}
		case "conv", "status", "iflag", "oflag":
		default:
			return sh.usage(io, "dd", "[if=FILE] [of=FILE] [ibs=N] [obs=N] [bs=N] [count=N] [skip=N]\n\t[seek=N] [conv=notrunc|noerror|sync|fsync]")
		}
	}
	var data []byte
	endless := false
	if in == "" || in == "-" {
		data = io.stdin()
	} else {
		p := sh.path(in)
		var err error
		if data, err = sh.readPath(p); err != nil {
			io.err.WriteString("dd: can't open '" + in + "': " + err.Error() + "\n")
			return 1
		}
		endless = p == "/dev/zero" || p == "/dev/urandom" || p == "/dev/random"
	}
	toFile, toDev := of != "", false
	var outPath string
	if toFile {
		outPath = sh.path(of)
		n, ok := sh.fs.stat(outPath)
		toDev = ok && n.kind == kindDev
		if err := sh.fs.write(outPath, nil, false); err != nil {
			io.err.WriteString("dd: can't open '" + of + "': " + err.Error() + "\n")
			return 1
		}
	}
	// total is what dd reads. An endless device without a count is read
	// until the copy fails (a file fills the overlay), or, to a terminal or
	// a device, as if interrupted after a while.
	var total int
	switch {
	case endless && count >= 0:
		total = count * ibs
	case endless && toFile && !toDev:
		total = sh.fs.maxBytes + ibs
	case endless:
		total = 64 << 20
	default:
		data = data[min(skip*ibs, len(data)):]
		total = len(data)
		if count >= 0 {
			total = min(total, count*ibs)
		}
	}
	// material returns the first n bytes read.
	material := func(n int) []byte {
		switch {
		case !endless:
			return data[:n]
		case n <= len(data):
			return data[:n]
		}
		return repeatTo(data, n)
	}
	inFull, inPart := total/ibs, b2i(total%ibs != 0)
	written := total
	sh.work += int64(min(total, sh.fs.maxBytes))
	st := 0
	switch {
	case toDev:
	case toFile:
		room := sh.fs.maxBytes - sh.fs.bytes
		if sh.fs.pool != nil {
			room = min(room, int(sh.fs.pool.limit-sh.fs.pool.used.Load()))
		}
		room = max(room, 0)
		if written > room {
			written, st = room/obs*obs, 1
			if written == 0 {
				written = room
			}
		}
		if err := sh.fs.write(outPath, material(written), false); err != nil {
			written, st = 0, 1
		}
		if st != 0 {
			io.err.WriteString("dd: writing '" + of + "': No space left on device\n")
			// The record that failed to write was read.
			read := min(total, (written/ibs+1)*ibs)
			inFull, inPart = read/ibs, b2i(read%ibs != 0)
		}
	default:
		io.out.Write(material(min(total, maxOutput)))
	}
	outFull, outPart := written/obs, b2i(written%obs != 0)
	fmt.Fprintf(io.err, "%d+%d records in\n%d+%d records out\n", inFull, inPart, outFull, outPart)
	// FEATURE_DD_THIRD_STATUS_LINE, with a made-up but steady speed.
	secs := 0.000120 + float64(written)/(9.5*1024*1024)
	fmt.Fprintf(io.err, "%d bytes (%sB) copied, %f seconds, %sB/s\n", written, humanSize(uint64(written)), secs, humanSize(uint64(float64(written)/secs)))
	return st
}

// repeatTo returns n bytes of an endless device whose block is b.
func repeatTo(b []byte, n int) []byte {
	if n <= len(b) || len(b) == 0 {
		return b
	}
	if &b[0] == &zeroBlock[0] {
		return make([]byte, n) // zeroed
	}
	out := make([]byte, 0, n)
	for len(out) < n {
		out = append(out, b[:min(len(b), n-len(out))]...)
	}
	return out
}

// humanSize is make_human_readable_str(v, 1, 0): "52", "2.0K", "1.0M".
func humanSize(v uint64) string {
	if v == 0 {
		return "0"
	}
	units := " KMGTPE"
	u, frac := 0, uint64(0)
	for v >= 1024 && u < len(units)-1 {
		frac = ((v%1024)*10 + 512) / 1024
		v /= 1024
		u++
	}
	if u == 0 {
		return strconv.FormatUint(v, 10)
	}
	if frac >= 10 {
		v++
		frac = 0
	}
	return fmt.Sprintf("%d.%d%c", v, frac, units[u])
}

func parseSize(v string) (int, error) {
	mult := 1
	switch {
	case strings.HasSuffix(v, "k"), strings.HasSuffix(v, "K"):
		mult, v = 1024, v[:len(v)-1]
	case strings.HasSuffix(v, "M"):
		mult, v = 1<<20, v[:len(v)-1]
	case strings.HasSuffix(v, "b"):
		mult, v = 512, v[:len(v)-1]
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("dd: bad size")
	}
	return min(min(n, 1<<20)*mult, 1<<20), nil
}

// eachLine calls f for every line of data (without its newline), without
// allocating; f returns false to stop.
func eachLine(data []byte, f func(line []byte) bool) {
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			f(data)
			return
		}
		if !f(data[:i]) {
			return
		}
		data = data[i+1:]
	}
}

// lowerASCII returns data with ASCII letters lowered (one copy for the
// whole input, for grep -i).
func lowerASCII(data []byte) []byte {
	out := make([]byte, len(data))
	for i, c := range data {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// grepMatcher builds what grep matches a line with: a fixed string when
// the pattern has no regex syntax (or -F), else a Go regexp from the BRE
// or ERE (linear time whatever the pattern); cost is what a byte of input
// costs against the line's work budget.
func grepMatcher(pat string, fixed, ere, word bool) (match func([]byte) bool, cost int) {
	if !fixed && strings.ContainsAny(pat, `.[]*^$\+?(){}|`) {
		re := pat
		if !ere {
			re = breToERE(pat)
		}
		if word {
			re = `\b(?:` + re + `)\b`
		}
		if r, err := regexp.Compile(re); err == nil {
			// The NFA can visit every instruction for every byte.
			size := 8
			if sre, err := syntax.Parse(re, syntax.Perl); err == nil {
				if prog, err := syntax.Compile(sre.Simplify()); err == nil {
					size = max(size, len(prog.Inst))
				}
			}
			return r.Match, size
		}
	}
	p := []byte(pat)
	if word {
		return func(l []byte) bool {
			for off := 0; off <= len(l); {
				i := bytes.Index(l[off:], p)
				if i < 0 {
					return false
				}
				s, e := off+i, off+i+len(p)
				if (s == 0 || !isWordByte(l[s-1])) && (e == len(l) || !isWordByte(l[e])) {
					return true
				}
				off = s + 1
			}
			return false
		}, 1
	}
	return func(l []byte) bool { return bytes.Contains(l, p) }, 1
}

func isWordByte(c byte) bool { return isNameByte(c, 1) }

// breToERE turns a POSIX basic regular expression into Go's syntax: \( \)
// \{ \} \| are the operators, ( ) { } | + ? are literals.
func breToERE(p string) string {
	var sb strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			i++
			switch d := p[i]; d {
			case '(', ')', '{', '}', '|', '+', '?':
				sb.WriteByte(d)
			default:
				sb.WriteByte('\\')
				sb.WriteByte(d)
			}
		case strings.IndexByte("(){}|+?", c) >= 0:
			sb.WriteByte('\\')
			sb.WriteByte(c)
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

func (sh *Shell) grep(args []string, io *stdio) int {
	var fl string
	var ops []string
	pat, havePat := "", false
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-e" && i+1 < len(args):
			pat, havePat = args[i+1], true
			i++
		case a == "--":
			ops = append(ops, args[i+1:]...)
			i = len(args)
		case len(a) > 1 && a[0] == '-':
			fl += a[1:]
		default:
			ops = append(ops, a)
		}
	}
	if !havePat {
		if len(ops) == 0 {
			return sh.usage(io, "grep", "[-HhnlLoqvsriwFE] [-m N] [-A/B/C N] PATTERN/-e PATTERN.../-f FILE [FILE]...")
		}
		pat, ops = ops[0], ops[1:]
	}
	files := ops
	if len(files) == 0 {
		files = []string{""}
	}
	has := func(f string) bool { return strings.Contains(fl, f) }
	ignore, invert, countOnly, quiet, number, list := has("i"), has("v"), has("c"), has("q"), has("n"), has("l")
	prefix := (len(files) > 1 || has("H")) && !has("h")
	if ignore {
		pat = strings.ToLower(pat)
	}
	match, cost := grepMatcher(pat, has("F"), has("E"), has("w"))
	sh.work += int64(100 * len(pat) * (cost - 1))
	matched, st := 0, 1
	for _, f := range files {
		data, ok := sh.operand(f, io, "grep")
		if !ok {
			st = 2
			continue
		}
		sh.work += int64(cost * len(data))
		if sh.work > maxWork {
			break
		}
		name := f
		if name == "" {
			name = "(standard input)"
		}
		hay := data
		if ignore {
			hay = lowerASCII(data)
		}
		n, lineNo := 0, 0
		off := 0
		eachLine(hay, func(l []byte) bool {
			lineNo++
			start := off
			off += len(l) + 1
			if match(l) == invert {
				return true
			}
			n++
			if quiet || list || countOnly {
				return !quiet && !list
			}
			orig := data[start : start+len(l)]
			if prefix {
				io.out.WriteString(name + ":")
			}
			if number {
				io.out.WriteString(strconv.Itoa(lineNo) + ":")
			}
			io.out.Write(orig)
			io.out.WriteString("\n")
			return len(io.out.b) < io.out.max
		})
		matched += n
		switch {
		case list && n > 0:
			io.out.WriteString(name + "\n")
		case countOnly:
			if prefix {
				io.out.WriteString(name + ":")
			}
			io.out.WriteString(strconv.Itoa(n) + "\n")
		}
		if quiet && n > 0 {
			return 0
		}
	}
	if matched > 0 && st != 2 {
		st = 0
	}
	return st
}

// wc counts in one pass over each input, as BusyBox prints: "%9u" columns,
// or a bare number when only one count is asked for (wc.c's start_fmt).
func (sh *Shell) wc(args []string, io *stdio) int {
	fl, files := flags(args)
	lines, words, chars := strings.Contains(fl, "l"), strings.Contains(fl, "w"), strings.Contains(fl, "c") || strings.Contains(fl, "m")
	if !lines && !words && !chars {
		lines, words, chars = true, true, true
	}
	one := b2i(lines)+b2i(words)+b2i(chars) == 1
	stdin := len(files) == 0
	if stdin {
		files = []string{""}
	}
	st := 0
	var tl, tw, tc int
	for _, f := range files {
		data, ok := sh.operand(f, io, "wc")
		if !ok {
			st = 1
			continue
		}
		sh.work += int64(len(data))
		if sh.work > maxWork {
			break
		}
		l, w, in := 0, 0, false
		for _, c := range data {
			if c == '\n' {
				l++
			}
			space := c == ' ' || (c >= '\t' && c <= '\r')
			if !space && !in {
				w++
			}
			in = !space
		}
		tl, tw, tc = tl+l, tw+w, tc+len(data)
		io.out.WriteString(wcLine(lines, words, chars, l, w, len(data), one) + wcName(f, stdin))
	}
	if len(files) > 1 {
		io.out.WriteString(wcLine(lines, words, chars, tl, tw, tc, one) + " total\n")
	}
	return st
}

func wcLine(lines, words, chars bool, l, w, c int, bare bool) string {
	var parts []string
	for _, x := range []struct {
		on bool
		n  int
	}{{lines, l}, {words, w}, {chars, c}} {
		if x.on {
			parts = append(parts, fmt.Sprintf("%9d", x.n))
		}
	}
	s := strings.Join(parts, " ")
	if bare {
		return strings.TrimLeft(s, " ")
	}
	return s
}

func wcName(f string, stdin bool) string {
	if stdin {
		return "\n"
	}
	return " " + f + "\n"
}

// printf is ash's printf builtin: the format's escapes and %s %b %c %d %i
// %u %x %X %o %%, reused while arguments remain.
func (sh *Shell) printf(args []string, io *stdio) int {
	if len(args) < 2 {
		return sh.usage(io, "printf", "FORMAT [ARG]...")
	}
	format, rest := args[1], args[2:]
	var b []byte
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
					return 0
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
					return 0
				}
			case 'c':
				if arg != "" {
					b = append(b, arg[0])
				}
			case 'd', 'i', 'u', 'x', 'X', 'o':
				n, _ := strconv.ParseInt(arg, 0, 64)
				if arg != "" && (arg[0] == '\'' || arg[0] == '"') && len(arg) > 1 {
					n = int64(arg[1])
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
	return 0
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
