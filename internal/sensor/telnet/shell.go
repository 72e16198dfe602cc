package telnet

import (
	"bytes"
	"context"
	"path"
	"strings"
)

// maxOutput bounds what one command line can make the shell produce, per
// stream and in total.
const maxOutput = 64 << 10

// maxGlob bounds the words one command expands to: more than the overlay
// can hold, so "rm -rf /tmp/*" always reaches every file.
const maxGlob = 4 * maxOverlayFiles

// limitBuf is a byte buffer that silently drops what exceeds max.
type limitBuf struct {
	b   []byte
	max int
}

func (l *limitBuf) Write(p []byte) (int, error) {
	if room := l.max - len(l.b); room < len(p) {
		p = p[:max(room, 0)]
	}
	l.b = append(l.b, p...)
	return len(p), nil
}

func (l *limitBuf) WriteString(s string) {
	if room := l.max - len(l.b); room < len(s) {
		s = s[:max(room, 0)]
	}
	l.b = append(l.b, s...)
}

// stdio is what one command reads and writes.
type stdio struct {
	in      []byte
	out     *limitBuf
	err     *limitBuf
	outName string // the file stdout is redirected to, if any ("" for the terminal or a pipe)
}

// download is a payload the attacker asked the device to fetch.
type download struct {
	url, tool, filename string
}

// shell is one session's BusyBox ash. It never touches the host: files live
// in the session's vfs, "network" applets only record what they were asked.
type shell struct {
	dev    *device
	fs     vfs
	cwd    string
	status int  // $? of the last command
	exited bool // exit or logout ran
	ctx    context.Context

	// Per line: what was fetched, for events.
	downloads []download
}

func newShell(dev *device) *shell {
	return &shell{dev: dev, fs: vfs{base: dev.fs}, cwd: "/"}
}

// prompt is ash's PS1 '\w # ' for root, or the profile's fixed prompt.
func (sh *shell) prompt() string {
	if sh.dev.p.Prompt != "" {
		return sh.dev.p.Prompt
	}
	if sh.cwd == "/" {
		return "~ # "
	}
	return sh.cwd + " # "
}

// run executes one command line and returns what the terminal shows.
func (sh *shell) run(ctx context.Context, line string) []byte {
	sh.ctx = ctx
	sh.downloads = sh.downloads[:0]
	term := &limitBuf{max: maxOutput}
	pls, err := parseLine(line)
	if err != nil {
		term.WriteString(err.Error() + "\n")
		sh.status = 2
	}
	for _, pl := range pls {
		if (pl.op == "&&" && sh.status != 0) || (pl.op == "||" && sh.status == 0) {
			continue
		}
		sh.status = sh.runPipeline(pl, term)
		if sh.exited {
			break
		}
	}
	sh.extractURLs(line)
	return term.b
}

// target is where a command's stdout or stderr goes.
type target struct {
	kind int // tTerm, tPipe, tFile, tNull
	path string
}

const (
	tTerm = iota
	tPipe
	tFile
	tNull
)

func (sh *shell) runPipeline(pl pipeline, term *limitBuf) int {
	var in []byte
	status := 0
	for i, c := range pl.cmds {
		outT, errT := target{kind: tTerm}, target{kind: tTerm}
		if i < len(pl.cmds)-1 {
			outT.kind = tPipe
		}
		io := stdio{in: in, out: &limitBuf{max: maxOutput}, err: &limitBuf{max: maxOutput}}
		in = nil
		ok := true
		var dups []redirect
		for _, r := range c.redirs {
			if r.op == ">&" {
				dups = append(dups, r)
				continue
			}
			p, err := resolve(sh.cwd, r.target)
			if err != nil {
				term.WriteString("sh: can't open '" + r.target + "': " + err.Error() + "\n")
				ok = false
				break
			}
			if r.op == "<" {
				data, err := sh.fs.read(p)
				if err != nil {
					term.WriteString("sh: can't open '" + r.target + "': " + err.Error() + "\n")
					ok = false
					break
				}
				io.in = data
				continue
			}
			t := target{kind: tFile, path: p}
			if n, exists := sh.fs.stat(p); exists && n.kind == kindDev {
				t.kind = tNull
			} else if err := sh.fs.write(p, nil, r.op == ">>"); err != nil {
				term.WriteString("sh: can't create " + r.target + ": " + err.Error() + "\n")
				ok = false
				break
			}
			switch r.fd {
			case 1:
				outT = t
			case 2:
				errT = t
			}
		}
		// Duplications after files, so the common ">/dev/null 2>&1" works
		// whichever order it is written in.
		for _, r := range dups {
			switch {
			case r.fd == 2 && r.target == "1":
				errT = outT
			case r.fd == 1 && r.target == "2":
				outT = errT
			}
		}
		if !ok {
			status = 1
			continue
		}
		if outT.kind == tFile {
			io.outName = outT.path
		}
		status = sh.exec(c.args, c.glob, &io)
		sh.route(io.out.b, outT, term, &in)
		sh.route(io.err.b, errT, term, &in)
		if sh.exited {
			break
		}
	}
	return status
}

func (sh *shell) route(b []byte, t target, term *limitBuf, pipe *[]byte) {
	if len(b) == 0 {
		return
	}
	switch t.kind {
	case tTerm:
		term.Write(b)
	case tPipe:
		*pipe = append(*pipe, b...)
	case tFile:
		if err := sh.fs.write(t.path, b, true); err != nil {
			term.WriteString("sh: write error: " + err.Error() + "\n")
		}
	}
}

// exec runs one simple command. Nothing here executes anything on the host:
// every name maps to an emulated applet or to a canned answer.
func (sh *shell) exec(args []string, glob []bool, io *stdio) int {
	args = sh.expand(args, glob)
	// Drop assignments (VAR=x cmd), brace grouping and the prefixes that
	// only change how a command runs.
	for len(args) > 0 {
		a := args[0]
		if a == "{" || a == "nohup" || a == "exec" || a == "command" || a == "time" ||
			(strings.IndexByte(a, '=') > 0 && !strings.ContainsAny(a[:strings.IndexByte(a, '=')], "/-.")) {
			args = args[1:]
			continue
		}
		break
	}
	if n := len(args); n > 0 && args[n-1] == "}" {
		args = args[:n-1]
	}
	if len(args) == 0 {
		return 0
	}
	name := args[0]
	if st, ok := sh.builtin(name, args, io); ok {
		return st
	}
	if strings.Contains(name, "/") {
		return sh.execPath(name, args, io)
	}
	if _, ok := sh.dev.applets[name]; ok {
		return sh.applet(name, args, io)
	}
	if name == "curl" {
		sh.curl(args)
	}
	io.err.WriteString("sh: " + name + ": not found\n")
	return 127
}

// expand replaces glob patterns by the names they match in their directory,
// as ash does; a pattern that matches nothing stays as it is.
func (sh *shell) expand(args []string, glob []bool) []string {
	var out []string
	for i, a := range args {
		if i >= len(glob) || !glob[i] {
			if out != nil {
				out = append(out, a)
			}
			continue
		}
		if out == nil {
			out = append(make([]string, 0, len(args)), args[:i]...)
		}
		dir, pat := path.Split(a)
		p, err := resolve(sh.cwd, dir)
		if dir == "" {
			p = sh.cwd
		}
		names, lerr := sh.fs.list(p)
		var matched []string
		if err == nil && lerr == nil {
			for _, n := range names {
				if strings.HasPrefix(n, ".") && !strings.HasPrefix(pat, ".") {
					continue
				}
				if ok, _ := path.Match(pat, n); ok && len(out)+len(matched) < maxGlob {
					matched = append(matched, dir+n)
				}
			}
		}
		if len(matched) == 0 {
			matched = append(matched, a)
		}
		out = append(out, matched...)
	}
	if out == nil {
		return args
	}
	return out
}

// builtin runs the shell's own commands.
func (sh *shell) builtin(name string, args []string, io *stdio) (int, bool) {
	switch name {
	case "exit", "logout":
		sh.exited = true
		return 0, true
	case "cd":
		dir := "/"
		if len(args) > 1 {
			dir = args[1]
		}
		p, err := resolve(sh.cwd, dir)
		if err != nil || !sh.fs.isDir(p) {
			io.err.WriteString("sh: cd: can't cd to " + dir + "\n")
			return 1, true
		}
		sh.cwd = p
		return 0, true
	case "pwd":
		io.out.WriteString(sh.cwd + "\n")
		return 0, true
	case ":", "export", "unset", "alias", "ulimit", "set", "trap", "wait", "umask", "read", "history", "hash", "shift",
		// Mirai and its forks type these to get from a vendor CLI to a
		// shell; on a device that starts in sh they do nothing visible.
		"enable", "system", "shell", "linuxshell":
		return 0, true
	case "echo", "kill", "test", "[", "[[", "true", "false":
		return sh.applet(name, args, io), true
	}
	return 0, false
}

// execPath runs ./file or /path/file.
func (sh *shell) execPath(name string, args []string, io *stdio) int {
	p, err := resolve(sh.cwd, name)
	if err != nil {
		io.err.WriteString("sh: " + name + ": " + err.Error() + "\n")
		return 127
	}
	n, ok := sh.fs.stat(p)
	if !ok {
		io.err.WriteString("sh: " + name + ": not found\n")
		return 127
	}
	if n.kind != kindFile || n.mode&0o111 == 0 {
		io.err.WriteString("sh: " + name + ": Permission denied\n")
		return 126
	}
	// A BusyBox link runs the applet it is named after.
	if bytes.Equal(n.data, sh.dev.busybox) {
		base := path.Base(p)
		if base == "busybox" {
			return sh.busybox(args, io)
		}
		if _, ok := sh.dev.applets[base]; ok {
			return sh.applet(base, args, io)
		}
		io.err.WriteString(base + ": applet not found\n")
		return 127
	}
	return sh.runBinary(name, n.data, io)
}

// runBinary answers for a program the attacker put on the device. It is
// never run: an ELF for our CPU "runs" quietly (worms detach and print
// nothing), an ELF for another CPU faults, a script or an empty file is
// taken as an empty script.
func (sh *shell) runBinary(name string, data []byte, io *stdio) int {
	if len(data) >= 20 && bytes.HasPrefix(data, []byte("\x7fELF")) {
		var m uint16
		if data[5] == 2 {
			m = uint16(data[18])<<8 | uint16(data[19])
		} else {
			m = uint16(data[19])<<8 | uint16(data[18])
		}
		if m == sh.dev.arch.machine && (data[5] == 2) == sh.dev.arch.big {
			return 0
		}
		io.err.WriteString("Illegal instruction\n")
		return 132
	}
	if len(data) > 0 && !bytes.HasPrefix(data, []byte("#!")) && bytes.IndexByte(data[:min(len(data), 256)], 0) >= 0 {
		io.err.WriteString("sh: " + name + ": Exec format error\n")
		return 126
	}
	return 0
}
