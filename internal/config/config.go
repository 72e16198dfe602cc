// Package config holds honeygate's configuration: its defaults, its YAML
// form, and its validation, together, so that one file documents all three.
// Each component owns its section (its settings, defaults, validation and
// listeners, as a schema.Section); this package only assembles them, and
// adds the lines of the file to the problems they report. Flags are applied
// on top by the cli package (flags win).
package config

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/honeygate/honeygate/internal/attrib"
	"github.com/honeygate/honeygate/internal/crawl"
	"github.com/honeygate/honeygate/internal/gateway"
	"github.com/honeygate/honeygate/internal/intel"
	"github.com/honeygate/honeygate/internal/schema"
	"github.com/honeygate/honeygate/internal/sensor"
	"github.com/honeygate/honeygate/internal/sensor/iothttp"
	"github.com/honeygate/honeygate/internal/sensor/reflect"
	"github.com/honeygate/honeygate/internal/sensor/smb"
	"github.com/honeygate/honeygate/internal/sensor/ssh"
	"github.com/honeygate/honeygate/internal/sensor/telnet"
	"github.com/honeygate/honeygate/internal/web"
)

// Config is the whole configuration of `honeygate serve`.
type Config struct {
	// Data is the directory where everything is kept: the SQLite store, the
	// embedded NATS JetStream files, the JSON event log, the API token.
	Data string `yaml:"data"`
	// Token is the API bearer token; empty means generate one on first start
	// and keep it in DATA/token.
	Token string `yaml:"token"`
	// NATS is the URL of an external NATS server or cluster with JetStream;
	// empty runs an embedded server.
	NATS string `yaml:"nats"`
	// Sensor names this honeypot in events (default: the host name).
	Sensor string `yaml:"sensor"`
	// Listen maps a listener name to its addresses; "off" disables it.
	Listen Listeners `yaml:"listen"`
	// Rules is a family attribution rules file; empty uses the embedded rules.
	Rules string `yaml:"rules"`
	// Limits bound what one client can make a sensor do.
	Limits sensor.Limits `yaml:"limits"`
	// Telnet is the telnet sensor's device profile and login policy.
	Telnet telnet.Config `yaml:"telnet"`
	// Reflect is the amplification reflectors' limits and answers.
	Reflect reflect.Config `yaml:"reflect"`
	// SSH is the SSH sensor's device profile, login policy, server version
	// and sample bounds.
	SSH ssh.Config `yaml:"ssh"`
	// Intel: subscribed feeds, what honeypot downloads become, how soon a
	// change is enforced.
	Intel intel.Config `yaml:"intel"`
	// Gateway is the forward proxy's and the DNS filter's policy.
	Gateway gateway.Config `yaml:"gateway"`
	// Crawl is the client honeypot: the watch list's daily round, its
	// engines and the tampering matrix.
	Crawl crawl.Config `yaml:"crawl"`
	// SMB is the SMB sensor's host identity (an unpatched Windows 7).
	SMB smb.Config `yaml:"smb"`
	// IoTHTTP is the IoT router HTTP sensor's pages and device profile.
	IoTHTTP iothttp.Config `yaml:"iot_http"`
	// Web is the API's and the dashboard's section: the users who may sign
	// in to the dashboard.
	Web web.Config `yaml:"web"`
	// Bus tunes the JetStream stream.
	Bus Bus `yaml:"bus"`
	// EventLog tunes the JSON lines event log (DATA/log/events.json).
	EventLog EventLog `yaml:"event_log"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level"`
}

// Bus tunes the JetStream stream that carries events.
type Bus struct {
	MaxAge   time.Duration `yaml:"max_age"`   // how long the stream keeps events
	MaxBytes int64         `yaml:"max_bytes"` // and how many bytes at most
	Replicas int           `yaml:"replicas"`  // on an external cluster
	// TLSCert and TLSKey are the exposed bus listener's certificate and key
	// (PEM); empty: a private CA and certificate generated in DATA/tls.
	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`
}

// minBusBytes is the smallest stream worth running: a few thousand events.
const minBusBytes = 1 << 20

// Validate implements schema.Section.
func (b Bus) Validate() schema.Errors {
	var es schema.Errors
	if b.MaxAge <= 0 {
		es.Add("max_age", "must be positive")
	}
	if b.MaxBytes < minBusBytes {
		es.Add("max_bytes", "%d is too small: at least %d (1 MiB)", b.MaxBytes, minBusBytes)
	}
	if b.Replicas < 1 || b.Replicas > 5 {
		es.Add("replicas", "must be 1 to 5")
	}
	if (b.TLSCert == "") != (b.TLSKey == "") {
		es.Add("tls_cert", "tls_cert and tls_key go together")
	}
	for _, f := range []struct{ key, path string }{{"tls_cert", b.TLSCert}, {"tls_key", b.TLSKey}} {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			es.Add(f.key, "%v", err)
		}
	}
	return es
}

// Listeners implements schema.Section: "nats" exposes the embedded NATS
// server to remote sensors; off by default.
func (Bus) Listeners() []schema.Listener {
	return []schema.Listener{{Name: "nats", Net: schema.TCP, Help: "expose the embedded NATS server to remote sensors"}}
}

// EventLog tunes the rotating JSON lines log.
type EventLog struct {
	MaxBytes int64 `yaml:"max_bytes"` // rotate when the file exceeds this
	Keep     int   `yaml:"keep"`      // rotated files to keep (0 = all)
}

// Validate implements schema.Section.
func (l EventLog) Validate() schema.Errors {
	var es schema.Errors
	if l.MaxBytes <= 0 {
		es.Add("max_bytes", "must be positive")
	}
	if l.Keep < 0 {
		es.Add("keep", "must not be negative")
	}
	return es
}

// Listeners implements schema.Section.
func (EventLog) Listeners() []schema.Listener { return nil }

// limits adapts sensor.Limits, shared by every sensor, to a section.
type limits struct{ *sensor.Limits }

func (l limits) Validate() schema.Errors      { return l.Limits.Validate() }
func (l limits) Listeners() []schema.Listener { return nil }

// sections lists the components' sections by their YAML key. A new
// component adds its section here (and a field in Config).
func (c *Config) sections() []struct {
	key string
	s   schema.Section
} {
	return []struct {
		key string
		s   schema.Section
	}{
		{"web", c.Web},
		{"bus", c.Bus},
		{"event_log", c.EventLog},
		{"limits", limits{&c.Limits}},
		{"telnet", c.Telnet},
		{"reflect", c.Reflect},
		{"ssh", c.SSH},
		{"intel", c.Intel},
		{"gateway", c.Gateway},
		{"crawl", c.Crawl},
		{"smb", c.SMB},
		{"iot_http", c.IoTHTTP},
	}
}

// ListenerSpecs returns every listener the components declare, by name.
func (c *Config) ListenerSpecs() []schema.Listener {
	var out []schema.Listener
	for _, s := range c.sections() {
		out = append(out, s.s.Listeners()...)
	}
	return out
}

// ListenerNames lists the known listener names. A name not listed is a
// configuration error, so a typo cannot silently leave a sensor off.
func ListenerNames() []string {
	c := Default()
	var names []string
	for _, l := range c.ListenerSpecs() {
		names = append(names, l.Name)
	}
	return names
}

// Listeners maps a listener name to its addresses.
type Listeners map[string][]string

// UnmarshalYAML accepts `name: addr`, `name: [addr, addr]` and `name: off`.
// A name given replaces that name's defaults; names not given keep theirs.
func (l *Listeners) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: listen: want a mapping of name to address(es)", n.Line)
	}
	out := Listeners{}
	for name, addrs := range *l {
		out[name] = addrs
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch v.Kind {
		case yaml.ScalarNode:
			out[k.Value] = []string{v.Value}
		case yaml.SequenceNode:
			var addrs []string
			if err := v.Decode(&addrs); err != nil {
				return fmt.Errorf("line %d: listen.%s: %w", v.Line, k.Value, err)
			}
			out[k.Value] = addrs
		default:
			return fmt.Errorf("line %d: listen.%s: want an address or a list of addresses", v.Line, k.Value)
		}
	}
	*l = out
	return nil
}

// Default returns the configuration `honeygate serve` runs with when given
// nothing: embedded NATS and SQLite, the API on loopback, and the telnet
// sensor on unprivileged ports (2223 for a redirect of 23, and the worm ports
// 2323 and 5358 as they are).
func Default() Config {
	host, _ := os.Hostname()
	if host == "" {
		host = "honeygate"
	}
	c := Config{
		Data:     "./honeygate-data",
		Sensor:   host,
		Listen:   Listeners{},
		Limits:   sensor.DefaultLimits(),
		Telnet:   telnet.DefaultConfig(),
		Reflect:  reflect.DefaultConfig(),
		SSH:      ssh.DefaultConfig(),
		Intel:    intel.DefaultConfig(),
		Gateway:  gateway.DefaultConfig(),
		Crawl:    crawl.DefaultConfig(),
		SMB:      smb.DefaultConfig(),
		IoTHTTP:  iothttp.DefaultConfig(),
		Web:      web.DefaultConfig(),
		Bus:      Bus{MaxAge: 30 * 24 * time.Hour, MaxBytes: 10 << 30, Replicas: 1},
		EventLog: EventLog{MaxBytes: 256 << 20, Keep: 30},
		LogLevel: "info",
	}
	for _, l := range c.ListenerSpecs() {
		if len(l.Default) > 0 {
			c.Listen[l.Name] = slices.Clone(l.Default)
		}
	}
	return c
}

// FieldError and Errors are the structured problems every section reports.
type (
	FieldError = schema.FieldError
	Errors     = schema.Errors
)

// Load reads a YAML file over the defaults. Every problem found is returned
// as Errors, each with its line, not only the first.
func Load(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return Parse(b)
}

// Parse parses a YAML document over the defaults and validates it. Every
// problem is reported, each with its line: settings of the wrong type and
// unknown keys do not hide the problems of the settings that did decode.
func Parse(b []byte) (Config, error) {
	cfg := Default()
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return cfg, Errors{syntaxError(err)}
	}
	if len(root.Content) == 0 {
		return cfg, cfg.Validate()
	}
	var es Errors
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return cfg, Errors{{Path: "(file)", Msg: err.Error()}}
		}
		// yaml.v3 decodes what it can and lists the rest; keep going, so
		// that the settings that did decode are checked too.
		for _, m := range te.Errors {
			fe := FieldError{Path: "(file)", Msg: m}
			var line int
			if _, err := fmt.Sscanf(m, "line %d:", &line); err == nil {
				fe.Line = line
				fe.Msg = strings.TrimSpace(m[strings.Index(m, ":")+1:])
			}
			unknownKey(&root, &fe)
			es = append(es, fe)
		}
	}
	if err := cfg.Validate(); err != nil {
		var ves Errors
		if !errors.As(err, &ves) {
			return cfg, err
		}
		for i := range ves {
			ves[i].Line = lineOf(&root, ves[i].Path)
		}
		es = append(es, ves...)
	}
	sort.SliceStable(es, func(i, j int) bool { return es[i].Line < es[j].Line })
	return cfg, es.Err()
}

// unknownKey rewrites yaml.v3's "field idle not found in type
// sensor.Limits", which names a Go type the user never sees, as the key's
// dotted path ("limits.idle: unknown setting") and where the settings are.
func unknownKey(root *yaml.Node, fe *FieldError) {
	var key string
	if _, err := fmt.Sscanf(fe.Msg, "field %s not found in type", &key); err != nil || fe.Line == 0 {
		return
	}
	var walk func(n *yaml.Node, path string) string
	walk = func(n *yaml.Node, path string) string {
		for i, c := range n.Content {
			p := path
			if n.Kind == yaml.MappingNode && i%2 == 1 {
				p = strings.TrimPrefix(path+"."+n.Content[i-1].Value, ".")
			}
			if n.Kind == yaml.MappingNode && i%2 == 0 && c.Line == fe.Line && c.Value == key {
				return strings.TrimPrefix(path+"."+key, ".")
			}
			if found := walk(c, p); found != "" {
				return found
			}
		}
		return ""
	}
	if p := walk(root, ""); p != "" {
		fe.Path = p
		fe.Msg = "unknown setting (docs/config.example.yaml lists every setting)"
	}
}

// syntaxError turns a YAML syntax error into a FieldError with its line.
// yaml.v3 counts the lines of its parser's errors ("did not find expected
// ...") from 0 and those of its scanner's from 1; both are given from 1.
func syntaxError(err error) FieldError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	fe := FieldError{Path: "(file)", Msg: msg}
	var line int
	if _, serr := fmt.Sscanf(msg, "line %d:", &line); serr == nil {
		fe.Msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
		if strings.HasPrefix(fe.Msg, "did not find expected") {
			line++
		}
		fe.Line = line
	}
	return fe
}

// lineOf finds the line of a dotted path ("telnet.login.accept[2]") in a
// parsed document: the line of the deepest key of the path that is there.
func lineOf(root *yaml.Node, path string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := 0
	for _, part := range strings.Split(path, ".") {
		key, idx := part, -1
		if i := strings.IndexByte(part, '['); i > 0 && strings.HasSuffix(part, "]") {
			if _, err := fmt.Sscanf(part[i:], "[%d]", &idx); err != nil {
				idx = -1
			}
			key = part[:i]
		}
		if n.Kind != yaml.MappingNode {
			return line
		}
		found := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				line, n, found = n.Content[i].Line, n.Content[i+1], true
				break
			}
		}
		if !found {
			return line
		}
		if idx >= 0 {
			if n.Kind != yaml.SequenceNode || idx >= len(n.Content) {
				return line
			}
			n = n.Content[idx]
			line = n.Line
		}
	}
	return line
}

// Validate reports every problem in cfg as Errors.
func (c *Config) Validate() error {
	var es Errors
	if strings.TrimSpace(c.Data) == "" {
		es.Add("data", "must not be empty")
	}
	if c.Token != "" && len(c.Token) < 16 {
		es.Add("token", "must be at least 16 characters (or empty to generate one)")
	}
	if c.Sensor == "" || len(c.Sensor) > 128 {
		es.Add("sensor", "must be 1 to 128 characters")
	}
	c.validateListen(&es)
	if c.NATS != "" {
		if err := checkNATSURLs(c.NATS); err != nil {
			es.Add("nats", "%v", err)
		}
		if len(c.Addrs("nats")) > 0 {
			es.Add("listen.nats", "exposes the embedded NATS server, but nats: names an external one; remove one of them")
		}
	}
	if c.Rules != "" {
		if _, err := attrib.Load(c.Rules); err != nil {
			es.Add("rules", "%v", err)
		}
	}
	for _, s := range c.sections() {
		es.Nest(s.key, s.s.Validate())
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		es.Add("log_level", "%q: want debug, info, warn or error", c.LogLevel)
	}
	return es.Err()
}

// validateListen checks each listener's name and addresses against what
// the components declare.
func (c *Config) validateListen(es *Errors) {
	specs := map[string]schema.Listener{}
	var known []string
	for _, l := range c.ListenerSpecs() {
		specs[l.Name] = l
		known = append(known, l.Name)
	}
	names := make([]string, 0, len(c.Listen))
	for name := range c.Listen {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		addrs := c.Listen[name]
		path := "listen." + name
		spec, ok := specs[name]
		if !ok {
			es.Add(path, "unknown listener %q (known: %s)", name, strings.Join(known, ", "))
			continue
		}
		if len(addrs) > 1 && !spec.Repeatable {
			es.Add(path, "takes one address")
		}
		for _, a := range addrs {
			if a == "off" {
				if len(addrs) > 1 {
					es.Add(path, `"off" cannot be combined with addresses`)
				}
				continue
			}
			if err := checkHostPort(a); err != nil {
				es.Add(path, "%q is not host:port: %v", a, err)
			}
		}
	}
	if c.web() == "" {
		es.Add("listen.web", "the web listener is required (the API is how events are read)")
	}
}

// checkHostPort accepts host:port with a numeric port in 0-65535 (0: any
// free port) or a service name the system knows.
func checkHostPort(a string) error {
	_, port, err := net.SplitHostPort(a)
	if err != nil {
		return err
	}
	if n, err := strconv.Atoi(port); err == nil {
		if n < 0 || n > 65535 {
			return fmt.Errorf("port %d is out of range 0-65535", n)
		}
		return nil
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return fmt.Errorf("port %q is not a number", port)
	}
	return nil
}

// checkNATSURLs checks a comma-separated list of NATS server URLs.
func checkNATSURLs(s string) error {
	for _, raw := range strings.Split(s, ",") {
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil {
			return fmt.Errorf("%q is not a URL: %v", raw, err)
		}
		switch u.Scheme {
		case "nats", "tls", "ws", "wss":
		default:
			return fmt.Errorf("%q: want a nats://, tls://, ws:// or wss:// URL", raw)
		}
		if u.Hostname() == "" {
			return fmt.Errorf("%q has no host", raw)
		}
		if p := u.Port(); p != "" {
			if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
				return fmt.Errorf("%q: port out of range 1-65535", raw)
			}
		}
	}
	return nil
}

// Addrs returns the enabled addresses of a listener.
func (c *Config) Addrs(name string) []string {
	var out []string
	for _, a := range c.Listen[name] {
		if a != "off" {
			out = append(out, a)
		}
	}
	return out
}

func (c *Config) web() string {
	if a := c.Addrs("web"); len(a) > 0 {
		return a[0]
	}
	return ""
}

// SetListen applies `--listen NAME=ADDR` flags: the flags given for a name
// replace that name's configured addresses; NAME=off disables it.
func (c *Config) SetListen(flags []string) error {
	given := Listeners{}
	for _, f := range flags {
		name, addr, ok := strings.Cut(f, "=")
		if !ok || name == "" || addr == "" {
			return fmt.Errorf("--listen %q: want NAME=ADDR or NAME=off", f)
		}
		given[name] = append(given[name], addr)
	}
	if c.Listen == nil {
		c.Listen = Listeners{}
	}
	for name, addrs := range given {
		c.Listen[name] = addrs
	}
	return nil
}
