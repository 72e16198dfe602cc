package smb

import (
	"context"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/testkit/eventkit"
)

// Real clients from Debian against the sensor on loopback. Each test
// skips when its tool is not installed (scripts/deps.sh installs them).

func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed", name)
	}
	return p
}

// runTool runs a tool with a deadline and returns its combined output.
func runTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s timed out; output:\n%s", name, out)
	}
	t.Logf("%s %s: err=%v\n%s", name, strings.Join(args, " "), err, out)
	return string(out)
}

// techniques returns the exploit techniques recorded, in order.
func techniques(events []event.Event) []string {
	var out []string
	for _, e := range events {
		if e.Kind == event.ExploitAttempt {
			out = append(out, techniqueOf(e))
		}
	}
	return out
}

func nmapScript(t *testing.T, script string) (string, *eventkit.Recorder) {
	nmap := needTool(t, "nmap")
	addr, col := testSensor(t, t.TempDir())
	_, port, _ := net.SplitHostPort(addr)
	out := runTool(t, nmap, "-n", "-Pn", "-sT", "-p", port, "--script", script,
		"--script-args", "smbport="+port, "127.0.0.1")
	return out, col
}

func TestNmapMS17010(t *testing.T) {
	out, col := nmapScript(t, "smb-vuln-ms17-010")
	if !strings.Contains(out, "State: VULNERABLE") {
		t.Errorf("nmap did not report VULNERABLE:\n%s", out)
	}
	if got := techniques(col.Events()); !contains(got, "ms17-010-check") {
		t.Errorf("sensor recorded techniques %v, want the ms17-010-check probe", got)
	}
}

func TestNmapDoublePulsar(t *testing.T) {
	out, col := nmapScript(t, "smb-double-pulsar-backdoor")
	if !strings.Contains(out, "State: VULNERABLE") {
		t.Errorf("nmap did not report VULNERABLE:\n%s", out)
	}
	if got := techniques(col.Events()); !contains(got, "doublepulsar-ping") {
		t.Errorf("sensor recorded techniques %v, want doublepulsar-ping", got)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// smbclientArgs are the common arguments: the sensor's port, no config
// file of the machine's, and a short timeout.
func smbclientArgs(port string, extra ...string) []string {
	return append([]string{"-p", port, "-s", "/dev/null", "-t", "10"}, extra...)
}

// TestSmbclientBenign: Samba's client listing shares and connecting IPC$
// anonymously, over SMB2 (its default) and SMBv1, is a benign session: it
// is recorded, and nothing in it is an exploit.
func TestSmbclientBenign(t *testing.T) {
	smbclient := needTool(t, "smbclient")
	addr, col := testSensor(t, t.TempDir())
	_, port, _ := net.SplitHostPort(addr)
	// Share listing over SMB2 (srvsvc through IOCTL) and SMBv1 (srvsvc
	// through the pipe transactions): a Windows 7's administrative shares.
	for _, proto := range []string{"SMB2", "NT1"} {
		out := runTool(t, smbclient, smbclientArgs(port, "-N", "-m", proto, "--option=client min protocol="+proto, "-L", "//127.0.0.1")...)
		for _, want := range []string{"IPC$            IPC       Remote IPC", "ADMIN$          Disk      Remote Admin"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s share list lacks %q", proto, want)
			}
		}
	}
	runTool(t, smbclient, smbclientArgs(port, "-N", "-m", "NT1", "--option=client min protocol=NT1", "//127.0.0.1/IPC$", "-c", "exit")...)
	waitClosed(t, col, 3)
	events := col.Events()
	if got := techniques(events); len(got) != 0 {
		t.Errorf("benign client recorded as exploit: %v", got)
	}
	var dialects []string
	for _, e := range events {
		if e.Kind == event.SMBNegotiate {
			dialects = append(dialects, e.Dialect)
		}
	}
	if len(dialects) < 3 {
		t.Errorf("want a negotiate recorded per session, got %v", dialects)
	}
}

// TestSmbclientNTLMv2 logs on with a user and password: the sensor must
// refuse it and record an NTLMv2 response that the password verifies, in
// hashcat's 5600 format.
func TestSmbclientNTLMv2(t *testing.T) {
	smbclient := needTool(t, "smbclient")
	for _, proto := range []string{"NT1", "SMB2"} {
		t.Run(proto, func(t *testing.T) {
			addr, col := testSensor(t, t.TempDir())
			_, port, _ := net.SplitHostPort(addr)
			args := smbclientArgs(port, "-U", "alice%Secret123", "-W", "CORP", "-m", proto,
				"--option=client min protocol="+proto, "//127.0.0.1/share", "-c", "exit")
			out := runTool(t, smbclient, args...)
			if !strings.Contains(out, "LOGON_FAILURE") {
				t.Errorf("smbclient was not refused:\n%s", out)
			}
			waitClosed(t, col, 1)
			var failed []event.Event
			for _, e := range col.Events() {
				if e.Kind == event.LoginFailed {
					failed = append(failed, e)
				}
			}
			if len(failed) == 0 {
				t.Fatal("no login.failed recorded")
			}
			e := failed[0]
			hash := hashOf(e)
			if e.Username != "alice" || !strings.HasPrefix(hash, "alice::CORP:") {
				t.Fatalf("recorded user %q hash %q", e.Username, hash)
			}
			if err := verifyNetNTLMv2(hash, "Secret123"); err != nil {
				t.Errorf("hash %q: %v", hash, err)
			}
		})
	}
}

// waitClosed waits for n sessions to close.
func waitClosed(t *testing.T, col *eventkit.Recorder, n int) {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for i := 0; i < n; i++ {
		select {
		case <-col.Closed:
		case <-deadline:
			t.Fatalf("%d of %d sessions closed", i, n)
		}
	}
}
