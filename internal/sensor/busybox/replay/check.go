package replay

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// Problem is one way a replayed line was not answered as a BusyBox device
// would answer it.
type Problem struct {
	Session string
	Line    string
	What    string
}

func (p Problem) String() string { return fmt.Sprintf("%s: %q: %s", p.Session, p.Line, p.What) }

// Oracle is real ash (Debian's busybox), used only to parse a line with
// sh -n: it never runs a recorded line.
type Oracle struct{ path string }

// NewOracle finds busybox on PATH.
func NewOracle() (*Oracle, error) {
	p, err := exec.LookPath("busybox")
	if err != nil {
		return nil, fmt.Errorf("replay: no busybox to judge syntax with (apt-get install -y busybox): %w", err)
	}
	return &Oracle{p}, nil
}

// Parses reports whether real ash parses text without a syntax error.
func (o *Oracle) Parses(ctx context.Context, text string) bool {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, o.path, "sh", "-n", "-c", text)
	cmd.Env = []string{"PATH=/nonexistent"} // nothing to find even if -n were ignored
	cmd.Dir = "/"
	return cmd.Run() == nil
}

// fingerprints are answers no BusyBox device gives.
var fingerprints = []string{"command not found", "panic", "%!", "runtime error", "<nil>", "-bash:"}

// maxStep is how long one line may take (sleeps included).
const maxStep = 3 * time.Second

// Check judges a replayed session: each line answered in bounded time,
// no answer a fingerprint of a fake, the syntax verdict the same as real
// ash's (when o is not nil), every URL written on a line recorded as a
// download or a flood target.
func Check(ctx context.Context, r Result, o *Oracle) []Problem {
	var ps []Problem
	add := func(line, format string, a ...any) {
		ps = append(ps, Problem{r.Session.ID, line, fmt.Sprintf(format, a...)})
	}
	recorded := map[string]bool{}
	pending := ""
	for _, st := range r.Steps {
		if st.Took > maxStep {
			add(st.Line, "took %v", st.Took)
		}
		if st.Running && st.Limit != "" {
			// A real bot's line that the device cannot finish: it hangs
			// where a device would have answered.
			add(st.Line, "still running: hit the shell's %s budget", st.Limit)
		}
		for _, fp := range fingerprints {
			if strings.Contains(st.Output, fp) {
				add(st.Line, "answer %q contains %q", clipString(st.Output, 200), fp)
			}
		}
		for _, d := range st.Downloads {
			recorded[d.URL] = true
		}
		for _, f := range st.Floods {
			recorded[f.URL] = true
		}
		text := st.Line
		if pending != "" {
			text = pending + "\n" + st.Line
		}
		pending = ""
		if st.Continue {
			pending = text
		}
		if o != nil && !st.Secret && st.Line != "" && !st.Continue {
			ours := !strings.HasPrefix(st.Output, "sh: syntax error")
			if real := o.Parses(ctx, text); real != ours {
				add(text, "real ash parses it: %v, the device: %v (%q)", real, ours, clipString(st.Output, 200))
			}
		}
	}
	for _, st := range r.Steps {
		for _, u := range URLsIn(st.Line) {
			if !URLRecorded(recorded, u) {
				add(st.Line, "URL %s not recorded", u)
			}
		}
	}
	return ps
}

func clipString(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

var (
	markerRE     = regexp.MustCompile(`busybox\s+([A-Za-z][A-Za-z0-9]*)\b`)
	randomToken  = regexp.MustCompile(`^[A-Z]{4,8}$`)
	hajimeStage1 = regexp.MustCompile(`\./\.s\s*>\s*\.i\b`)
)

// ExpectedFamily is what the markers in a session's lines say, read
// independently of the attribution rules: Mirai's and Satori's own
// tokens, Qbot's, a made-up upper-case token (Mirai's check, kept by its
// descendants), the .s loaders' 52-byte ELF header read; Hajime's stage 1
// (./.s>.i) wins over the Mirai tokens it copied. applets are the device's
// applet names (not markers). "" when the lines carry no marker.
func ExpectedFamily(s Session, applets map[string]bool) string {
	fam := ""
	for _, c := range s.Commands {
		if hajimeStage1.MatchString(c) {
			return "hajime"
		}
	}
	for _, c := range s.Commands {
		for _, m := range markerRE.FindAllStringSubmatch(c, -1) {
			tok := m[1]
			low := strings.ToLower(tok)
			switch {
			case applets[tok]:
			case low == "satori" || low == "okiru":
				return "satori"
			case strings.HasPrefix(low, "qbot"):
				return "gafgyt"
			case low == "mirai" || low == "ecchi" || low == "ihcce", randomToken.MatchString(tok):
				fam = "mirai"
			}
		}
		if strings.Contains(c, "dd bs=52 count=1 if=.s") {
			fam = "mirai"
		}
	}
	return fam
}

// URLRecorded reports whether u, a URL written on a line, is in recorded:
// as written, or, for one written with an expansion (http://h/$(uname -m)),
// expanded (a recorded URL starts with the text before the expansion).
func URLRecorded(recorded map[string]bool, u string) bool {
	if recorded[u] {
		return true
	}
	i := strings.IndexAny(u, "$`")
	if i < 0 {
		return false
	}
	for r := range recorded {
		if strings.HasPrefix(r, u[:i]) {
			return true
		}
	}
	return false
}
