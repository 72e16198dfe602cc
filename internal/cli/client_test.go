package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/gateway"
	"github.com/honeygate/honeygate/internal/store"
)

// Attacker input reaches the analyst's terminal through --json: no C0 or C1
// control character may come out raw, and the output stays the same JSON.
func TestPrintJSONEscapesControls(t *testing.T) {
	in := json.RawMessage(`{"input":"ls\u001b[2J\u009b31m\u0007 x"}`)
	var out bytes.Buffer
	if err := printJSON(&out, in); err != nil {
		t.Fatal(err)
	}
	for _, r := range out.String() {
		if (r < 0x20 && r != '\n') || (r >= 0x7f && r <= 0x9f) {
			t.Fatalf("control %U printed raw: %q", r, out.String())
		}
	}
	var a, b any
	json.Unmarshal(in, &a)
	if err := json.Unmarshal(out.Bytes(), &b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `\u009b`) || a.(map[string]any)["input"] != b.(map[string]any)["input"] {
		t.Errorf("output %q does not decode to the input", out.String())
	}
}

func TestPrintable(t *testing.T) {
	if got := printable("a\x1b[31mb\u009bc"); got != "a.[31mb.c" {
		t.Errorf("printable = %q", got)
	}
}

func TestDetailReflect(t *testing.T) {
	e := event.Event{Kind: event.ReflectAttack}
	e.Reflection = event.Reflection{Phase: event.PhaseEnd, Packets: 9000, BytesIn: 72000, BytesOut: 440, PeakPPS: 310, Request: "monlist\x1b[2J"}
	if got, want := detail(e), "end 9000 packets 72000 B in 440 B out, peak 310/s: monlist.[2J"; got != want {
		t.Errorf("detail %q, want %q", got, want)
	}
	s := event.Event{Kind: event.ReflectScan}
	s.Reflection = event.Reflection{Packets: 1, BytesIn: 8, BytesOut: 440, PeakPPS: 1, Request: "monlist"}
	if got, want := detail(s), "1 packets 8 B in 440 B out, peak 1/s: monlist"; got != want {
		t.Errorf("scan detail %q, want %q", got, want)
	}
}

// A block and a crawl verdict say in the list what was blocked or judged:
// they carry no session, login or command to show instead.
func TestDetailGatewayAndCrawl(t *testing.T) {
	b := event.Event{Kind: event.GatewayBlock}
	b.URL = "http://bad.example/x\x1b"
	b.Block = event.Block{Host: "bad.example", Enforcer: "proxy", Action: event.ActionBlock, IndicatorType: "host", Indicator: "bad.example", Category: "malware", Ref: "HG-1"}
	if got, want := detail(b), "proxy block http://bad.example/x.: host bad.example (malware) HG-1"; got != want {
		t.Errorf("block detail %q, want %q", got, want)
	}
	d := event.Event{Kind: event.GatewayBlock}
	d.Block = event.Block{Host: "bad.example", Enforcer: "dns", Action: event.ActionNXDomain, IndicatorType: "domain", Indicator: "bad.example", Category: "c2"}
	if got, want := detail(d), "dns nxdomain bad.example: domain bad.example (c2)"; got != want {
		t.Errorf("dns detail %q, want %q", got, want)
	}
	v := event.Event{Kind: event.CrawlVerdict}
	v.Crawl = event.Crawl{Site: "shop", Verdict: "suspicious", Page: "http://shop.example/"}
	if got, want := detail(v), "shop suspicious http://shop.example/"; got != want {
		t.Errorf("crawl detail %q, want %q", got, want)
	}
}

// The honeypots other than telnet leave their story in fields of their own:
// the list shows them, instead of an empty column (or a bare "user/" for an
// SMB logon, which has no password to show).
func TestDetailSensors(t *testing.T) {
	pw := event.Text("xc3511")
	cases := []struct {
		name string
		e    event.Event
		want string
	}{
		{"telnet login", func() event.Event {
			e := event.Event{Kind: event.LoginSuccess}
			e.Username, e.Password = "root", &pw
			return e
		}(), "root/xc3511"},
		{"smb anonymous", func() event.Event {
			e := event.Event{Kind: event.LoginSuccess}
			e.SMB.Auth = "anonymous"
			return e
		}(), "(anonymous)"},
		{"smb ntlm", func() event.Event {
			e := event.Event{Kind: event.LoginFailed}
			e.Username, e.SMB.Auth, e.HashType = "administrator", "ntlm", "netntlmv2"
			return e
		}(), "administrator (ntlm netntlmv2)"},
		{"smb negotiate", func() event.Event {
			e := event.Event{Kind: event.SMBNegotiate}
			e.SMB.Dialects, e.SMB.Dialect = []event.Text{"NT LM 0.12", "2.0.2"}, "NT LM 0.12"
			return e
		}(), "offered NT LM 0.12, 2.0.2; answered NT LM 0.12"},
		{"smb negotiate empty dialect", func() event.Event {
			e := event.Event{Kind: event.SMBNegotiate}
			e.SMB.Dialects, e.SMB.Dialect = []event.Text{"NT LM 0.12", ""}, "NT LM 0.12"
			return e
		}(), `offered NT LM 0.12, ""; answered NT LM 0.12`},
		{"smb tree", func() event.Event {
			e := event.Event{Kind: event.SMBTreeConnect}
			e.Tree, e.SMB.Status = `\\127.0.0.1\IPC$`, "STATUS_SUCCESS"
			return e
		}(), `\\127.0.0.1\IPC$ STATUS_SUCCESS`},
		{"smb pipe", func() event.Event {
			e := event.Event{Kind: event.SMBPipeOpen}
			e.Pipe = "srvsvc"
			return e
		}(), "srvsvc"},
		{"exploit", func() event.Event {
			e := event.Event{Kind: event.ExploitAttempt}
			e.CVE, e.Stage, e.Technique = "CVE-2017-0144", "probe", "ms17-010-check"
			return e
		}(), "CVE-2017-0144 probe ms17-010-check"},
		{"exploit payload", func() event.Event {
			e := event.Event{Kind: event.ExploitAttempt}
			e.Stage, e.Technique, e.Payload, e.PayloadSize, e.PayloadType = "implant", "doublepulsar-exec", "ab12", 4096, "shellcode+pe"
			return e
		}(), "implant doublepulsar-exec payload shellcode+pe 4096 B ab12"},
		{"http", func() event.Event {
			e := event.Event{Kind: event.HTTPRequest}
			e.HTTP.Method, e.URI, e.HTTP.Status = "POST", "/ctrlt/DeviceUpgrade_1\x1b", 200
			return e
		}(), "POST /ctrlt/DeviceUpgrade_1. -> 200"},
		{"ssh connect", func() event.Event {
			e := event.Event{Kind: event.SessionConnect}
			e.ClientVersion, e.HASSH = "SSH-2.0-Go", "b5752e36ba6c5979a575e43178908adf"
			return e
		}(), "SSH-2.0-Go b5752e36ba6c5979a575e43178908adf"},
		{"telnet connect", event.Event{Kind: event.SessionConnect}, ""},
		{"ssh key", func() event.Event {
			e := event.Event{Kind: event.ClientFingerprint}
			e.KeyType, e.KeyFingerprint = "ssh-ed25519", "SHA256:abc"
			return e
		}(), "ssh-ed25519 SHA256:abc"},
		{"ssh tunnel", func() event.Event {
			e := event.Event{Kind: event.DirectTCPIPRequest}
			e.TargetHost, e.TargetPort = "203.0.113.5", 25
			return e
		}(), "tunnel to 203.0.113.5:25 (refused)"},
		{"upload", func() event.Event {
			e := event.Event{Kind: event.FileUpload}
			e.Tool, e.Filename, e.UploadSize, e.SHA256 = "scp", "/tmp/x", 10, "ff00"
			return e
		}(), "scp 10 B sha256 ff00 /tmp/x"},
	}
	for _, c := range cases {
		if got := detail(c.e); got != c.want {
			t.Errorf("%s: detail %q, want %q", c.name, got, c.want)
		}
	}
}

// A top list of clients has no CLIENTS column (one client's distinct
// clients are always 1); domains and categories keep it.
func TestPrintBlocksTop(t *testing.T) {
	top := []gateway.BlockTop{{Key: "192.0.2.10", Blocks: 9, Clients: 1}}
	var b bytes.Buffer
	printBlocksTop(&b, gateway.TopByClient, top)
	if got, want := b.String(), "CLIENT\tBLOCKS\n192.0.2.10\t9\n"; got != want {
		t.Errorf("client top %q, want %q", got, want)
	}
	b.Reset()
	printBlocksTop(&b, gateway.TopByDomain, []gateway.BlockTop{{Key: "bad.example", Blocks: 3, Clients: 2}})
	if got, want := b.String(), "DOMAIN\tBLOCKS\tCLIENTS\nbad.example\t3\t2\n"; got != want {
		t.Errorf("domain top %q, want %q", got, want)
	}
}

// `honeygate session` shows what a session handed over and the steps of
// the doors without a shell, not only its commands: an SCP upload, a
// program dropped with echo, an SMB exploit probe.
func TestPrintSessionSteps(t *testing.T) {
	pw := event.Text("xc3511")
	login := event.Event{Kind: event.LoginSuccess}
	login.Username, login.Password = "root", &pw
	cmd := event.Event{Kind: event.CommandInput}
	cmd.Input = "./dvrHelper\x1b"
	up := event.Event{Kind: event.FileUpload}
	up.Tool, up.Filename, up.UploadSize, up.SHA256 = "shell", "/tmp/dvrHelper", 25, "4179"
	ex := event.Event{Kind: event.ExploitAttempt}
	ex.CVE, ex.Stage, ex.Technique = "CVE-2017-0144", "probe", "ms17-010-check"
	closed := event.Event{Kind: event.SessionClosed, Closing: event.Closing{Message: "client closed"}}
	s := store.Session{ID: "s1", Proto: "telnet", SrcIP: "192.0.2.1", SrcPort: 4000, DstPort: 23, Family: "mirai",
		Credentials: []store.Credential{{Username: "root", Password: "xc3511", Success: true}},
		Transcript:  []event.Event{login, cmd, up, ex, closed},
		Downloads:   []store.Download{{URL: "http://198.51.100.7/bins/mirai.arm", Tool: "wget"}}}
	var b bytes.Buffer
	printSession(&b, s)
	want := `session s1  telnet 192.0.2.1:4000 -> 23  family mirai
  login ok     root/xc3511
  $ ./dvrHelper.
  file.upload shell 25 B sha256 4179 /tmp/dvrHelper
  exploit.attempt CVE-2017-0144 probe ms17-010-check
  download http://198.51.100.7/bins/mirai.arm (wget)
`
	if b.String() != want {
		t.Errorf("session printed\n%s\nwant\n%s", b.String(), want)
	}
}

// An SMB null session is shown as such, not as an empty user and password.
func TestPrintSessionSMBAnonymous(t *testing.T) {
	s := store.Session{ID: "s2", Proto: "smb", SrcIP: "192.0.2.2", SrcPort: 4001, DstPort: 445, Family: "unknown",
		Credentials: []store.Credential{{Success: true}}}
	var b bytes.Buffer
	printSession(&b, s)
	if want := "session s2  smb 192.0.2.2:4001 -> 445  family unknown\n  login ok     (anonymous)\n"; b.String() != want {
		t.Errorf("printed %q, want %q", b.String(), want)
	}
}
