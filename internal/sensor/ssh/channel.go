package ssh

import (
	"strings"

	xssh "golang.org/x/crypto/ssh"

	"github.com/honeygate/honeygate/internal/event"
)

// Request payloads (RFC 4254), decoded with x/crypto's own unmarshaller.
type (
	tunnelRequest struct {
		Host     string
		Port     uint32
		OrigHost string
		OrigPort uint32
	}
	ptyRequest struct {
		Term          string
		Cols, Rows    uint32
		Width, Height uint32
		Modes         string
	}
	windowChange struct {
		Cols, Rows    uint32
		Width, Height uint32
	}
	execRequest      struct{ Command string }
	subsystemRequest struct{ Name string }
	exitStatus       struct{ Status uint32 }
)

// channel answers one channel the client asks to open.
func (ss *session) channel(nc xssh.NewChannel) {
	switch nc.ChannelType() {
	case "session":
		ss.mu.Lock()
		full := ss.channels >= maxChannels
		if !full {
			ss.channels++
		}
		ss.mu.Unlock()
		if full {
			_ = nc.Reject(xssh.ResourceShortage, "too many channels")
			return
		}
		ch, reqs, err := nc.Accept()
		if err != nil {
			ss.mu.Lock()
			ss.channels--
			ss.mu.Unlock()
			return
		}
		ss.guard(func() {
			defer func() {
				ss.mu.Lock()
				ss.channels--
				ss.mu.Unlock()
			}()
			ss.serveChannel(ch, reqs)
		})
	case "direct-tcpip":
		// A bot using the device as a proxy: the target is intel (often a
		// mail server or a web site it abuses). Never connected to.
		var t tunnelRequest
		if err := xssh.Unmarshal(nc.ExtraData(), &t); err == nil {
			ss.mu.Lock()
			if ss.tunnels < maxTunnelEvents {
				ss.tunnels++
				ss.emit(tunnelEvent(ss.event(event.DirectTCPIPRequest), t))
			}
			ss.mu.Unlock()
		}
		_ = nc.Reject(xssh.Prohibited, "")
	default:
		_ = nc.Reject(xssh.UnknownChannelType, "unknown channel type")
	}
}

// serveChannel answers a session channel's requests until it closes. The
// program the client asks for (shell, exec or sftp) runs in a goroutine
// of its own, so that window changes still arrive while it runs.
func (ss *session) serveChannel(ch xssh.Channel, reqs <-chan *xssh.Request) {
	defer ch.Close()
	var pty *ptyRequest
	started := false
	for req := range reqs {
		ok := false
		switch req.Type {
		case "pty-req":
			var p ptyRequest
			if !started && xssh.Unmarshal(req.Payload, &p) == nil {
				pty, ok = &p, true
				ss.size(int(p.Cols), int(p.Rows))
			}
		case "window-change":
			var w windowChange
			if xssh.Unmarshal(req.Payload, &w) == nil {
				ss.size(int(w.Cols), int(w.Rows))
			}
		case "shell":
			if !started {
				started, ok = true, true
				p := pty
				ss.guard(func() { ss.program(ch, func() (uint32, string) { return ss.interactive(ch, p) }) })
			}
		case "exec":
			var x execRequest
			if !started && xssh.Unmarshal(req.Payload, &x) == nil {
				started, ok = true, true
				ss.guard(func() { ss.program(ch, func() (uint32, string) { return ss.exec(ch, x.Command) }) })
			}
		case "subsystem":
			var x subsystemRequest
			if !started && xssh.Unmarshal(req.Payload, &x) == nil && x.Name == "sftp" {
				started, ok = true, true
				ss.guard(func() { ss.program(ch, func() (uint32, string) { return ss.sftp(ch), "" }) })
			}
		}
		if req.WantReply {
			_ = req.Reply(ok, nil)
		}
	}
}

// program runs a channel's program and ends the channel as sshd does: its
// exit status, then close. A program that hit the session's command limit
// ends the whole connection after that, so the client still gets the
// output and status of its last command.
func (ss *session) program(ch xssh.Channel, run func() (uint32, string)) {
	status, stop := run()
	_, _ = ch.SendRequest("exit-status", false, xssh.Marshal(exitStatus{status}))
	_ = ch.CloseWrite()
	ch.Close()
	if stop != "" {
		ss.stop(stop)
	}
}

// size records the client's terminal size, a few times per session.
func (ss *session) size(w, h int) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.sizes >= maxSizeEvents || w <= 0 || h <= 0 || w > 1<<16 || h > 1<<16 {
		return
	}
	ss.sizes++
	e := ss.event(event.ClientSize)
	e.Width, e.Height = w, h
	ss.emit(e)
}

// isSCP reports whether an exec command is an scp server and in which
// mode: 't' (sink: the client uploads) or 'f' (source).
func isSCP(cmd string) (mode byte, target string, ok bool) {
	f := strings.Fields(cmd)
	if len(f) < 2 || (f[0] != "scp" && !strings.HasSuffix(f[0], "/scp")) {
		return 0, "", false
	}
	for _, a := range f[1:] {
		switch {
		case a == "--":
		case strings.HasPrefix(a, "-"):
			if strings.ContainsRune(a, 't') {
				mode = 't'
			} else if strings.ContainsRune(a, 'f') && mode == 0 {
				mode = 'f'
			}
		default:
			target = a
		}
	}
	return mode, target, mode != 0
}
