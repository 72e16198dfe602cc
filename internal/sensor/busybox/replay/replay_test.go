package replay

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/sensor/busybox"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts from what the device does now")

// corpus is the shared real set (CC BY 4.0, see testdata/telnet-sessions/README.md).
const corpus = "testdata/telnet-sessions/emansih-2021.jsonl"

func loadCorpus(t *testing.T) []Session {
	t.Helper()
	f, err := os.Open(corpus)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ss, err := Load(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) < 100 {
		t.Fatalf("%d sessions", len(ss))
	}
	return ss
}

func device(t *testing.T) *busybox.Device {
	t.Helper()
	d, err := busybox.NewDevice(busybox.DefaultProfile(), busybox.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	// A fixed clock: date and uptime answer the same in every run.
	return d.WithClock(func() time.Time { return time.Date(2021, 3, 20, 1, 48, 55, 0, time.UTC) })
}

// TestCorpus replays every recorded session: each line gets an answer in
// bounded time that real ash would agree with as to syntax, no answer is a
// fingerprint of a fake, every URL written on a line is recorded (as a
// download, or as a flood target), and the family agrees with the markers.
// The transcripts are kept as a golden file.
func TestCorpus(t *testing.T) {
	ss := loadCorpus(t)
	dev := device(t)
	orc, err := NewOracle()
	if err != nil {
		t.Log(err, "- syntax is not checked against real ash")
	}
	applets := map[string]bool{}
	for _, a := range applets2(t, dev) {
		applets[a] = true
	}
	var golden bytes.Buffer
	lines := 0
	for _, s := range ss {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		r := Play(ctx, dev, nil, s)
		for _, p := range Check(ctx, r, orc) {
			t.Error(p)
		}
		cancel()
		lines += len(r.Steps)
		if want := ExpectedFamily(s, applets); want != "" && r.Family != want {
			t.Errorf("%s: family %s, markers say %s (%q)", s.ID, r.Family, want, r.Reasons)
		}
		golden.WriteString(Render(r, 300))
		golden.WriteString("\n")
	}
	t.Logf("%d sessions, %d lines, real ash as judge: %v", len(ss), lines, orc != nil)
	compareGolden(t, "testdata/corpus.golden", golden.Bytes())
}

func applets2(t *testing.T, dev *busybox.Device) []string {
	sh := dev.NewShell(context.Background())
	defer sh.Close()
	return strings.Fields(string(sh.Run("busybox --list").Output))
}

// TestGaps replays, for each fidelity gap of issue 7, real lines that hit
// it (testdata/gaps/*.txt: one typed line a line, # comments, "!login
// USER PASS" for the credential), as golden transcripts.
func TestGaps(t *testing.T) {
	files, _ := filepath.Glob("testdata/gaps/*.txt")
	if len(files) == 0 {
		t.Fatal("no gap files")
	}
	dev := device(t)
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			s := Session{ID: name, Weight: 1, CredentialsUnknown: true}
			for _, l := range strings.Split(strings.TrimRight(string(src), "\n"), "\n") {
				switch {
				case strings.HasPrefix(l, "#"):
					continue
				case strings.HasPrefix(l, "!login "):
					user, pass, _ := strings.Cut(strings.TrimPrefix(l, "!login "), " ")
					s.Username, s.Password, s.CredentialsUnknown = user, pass, false
					continue
				}
				s.Commands = append(s.Commands, l)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			r := Play(ctx, dev, nil, s)
			compareGolden(t, strings.TrimSuffix(f, ".txt")+".golden", []byte(Render(r, 600)))
		})
	}
}

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(want, got) {
		wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
		for i := 0; i < max(len(wl), len(gl)); i++ {
			var w, g string
			if i < len(wl) {
				w = wl[i]
			}
			if i < len(gl) {
				g = gl[i]
			}
			if w != g {
				t.Fatalf("%s differs at line %d (run with -update to accept):\n- %s\n+ %s", path, i+1, w, g)
			}
		}
	}
}

// TestCorpusEveryArch replays the corpus on a device of each CPU a
// profile may claim: no problem may depend on the architecture.
func TestCorpusEveryArch(t *testing.T) {
	if testing.Short() {
		t.Skip("replays the corpus once per architecture")
	}
	ss := loadCorpus(t)
	for _, arch := range busybox.Arches() {
		p := busybox.DefaultProfile()
		p.Arch = arch
		dev, err := busybox.NewDevice(p, busybox.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range ss {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			r := Play(ctx, dev, nil, s)
			for _, pr := range Check(ctx, r, nil) {
				t.Errorf("%s: %s", arch, pr)
			}
			cancel()
		}
	}
}
