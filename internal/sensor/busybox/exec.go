package busybox

import (
	"path"
	"strings"
)

// exec, as ash runs it: "exec CMD" replaces the shell with CMD (when CMD
// ends, so does the shell: a login shell's session closes), and "exec
// >FILE" (2>FILE, &>FILE, 2>&1) sends the shell's own output there for
// the rest of the line and the lines after.

// isTerminal reports whether p names the session's terminal.
func isTerminal(p string) bool {
	return p == "/dev/tty" || p == "/dev/pts/0"
}

// isExecRedirect reports whether c is exec with redirections alone.
func isExecRedirect(c *shCmd) bool {
	return c.kind == cSimple && len(c.args) == 1 && c.args[0].lit() == "exec" && len(c.redirs) > 0
}

// execRedirect applies exec's redirections to the shell itself: to the
// stdio the rest of its script or line runs with and, in the login shell,
// to the lines after (Shell.ex). In a subshell, $( ) or sh -c they
// end with it.
func (sh *Shell) execRedirect(rs []redirect, io *stdio) int {
	tio := sh.topIO
	if tio == nil {
		tio = io
	}
	persist := sh.forks == 0
	for _, r := range rs {
		target := sh.expandOne(&r.target, io)
		if sh.ctrl != ctrlNone {
			return 1
		}
		dest := ""
		var buf *limitBuf
		switch r.op {
		case ">&":
			switch {
			case target == "-":
				dest, buf = "-", &limitBuf{}
			case r.fd == 2 && target == "1":
				tio.err = tio.out
				if persist {
					sh.exState().err = sh.ex.out
				}
				continue
			case r.fd == 1 && target == "2":
				tio.out, tio.outName, tio.outTerm = tio.err, "", false
				if persist {
					sh.exState().out = sh.ex.err
				}
				continue
			default:
				continue
			}
		case ">", ">>":
			p, err := resolve(sh.cwd, target)
			switch {
			case err == nil && isTerminal(p):
				dest, buf = "", sh.termOr(io)
			case err == nil:
				if n, ok := sh.fs.stat(p); ok && n.kind == kindDev {
					dest, buf = "-", &limitBuf{}
				} else if err = sh.fs.write(p, nil, r.op == ">>"); err == nil {
					dest, buf = p, sh.execSink(p)
				}
			}
			if err != nil {
				io.err.WriteString("sh: can't create " + target + ": " + errmsg(err, "nonexistent directory") + "\n")
				return 1
			}
		default:
			continue // stdin stays the terminal; other descriptors are not kept
		}
		if r.fd == 1 || r.fd == -1 {
			tio.out, tio.outName, tio.outTerm = buf, dest, dest == "" && buf == sh.term
			if dest == "-" {
				tio.outName = ""
			}
		}
		if r.fd == 2 || r.fd == -1 {
			tio.err = buf
		}
		if persist {
			sh.setExec(r.fd, dest)
		}
	}
	return 0
}

// execState is where exec >FILE and exec 2>FILE sent the login shell's
// output for the lines after: "" is the terminal, "-" nowhere (a device),
// else a file appended to; and this line's output to those files. Few
// sessions use exec so: the Shell holds it by pointer.
type execState struct {
	out, err string
	bufs     []execBuf
}

// exState returns the shell's exec state, made on first use.
func (sh *Shell) exState() *execState {
	if sh.ex == nil {
		sh.ex = &execState{}
	}
	return sh.ex
}

// setExec records where exec sent a descriptor, for the lines after.
func (sh *Shell) setExec(fd int, dest string) {
	x := sh.exState()
	switch fd {
	case 1:
		x.out = dest
	case 2:
		x.err = dest
	case -1:
		x.out, x.err = dest, dest
	}
}

// topStdio is the line's stdio: the terminal, or where exec sent the
// shell's output.
func (sh *Shell) topStdio(term *limitBuf) *stdio {
	if sh.ex != nil {
		sh.ex.bufs = nil
	}
	// The Shell holds it: one line runs at a time, and a stdio of its
	// own would cost an allocation per line.
	sh.lineIO = stdio{out: term, err: term, tty: true, outTerm: true}
	io := &sh.lineIO
	sh.term = term
	sh.topIO = io
	sh.redirectTop(io)
	return io
}

// redirectTop points io's stdout and stderr where exec sent them.
func (sh *Shell) redirectTop(io *stdio) {
	io.out, io.outName, io.outTerm = sh.term, "", true
	io.err = sh.term
	if sh.ex == nil {
		return
	}
	if sh.ex.out != "" {
		io.out, io.outName, io.outTerm = sh.execSink(sh.ex.out), sh.ex.out, false
	}
	if sh.ex.err != "" {
		io.err = sh.execSink(sh.ex.err)
	}
}

// execSink is the line's buffer for what goes to dest.
func (sh *Shell) execSink(dest string) *limitBuf {
	if dest == "-" {
		return &limitBuf{}
	}
	x := sh.exState()
	for _, b := range x.bufs {
		if b.path == dest {
			return b.buf
		}
	}
	buf := &limitBuf{max: sh.fs.maxBytes + 1, work: &sh.work}
	x.bufs = append(x.bufs, execBuf{dest, buf})
	return buf
}

// execBuf is what a line wrote to a file that exec sent output to.
type execBuf struct {
	path string
	buf  *limitBuf
}

// flushExec appends what the line wrote through exec's redirections to
// their files so far.
func (sh *Shell) flushExec() {
	if sh.ex == nil {
		return
	}
	for _, b := range sh.ex.bufs {
		if len(b.buf.b) == 0 {
			continue
		}
		if n, ok := sh.fs.stat(b.path); ok {
			sh.work += int64(len(n.data))
		}
		if err := sh.fs.write(b.path, b.buf.b, true); err != nil {
			sh.term.WriteString("sh: write error: " + err.Error() + "\n")
		}
		b.buf.b = b.buf.b[:0]
	}
}

// endExec flushes at the end of the line.
func (sh *Shell) endExec() {
	sh.flushExec()
	if sh.ex != nil {
		sh.ex.bufs = nil
	}
	sh.topIO, sh.term = nil, nil
}

// execCommand is "exec CMD ARGS": CMD replaces the shell. An interactive
// sh replacing it changes nothing a bot can see; anything else runs, and
// then the shell is gone.
func (sh *Shell) execCommand(args []string, io *stdio) int {
	if isShellCommand(args) {
		return 0
	}
	name := args[0]
	found := true
	if strings.Contains(name, "/") {
		_, found = sh.fs.stat(sh.path(name))
	} else if !isBuiltin(name) && sh.funcs[name] == nil {
		_, found = sh.dev.applets[name]
		found = found || name == "nohup" || name == "command" || name == "time"
	}
	if !found {
		io.err.WriteString("sh: exec: " + name + ": not found\n")
		sh.ctrl = ctrlExit
		return 127
	}
	st := sh.exec(args, io)
	if sh.ctrl == ctrlNone || sh.ctrl == ctrlReturn {
		sh.ctrl = ctrlExit
	}
	return st
}

// isShellCommand reports whether args start an interactive ash: sh, ash
// or busybox sh, with options only.
func isShellCommand(args []string) bool {
	if len(args) > 1 && path.Base(args[0]) == "busybox" {
		args = args[1:]
	}
	if b := path.Base(args[0]); b != "sh" && b != "ash" {
		return false
	}
	for _, a := range args[1:] {
		if !strings.HasPrefix(a, "-") || a == "-c" || a == "-s" {
			return false
		}
	}
	return true
}

// termOr is the line's terminal, or io's stderr outside a line.
func (sh *Shell) termOr(io *stdio) *limitBuf {
	if sh.term != nil {
		return sh.term
	}
	return io.err
}
