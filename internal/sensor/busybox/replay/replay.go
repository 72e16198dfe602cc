// Package replay plays recorded bot sessions (what real bots typed after
// logging in to a honeypot) against the emulated BusyBox device, and
// reports what the device answered, what it recorded and which family the
// attribution rules gave each session. It is the harness for judging the
// device against real traffic: its tests replay the shared corpus, and
// tools/bbreplay prints a report for any recording of the same format.
//
// It is not a honeypot: nothing here listens or publishes events, and the
// lines are fed to the shell as a telnet session would feed them (after
// its line editing), without the telnet protocol around them.
package replay

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/honeygate/honeygate/internal/attrib"
	"github.com/honeygate/honeygate/internal/sensor/busybox"
)

// Session is one recorded session: the JSON lines format of the shared
// corpus (one object per session).
type Session struct {
	Source   string   `json:"source"`
	ID       string   `json:"session"`
	Username string   `json:"username"`
	Password string   `json:"password"`
	Commands []string `json:"commands"`
	DstPort  *int     `json:"dst_port"`
	OrigURLs []string `json:"orig_urls"`
	Weight   float64  `json:"weight"`
	// CredentialsUnknown: the recording kept no login pair.
	CredentialsUnknown bool `json:"credentials_unknown"`
}

// Bounds on what Load accepts: a recording is test data, not a stream.
const (
	maxSessions = 100000
	maxLineLen  = 1 << 20
)

// Load reads sessions, one JSON object a line.
func Load(r io.Reader) ([]Session, error) {
	var out []Session
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLineLen)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var s Session
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			return nil, fmt.Errorf("replay: line %d: %w", n, err)
		}
		if len(out) >= maxSessions {
			return nil, fmt.Errorf("replay: more than %d sessions", maxSessions)
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	return out, nil
}

// defaultRules parses the embedded rules once.
var defaultRules = sync.OnceValue(attrib.Default)

// Step is one line typed and what the device did with it.
type Step struct {
	Typed     string // as recorded
	Line      string // after the terminal's line editing: what the shell read
	Output    string
	Prompt    string // shown after the answer
	Continue  bool
	Secret    bool
	Exited    bool
	Limit     string // the shell budget the line hit, if any
	Running   bool   // the line is still "running" after its answer (it hit a budget in the foreground)
	Took      time.Duration
	Downloads []busybox.Download
	Floods    []busybox.Flood
	Markers   []string
}

// Result is a replayed session.
type Result struct {
	Session Session
	Steps   []Step
	Family  string
	Hint    string
	Reasons []string
}

// Play replays s on a fresh shell of dev, with attribution by rules (nil
// means attrib.Default()). Lines after the shell exited are not played.
func Play(ctx context.Context, dev *busybox.Device, rules *attrib.Rules, s Session) Result {
	if rules == nil {
		rules = defaultRules()
	}
	tr := rules.NewTracker()
	if s.DstPort != nil {
		tr.Observe(attrib.Observation{Port: *s.DstPort})
	}
	if !s.CredentialsUnknown && s.Username != "" {
		tr.Observe(attrib.Observation{Login: true, Username: s.Username, Password: s.Password})
	}
	sh := dev.NewShell(ctx)
	defer sh.Close()
	res := Result{Session: s}
	for _, typed := range s.Commands {
		line, ok := busybox.EditLine(typed, sh.LastLine())
		if !ok || line == "" && !sh.Waiting() {
			res.Steps = append(res.Steps, Step{Typed: typed, Prompt: sh.Prompt()})
			continue
		}
		start := time.Now()
		r := sh.Run(line)
		st := Step{Typed: typed, Line: line, Output: string(r.Output), Prompt: sh.Prompt(), Continue: r.Continue,
			Secret: r.Secret, Exited: r.Exited, Limit: r.Limit, Running: r.Running, Took: time.Since(start), Markers: append([]string(nil), r.Markers...),
			Downloads: append([]busybox.Download(nil), r.Downloads...), Floods: append([]busybox.Flood(nil), r.Floods...)}
		if !r.Secret {
			tr.Observe(attrib.Observation{Input: line})
		}
		for _, m := range r.Markers {
			tr.Observe(attrib.Observation{Marker: m})
		}
		for _, d := range r.Downloads {
			tr.Observe(attrib.Observation{URL: d.URL})
		}
		res.Steps = append(res.Steps, st)
		if r.Exited || r.Limited {
			break
		}
	}
	res.Family, res.Hint, res.Reasons = tr.Family(), tr.Hint(), append([]string(nil), tr.Reasons()...)
	return res
}

// urlInLineRE finds the URLs a line names, with or without a scheme after
// a fetcher (wget host/path).
var urlInLineRE = regexp.MustCompile(`(?i)\b(?:https?|ftp|tftp)://[^\s'"<>;|&)\\]+`)

// URLsIn lists the URLs written in a line with their scheme.
func URLsIn(line string) []string {
	return urlInLineRE.FindAllString(line, -1)
}
