package telnet

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/sensor/busybox"
	"github.com/honeygate/honeygate/internal/sensor/busybox/replay"
)

// TestCorpusEvents plays the shared real sessions (CC BY 4.0, kept with
// the replay package's testdata) through whole telnet sessions, pipelined
// as bots send them, and checks the events: a command.input for every line
// the shell read, every URL written on a line in a file.download event
// (and none twice as a download and a flood target), the session closed,
// and the family the markers say.
func TestCorpusEvents(t *testing.T) {
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
	cfg.Login.Mode = LoginAny // the recordings kept no login pairs
	applets := map[string]bool{}
	dev, _ := busybox.NewDevice(cfg.Profile, busybox.Limits{})
	sh := dev.NewShell(t.Context())
	for _, a := range strings.Fields(string(sh.Run("busybox --list").Output)) {
		applets[a] = true
	}
	sh.Close()
	for _, s := range ss {
		h := start(t, cfg, defaultLimits())
		h.cl.expect("login: ")
		var in strings.Builder
		in.WriteString("user\r\npass\r\n")
		for _, c := range s.Commands {
			in.WriteString(c + "\r\n")
		}
		h.cl.send(in.String())
		// The lines the shell reads, up to an exit that ends the session.
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
		// Wait for the session to read them all before the client hangs up
		// (a hang-up ends the session where it is).
		deadline := time.Now().Add(10 * time.Second)
		for len(h.pub.OfKind(event.CommandInput)) < read && len(h.pub.OfKind(event.SessionClosed)) == 0 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		h.finish(t)

		var inputs int
		downloads, floods := map[string]bool{}, map[string]bool{}
		var closed []event.Event
		for _, e := range h.pub.Events() {
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
		if len(closed) != 1 {
			t.Fatalf("%s: %d session.closed", s.ID, len(closed))
		}
		if !exits && inputs != read {
			t.Errorf("%s: %d command.input for %d lines read", s.ID, inputs, read)
		}
		for _, c := range s.Commands {
			for _, u := range replay.URLsIn(c) {
				if !replay.URLRecorded(downloads, u) && !replay.URLRecorded(floods, u) {
					t.Errorf("%s: URL %s of %q is neither a file.download nor an attack.http_flood event", s.ID, u, c)
				}
				if downloads[u] && floods[u] {
					t.Errorf("%s: URL %s is both a download and a flood target", s.ID, u)
				}
			}
			if closed[0].Message == "client exit" && strings.Contains(c, "exit") {
				break
			}
		}
		if want := replay.ExpectedFamily(s, applets); want != "" && closed[0].Family != want {
			t.Errorf("%s: family %s, markers say %s", s.ID, closed[0].Family, want)
		}
	}
}
