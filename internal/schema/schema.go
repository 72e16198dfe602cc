// Package schema is what components and the config package share to
// describe configuration without importing each other: structured
// validation errors (a path and a message, with the file line filled in by
// the config package) and listener declarations.
//
// It is a leaf: it imports nothing of honeygate.
package schema

import (
	"fmt"
	"strings"
)

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

// Errors is a list of problems, one per line when printed. A nil or empty
// Errors means no problem; use Err to return it as an error.
type Errors []FieldError

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Add appends a problem with the setting at path.
func (es *Errors) Add(path, format string, args ...any) {
	*es = append(*es, FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
}

// Nest appends sub's problems with their paths under prefix.
func (es *Errors) Nest(prefix string, sub Errors) {
	for _, e := range sub {
		if e.Path == "" {
			e.Path = prefix
		} else {
			e.Path = prefix + "." + e.Path
		}
		*es = append(*es, e)
	}
}

// Err returns es as an error, or nil when there is no problem.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// Networks a listener serves.
const (
	TCP = "tcp"
	UDP = "udp"
	// TCPUDP is a listener that serves the same address on both (DNS).
	TCPUDP = "tcp+udp"
)

// Listener declares one named listener of a component: `--listen NAME=ADDR`
// and `listen: {NAME: ...}` in the config file.
type Listener struct {
	Name       string
	Net        string   // TCP, UDP or TCPUDP
	Repeatable bool     // several addresses allowed
	Default    []string // addresses in the default configuration; none means off
	Help       string   // one line for `serve --help`
}

// Section is a component's own part of the configuration.
type Section interface {
	// Validate reports every problem, with paths relative to the section.
	Validate() Errors
	// Listeners declares the listeners the component serves.
	Listeners() []Listener
}
