// Package attrib attributes a honeypot session to a malware family from rules
// kept as data: rules.yaml, embedded, which an operator may replace with their
// own file. Code here knows no family; it scores evidence.
//
// Each rule names a family, a weight and one kind of evidence (destination
// ports, login credentials, a pattern over command lines, over payload
// URLs, over the unknown applet names a session probed BusyBox with, over
// what a client calls itself, an SMB tree path, an HTTP header or the name
// of an exploit technique a sensor recognised, or a count of named
// logins), and may be limited to sessions of some sensor protocols (a
// count of logins means a password guesser on SMB, not on telnet), or
// marked a fallback, which counts only evidence no other rule of its kind
// matches (a made-up BusyBox applet that no family's marker rule knows).
// A rule counts once per session however often it matches. A
// session's family is the one with the highest total score of behaviour
// (everything but ports and credentials), provided it reaches min_score; a later family replaces
// the current one only with a strictly higher score, so ties keep the
// first attribution.
//
// Ports and credentials are hints, never behaviour: crawlers of every kind
// share the IoT worms' default passwords and ports. A session with only
// hints stays Unknown, and Hint names the family they point to.
package attrib

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/honeygate/honeygate/internal/event"
)

// Unknown is the family of a session that no rule attributed: the one
// spelling, event.FamilyUnknown.
const Unknown = event.FamilyUnknown

// Observation is one thing a session did that rules can match. Sensors call
// Tracker.Observe with one observation per step; unset fields match nothing.
type Observation struct {
	Port     int    // destination port, observed once at connect
	Proto    string // the sensor's protocol (one of Protocols), observed once at connect
	Login    bool   // a login attempt: Username and Password are set
	Username string //
	Password string //
	Input    string // one shell command line as typed
	URL      string // a payload URL the attacker asked for
	Marker   string // an unknown applet name the session asked BusyBox for ("/bin/busybox ECCHI")
	Client   string // what the client says it is: SMB NativeOS or NativeLanMan, an HTTP User-Agent
	Tree     string // an SMB tree connect path (\\host\share)
	Header   string // one HTTP request header as "Name: value"
	Exploit  string // the name of an exploit technique a sensor recognised
}

// Protocols are the sensor protocols a rule's protocols condition may
// name: the sensors' Proto() values. attrib may not import the sensors,
// so the list is kept here; a sensor added later appends its name.
var Protocols = []string{"telnet", "ssh", "smb", "iot-http"}

//go:embed rules.yaml
var defaultRules []byte

// Rules is a parsed, immutable rule set, safe for concurrent use.
type Rules struct {
	rules    []rule
	minScore int
}

type rule struct {
	id, family, reason string
	weight             int
	ports              map[int]bool
	creds              map[string]bool // "user\x00pass"
	input, url, marker *regexp.Regexp
	client, tree       *regexp.Regexp
	header, exploit    *regexp.Regexp
	logins             int             // named logins in one session
	hint               bool            // ports and credentials: they never attribute alone
	kind               string          // the evidence's field name, for fallback
	protos             map[string]bool // nil: any protocol; else only sessions on these
	fallback           bool            // counts only evidence no other rule of kind matches
}

type fileRule struct {
	ID          string   `yaml:"id"`
	Family      string   `yaml:"family"`
	Weight      int      `yaml:"weight"`
	Reason      string   `yaml:"reason"`
	Ports       []int    `yaml:"ports"`
	Credentials []string `yaml:"credentials"`
	Input       string   `yaml:"input"`
	URL         string   `yaml:"url"`
	Marker      string   `yaml:"marker"`
	Client      string   `yaml:"client"`
	Tree        string   `yaml:"tree"`
	Header      string   `yaml:"header"`
	Exploit     string   `yaml:"exploit"`
	Logins      int      `yaml:"logins"`
	Protocols   []string `yaml:"protocols"` // a condition, not evidence: only sessions on these sensor protocols
	Fallback    bool     `yaml:"fallback"`  // only evidence no other rule of the same kind matches
	Source      string   `yaml:"source"`    // where the evidence comes from (a write-up), for analysts
}

type file struct {
	MinScore int        `yaml:"min_score"`
	Rules    []fileRule `yaml:"rules"`
}

// Default returns the embedded rule set. It panics only if the embedded file
// is broken, which a test guards.
func Default() *Rules {
	r, err := Parse(defaultRules)
	if err != nil {
		panic("attrib: embedded rules.yaml: " + err.Error())
	}
	return r
}

// Load reads and parses a rules file.
func Load(path string) (*Rules, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("attrib: %w", err)
	}
	r, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("attrib: %s: %w", path, err)
	}
	return r, nil
}

// Parse parses a rules document; it reports every bad rule, not just the first.
func Parse(b []byte) (*Rules, error) {
	var f file
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	r := &Rules{minScore: f.MinScore}
	if r.minScore <= 0 {
		r.minScore = 1
	}
	var errs []error
	seen := map[string]bool{}
	for i, fr := range f.Rules {
		rl, err := compile(fr)
		if err == nil && seen[fr.ID] {
			err = errors.New("duplicate id")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("rule %d (%s): %w", i+1, fr.ID, err))
			continue
		}
		seen[fr.ID] = true
		r.rules = append(r.rules, rl)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return r, nil
}

func compile(fr fileRule) (rule, error) {
	rl := rule{id: fr.ID, family: fr.Family, reason: fr.Reason, weight: fr.Weight}
	switch {
	case fr.ID == "":
		return rl, errors.New("id is required")
	case fr.Family == "" || fr.Family == Unknown:
		return rl, errors.New("family is required and may not be \"unknown\"")
	case fr.Weight <= 0:
		return rl, errors.New("weight must be positive")
	case fr.Reason == "":
		return rl, errors.New("reason is required: analysts read it")
	}
	kinds := 0
	if len(fr.Ports) > 0 {
		kinds++
		rl.kind = "ports"
		rl.ports = map[int]bool{}
		for _, p := range fr.Ports {
			if p <= 0 || p > 65535 {
				return rl, fmt.Errorf("port %d out of range", p)
			}
			rl.ports[p] = true
		}
	}
	if len(fr.Credentials) > 0 {
		kinds++
		rl.kind = "credentials"
		rl.creds = map[string]bool{}
		for _, c := range fr.Credentials {
			user, pass, ok := strings.Cut(c, ":")
			if !ok || user == "" {
				return rl, fmt.Errorf("credential %q: want user:password (password may be empty)", c)
			}
			rl.creds[user+"\x00"+pass] = true
		}
	}
	var err error
	if fr.Input != "" {
		kinds++
		rl.kind = "input"
		if rl.input, err = regexp.Compile(fr.Input); err != nil {
			return rl, fmt.Errorf("input: %w", err)
		}
	}
	if fr.URL != "" {
		kinds++
		rl.kind = "url"
		if rl.url, err = regexp.Compile(fr.URL); err != nil {
			return rl, fmt.Errorf("url: %w", err)
		}
	}
	if fr.Marker != "" {
		kinds++
		rl.kind = "marker"
		if rl.marker, err = regexp.Compile(fr.Marker); err != nil {
			return rl, fmt.Errorf("marker: %w", err)
		}
	}
	for _, p := range []struct {
		src  string
		dst  **regexp.Regexp
		name string
	}{{fr.Client, &rl.client, "client"}, {fr.Tree, &rl.tree, "tree"}, {fr.Header, &rl.header, "header"}, {fr.Exploit, &rl.exploit, "exploit"}} {
		if p.src == "" {
			continue
		}
		kinds++
		rl.kind = p.name
		if *p.dst, err = regexp.Compile(p.src); err != nil {
			return rl, fmt.Errorf("%s: %w", p.name, err)
		}
	}
	if fr.Logins < 0 {
		return rl, errors.New("logins must be positive")
	}
	if fr.Logins > 0 {
		kinds++
		rl.kind = "logins"
		rl.logins = fr.Logins
	}
	if kinds != 1 {
		return rl, errors.New("exactly one of ports, credentials, input, url, marker, client, tree, header, exploit, logins is required")
	}
	for _, p := range fr.Protocols {
		if !slices.Contains(Protocols, p) {
			return rl, fmt.Errorf("protocols: %q is not a sensor protocol (want %s)", p, strings.Join(Protocols, ", "))
		}
		if rl.protos == nil {
			rl.protos = map[string]bool{}
		}
		rl.protos[p] = true
	}
	rl.fallback = fr.Fallback
	rl.hint = rl.ports != nil || rl.creds != nil
	return rl, nil
}

// Len returns the number of rules.
func (r *Rules) Len() int { return len(r.rules) }

// Tracker accumulates one session's evidence. Not safe for concurrent use;
// one per session. It allocates little until a rule matches, since a sensor
// holds thousands of idle sessions.
type Tracker struct {
	r       *Rules
	hits    []hit
	family  string
	hint    string
	reasons []string
	logins  int    // named logins observed
	proto   string // the session's sensor protocol, once observed
}

type hit struct {
	rule     int
	evidence string
}

// NewTracker starts tracking a new session.
func (r *Rules) NewTracker() *Tracker { return &Tracker{r: r, family: Unknown} }

// Family returns the family attributed so far (Unknown if none).
func (t *Tracker) Family() string { return t.family }

// Hint returns the family the session's hints (credentials, ports) point
// to, or "" if none; it is what the family would be on hints alone.
func (t *Tracker) Hint() string { return t.hint }

// Reasons returns, for the current family, why: one line per matched rule of
// that family, in the order they matched, hints marked as such. While the
// family is Unknown, the hints' lines, if any, else nil. The caller must
// not modify it.
func (t *Tracker) Reasons() []string { return t.reasons }

// Observe matches o against every rule not yet matched and reports whether
// the session's family changed. Reasons may grow without a change of family;
// sensors report the final reasons when the session closes.
func (t *Tracker) Observe(o Observation) bool {
	if o.Login && o.Username != "" {
		t.logins++
	}
	if t.proto == "" {
		t.proto = o.Proto
	}
	matched := false
	for i := range t.r.rules {
		rl := &t.r.rules[i]
		if t.has(i) || rl.protos != nil && !rl.protos[t.proto] {
			continue
		}
		if rl.fallback && t.r.claimed(rl.kind, o, t.logins, t.proto) {
			continue
		}
		if ev, ok := rl.match(o, t.logins); ok {
			t.hits = append(t.hits, hit{rule: i, evidence: ev})
			matched = true
		}
	}
	if !matched {
		return false
	}
	return t.decide()
}

// claimed reports whether a rule of kind that is no fallback, and applies
// to the session's protocol, matches o,
// whether or not it already counted in this session: a fallback rule
// stands aside for evidence another rule explains, so one marker is not
// counted twice. It runs only for fallback rules, which are few.
func (r *Rules) claimed(kind string, o Observation, logins int, proto string) bool {
	for i := range r.rules {
		rl := &r.rules[i]
		if rl.kind != kind || rl.fallback || rl.protos != nil && !rl.protos[proto] {
			continue
		}
		if _, ok := rl.match(o, logins); ok {
			return true
		}
	}
	return false
}

func (t *Tracker) has(i int) bool {
	for _, h := range t.hits {
		if h.rule == i {
			return true
		}
	}
	return false
}

func (rl *rule) match(o Observation, logins int) (string, bool) {
	switch {
	case rl.ports != nil:
		if o.Port != 0 && rl.ports[o.Port] {
			return fmt.Sprintf("port %d", o.Port), true
		}
	case rl.creds != nil:
		if o.Login && rl.creds[o.Username+"\x00"+o.Password] {
			return fmt.Sprintf("credential %s:%s", o.Username, o.Password), true
		}
	case rl.input != nil:
		if o.Input != "" {
			if m := rl.input.FindString(o.Input); m != "" {
				return fmt.Sprintf("input %q", clip(m)), true
			}
		}
	case rl.url != nil:
		if o.URL != "" && rl.url.MatchString(o.URL) {
			return fmt.Sprintf("url %q", clip(o.URL)), true
		}
	case rl.marker != nil:
		if o.Marker != "" && rl.marker.MatchString(o.Marker) {
			return fmt.Sprintf("marker %q", clip(o.Marker)), true
		}
	case rl.client != nil:
		if o.Client != "" && rl.client.MatchString(o.Client) {
			return fmt.Sprintf("client %q", clip(o.Client)), true
		}
	case rl.tree != nil:
		if o.Tree != "" && rl.tree.MatchString(o.Tree) {
			return fmt.Sprintf("tree %q", clip(o.Tree)), true
		}
	case rl.header != nil:
		if o.Header != "" {
			if m := rl.header.FindString(o.Header); m != "" {
				return fmt.Sprintf("header %q", clip(m)), true
			}
		}
	case rl.exploit != nil:
		if o.Exploit != "" && rl.exploit.MatchString(o.Exploit) {
			return fmt.Sprintf("exploit %s", o.Exploit), true
		}
	case rl.logins > 0:
		if o.Login && logins >= rl.logins {
			return fmt.Sprintf("%d logins", logins), true
		}
	}
	return "", false
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "..."
	}
	return s
}

// decide recomputes the family from all hits: behaviour decides, hints
// only name a hint.
func (t *Tracker) decide() bool {
	scores, hints := map[string]int{}, map[string]int{}
	var order, hintOrder []string
	for _, h := range t.hits {
		rl := &t.r.rules[h.rule]
		m, o := scores, &order
		if rl.hint {
			m, o = hints, &hintOrder
		}
		if _, ok := m[rl.family]; !ok {
			*o = append(*o, rl.family)
		}
		m[rl.family] += rl.weight
	}
	t.hint = ""
	for _, f := range hintOrder {
		if t.hint == "" || hints[f] > hints[t.hint] {
			t.hint = f
		}
	}
	best, bestScore := t.family, scores[t.family]
	for _, f := range order {
		if scores[f] > bestScore {
			best, bestScore = f, scores[f]
		}
	}
	if bestScore < t.r.minScore {
		best = Unknown
	}
	var reasons []string
	for _, h := range t.hits {
		rl := &t.r.rules[h.rule]
		switch {
		case best != Unknown && rl.family == best && rl.hint:
			reasons = append(reasons, fmt.Sprintf("hint %s: %s [%s]", rl.id, rl.reason, h.evidence))
		case best != Unknown && rl.family == best:
			reasons = append(reasons, fmt.Sprintf("%s (+%d): %s [%s]", rl.id, rl.weight, rl.reason, h.evidence))
		case best == Unknown && rl.hint:
			reasons = append(reasons, fmt.Sprintf("hint %s (%s): %s [%s]", rl.id, rl.family, rl.reason, h.evidence))
		}
	}
	changed := best != t.family
	t.family, t.reasons = best, reasons
	return changed
}
