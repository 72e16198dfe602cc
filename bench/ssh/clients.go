package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"golang.org/x/crypto/ssh"
)

// sshDial connects from the next source address and logs in.
func (b *bench) sshDial(ctx context.Context) (*ssh.Client, error) {
	d := net.Dialer{LocalAddr: b.src(), Timeout: b.o.step}
	c, err := d.DialContext(ctx, "tcp", b.o.ssh)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	_ = c.SetDeadline(time.Now().Add(b.o.step))
	cc, chans, reqs, err := ssh.NewClientConn(c, b.o.ssh, &ssh.ClientConfig{
		User:            b.o.user,
		Auth:            []ssh.AuthMethod{ssh.Password(b.o.pass)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	})
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("login: %w", err)
	}
	_ = c.SetDeadline(time.Time{})
	return ssh.NewClient(cc, chans, reqs), nil
}

// sshHeld is a logged-in SSH session with an interactive shell open.
type sshHeld struct {
	c *ssh.Client
	s *ssh.Session
}

func (h *sshHeld) Close() error { h.s.Close(); return h.c.Close() }

// sshHold logs in, opens a shell with a pty and waits for its prompt.
func (b *bench) sshHold(ctx context.Context) (io.Closer, error) {
	c, err := b.sshDial(ctx)
	if err != nil {
		return nil, err
	}
	s, err := c.NewSession()
	if err != nil {
		c.Close()
		return nil, err
	}
	out, _ := s.StdoutPipe()
	if err := s.RequestPty("xterm", 24, 80, ssh.TerminalModes{}); err != nil {
		c.Close()
		return nil, err
	}
	if err := s.Shell(); err != nil {
		c.Close()
		return nil, err
	}
	if err := expect(out, "# ", b.o.step); err != nil {
		c.Close()
		return nil, fmt.Errorf("prompt: %w", err)
	}
	// Keep draining, so the server's writes never block on the window.
	go io.Copy(io.Discard, out)
	return &sshHeld{c: c, s: s}, nil
}

// sshShort logs in, runs the Mirai loader's first probe with exec and
// hangs up.
func (b *bench) sshShort(ctx context.Context) error {
	c, err := b.sshDial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		return err
	}
	out, err := s.CombinedOutput("/bin/busybox ECCHI")
	if !bytes.Contains(out, []byte("ECCHI: applet not found")) {
		return fmt.Errorf("exec: %q %v", out, err)
	}
	return nil
}

// telnetDial connects and logs in to the shell prompt.
func (b *bench) telnetDial(ctx context.Context) (net.Conn, error) {
	d := net.Dialer{LocalAddr: b.src(), Timeout: b.o.step}
	c, err := d.DialContext(ctx, "tcp", b.o.telnet)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	for _, step := range []struct{ want, send string }{{"login: ", b.o.user}, {"Password: ", b.o.pass}, {"# ", ""}} {
		if err := expect(c, step.want, b.o.step); err != nil {
			c.Close()
			return nil, fmt.Errorf("telnet %q: %w", step.want, err)
		}
		if step.send != "" {
			if _, err := io.WriteString(c, step.send+"\r\n"); err != nil {
				c.Close()
				return nil, err
			}
		}
	}
	return c, nil
}

func (b *bench) telnetHold(ctx context.Context) (io.Closer, error) {
	c, err := b.telnetDial(ctx)
	if err != nil {
		return nil, err
	}
	_ = c.SetReadDeadline(time.Time{})
	go io.Copy(io.Discard, c)
	return c, nil
}

func (b *bench) telnetShort(ctx context.Context) error {
	c, err := b.telnetDial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := io.WriteString(c, "/bin/busybox ECCHI\r\n"); err != nil {
		return err
	}
	return expect(c, "ECCHI: applet not found", b.o.step)
}

// expect reads r until want has been seen or d has passed. It reads a byte
// at a time from a small buffer: prompts are short and it must not consume
// what follows them.
func expect(r io.Reader, want string, d time.Duration) error {
	if c, ok := r.(net.Conn); ok {
		_ = c.SetReadDeadline(time.Now().Add(d))
	}
	var seen []byte
	buf := make([]byte, 1)
	timer := time.AfterFunc(d, func() {
		if c, ok := r.(io.Closer); ok {
			c.Close()
		}
	})
	defer timer.Stop()
	for {
		n, err := r.Read(buf)
		seen = append(seen, buf[:n]...)
		if bytes.Contains(seen, []byte(want)) {
			return nil
		}
		if len(seen) > 64<<10 {
			seen = seen[len(seen)-len(want):]
		}
		if err != nil {
			return errors.Join(err, fmt.Errorf("seen %q", tail(seen)))
		}
	}
}

func tail(b []byte) []byte {
	if len(b) > 200 {
		return b[len(b)-200:]
	}
	return b
}
