package ssh

import (
	"fmt"
	"io"
	"strings"

	xssh "golang.org/x/crypto/ssh"

	"github.com/honeygate/honeygate/internal/attrib"
	"github.com/honeygate/honeygate/internal/event"
)

const (
	// maxLine is the longest line kept; the rest of a longer line is
	// dropped, as ash's line editor does.
	maxLine = 8 << 10
	// readBufSize is small on purpose: bots send short lines, and thousands
	// of idle sessions must fit in little memory.
	readBufSize = 512
)

// runLine runs one line in sh, records it (command.input, file.download,
// session.attributed) and reports whether the session is over its command
// limit. The events are published before the answer is written.
func (ss *session) runLine(sh Shell, line string) (Result, bool) {
	r := sh.Run(line)
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.commands++
	ss.observe(attrib.Observation{Input: line})
	for _, d := range r.Downloads {
		ss.observe(attrib.Observation{URL: d.URL})
	}
	e := ss.event(event.CommandInput)
	e.Input = event.Text(line)
	e.Output = event.Text(event.Truncate(string(r.Output), 1024))
	ss.emit(e)
	for _, d := range r.Downloads {
		ss.emit(downloadEvent(ss.event(event.FileDownload), d))
	}
	ss.flushAttribution()
	limited := r.Limited || (ss.s.limits.MaxCommands > 0 && ss.commands >= ss.s.limits.MaxCommands)
	return r, limited
}

// exec runs the command of an exec request as Dropbear does (sh -c): each
// line in turn in one shell, without prompts or echo. It returns the exit
// status and, when the session must end, why.
func (ss *session) exec(ch xssh.Channel, cmd string) (uint32, string) {
	if mode, target, ok := isSCP(cmd); ok {
		if ss.recordOnly(cmd) {
			return 1, "command limit"
		}
		return ss.scp(ch, mode, target), ""
	}
	sh := ss.s.newShell(ss.ctx)
	defer sh.Close()
	var r Result
	lines := strings.Split(cmd, "\n")
	if len(lines) > 1 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for _, line := range lines {
		line = strings.TrimSuffix(line, "\r")
		if line == "" && !r.Continue {
			continue
		}
		if len(line) > maxLine {
			line = line[:maxLine]
		}
		var limited bool
		r, limited = ss.runLine(sh, line)
		if !r.Continue {
			if _, err := ch.Write(r.Output); err != nil {
				return 1, ""
			}
		}
		if limited {
			return 1, "command limit"
		}
		if r.Exited {
			return 0, ""
		}
	}
	if r.Continue {
		// ash -c with an unfinished last line.
		_, _ = io.WriteString(ch.Stderr(), "sh: syntax error: unexpected end of file\n")
		return 2, ""
	}
	return 0, ""
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
// no prompt, no echo, and the session ends at end of input.
func (ss *session) interactive(ch xssh.Channel, pty *ptyRequest) (uint32, string) {
	sh := ss.s.newShell(ss.ctx)
	defer sh.Close()
	t := &terminal{ch: ch, pty: pty != nil}
	if t.pty {
		t.writeString(fmt.Sprintf("\n\nBusyBox v%s built-in shell (ash)\nEnter 'help' for a list of built-in commands.\n\n", ss.s.busyboxBanner()) + sh.Prompt())
	}
	buf := make([]byte, readBufSize)
	var line []byte
	var prev byte
	for t.err == nil {
		n, err := ch.Read(buf)
		for _, c := range buf[:n] {
			switch {
			case c == '\r' || c == '\n':
				// CR LF and CR NUL are one line end, as the tty makes them.
				if c == '\n' && prev == '\r' {
					break
				}
				if t.pty {
					t.writeString("\n")
				}
				if len(line) == 0 {
					// An empty line runs nothing: ash prints the prompt again.
					if t.pty {
						t.writeString(sh.Prompt())
					}
					prev = c
					continue
				}
				r, limited := ss.runLine(sh, string(line))
				line = line[:0]
				if t.pty || !r.Continue {
					t.write(r.Output)
				}
				if limited {
					return 1, "command limit"
				}
				if r.Exited {
					return 0, ""
				}
				if t.pty {
					t.writeString(sh.Prompt())
				}
			case c == 3 && t.pty: // ^C drops the line, as the tty would
				line = line[:0]
				t.writeString("^C\n" + sh.Prompt())
			case c == 4 && t.pty && len(line) == 0: // ^D at an empty prompt leaves ash
				t.writeString("\n")
				return 0, ""
			case (c == 8 || c == 0x7f) && t.pty:
				if len(line) > 0 {
					line = line[:len(line)-1]
					t.writeString("\b \b")
				}
			case c < 0x20 && c != '\t', len(line) >= maxLine:
				// Other control bytes, and what overflows a line, are dropped.
			default:
				line = append(line, c)
				if t.pty {
					t.write([]byte{c})
				}
			}
			prev = c
		}
		if err != nil {
			break
		}
	}
	if len(line) > 0 && t.err == nil {
		// A last line without its line end still runs, as ash reads it.
		r, limited := ss.runLine(sh, string(line))
		t.write(r.Output)
		if limited {
			return 1, "command limit"
		}
	}
	return 0, ""
}
