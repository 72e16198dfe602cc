package busybox

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// The rest of the applets bots reach for: kernel and process tools,
// accounts and find (archives: applets_archive.go). Each answers as BusyBox 1.20 does on a
// device like ours; what would change the real system (modules, accounts
// on a read-only /etc) fails the way it fails there.

func (sh *Shell) ping(args []string, io *stdio) int {
	_, ops := flags(args)
	if len(ops) == 0 {
		return sh.usage(io, "ping", "[OPTIONS] HOST")
	}
	io.err.WriteString("ping: sendto: Network is unreachable\n")
	return 1
}

func (sh *Shell) nproc(_ []string, io *stdio) int {
	io.out.WriteString("1\n")
	return 0
}

// dmesg prints the start of the kernel log: the version and command line
// of the profile, the flash partitions.
func (sh *Shell) dmesg(args []string, io *stdio) int {
	fl, _ := flags(args)
	if strings.Contains(fl, "c") && !strings.Contains(fl, "r") {
		return 0
	}
	io.out.WriteString(sh.dev.dmesg())
	return 0
}

func (d *Device) dmesg() string {
	return "Linux version " + strings.TrimPrefix(d.procVersion(), "Linux version ") +
		"CPU: " + d.cpuName() + "\n" +
		"Memory: 64MB = 64MB total\n" +
		"Kernel command line: " + procCmdline +
		"Creating 4 MTD partitions on \"hi_sfc\":\n" +
		"0x000000000000-0x000000040000 : \"boot\"\n" +
		"0x000000040000-0x000000340000 : \"kernel\"\n" +
		"0x000000340000-0x000000d40000 : \"romfs\"\n" +
		"0x000000d40000-0x000001000000 : \"mtd\"\n" +
		"VFS: Mounted root (squashfs filesystem) readonly on device 31:2.\n" +
		"Freeing init memory: 120K\n" +
		"eth0: link up, 100Mbps, full-duplex\n"
}

// ln [-s] [-f] TARGET [LINK]: a link shares the target's content; ls -l
// shows where a symbolic one points.
func (sh *Shell) ln(args []string, io *stdio) int {
	fl, ops := flags(args)
	if len(ops) == 0 {
		return sh.usage(io, "ln", "[OPTIONS] TARGET... LINK|DIR")
	}
	target := ops[0]
	link := path.Base(target)
	if len(ops) > 1 {
		link = ops[1]
	}
	lp := sh.path(link)
	if sh.fs.isDir(lp) {
		lp = path.Join(lp, path.Base(target))
	}
	if _, ok := sh.fs.stat(lp); ok {
		if !strings.Contains(fl, "f") {
			io.err.WriteString("ln: " + link + ": File exists\n")
			return 1
		}
		sh.fs.unlink(lp)
	}
	symbolic := strings.Contains(fl, "s")
	tp := sh.path(target)
	if symbolic && !strings.HasPrefix(target, "/") {
		tp = sh.path(path.Join(path.Dir(lp), target))
	}
	n, ok := sh.fs.stat(tp)
	if !ok && !symbolic {
		io.err.WriteString("ln: " + target + ": No such file or directory\n")
		return 1
	}
	nn := &node{kind: kindFile, mode: 0o777, link: target}
	if ok {
		nn.kind, nn.data, nn.size = n.kind, n.data[:len(n.data):len(n.data)], n.size
		if n.kind == kindDir {
			nn.kind = kindFile // a link to a directory lists as the link
		}
	}
	if !symbolic {
		nn.link, nn.mode = "", n.mode
	}
	if err := sh.fs.checkCreate(lp); err != nil {
		io.err.WriteString("ln: " + link + ": " + err.Error() + "\n")
		return 1
	}
	if err := sh.fs.put(lp, nn); err != nil {
		io.err.WriteString("ln: " + link + ": " + err.Error() + "\n")
		return 1
	}
	return 0
}

// init run from a shell is not pid 1.
func (sh *Shell) initApplet(_ []string, io *stdio) int {
	io.err.WriteString("init: must be run as PID 1\n")
	return 1
}

// Kernel modules of a Hisilicon DVR, for lsmod and /proc/modules.
const procModules = `hi3518_ive 46290 0 - Live 0xbf10d000 (P)
hi3518_vou 150614 3 - Live 0xbf0e0000 (P)
hi3518_vda 182317 1 - Live 0xbf0b0000 (P)
hi3518_venc 58372 3 - Live 0xbf098000 (P)
hi3518_sys 38413 8 hi3518_ive,hi3518_vou,hi3518_vda,hi3518_venc, Live 0xbf08a000 (P)
hi3518_base 75612 9 hi3518_sys, Live 0xbf06f000 (P)
mmz 21473 10 hi3518_base, Live 0xbf000000 (P)
`

func (sh *Shell) lsmod(_ []string, io *stdio) int {
	io.out.WriteString("Module                  Size  Used by    Tainted: P\n")
	for _, l := range strings.Split(strings.TrimSpace(procModules), "\n") {
		f := strings.Fields(l)
		used := ""
		if len(f) > 3 && f[3] != "-" {
			used = strings.TrimSuffix(f[3], ",")
		}
		fmt.Fprintf(io.out, "%-20s %7s %s %s\n", f[0], f[1], f[2], used)
	}
	return 0
}

func (sh *Shell) insmod(args []string, io *stdio) int {
	_, ops := flags(args)
	if len(ops) == 0 {
		return sh.usage(io, "insmod", "FILE [SYMBOL=VALUE]...")
	}
	if _, err := sh.readPath(sh.path(ops[0])); err != nil {
		io.err.WriteString("insmod: can't read '" + ops[0] + "': No such file or directory\n")
		return 1
	}
	io.err.WriteString("insmod: can't insert '" + ops[0] + "': invalid module format\n")
	return 1
}

func (sh *Shell) rmmod(args []string, io *stdio) int {
	_, ops := flags(args)
	if len(ops) == 0 {
		return sh.usage(io, "rmmod", "[-wfa] [MODULE]...")
	}
	st := 0
	for _, m := range ops {
		if strings.Contains(procModules, m+" ") {
			io.err.WriteString("rmmod: can't unload '" + m + "': Resource temporarily unavailable\n")
		} else {
			io.err.WriteString("rmmod: can't unload '" + m + "': No such file or directory\n")
		}
		st = 1
	}
	return st
}

func (sh *Shell) route(args []string, io *stdio) int {
	fl, ops := flags(args)
	if len(ops) > 0 && (ops[0] == "add" || ops[0] == "del") {
		io.err.WriteString("route: SIOCADDRT: Operation not permitted\n")
		return 1
	}
	io.out.WriteString(sh.dev.routeOutput(strings.Contains(fl, "n")))
	return 0
}

// top prints one frame (-b -n 1 is what scripts use; interactive, the
// bot sees a frame and sends q).
func (sh *Shell) top(_ []string, io *stdio) int {
	m := sh.dev.mem()
	used := m.total - m.free
	var sb strings.Builder
	fmt.Fprintf(&sb, "Mem: %dK used, %dK free, 0K shrd, %dK buff, %dK cached\n", used, m.free, m.buffers, m.cached)
	sb.WriteString("CPU:  3% usr  2% sys  0% nic 94% idle  0% io  0% irq  0% sirq\n")
	sb.WriteString("Load average: 0.31 0.22 0.19 1/48 1178\n")
	sb.WriteString("  PID  PPID USER     STAT   VSZ %VSZ %CPU COMMAND\n")
	for _, l := range strings.Split(strings.TrimRight(sh.ps(sh.argv), "\n"), "\n")[1:] {
		f := strings.Fields(l)
		if len(f) < 5 {
			continue
		}
		vsz, _ := strconv.Atoi(f[2])
		fmt.Fprintf(&sb, "%5s %5d root     %-4s %5d %3d%%   0%% %s\n", f[0], 1, f[3], vsz, vsz*100/max(m.total, 1), strings.Join(f[4:], " "))
	}
	io.out.WriteString(sb.String())
	return 0
}

// ftpput uploads: nothing to fetch, nothing kept; it "succeeds".
func (sh *Shell) ftpput(args []string, io *stdio) int {
	var ops []string
	for i := 1; i < len(args); i++ {
		if (args[i] == "-u" || args[i] == "-p" || args[i] == "-P") && i+1 < len(args) {
			i++
			continue
		}
		if !strings.HasPrefix(args[i], "-") {
			ops = append(ops, args[i])
		}
	}
	if len(ops) < 2 {
		return sh.usage(io, "ftpput", "[OPTIONS] HOST [REMOTE_FILE] LOCAL_FILE")
	}
	if _, err := sh.readPath(sh.path(ops[len(ops)-1])); err != nil {
		io.err.WriteString("ftpput: can't open '" + ops[len(ops)-1] + "': No such file or directory\n")
		return 1
	}
	return 0
}

// pkill and pgrep match process names in ps.
func (sh *Shell) pkill(args []string, io *stdio) int { return sh.pgrepKill(args, io, true) }
func (sh *Shell) pgrep(args []string, io *stdio) int { return sh.pgrepKill(args, io, false) }

func (sh *Shell) pgrepKill(args []string, io *stdio, kill bool) int {
	var pat string
	full := false
	for _, a := range args[1:] {
		switch {
		case a == "-f":
			full = true
		case strings.HasPrefix(a, "-"):
		default:
			pat = a
		}
	}
	if pat == "" {
		name := "pgrep"
		if kill {
			name = "pkill"
		}
		return sh.usage(io, name, "[-flnovx] [-s SID|-P PPID|PATTERN]")
	}
	match, _ := grepMatcher(pat, false, true, false)
	st := 1
	for _, l := range strings.Split(sh.ps(nil), "\n")[1:] {
		f := strings.Fields(l)
		if len(f) < 5 {
			continue
		}
		cmd := strings.Join(f[4:], " ")
		name := path.Base(strings.Trim(f[4], "[]-"))
		if full && match([]byte(cmd)) || !full && match([]byte(name)) {
			st = 0
			if !kill {
				io.out.WriteString(f[0] + "\n")
			}
		}
	}
	return st
}

// su to root (or with -c) runs in this same shell; other users exist only
// as daemons without a shell.
func (sh *Shell) su(args []string, io *stdio) int {
	user, cmd, withC := "root", "", false
	for i := 1; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-c" && i+1 < len(args):
			cmd, withC = args[i+1], true
			i++
		case a == "-" || strings.HasPrefix(a, "-"):
		default:
			user = a
		}
	}
	if !strings.Contains(etcPasswd, "\n"+user+":") && !strings.HasPrefix(etcPasswd, user+":") {
		io.err.WriteString("su: unknown user " + user + "\n")
		return 1
	}
	if user != "root" {
		io.err.WriteString("su: can't execute '/bin/false': Permission denied\n")
		return 1
	}
	if withC {
		return sh.script([]byte(cmd), "sh", nil, true, io)
	}
	if io.tty && sh.substs == 0 && sh.nest < 16 {
		sh.nest++
	}
	return 0
}

// passwd: from a pipe it reads the two passwords; on the terminal it
// prompts and the next lines typed are the answers (see Shell.Run). /etc
// is read-only, so the change fails as it does on such a device.
func (sh *Shell) passwd(args []string, io *stdio) int {
	_, ops := flags(args)
	user := "root"
	if len(ops) > 0 {
		user = ops[0]
	}
	if !strings.Contains(etcPasswd, user+":") {
		io.err.WriteString("passwd: unknown user " + user + "\n")
		return 1
	}
	io.out.WriteString("Changing password for " + user + "\n")
	if io.tty && sh.substs == 0 && sh.calls == 0 {
		io.out.WriteString("New password: ")
		sh.reading = readPasswd1
		return 0
	}
	in := io.stdin()
	lines := strings.SplitN(string(in), "\n", 3)
	io.out.WriteString("New password: \n")
	if len(lines) < 2 {
		io.out.WriteString("passwd: password for " + user + " is unchanged\n")
		return 1
	}
	io.out.WriteString("Retype password: \n")
	return sh.passwdDone(lines[0], lines[1], io.out)
}

// passwdDone is the end of passwd once both answers are read.
func (sh *Shell) passwdDone(a, b string, out *limitBuf) int {
	if a != b {
		out.WriteString("Passwords don't match\npasswd: password for root is unchanged\n")
		return 1
	}
	out.WriteString("passwd: can't create '/etc/shadow+': Read-only file system\npasswd: password for root is unchanged\n")
	return 1
}

// w, who and last read utmp and wtmp, which such devices do not keep.
func (sh *Shell) who(_ []string, _ *stdio) int { return 0 }

func (sh *Shell) w(_ []string, io *stdio) int {
	io.out.WriteString("USER\t\tTTY\t\tIDLE\tTIME\t\t HOST\n")
	return 0
}

func (sh *Shell) last(_ []string, io *stdio) int {
	io.out.WriteString("USER       TTY            HOST               LOGIN        TIME\n")
	return 0
}

func (sh *Shell) adduser(args []string, io *stdio) int {
	_, ops := flags(args)
	if len(ops) == 0 {
		return sh.usage(io, "adduser", "[OPTIONS] USER [GROUP]")
	}
	if strings.Contains(etcPasswd, "\n"+ops[0]+":") || strings.HasPrefix(etcPasswd, ops[0]+":") {
		io.err.WriteString("adduser: user '" + ops[0] + "' in use\n")
		return 1
	}
	io.err.WriteString("adduser: can't open '/etc/passwd': Read-only file system\n")
	return 1
}

// crontab keeps root's table in /var/spool/cron/crontabs/root (on the
// writable /var, so it "works" for the session).
const crontabPath = "/var/spool/cron/crontabs/root"

func (sh *Shell) crontab(args []string, io *stdio) int {
	fl, ops := flags(args)
	switch {
	case strings.Contains(fl, "l"):
		data, err := sh.fs.read(crontabPath)
		if err != nil {
			io.err.WriteString("crontab: can't open 'root': No such file or directory\n")
			return 1
		}
		io.out.Write(data)
		return 0
	case strings.Contains(fl, "r"):
		sh.fs.unlink(crontabPath)
		return 0
	case strings.Contains(fl, "e"):
		io.err.WriteString("crontab: can't execute 'vi': No such file or directory\n")
		return 1
	}
	var data []byte
	if len(ops) == 0 || ops[0] == "-" {
		data = io.stdin()
	} else {
		d, err := sh.readPath(sh.path(ops[0]))
		if err != nil {
			io.err.WriteString("crontab: can't open '" + ops[0] + "': No such file or directory\n")
			return 1
		}
		data = d
	}
	for _, dir := range []string{"/var/spool", "/var/spool/cron", "/var/spool/cron/crontabs"} {
		if !sh.fs.isDir(dir) {
			sh.fs.mkdir(dir)
		}
	}
	if err := sh.fs.write(crontabPath, data, false); err != nil {
		io.err.WriteString("crontab: " + err.Error() + "\n")
		return 1
	}
	return 0
}

func (sh *Shell) arp(_ []string, io *stdio) int {
	fmt.Fprintf(io.out, "? (%s) at %s [ether]  on eth0\n", sh.dev.f.gateway, sh.dev.f.gwMAC)
	return 0
}

// find [PATH...] [-name PAT] [-iname PAT] [-type f|d] [-maxdepth N]
// [-print]: a walk of the emulated filesystem, bounded.
func (sh *Shell) find(args []string, io *stdio) int {
	var roots []string
	i := 1
	for ; i < len(args) && !strings.HasPrefix(args[i], "-"); i++ {
		roots = append(roots, args[i])
	}
	if len(roots) == 0 {
		roots = []string{"."}
	}
	name, iname, typ, maxDepth := "", "", "", 64
	var execArgs []string // -exec CMD ... {} ... ; (or +)
	execPlus, print := false, false
	for ; i < len(args); i++ {
		a := args[i]
		val := ""
		if i+1 < len(args) {
			val = args[i+1]
		}
		switch a {
		case "-name":
			name, i = val, i+1
		case "-iname":
			iname, i = strings.ToLower(val), i+1
		case "-type":
			typ, i = val, i+1
		case "-maxdepth":
			maxDepth, _ = strconv.Atoi(val)
			i++
		case "-print":
			print = true
		case "-follow", "-xdev":
		case "-exec":
			j := i + 1
			for j < len(args) && args[j] != ";" && args[j] != "+" {
				j++
			}
			if j >= len(args) || j == i+1 {
				io.err.WriteString("find: -exec requires an argument\n")
				return 1
			}
			execArgs, execPlus, i = args[i+1:j], args[j] == "+", j
		default:
			io.err.WriteString("find: unrecognized: " + a + "\n")
			return sh.usage(io, "find", "[-HL] [PATH]... [OPTIONS] [ACTIONS]")
		}
	}
	st := 0
	visited := 0
	var matches []string
	var walk func(p, shown string, depth int)
	walk = func(p, shown string, depth int) {
		if visited++; visited > 8*maxOverlayFiles+4096 || sh.work > maxWork {
			return
		}
		sh.work += 64
		n, ok := sh.fs.stat(p)
		if !ok {
			return
		}
		base := path.Base(shown)
		okName := (name == "" || fnmatch(name, base)) && (iname == "" || fnmatch(iname, strings.ToLower(base)))
		okType := typ == "" || (typ == "d") == (n.kind == kindDir) && (typ != "c" || n.kind == kindDev)
		if typ == "f" {
			okType = n.kind == kindFile
		}
		if okName && okType {
			if execArgs == nil || print {
				io.out.WriteString(shown + "\n")
			}
			if execArgs != nil {
				matches = append(matches, shown)
				if !execPlus {
					sh.findExec(execArgs, matches, io)
					matches = matches[:0]
				}
			}
		}
		if n.kind != kindDir || depth >= maxDepth || p == "/proc" {
			return
		}
		names, _ := sh.fs.list(p)
		for _, c := range names {
			walk(path.Join(p, c), strings.TrimSuffix(shown, "/")+"/"+c, depth+1)
		}
	}
	for _, r := range roots {
		p := sh.path(r)
		if _, ok := sh.fs.stat(p); !ok {
			io.err.WriteString("find: " + r + ": No such file or directory\n")
			st = 1
			continue
		}
		walk(p, r, 0)
	}
	if execPlus && len(matches) > 0 {
		sh.findExec(execArgs, matches, io)
	}
	return st
}

// findExec runs find's -exec command for matches: each {} is replaced by
// the match (with +, by all of them), each run a step of the line.
func (sh *Shell) findExec(cmd, matches []string, io *stdio) {
	if sh.ctrl != ctrlNone {
		return
	}
	if sh.steps++; sh.steps > maxSteps {
		sh.hit(limitSteps)
		return
	}
	var argv []string
	for _, a := range cmd {
		if a != "{}" {
			argv = append(argv, strings.ReplaceAll(a, "{}", matches[0]))
			continue
		}
		argv = append(argv, matches[:min(len(matches), maxArgs)]...)
	}
	cio := *io
	cio.in, cio.tty = &pipeIn{}, false
	sh.exec(argv, &cio)
}

// States of an applet reading the terminal.
const (
	readNone uint8 = iota
	readPasswd1
	readPasswd2
)

// answer feeds a line typed at an applet's prompt (echo off) to it.
func (sh *Shell) answer(line string) Result {
	out := &limitBuf{max: maxOutput}
	switch sh.reading {
	case readPasswd1:
		sh.readFirst = line
		sh.reading = readPasswd2
		out.WriteString("\nRetype password: ")
	case readPasswd2:
		sh.reading = readNone
		out.WriteString("\n")
		sh.status = sh.passwdDone(sh.readFirst, line, out)
		sh.readFirst = ""
	}
	return Result{Output: out.b, Secret: true}
}

// seq [FIRST [INC]] LAST, integers as scripts use it.
func (sh *Shell) seq(args []string, io *stdio) int {
	var nums []int64
	for _, a := range args[1:] {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil {
			io.err.WriteString("seq: invalid number '" + a + "'\n")
			return 1
		}
		nums = append(nums, n)
	}
	first, inc, last := int64(1), int64(1), int64(0)
	switch len(nums) {
	case 1:
		last = nums[0]
	case 2:
		first, last = nums[0], nums[1]
	case 3:
		first, inc, last = nums[0], nums[1], nums[2]
	default:
		return sh.usage(io, "seq", "[-w] [-s SEP] [FIRST [INC]] LAST")
	}
	if inc == 0 {
		return 0
	}
	for i, n := 0, first; (inc > 0 && n <= last || inc < 0 && n >= last) && i < maxLoop*4; i, n = i+1, n+inc {
		io.out.WriteString(strconv.FormatInt(n, 10) + "\n")
		sh.work += 16
	}
	return 0
}
