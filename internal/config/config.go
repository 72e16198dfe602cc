// Package config holds honeygate's configuration: its defaults, its YAML
// form, and its validation, together, so that one file documents all three.
// Each component owns its section (telnet, limits, bus); this package only
// assembles them. Flags are applied on top by the cli package (flags win).
package config

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/honeygate/honeygate/internal/attrib"
	"github.com/honeygate/honeygate/internal/sensor"
	"github.com/honeygate/honeygate/internal/sensor/telnet"
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
	Listen   string        `yaml:"-"`         // set from the "nats" listener
}

// EventLog tunes the rotating JSON lines log.
type EventLog struct {
	MaxBytes int64 `yaml:"max_bytes"` // rotate when the file exceeds this
	Keep     int   `yaml:"keep"`      // rotated files to keep (0 = all)
}

// Listener names. A name not listed here is a configuration error, so a
// typo cannot silently leave a sensor off.
var ListenerNames = []string{"web", "telnet", "nats"}

// repeatable names accept several addresses.
var repeatable = map[string]bool{"telnet": true}

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
	return Config{
		Data:   "./honeygate-data",
		Sensor: host,
		Listen: Listeners{
			"web":    {"127.0.0.1:8080"},
			"telnet": {"0.0.0.0:2223", "0.0.0.0:2323", "0.0.0.0:5358"},
		},
		Limits:   sensor.DefaultLimits(),
		Telnet:   telnet.DefaultConfig(),
		Bus:      Bus{MaxAge: 30 * 24 * time.Hour, MaxBytes: 10 << 30, Replicas: 1},
		EventLog: EventLog{MaxBytes: 256 << 20, Keep: 30},
		LogLevel: "info",
	}
}

// FieldError is one problem with one setting.
type FieldError struct {
	Path string // dotted YAML path, e.g. "limits.idle_timeout"
	Line int    // line in the config file, 0 if unknown (a flag, a default)
	Msg  string
}

func (e FieldError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s: %s", e.Line, e.Path, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// Errors is a list of problems, one per line when printed.
type Errors []FieldError

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Load reads a YAML file over the defaults. Every problem found is returned
// as Errors, each with its line, not only the first.
func Load(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return Parse(b)
}

// Parse parses a YAML document over the defaults and validates it.
func Parse(b []byte) (Config, error) {
	cfg := Default()
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return cfg, Errors{{Path: "(file)", Msg: strings.TrimPrefix(err.Error(), "yaml: ")}}
	}
	if len(root.Content) == 0 {
		return cfg, cfg.Validate()
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			var es Errors
			for _, m := range te.Errors {
				fe := FieldError{Path: "(file)", Msg: m}
				var line int
				if _, err := fmt.Sscanf(m, "line %d:", &line); err == nil {
					fe.Line = line
					fe.Msg = strings.TrimSpace(m[strings.Index(m, ":")+1:])
				}
				es = append(es, fe)
			}
			return cfg, es
		}
		return cfg, Errors{{Path: "(file)", Msg: err.Error()}}
	}
	if err := cfg.Validate(); err != nil {
		var es Errors
		if errors.As(err, &es) {
			for i := range es {
				es[i].Line = lineOf(&root, es[i].Path)
				// A section's own check names the key first ("idle_timeout
				// must be positive"): point at that key's line when it is there.
				if key, _, ok := strings.Cut(es[i].Msg, " "); ok {
					key = strings.TrimSuffix(key, ":")
					if l := lineOf(&root, es[i].Path+"."+key); l > es[i].Line {
						es[i].Line = l
					}
				}
			}
			return cfg, es
		}
		return cfg, err
	}
	return cfg, nil
}

// lineOf finds the line of a dotted path in a parsed document.
func lineOf(root *yaml.Node, path string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := 0
	for _, part := range strings.Split(path, ".") {
		if n.Kind != yaml.MappingNode {
			return line
		}
		found := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == part {
				line, n, found = n.Content[i].Line, n.Content[i+1], true
				break
			}
		}
		if !found {
			return line
		}
	}
	return line
}

// Validate reports every problem in cfg as Errors.
func (c *Config) Validate() error {
	var es Errors
	add := func(path string, err error) {
		if err == nil {
			return
		}
		for _, line := range strings.Split(err.Error(), "\n") {
			// A section's own error may repeat its name; say it once.
			line = strings.TrimPrefix(line, path+": ")
			line = strings.TrimPrefix(line, "invalid config: ")
			es = append(es, FieldError{Path: path, Msg: line})
		}
	}
	if strings.TrimSpace(c.Data) == "" {
		add("data", errors.New("must not be empty"))
	}
	if c.Token != "" && len(c.Token) < 16 {
		add("token", errors.New("must be at least 16 characters (or empty to generate one)"))
	}
	if c.Sensor == "" || len(c.Sensor) > 128 {
		add("sensor", errors.New("must be 1 to 128 characters"))
	}
	names := make([]string, 0, len(c.Listen))
	for name := range c.Listen {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		addrs := c.Listen[name]
		path := "listen." + name
		if !slices.Contains(ListenerNames, name) {
			add(path, fmt.Errorf("unknown listener %q (known: %s)", name, strings.Join(ListenerNames, ", ")))
			continue
		}
		if len(addrs) > 1 && !repeatable[name] {
			add(path, errors.New("takes one address"))
		}
		for _, a := range addrs {
			if a == "off" {
				if len(addrs) > 1 {
					add(path, errors.New(`"off" cannot be combined with addresses`))
				}
				continue
			}
			if _, _, err := net.SplitHostPort(a); err != nil {
				add(path, fmt.Errorf("%q is not host:port: %w", a, err))
			}
		}
	}
	if c.web() == "" {
		add("listen.web", errors.New("the web listener is required (the API is how events are read)"))
	}
	if c.NATS != "" && len(c.Addrs("nats")) > 0 {
		add("listen.nats", errors.New("exposes the embedded NATS server, but nats: names an external one; remove one of them"))
	}
	if c.Rules != "" {
		if _, err := attrib.Load(c.Rules); err != nil {
			add("rules", err)
		}
	}
	add("limits", c.Limits.Validate())
	add("telnet", c.Telnet.Validate())
	if c.Bus.MaxAge <= 0 {
		add("bus.max_age", errors.New("must be positive"))
	}
	if c.Bus.MaxBytes <= 0 {
		add("bus.max_bytes", errors.New("must be positive"))
	}
	if c.Bus.Replicas < 1 || c.Bus.Replicas > 5 {
		add("bus.replicas", errors.New("must be 1 to 5"))
	}
	if c.EventLog.MaxBytes <= 0 {
		add("event_log.max_bytes", errors.New("must be positive"))
	}
	if c.EventLog.Keep < 0 {
		add("event_log.keep", errors.New("must not be negative"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		add("log_level", fmt.Errorf("%q: want debug, info, warn or error", c.LogLevel))
	}
	if len(es) == 0 {
		return nil
	}
	return es
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
