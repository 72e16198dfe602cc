package ssh

import (
	xssh "golang.org/x/crypto/ssh"

	"github.com/honeygate/honeygate/internal/attrib"
	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/sensor"
	"github.com/honeygate/honeygate/internal/sensor/busybox"
	"github.com/honeygate/honeygate/internal/sensor/shellrec"
)

// readBufSize is small on purpose: bots send short lines, and thousands of
// idle sessions must fit in little memory.
const readBufSize = 512

// runLine runs one line in sh, records it (command.input, file.download,
// session.attributed) and reports whether the session is over its command
// limit. The events are published before the answer is written.
func (ss *session) runLine(sh *busybox.Shell, line string) (busybox.Result, bool) {
	r := sh.Run(line)
	return r, ss.record(line, r)
}

// record publishes what running line did and reports whether the session
// is over its command limit.
func (ss *session) record(line string, r busybox.Result) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if !r.Continue {
		ss.commands++ // the lines of an unfinished command (a here-document's body) are not commands
	}
	for _, o := range shellrec.Evidence(line, r) {
		ss.observe(o)
	}
	for _, e := range shellrec.Events(line, r, ss.event) {
		ss.emit(e)
	}
	ss.flushAttribution()
	return r.Limited || (ss.s.limits.MaxCommands > 0 && ss.commands >= ss.s.limits.MaxCommands)
}

// exec runs the command of an exec request as Dropbear does, with sh -c:
// the whole text is one script (an unfinished line is the syntax error it
// is), recorded as one command, without prompts or echo. It returns the
// exit status and, when the session must end, why.
func (ss *session) exec(ch xssh.Channel, cmd string) (uint32, string) {
	if mode, target, ok := isSCP(cmd); ok {
		if ss.recordOnly(cmd) {
			return 1, "command limit"
		}
		return ss.scp(ch, mode, target), ""
	}
	sh := ss.newShell()
	defer sh.Close()
	r := sh.RunScript(cmd)
	limited := ss.record(cmd, r)
	if _, err := ch.Write(r.Output); err != nil {
		return 1, ""
	}
	if limited {
		return 1, "command limit"
	}
	return 0, ""
}

// newShell starts a channel's login shell, its filesystem charged to the
// connection's source as telnet charges it (one attacker cannot take the
// device's whole overlay pool).
func (ss *session) newShell() *busybox.Shell {
	return ss.s.dev.NewShellFrom(ss.ctx, sensor.Source(ss.info.SrcIP).String())
}

// recordOnly publishes a command.input for a command that does not go to
// the shell (scp); it reports whether the session is over its command
// limit.
func (ss *session) recordOnly(cmd string) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.commands++
	ss.observe(attrib.Observation{Input: cmd})
	e := ss.event(event.CommandInput)
	e.Input = event.Text(cmd)
	ss.emit(e)
	ss.flushAttribution()
	return ss.s.limits.MaxCommands > 0 && ss.commands >= ss.s.limits.MaxCommands
}

// terminal is a channel's output side: with a pty, line ends go out as CR
// LF (the tty's ONLCR) and input is echoed.
type terminal struct {
	ch  xssh.Channel
	pty bool
	err error
	esc uint8 // 1 after ESC, 2 inside ESC [ or ESC O
}

// echo shows a typed byte as ash's line editor does: printable bytes as
// they are, escape sequences not at all, except that the up arrow shows
// the line it recalls and the down arrow clears the line.
func (t *terminal) echo(c byte, sh *busybox.Shell) {
	switch {
	case t.esc == 1 && (c == '[' || c == 'O'):
		t.esc = 2
	case t.esc == 1:
		t.esc = 0
	case t.esc == 2 && c >= 0x40 && c <= 0x7e:
		t.esc = 0
		switch c {
		case 'A':
			t.writeString("\r\x1b[K" + sh.Prompt() + sh.LastLine())
		case 'B':
			t.writeString("\r\x1b[K" + sh.Prompt())
		}
	case t.esc == 2:
	case c == 0x1b:
		t.esc = 1
	case c >= 0x20 && c != 0x7f:
		t.write([]byte{c})
	}
}

func (t *terminal) write(b []byte) {
	if t.err != nil || len(b) == 0 {
		return
	}
	if t.pty {
		out := make([]byte, 0, len(b)+len(b)/8+8)
		var prev byte
		for _, c := range b {
			if c == '\n' && prev != '\r' {
				out = append(out, '\r')
			}
			out = append(out, c)
			prev = c
		}
		b = out
	}
	_, t.err = t.ch.Write(b)
}

func (t *terminal) writeString(s string) { t.write([]byte(s)) }

// interactive runs the login shell of a "shell" request. With a pty it is
// the shell a person sees: ash's banner, a prompt, echo and line editing.
// Without one (a bot piping a script) ash is not interactive: no banner,
// no prompt, no echo, and the session ends at end of input. Lines go
// through ash's line editor (busybox.EditLine) as on the telnet door.
func (ss *session) interactive(ch xssh.Channel, pty *ptyRequest) (uint32, string) {
	sh := ss.newShell()
	defer sh.Close()
	t := &terminal{ch: ch, pty: pty != nil}
	if t.pty {
		t.writeString(ss.s.banner() + sh.Prompt())
	}
	buf := make([]byte, readBufSize)
	var raw []byte
	var prev byte
	// done runs the line typed so far; it reports whether the program
	// ends, and how.
	done := func() (bool, uint32, string) {
		line, ok := busybox.EditLine(string(raw), sh.LastLine())
		raw = raw[:0]
		if !ok || (line == "" && !sh.Waiting()) {
			// ^D or an empty line runs nothing: ash prints its prompt again.
			if t.pty {
				t.writeString(sh.Prompt())
			}
			return false, 0, ""
		}
		r, limited := ss.runLine(sh, line)
		if t.pty || !r.Continue {
			t.write(r.Output)
		}
		switch {
		case limited:
			return true, 1, "command limit"
		case r.Exited:
			return true, 0, ""
		}
		if t.pty {
			t.writeString(sh.Prompt())
		}
		return false, 0, ""
	}
	for t.err == nil {
		n, err := ch.Read(buf)
		for _, c := range buf[:n] {
			switch {
			case c == '\n' && prev == '\r':
				// CR LF is one line end, as the tty makes it.
			case c == '\r' || c == '\n':
				if t.pty {
					t.writeString("\n")
				}
				if end, status, why := done(); end {
					return status, why
				}
			case c == 3 && t.pty: // ^C drops the line, as the tty would
				raw = raw[:0]
				sh.Interrupt() // ... and stops a command still "running" (busybox.Result.Running)
				t.writeString("^C\n" + sh.Prompt())
			case (c == 8 || c == 0x7f) && t.pty:
				raw = append(raw, c)
				t.writeString("\b \b")
			case len(raw) >= busybox.MaxLine:
				// What overflows a line is dropped, as ash's editor does.
			case c < 0x20 && c != '\t' && c != 0x1b && c != 0x15 && c != 4:
				// Other control bytes are dropped.
			default:
				// Escape sequences (arrow keys), ^U and ^D are the line
				// editor's.
				raw = append(raw, c)
				if t.pty {
					t.echo(c, sh)
				}
			}
			prev = c
		}
		if err != nil {
			break
		}
	}
	if len(raw) > 0 && t.err == nil {
		// A last line without its line end still runs, as ash reads it.
		if end, status, why := done(); end {
			return status, why
		}
	}
	return 0, ""
}
