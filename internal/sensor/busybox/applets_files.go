package busybox

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
)

// File applets: what bots use to find a writable directory, drop a
// binary and make it executable, over the session's copy-on-write
// filesystem.

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
		p := sh.path(f)
		data, err := sh.readPath(p)
		switch err {
		case nil:
			io.out.Write(data)
			if io.outTerm && endless(p) && !sh.dry {
				// An endless device to the terminal never ends: it goes
				// on "running" (see stall.go).
				sh.hit(limitWork)
				return 0
			}
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

// endless reports whether reading p never reaches an end.
func endless(p string) bool {
	return p == "/dev/zero" || p == "/dev/urandom" || p == "/dev/random"
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
				if err := sh.fs.copyTree(s, sh.destination(src, dst)); err != nil {
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
	if path.Base(args[0]) == "rmdir" {
		return sh.rmdir(args, io)
	}
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

// rmdir removes empty directories only, as BusyBox's does.
func (sh *Shell) rmdir(args []string, io *stdio) int {
	_, ops := flags(args)
	st := 0
	for _, f := range ops {
		p := sh.path(f)
		n, ok := sh.fs.stat(p)
		msg := ""
		switch {
		case !ok:
			msg = "No such file or directory"
		case n.kind != kindDir:
			msg = "Not a directory"
		default:
			if names, _ := sh.fs.list(p); len(names) > 0 {
				msg = "Directory not empty"
			} else if err := sh.fs.remove(p, false); err != nil {
				msg = err.Error()
			}
		}
		if msg != "" {
			io.err.WriteString("rmdir: '" + f + "': " + msg + "\n")
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
	o := lsOpts{long: strings.Contains(fl, "l"), all: strings.Contains(fl, "a"), almost: strings.Contains(fl, "A"), rec: strings.Contains(fl, "R"),
		one: !io.outTerm || strings.Contains(fl, "1")}
	if len(ops) == 0 {
		ops = []string{"."}
	}
	st := 0
	// As BusyBox does: the operands that are files first, then each
	// directory under a "NAME:" header when there is more than one
	// operand or -R.
	var files, dirs []string
	for _, op := range ops {
		n, ok := sh.fs.stat(sh.path(op))
		if !ok {
			io.err.WriteString("ls: " + op + ": No such file or directory\n")
			st = 1
			continue
		}
		if n.kind != kindDir || strings.Contains(fl, "d") {
			files = append(files, op)
			continue
		}
		dirs = append(dirs, op)
	}
	slices.Sort(files) // BusyBox sorts its operands
	slices.Sort(dirs)
	if len(files) > 0 && !o.long {
		sh.lsNames(io, files, o)
	}
	for _, f := range files {
		if n, ok := sh.fs.stat(sh.path(f)); ok && o.long {
			sh.lsEntry(io, f, n, true)
		}
	}
	o.headers = len(ops) > 1 || o.rec
	o.sep = len(files) > 0
	for _, d := range dirs {
		o = sh.lsDir(io, d, sh.path(d), o, 0)
	}
	return st
}

// lsOpts are ls's options and where its output is.
type lsOpts struct {
	long, all, rec, one bool
	almost              bool // -A: dot files, without . and ..
	headers             bool // each directory under its "NAME:"
	sep                 bool // something was printed: a blank line before the next header
}

// maxLsDepth bounds ls -R's descent.
const maxLsDepth = 16

// lsDir lists one directory, and with -R the directories under it.
func (sh *Shell) lsDir(io *stdio, name, p string, o lsOpts, depth int) lsOpts {
	// Listing a directory walks the whole overlay.
	if sh.work += int64(len(sh.fs.ov)+1) * 256; sh.work > maxWork || len(io.out.b) >= maxOutput && io.out.max == maxOutput {
		return o
	}
	if o.headers {
		if o.sep {
			io.out.WriteString("\n")
		}
		io.out.WriteString(name + ":\n")
	}
	o.sep = true
	names, _ := sh.fs.list(p)
	if o.all {
		names = append([]string{".", ".."}, names...)
	}
	var short, subdirs []string
	total := int64(0)
	type entry struct {
		name string
		n    *node
	}
	var long []entry
	for _, name := range names {
		if strings.HasPrefix(name, ".") && !o.all && !o.almost {
			continue
		}
		if !o.long && !o.rec {
			short = append(short, name)
			continue
		}
		c, ok := sh.fs.stat(path.Join(p, name))
		if !ok {
			c = &node{kind: kindDir, mode: 0o755}
		}
		if o.rec && c.kind == kindDir && c.link == "" && name != "." && name != ".." {
			subdirs = append(subdirs, name)
		}
		if !o.long {
			short = append(short, name)
			continue
		}
		if c.kind == kindFile {
			total += (c.displaySize() + 1023) / 1024
		}
		long = append(long, entry{name, c})
	}
	if o.long {
		io.out.WriteString("total " + strconv.FormatInt(total, 10) + "\n")
		for _, e := range long {
			sh.lsEntry(io, e.name, e.n, true)
		}
	}
	if len(short) > 0 {
		sh.lsNames(io, short, o)
	}
	if depth < maxLsDepth {
		for _, d := range subdirs {
			o = sh.lsDir(io, strings.TrimSuffix(name, "/")+"/"+d, path.Join(p, d), o, depth+1)
		}
	}
	return o
}

// lsNames prints names in ls's short form: one a line unless the terminal
// shows them.
func (sh *Shell) lsNames(io *stdio, names []string, o lsOpts) {
	sep := "  "
	if o.one {
		sep = "\n"
	}
	io.out.WriteString(strings.Join(names, sep) + "\n")
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

// tee copies standard input to standard output and to each file (-a
// appends).
func (sh *Shell) tee(args []string, io *stdio) int {
	fl, ops := flags(args)
	data := io.stdin()
	sh.work += int64(len(data)) * int64(len(ops)+1)
	io.out.Write(data)
	st := 0
	for _, f := range ops {
		p := sh.path(f)
		if n, ok := sh.fs.stat(p); ok && n.kind == kindDev {
			continue
		}
		if err := sh.fs.write(p, data, strings.Contains(fl, "a")); err != nil {
			io.err.WriteString("tee: " + f + ": " + err.Error() + "\n")
			st = 1
		}
	}
	return st
}
