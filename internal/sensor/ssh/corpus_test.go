package ssh

import (
	"os"
	"strings"
	"testing"
	"time"

	xssh "golang.org/x/crypto/ssh"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/sensor"
	"github.com/honeygate/honeygate/internal/sensor/busybox"
	"github.com/honeygate/honeygate/internal/sensor/busybox/replay"
	"github.com/honeygate/honeygate/internal/sensor/login"
)

// TestCorpusOverSSH plays the shared real sessions (CC BY 4.0, kept with
// the replay package's testdata) through the SSH door, as a bot that pipes
// its lines into a shell without a pty, and checks what telnet's corpus
// test checks: a command.input for every line the shell read, every URL
// of the lines recorded as a file.download or an attack.http_flood, and
// the family the markers say. The same device must answer the same on
// both doors.
func TestCorpusOverSSH(t *testing.T) {
	if testing.Short() {
		t.Skip("plays every recorded session")
	}
	f, err := os.Open("../busybox/replay/testdata/telnet-sessions/emansih-2021.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	ss, err := replay.Load(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Login = login.Policy{Mode: login.ModeAny, MaxAttempts: 3} // the recordings kept no login pairs
	applets := map[string]bool{}
	dev, _ := busybox.NewDevice(cfg.Profile, busybox.Limits{})
	sh := dev.NewShell(t.Context())
	for _, a := range strings.Fields(string(sh.Run("busybox --list").Output)) {
		applets[a] = true
	}
	sh.Close()
	dir := t.TempDir() // one set of host keys for every session
	for _, s := range ss {
		ts := startServer(t, cfg, sensor.DefaultLimits(), dir)
		cl := dial(t, ts.addr, clientConfig("user", xssh.Password("pass")))
		sess, err := cl.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		var in strings.Builder
		for _, c := range s.Commands {
			in.WriteString(c + "\n")
		}
		sess.Stdin = strings.NewReader(in.String())
		if err := sess.Shell(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- sess.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: the shell did not finish its input", s.ID)
		}
		cl.Close()
		ts.pub.WaitKind(t, event.SessionClosed, 1)

		read, exits := 0, false
		prev := ""
		for _, c := range s.Commands {
			if l, ok := busybox.EditLine(c, prev); ok && l != "" {
				read++
				prev = l
			}
			if strings.Contains(c, "exit") {
				exits = true
				break
			}
		}
		var inputs int
		downloads, floods := map[string]bool{}, map[string]bool{}
		var closed []event.Event
		for _, e := range ts.pub.Events() {
			switch e.Kind {
			case event.CommandInput:
				inputs++
			case event.FileDownload:
				downloads[string(e.URL)] = true
			case event.AttackHTTPFlood:
				floods[string(e.TargetURL)] = true
			case event.SessionClosed:
				closed = append(closed, e)
			}
		}
		if !exits && inputs != read {
			t.Errorf("%s: %d command.input for %d lines read", s.ID, inputs, read)
		}
		for _, c := range s.Commands {
			for _, u := range replay.URLsIn(c) {
				if !replay.URLRecorded(downloads, u) && !replay.URLRecorded(floods, u) {
					t.Errorf("%s: URL %s of %q is neither a file.download nor an attack.http_flood event", s.ID, u, c)
				}
			}
			if strings.Contains(c, "exit") {
				break
			}
		}
		if want := replay.ExpectedFamily(s, applets); want != "" && closed[0].Family != want {
			t.Errorf("%s: family %s, markers say %s", s.ID, closed[0].Family, want)
		}
	}
}
