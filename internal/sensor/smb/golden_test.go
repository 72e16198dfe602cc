package smb

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/honeygate/honeygate/internal/event"
)

var update = flag.Bool("update", false, "rewrite the golden files from what the sensor records")

// TestReplayCaptures replays the client bytes of every TCP connection of
// each capture in testdata/pcap to the sensor on loopback, one connection
// after the other, and compares the events recorded with the golden file
// testdata/golden/<capture>.json.
func TestReplayCaptures(t *testing.T) {
	files, err := filepath.Glob("testdata/pcap/*.pcap")
	if err != nil || len(files) == 0 {
		t.Fatalf("no captures: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".pcap")
		t.Run(name, func(t *testing.T) {
			streams, err := readStreams(f)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			addr, col := testSensor(t, dir)
			// An empty list, not null: the patched-host capture holds no
			// TCP at all, and its golden file says so.
			got := []goldenStream{}
			for _, s := range streams {
				if len(s.Bytes) == 0 {
					continue // a connection the capture saw no client data on
				}
				_, id := replay(t, addr, col, s.Bytes)
				gs := goldenStream{Stream: s.Name, Bytes: len(s.Bytes)}
				for _, e := range col.Session(id) {
					gs.Events = append(gs.Events, normalize(t, e))
					if e.Kind == event.SessionClosed {
						// The sample is every byte the client sent.
						if h := sampleHashes(e); len(h) > 0 && h[0] != sha256Hex(s.Bytes) {
							t.Errorf("%s: sample %s is not the stream's bytes (%s)", s.Name, h[0], sha256Hex(s.Bytes))
						}
					}
				}
				got = append(got, gs)
			}
			checkSamples(t, dir, col.Events())
			compareGolden(t, filepath.Join("testdata", "golden", name+".json"), got)
		})
	}
}

type goldenStream struct {
	Stream string           `json:"stream"`
	Bytes  int              `json:"bytes"`
	Events []map[string]any `json:"events"`
}

// normalize drops what differs between runs: ids, times, the session id,
// the loopback ports and the duration.
func normalize(t *testing.T, e event.Event) map[string]any {
	b, err := event.Marshal(&e)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "time", "session", "src_port", "dst_port", "duration", "sensor", "src_ip", "proto"} {
		delete(m, k)
	}
	return m
}

func compareGolden(t *testing.T, path string, got any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(got); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(want, b) {
		t.Errorf("%s differs from what the sensor recorded; diff with -update:\n%s", path, firstDiff(string(want), string(b)))
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d lines", len(al), len(bl))
}

// checkSamples checks that every sample and payload an event names is a
// file of that SHA-256 in the sample directory, and not executable.
func checkSamples(t *testing.T, dir string, events []event.Event) {
	t.Helper()
	for _, e := range events {
		for _, sum := range sampleHashes(e) {
			fi, err := os.Stat(filepath.Join(dir, sum))
			if err != nil {
				t.Errorf("%s names sample %s: %v", e.Kind, sum, err)
				continue
			}
			if fi.Mode().Perm()&0o111 != 0 {
				t.Errorf("sample %s is executable: %v", sum, fi.Mode())
			}
		}
	}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
