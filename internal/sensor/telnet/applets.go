package telnet

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
func (sh *shell) busybox(args []string, io *stdio) int {
	if len(args) < 2 {
		sh.busyboxHelp(io)
		return 0
	}
	name := args[1]
	if name == "--list" {
		for _, n := range slices.Sorted(maps.Keys(sh.dev.applets)) {
			io.out.WriteString(n + "\n")
		}
		return 0
	}
	if _, ok := sh.dev.applets[name]; !ok {
		if name == "curl" {
			sh.curl(args[1:])
		}
		io.err.WriteString(name + ": applet not found\n")
		return 127
	}
	return sh.applet(name, args[1:], io)
}

func (sh *shell) busyboxHelp(io *stdio) {
	io.out.WriteString(sh.dev.bannerLine() + "\n" +
		"Copyright (C) 1998-2011 Erik Andersen, Rob Landley, Denys Vlasenko\n" +
		"and others. Licensed under GPLv2.\n" +
		"See source distribution for full notice.\n\n" +
		"Usage: busybox [function] [arguments]...\n" +
		"   or: busybox --list[-full]\n" +
		"   or: function [arguments]...\n\n" +
		"\tBusyBox is a multi-call binary that combines many common Unix\n" +
		"\tutilities into a single executable.  Most people will create a\n" +
		"\tlink to busybox for each function they wish to use and BusyBox\n" +
		"\twill act like whatever it was invoked as.\n\n" +
		"Currently defined functions:\n\t")
	names := slices.Sorted(maps.Keys(sh.dev.applets))
	io.out.WriteString(strings.Join(names, ", ") + "\n\n")
}

func (sh *shell) usage(io *stdio, name, text string) int {
	io.err.WriteString(sh.dev.bannerLine() + "\n\nUsage: " + name + " " + text + "\n")
	return 1
}

// applet runs one BusyBox applet; args[0] is its name.
func (sh *shell) applet(name string, args []string, io *stdio) int {
	switch name {
	case "sh", "ash":
		return sh.appletSh(args, io)
	case "busybox":
		return sh.busybox(args, io)
	case "echo":
		return sh.echo(args, io)
	case "cat":
		return sh.cat(args, io)
	case "cp":
		return sh.cp(args, io)
	case "mv":
		return sh.mv(args, io)
	case "rm", "rmdir":
		return sh.rm(args, io)
	case "mkdir":
		return sh.mkdir(args, io)
	case "touch":
		return sh.touch(args, io)
	case "chmod":
		return sh.chmod(args, io)
	case "ls":
		return sh.ls(args, io)
	case "ps":
		io.out.WriteString(sh.dev.ps)
	case "uname":
		return sh.uname(args, io)
	case "id":
		io.out.WriteString("uid=0(root) gid=0(root) groups=0(root)\n")
	case "whoami":
		io.out.WriteString("root\n")
	case "hostname":
		io.out.WriteString(sh.dev.p.Hostname + "\n")
	case "free":
		io.out.WriteString("             total         used         free       shared      buffers\n" +
			"Mem:         59840        48488        11352            0         1104\n" +
			"-/+ buffers:              47384        12456\n" +
			"Swap:            0            0            0\n")
	case "df":
		io.out.WriteString("Filesystem           1K-blocks      Used Available Use% Mounted on\n" +
			"/dev/root                 6400      6400         0 100% /\n" +
			"tmpfs                    29920         0     29920   0% /dev\n" +
			"tmpfs                    29920        84     29836   0% /tmp\n" +
			"tmpfs                    29920        12     29908   0% /var\n" +
			"tmpfs                    29920         0     29920   0% /dev/shm\n" +
			"/dev/mtdblock3            1024       316       708  31% /mnt/mtd\n")
	case "mount":
		if len(args) == 1 {
			io.out.WriteString(procMounts)
		}
	case "kill":
		return sh.kill(args, io)
	case "killall":
		if len(args) > 1 && !strings.Contains(sh.dev.ps, args[len(args)-1]) {
			io.err.WriteString("killall: " + args[len(args)-1] + ": no process killed\n")
			return 1
		}
	case "sleep":
		return sh.sleep(args, io)
	case "head", "tail":
		return sh.headTail(name, args, io)
	case "dd":
		return sh.dd(args, io)
	case "grep":
		return sh.grep(args, io)
	case "wc":
		return sh.wc(args, io)
	case "which":
		st := 1
		for _, a := range args[1:] {
			if dir, ok := sh.dev.applets[a]; ok {
				io.out.WriteString(dir + "/" + a + "\n")
				st = 0
			}
		}
		return st
	case "date":
		io.out.WriteString(time.Now().UTC().Format("Mon Jan _2 15:04:05 UTC 2006") + "\n")
	case "uptime":
		io.out.WriteString(time.Now().UTC().Format(" 15:04:05") + " up 2 days,  2:56,  load average: 0.31, 0.22, 0.19\n")
	case "env":
		io.out.WriteString("USER=root\nHOME=/\nTERM=vt100\nPATH=/bin:/sbin:/usr/bin:/usr/sbin\nSHELL=/bin/sh\nPWD=" + sh.cwd + "\n")
	case "ifconfig":
		io.out.WriteString("eth0      Link encap:Ethernet  HWaddr 00:12:12:3A:5C:8E  \n" +
			"          inet addr:192.168.1.10  Bcast:192.168.1.255  Mask:255.255.255.0\n" +
			"          UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1\n" +
			"          RX packets:2847513 errors:0 dropped:0 overruns:0 frame:0\n" +
			"          TX packets:1936254 errors:0 dropped:0 overruns:0 carrier:0\n" +
			"          collisions:0 txqueuelen:1000 \n\n" +
			"lo        Link encap:Local Loopback  \n" +
			"          inet addr:127.0.0.1  Mask:255.0.0.0\n" +
			"          UP LOOPBACK RUNNING  MTU:16436  Metric:1\n\n")
	case "netstat":
		io.out.WriteString("Active Internet connections (servers and established)\n" +
			"Proto Recv-Q Send-Q Local Address           Foreign Address         State       \n" +
			"tcp        0      0 0.0.0.0:23              0.0.0.0:*               LISTEN      \n" +
			"tcp        0      0 0.0.0.0:80              0.0.0.0:*               LISTEN      \n" +
			"tcp        0      0 0.0.0.0:34567           0.0.0.0:*               LISTEN      \n")
	case "false":
		return 1
	case "test", "[", "[[":
		return sh.test(args)
	case "wget":
		return sh.wget(args, io)
	case "tftp":
		return sh.tftp(args, io)
	case "ftpget":
		return sh.ftpget(args, io)
	case "nc":
		return sh.nc(args, io)
	case "telnet":
		if len(args) > 1 {
			io.err.WriteString("telnet: can't connect to remote host (" + args[1] + "): Connection refused\n")
		}
		return 1
	case "ping":
		if len(args) > 1 {
			io.err.WriteString("ping: sendto: Network is unreachable\n")
		}
		return 1
	}
	// Everything else (true, sync, reboot, top, sed, ...) succeeds quietly.
	return 0
}

// appletSh: "sh" alone is what worms type to leave a vendor CLI; "sh -c"
// strings are not run (their URLs are still extracted from the line);
// "sh FILE" runs nothing of the file.
func (sh *shell) appletSh(args []string, io *stdio) int {
	if len(args) < 2 || strings.HasPrefix(args[1], "-") {
		return 0
	}
	p, err := resolve(sh.cwd, args[1])
	if err != nil {
		return 2
	}
	if _, err := sh.fs.read(p); err != nil {
		io.err.WriteString("sh: can't open '" + args[1] + "'\n")
		return 2
	}
	return 0
}

// echo implements BusyBox echo: -n, -e, -E (also combined, as in -ne), and
// with -e the escapes \a \b \c \e \f \n \r \t \v \\ \0NNN \NNN \xHH, which
// loaders use to write binaries and their "kami" check string.
func (sh *shell) echo(args []string, io *stdio) int {
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

// flags splits leading single-letter options from operands.
func flags(args []string) (set string, rest []string) {
	rest = args[1:]
	for len(rest) > 0 && len(rest[0]) > 1 && rest[0][0] == '-' {
		if rest[0] == "--" {
			return set, rest[1:]
		}
		set += rest[0][1:]
		rest = rest[1:]
	}
	return set, rest
}

func (sh *shell) path(p string) string {
	q, err := resolve(sh.cwd, p)
	if err != nil {
		return "/" + strings.Repeat("x", maxPathLen) // fails every lookup
	}
	return q
}

func (sh *shell) cat(args []string, io *stdio) int {
	_, files := flags(args)
	if len(files) == 0 {
		io.out.Write(io.in)
		return 0
	}
	st := 0
	for _, f := range files {
		if f == "-" {
			io.out.Write(io.in)
			continue
		}
		data, err := sh.fs.read(sh.path(f))
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
func (sh *shell) destination(src, dst string) string {
	d := sh.path(dst)
	if sh.fs.isDir(d) {
		return path.Join(d, path.Base(src))
	}
	return d
}

func (sh *shell) cp(args []string, io *stdio) int {
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

func (sh *shell) mv(args []string, io *stdio) int {
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

func (sh *shell) rm(args []string, io *stdio) int {
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

func (sh *shell) mkdir(args []string, io *stdio) int {
	fl, ops := flags(args)
	parents := strings.Contains(fl, "p")
	st := 0
	for _, d := range ops {
		p := sh.path(d)
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

func (sh *shell) touch(args []string, io *stdio) int {
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

func (sh *shell) chmod(args []string, io *stdio) int {
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

func (sh *shell) ls(args []string, io *stdio) int {
	fl, ops := flags(args)
	long, all := strings.Contains(fl, "l"), strings.Contains(fl, "a")
	if len(ops) == 0 {
		ops = []string{"."}
	}
	st := 0
	for _, o := range ops {
		p := sh.path(o)
		n, ok := sh.fs.stat(p)
		if !ok {
			io.err.WriteString("ls: " + o + ": No such file or directory\n")
			st = 1
			continue
		}
		if n.kind != kindDir {
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
			io.out.WriteString(strings.Join(short, "  ") + "\n")
		}
	}
	return st
}

func (sh *shell) lsEntry(io *stdio, name string, n *node, long bool) {
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

func (sh *shell) uname(args []string, io *stdio) int {
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

func (sh *shell) kill(args []string, io *stdio) int {
	st := 0
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
		if !strings.Contains(sh.dev.ps, fmt.Sprintf("%5d root", pid)) {
			io.err.WriteString("sh: can't kill pid " + a + ": No such process\n")
			st = 1
		}
	}
	return st
}

// sleep waits at most a second: long enough to look real to a script that
// times it, short enough that sleep 9999 holds nothing.
func (sh *shell) sleep(args []string, io *stdio) int {
	if len(args) < 2 {
		return sh.usage(io, "sleep", "N")
	}
	f, err := strconv.ParseFloat(strings.TrimRight(args[1], "smhd"), 64)
	if err != nil || f < 0 {
		io.err.WriteString("sleep: invalid number '" + args[1] + "'\n")
		return 1
	}
	d := min(time.Duration(f*float64(time.Second)), time.Second)
	if d <= 0 || sh.ctx == nil {
		return 0
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-sh.ctx.Done():
	}
	return 0
}

// input returns the named file's content, or stdin for none or "-".
func (sh *shell) input(name string, io *stdio, applet string) ([]byte, bool) {
	if name == "" || name == "-" {
		return io.in, true
	}
	data, err := sh.fs.read(sh.path(name))
	if err != nil {
		io.err.WriteString(applet + ": can't open '" + name + "': " + err.Error() + "\n")
		return nil, false
	}
	return data, true
}

func (sh *shell) headTail(name string, args []string, io *stdio) int {
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
		data, ok := sh.input(f, io, name)
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

// dd supports if= of= bs= count= skip=, the form bots use to read the ELF
// header of /proc/self/exe or to clear a file.
func (sh *shell) dd(args []string, io *stdio) int {
	in, of := "", ""
	bs, count, skip := 512, -1, 0
	for _, a := range args[1:] {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			io.err.WriteString("dd: invalid argument '" + a + "'\n")
			return 1
		}
		n, err := parseSize(v)
		switch k {
		case "if":
			in = v
		case "of":
			of = v
		case "bs", "ibs", "obs", "count", "skip", "seek":
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
			default:
				bs = max(n, 1)
			}
		}
	}
	data, ok := sh.input(in, io, "dd")
	if !ok {
		return 1
	}
	if p := sh.path(in); in != "" && (p == "/dev/zero" || p == "/dev/urandom" || p == "/dev/random") {
		data = make([]byte, min(bs*max(count, 1), maxOutput))
	}
	start := min(skip*bs, len(data))
	data = data[start:]
	if count >= 0 {
		data = data[:min(count*bs, len(data))]
	}
	full, part := len(data)/bs, 0
	if len(data)%bs != 0 {
		part = 1
	}
	if of != "" {
		if err := sh.fs.write(sh.path(of), data, false); err != nil {
			io.err.WriteString("dd: can't open '" + of + "': " + err.Error() + "\n")
			return 1
		}
	} else {
		io.out.Write(data)
	}
	fmt.Fprintf(io.err, "%d+%d records in\n%d+%d records out\n", full, part, full, part)
	return 0
}

func parseSize(v string) (int, error) {
	mult := 1
	switch {
	case strings.HasSuffix(v, "k"), strings.HasSuffix(v, "K"):
		mult, v = 1024, v[:len(v)-1]
	case strings.HasSuffix(v, "M"):
		mult, v = 1<<20, v[:len(v)-1]
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 1<<20 {
		return 0, fmt.Errorf("dd: bad size")
	}
	return min(n*mult, 1<<20), nil
}

func (sh *shell) grep(args []string, io *stdio) int {
	fl, ops := flags(args)
	if len(ops) == 0 {
		return sh.usage(io, "grep", "[-HhnlLoqvsriwFE] PATTERN [FILE]...")
	}
	pat := ops[0]
	files := ops[1:]
	if len(files) == 0 {
		files = []string{""}
	}
	ignore, invert, countOnly := strings.Contains(fl, "i"), strings.Contains(fl, "v"), strings.Contains(fl, "c")
	if ignore {
		pat = strings.ToLower(pat)
	}
	matched := 0
	for _, f := range files {
		data, ok := sh.input(f, io, "grep")
		if !ok {
			continue
		}
		for _, line := range strings.SplitAfter(string(data), "\n") {
			if line == "" {
				continue
			}
			l := line
			if ignore {
				l = strings.ToLower(l)
			}
			if strings.Contains(l, pat) != invert {
				matched++
				if !countOnly && !strings.Contains(fl, "q") {
					io.out.WriteString(strings.TrimSuffix(line, "\n") + "\n")
				}
			}
		}
	}
	if countOnly {
		io.out.WriteString(strconv.Itoa(matched) + "\n")
	}
	if matched == 0 {
		return 1
	}
	return 0
}

func (sh *shell) wc(args []string, io *stdio) int {
	fl, files := flags(args)
	if fl == "" {
		fl = "lwc"
	}
	if len(files) == 0 {
		files = []string{""}
	}
	for _, f := range files {
		data, ok := sh.input(f, io, "wc")
		if !ok {
			return 1
		}
		var parts []string
		if strings.Contains(fl, "l") {
			parts = append(parts, strconv.Itoa(bytes.Count(data, []byte("\n"))))
		}
		if strings.Contains(fl, "w") {
			parts = append(parts, strconv.Itoa(len(bytes.Fields(data))))
		}
		if strings.Contains(fl, "c") {
			parts = append(parts, strconv.Itoa(len(data)))
		}
		if f != "" {
			parts = append(parts, f)
		}
		io.out.WriteString(strings.Join(parts, " ") + "\n")
	}
	return 0
}

// test supports the file and string tests scripts use to probe a device.
func (sh *shell) test(args []string) int {
	a := args[1:]
	if args[0] == "[" || args[0] == "[[" {
		if len(a) == 0 || (a[len(a)-1] != "]" && a[len(a)-1] != "]]") {
			return 2
		}
		a = a[:len(a)-1]
	}
	neg := false
	if len(a) > 0 && a[0] == "!" {
		neg, a = true, a[1:]
	}
	ok := false
	switch {
	case len(a) == 1:
		ok = a[0] != ""
	case len(a) == 2:
		n, exists := sh.fs.stat(sh.path(a[1]))
		switch a[0] {
		case "-e":
			ok = exists
		case "-f":
			ok = exists && n.kind == kindFile
		case "-d":
			ok = exists && n.kind == kindDir
		case "-x":
			ok = exists && n.mode&0o111 != 0
		case "-r", "-w":
			ok = exists
		case "-s":
			ok = exists && len(n.data) > 0
		case "-n":
			ok = a[1] != ""
		case "-z":
			ok = a[1] == ""
		}
	case len(a) == 3:
		switch a[1] {
		case "=", "==":
			ok = a[0] == a[2]
		case "!=":
			ok = a[0] != a[2]
		}
	}
	if ok != neg {
		return 0
	}
	return 1
}
