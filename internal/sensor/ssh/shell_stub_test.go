package ssh

import (
	"context"
	"strings"
	"testing"
)

// stubShell stands in for the busybox device until it is its own package.
type stubShell struct {
	pending string
	exited  bool
}

func testShell(t *testing.T) func(context.Context) Shell {
	return func(context.Context) Shell { return &stubShell{} }
}

func (s *stubShell) Prompt() string {
	if s.pending != "" {
		return "> "
	}
	return "~ # "
}
func (s *stubShell) Close() {}
func (s *stubShell) Run(line string) Result {
	if s.pending != "" {
		line, s.pending = s.pending+"\n"+line, ""
	}
	f := strings.Fields(line)
	switch {
	case len(f) == 0:
		return Result{}
	case f[0] == "for" && !strings.Contains(line, "done"):
		s.pending = line
		return Result{Output: []byte("> "), Continue: true}
	case f[0] == "for":
		return Result{Output: []byte("x\nx\n")}
	case f[0] == "exit":
		s.exited = true
		return Result{Exited: true}
	case f[0] == "echo":
		return Result{Output: []byte(strings.Join(f[1:], " ") + "\n")}
	case f[0] == "wget" && len(f) > 1:
		return Result{Output: []byte("Connecting to x\n"), Downloads: []Download{{URL: f[1], Tool: "wget", Ran: true}}}
	}
	return Result{Output: []byte("-sh: " + f[0] + ": not found\n")}
}
