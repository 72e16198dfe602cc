package ui_test

import (
	"strings"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

// A session's transcript shows every step of it in order, not only the
// shell's: an upload (SSH's scp, or a program written in the shell), an
// exploit attempt, and the SMB negotiation, tree connect and pipe, each
// with its key fields, attacker text escaped.
func TestTranscriptShowsUploadsExploitsAndSMB(t *testing.T) {
	f := newFixture(t)
	s := "smb-1"
	at := func(i int) time.Time { return now.Add(time.Duration(i) * time.Second) }
	f.seed(t,
		ev(s, "192.0.2.10", 445, at(0), event.SessionConnect, nil),
		ev(s, "192.0.2.10", 445, at(1), event.SMBNegotiate, func(e *event.Event) {
			e.Proto = "smb"
			e.SMB.Dialects = []event.Text{"NT LM 0.12", ""}
			e.SMB.Dialect = "NT LM 0.12"
			e.SMB.NativeOS = "<b>Windows</b>"
		}),
		ev(s, "192.0.2.10", 445, at(2), event.SMBTreeConnect, func(e *event.Event) {
			e.SMB.Tree, e.SMB.Status = `\\192.0.2.1\IPC$<script>x()</script>`, "STATUS_SUCCESS"
		}),
		ev(s, "192.0.2.10", 445, at(3), event.SMBPipeOpen, func(e *event.Event) { e.SMB.Pipe, e.SMB.Status = "samr", "STATUS_SUCCESS" }),
		ev(s, "192.0.2.10", 445, at(4), event.ExploitAttempt, func(e *event.Event) {
			e.CVE, e.Technique, e.Stage = "CVE-2017-0144", "eternalblue", event.StageExploit
			e.Payload, e.PayloadType, e.PayloadSize = strings.Repeat("ab", 32), "shellcode+pe", 5120
		}),
		ev(s, "192.0.2.10", 445, at(5), event.FileUpload, func(e *event.Event) {
			e.Tool, e.Filename, e.SHA256, e.UploadSize = "shell", `/tmp/<img src=x onerror=y()>`, strings.Repeat("cd", 32), 812
			e.Message = "written in the shell and run; hashed, not kept"
		}),
		ev(s, "192.0.2.10", 445, at(6), event.SessionClosed, nil),
	)
	f.login(t, token)
	code, body, _ := f.get(t, "/sessions/"+s)
	if code != 200 {
		t.Fatalf("session page: %d", code)
	}
	transcript := section(body, `id="transcript"`, "</pre>")
	want := []string{
		`# smb negotiate: offered NT LM 0.12, ""; answered NT LM 0.12; os &lt;b&gt;Windows&lt;/b&gt;`,
		`# smb tree connect \\192.0.2.1\IPC$&lt;script&gt;x()&lt;/script&gt;: STATUS_SUCCESS`,
		`# smb pipe open samr: STATUS_SUCCESS`,
		`# exploit CVE-2017-0144 eternalblue (exploit); payload shellcode&#43;pe 5120 B sha256 ` + strings.Repeat("ab", 32),
		`# upload /tmp/&lt;img src=x onerror=y()&gt; (shell, 812 B, sha256 ` + strings.Repeat("cd", 32) + `): written in the shell and run; hashed, not kept`,
		`# session.closed`,
	}
	wantInOrder(t, transcript, want)
	for _, bad := range []string{"<script>x()", "<img src=x", "<b>Windows"} {
		if strings.Contains(body, bad) {
			t.Errorf("attacker markup unescaped: %q", bad)
		}
	}
}

// The IoT-HTTP sensor's requests, the SSH door's refused public keys and
// tunnel requests, an attribution, and any kind the page has no line of
// its own for all appear in the transcript: nothing is dropped silently.
func TestTranscriptShowsHTTPSSHAndOtherKinds(t *testing.T) {
	f := newFixture(t)
	s := "mixed-1"
	at := func(i int) time.Time { return now.Add(time.Duration(i) * time.Second) }
	f.seed(t,
		ev(s, "192.0.2.11", 37215, at(0), event.SessionConnect, nil),
		ev(s, "192.0.2.11", 37215, at(1), event.HTTPRequest, func(e *event.Event) {
			e.Proto = "http"
			e.HTTP.Method, e.HTTP.URI, e.HTTP.UserAgent = "POST", "/ctrlt/DeviceUpgrade_1<svg onload=z()>", "Hello, World"
		}),
		ev(s, "192.0.2.11", 37215, at(2), event.ClientFingerprint, func(e *event.Event) {
			e.SSH.KeyType, e.SSH.KeyFingerprint = "ssh-ed25519", "SHA256:abc"
		}),
		ev(s, "192.0.2.11", 37215, at(3), event.DirectTCPIPRequest, func(e *event.Event) {
			e.SSH.TargetHost, e.SSH.TargetPort = "198.51.100.7", 25
		}),
		ev(s, "192.0.2.11", 37215, at(4), event.SessionAttributed, func(e *event.Event) { e.Family = "Mirai" }),
		ev(s, "192.0.2.11", 37215, at(5), event.AttackHTTPFlood, func(e *event.Event) { e.Message = "flood of 40 requests" }),
		ev(s, "192.0.2.11", 37215, at(6), event.SessionClosed, nil),
	)
	f.login(t, token)
	code, body, _ := f.get(t, "/sessions/"+s)
	if code != 200 {
		t.Fatalf("session page: %d", code)
	}
	transcript := section(body, `id="transcript"`, "</pre>")
	want := []string{
		`# http POST /ctrlt/DeviceUpgrade_1&lt;svg onload=z()&gt; (user agent Hello, World)`,
		`# public key offered: ssh-ed25519 SHA256:abc`,
		`# tunnel asked to 198.51.100.7:25 (refused)`,
		`# attributed: Mirai`,
		`# attack.http_flood: flood of 40 requests`,
		`# session.closed`,
	}
	wantInOrder(t, transcript, want)
	if strings.Contains(transcript, "session.connect") {
		t.Errorf("the connect event is the page's header, not a transcript line:\n%s", transcript)
	}
	if strings.Contains(body, "<svg onload") {
		t.Error("attacker markup unescaped")
	}
}

// wantInOrder fails t unless each of want is in transcript, in that order.
func wantInOrder(t *testing.T, transcript string, want []string) {
	t.Helper()
	last := -1
	for _, w := range want {
		i := strings.Index(transcript, w)
		if i < 0 {
			t.Errorf("transcript lacks %q:\n%s", w, transcript)
			continue
		}
		if i < last {
			t.Errorf("%q out of order", w)
		}
		last = i
	}
}
