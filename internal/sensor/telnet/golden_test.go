package telnet

// Golden-file tests: attacker dialogues played against a Sensor, compared
// with what the attacker saw and what was published.
//
// Each testdata/golden/NAME.in is one dialogue, in this format (one item per
// line; a trailing CR on a line of the file itself is ignored):
//
//	# text        a comment; it sends nothing
//	(empty line)  ignored; use "!line" to send an empty line
//	TEXT          sends TEXT exactly as written, then CR LF
//	!line TEXT    sends TEXT with escapes decoded, then CR LF (for lines that
//	              start with '#' or '!', or need control bytes)
//	!raw TEXT     sends TEXT with escapes decoded and nothing after it
//	!repeat N TEXT  sends TEXT (escapes decoded) N times in one write
//
// Escapes are \\ \r \n \t \0 \e and \xHH. Every send waits until the
// honeypot has answered everything sent before it and is reading again (so
// a line is sent after the prompt the previous one drew). At the end of the
// file the attacker hangs up, unless the honeypot ended the session first;
// input left after the honeypot closed the session is an error.
//
// NAME.golden has three sections:
//
//	-- transcript --   the bytes the attacker received, with telnet commands
//	                   taken out (IAC IAC becomes 0xFF), CR LF written as a
//	                   newline, other bytes outside printable ASCII, tab and
//	                   newline written as \xHH (\r for a lone CR), and a run
//	                   of more than 63 equal bytes as {{B * N}}. One newline
//	                   is added at the end so the section ends on its own line.
//	-- negotiation --  the telnet commands the honeypot sent, in order, a
//	                   run of equal ones as "CMD (xN)".
//	-- events --       one line per published event: its kind and the
//	                   kind-specific fields that do not vary between runs
//	                   (ids, times, addresses, ports, session ids, durations
//	                   and reasons are left out).
//
// Run "go test ./internal/sensor/telnet -run TestGolden -update" to rewrite
// the .golden files after a deliberate change, and read the diff.

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/sensor"
	"github.com/honeygate/honeygate/internal/testkit/eventkit"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/golden/*.golden from the current behaviour")

func TestGolden(t *testing.T) {
	ins, err := filepath.Glob(filepath.Join("testdata", "golden", "*.in"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) == 0 {
		t.Fatal("no testdata/golden/*.in dialogues")
	}
	// Glob returns the names sorted.
	for _, in := range ins {
		name := strings.TrimSuffix(filepath.Base(in), ".in")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			steps, err := parseDialogue(src)
			if err != nil {
				t.Fatalf("%s: %v", in, err)
			}
			got := playDialogue(t, steps)
			goldenPath := strings.TrimSuffix(in, ".in") + ".golden"
			if *updateGolden {
				if err := os.WriteFile(goldenPath, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(goldenPath)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from what the honeypot does now (run with -update to accept):\n%s",
					goldenPath, firstDiff(string(want), string(got)))
			}
		})
	}
}

// dialogueStep is one send of a dialogue.
type dialogueStep struct {
	line int // in the .in file
	data []byte
}

func parseDialogue(src []byte) ([]dialogueStep, error) {
	var steps []dialogueStep
	for i, l := range strings.Split(string(src), "\n") {
		l = strings.TrimSuffix(l, "\r")
		n := i + 1
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
			continue
		case !strings.HasPrefix(l, "!"):
			steps = append(steps, dialogueStep{n, []byte(l + "\r\n")})
			continue
		}
		verb, arg, _ := strings.Cut(l, " ")
		switch verb {
		case "!line", "!raw":
			b, err := unescape(arg)
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", n, err)
			}
			if verb == "!line" {
				b = append(b, '\r', '\n')
			}
			if len(b) == 0 {
				return nil, fmt.Errorf("line %d: !raw sends nothing", n)
			}
			steps = append(steps, dialogueStep{n, b})
		case "!repeat":
			count, text, _ := strings.Cut(arg, " ")
			k, err := strconv.Atoi(count)
			if err != nil || k < 1 {
				return nil, fmt.Errorf("line %d: !repeat needs a count >= 1", n)
			}
			b, err := unescape(text)
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", n, err)
			}
			if len(b) == 0 || k*len(b) > 512<<10 {
				return nil, fmt.Errorf("line %d: !repeat sends nothing or more than 512 KiB", n)
			}
			steps = append(steps, dialogueStep{n, bytes.Repeat(b, k)})
		default:
			return nil, fmt.Errorf("line %d: unknown directive %q", n, verb)
		}
	}
	return steps, nil
}

func unescape(s string) ([]byte, error) {
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b = append(b, c)
			continue
		}
		if i+1 == len(s) {
			return nil, errors.New("trailing backslash")
		}
		i++
		switch s[i] {
		case '\\':
			b = append(b, '\\')
		case 'r':
			b = append(b, '\r')
		case 'n':
			b = append(b, '\n')
		case 't':
			b = append(b, '\t')
		case '0':
			b = append(b, 0)
		case 'e':
			b = append(b, 0x1b)
		case 'x':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return nil, fmt.Errorf(`bad \x escape at byte %d`, i)
			}
			b = append(b, byte(hexVal(s[i+1])<<4|hexVal(s[i+2])))
			i += 2
		default:
			return nil, fmt.Errorf(`unknown escape \%c`, s[i])
		}
	}
	return b, nil
}

// countingConn counts what the honeypot wrote, so the attacker side knows
// when it has received all of it.
type countingConn struct {
	net.Conn
	written atomic.Int64
}

func (c *countingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.written.Add(int64(n))
	return n, err
}

// playDialogue runs steps against a default-config Sensor over net.Pipe and
// renders the result.
func playDialogue(t *testing.T, steps []dialogueStep) []byte {
	t.Helper()
	pub := &eventkit.Recorder{}
	s, err := New(DefaultConfig(), Options{Publisher: pub, Sensor: "golden", Limits: sensor.DefaultLimits()})
	if err != nil {
		t.Fatal(err)
	}
	srv, cli := net.Pipe()
	cc := &countingConn{Conn: srv}
	ctx, cancel := context.WithCancel(context.Background())
	handled := make(chan struct{})
	go func() {
		defer close(handled)
		s.Handle(ctx, sensor.NewConn(cc, 5*time.Second, 1<<20), testInfo())
		srv.Close()
	}()
	cl := newClient(t, cli)
	t.Cleanup(func() {
		cancel()
		cli.Close()
		<-handled
	})

	closed := false // the honeypot ended the session
	// settle returns once the honeypot is reading again (a zero-length
	// write on a net.Pipe completes only when the other end reads) and
	// everything it wrote has been received.
	settle := func() {
		t.Helper()
		if _, err := cli.Write(nil); err != nil {
			closed = true
			<-cl.done
			return
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			cl.mu.Lock()
			got := int64(len(cl.buf))
			cl.mu.Unlock()
			if got >= cc.written.Load() {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("output did not arrive")
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
	settle()
	for _, st := range steps {
		if closed {
			t.Fatalf("dialogue line %d: the honeypot already closed the session", st.line)
		}
		if _, err := cli.Write(st.data); err != nil {
			t.Fatalf("dialogue line %d: send: %v", st.line, err)
		}
		settle()
	}
	cli.Close()
	select {
	case <-handled:
	case <-time.After(5 * time.Second):
		t.Fatal("Handle did not return")
	}
	<-cl.done

	cl.mu.Lock()
	raw := append([]byte(nil), cl.buf...)
	cl.mu.Unlock()
	return renderGolden(raw, pub.Events())
}

func renderGolden(raw []byte, evs []event.Event) []byte {
	data, cmds := splitTelnet(raw)
	var sb strings.Builder
	sb.WriteString("-- transcript --\n")
	sb.WriteString(escapeBytes(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")), false))
	sb.WriteString("\n-- negotiation --\n")
	for i := 0; i < len(cmds); {
		j := i + 1
		for j < len(cmds) && cmds[j] == cmds[i] {
			j++
		}
		sb.WriteString(cmds[i])
		if j-i > 1 {
			fmt.Fprintf(&sb, " (x%d)", j-i)
		}
		sb.WriteString("\n")
		i = j
	}
	sb.WriteString("-- events --\n")
	for _, e := range evs {
		sb.WriteString(string(e.Kind))
		field := func(k, v string) { fmt.Fprintf(&sb, " %s=\"%s\"", k, escapeBytes([]byte(v), true)) }
		if e.Username != "" {
			field("username", string(e.Username))
		}
		if e.Password != nil {
			field("password", string(*e.Password))
		}
		if e.Input != "" {
			field("input", string(e.Input))
		}
		if e.Limit != "" {
			field("limit", e.Limit)
		}
		if e.URL != "" {
			field("url", string(e.URL))
		}
		if e.Tool != "" {
			field("tool", string(e.Tool))
		}
		if e.Filename != "" {
			field("filename", string(e.Filename))
		}
		if e.Ran != nil {
			fmt.Fprintf(&sb, " ran=%v", *e.Ran)
		}
		if e.TargetURL != "" {
			field("target_url", string(e.TargetURL))
			fmt.Fprintf(&sb, " requests=%d", e.Requests)
		}
		if e.Hint != "" {
			field("hint", e.Hint)
		}
		if e.Kind == event.ClientSize {
			fmt.Fprintf(&sb, " size=%dx%d", e.Width, e.Height)
		}
		if e.Kind == event.SessionClosed {
			field("message", string(e.Message))
		}
		field("family", e.Family)
		sb.WriteString("\n")
	}
	return []byte(sb.String())
}

var (
	verbNames = map[byte]string{cmdWILL: "WILL", cmdWONT: "WONT", cmdDO: "DO", cmdDONT: "DONT", cmdNOP: "NOP", cmdSE: "SE"}
	optNames  = map[byte]string{optEcho: "ECHO", optSGA: "SGA", 24: "TTYPE", optNAWS: "NAWS", 34: "LINEMODE"}
)

func optName(o byte) string {
	if n, ok := optNames[o]; ok {
		return n
	}
	return strconv.Itoa(int(o))
}

// splitTelnet separates what the honeypot sent into data and its telnet
// commands, by name.
func splitTelnet(b []byte) (data []byte, cmds []string) {
	for i := 0; i < len(b); i++ {
		if b[i] != cmdIAC {
			data = append(data, b[i])
			continue
		}
		if i+1 == len(b) {
			cmds = append(cmds, "truncated IAC")
			break
		}
		i++
		v := b[i]
		switch v {
		case cmdIAC:
			data = append(data, cmdIAC)
		case cmdWILL, cmdWONT, cmdDO, cmdDONT:
			if i+1 == len(b) {
				cmds = append(cmds, verbNames[v]+" truncated")
				break
			}
			i++
			cmds = append(cmds, verbNames[v]+" "+optName(b[i]))
		case cmdSB:
			end := bytes.Index(b[i:], []byte{cmdIAC, cmdSE})
			if end < 0 {
				cmds = append(cmds, fmt.Sprintf("SB unterminated % x", b[i+1:]))
				i = len(b)
				break
			}
			cmds = append(cmds, fmt.Sprintf("SB % x", b[i+1:i+end]))
			i += end + 1
		default:
			if n, ok := verbNames[v]; ok {
				cmds = append(cmds, n)
			} else {
				cmds = append(cmds, "IAC "+strconv.Itoa(int(v)))
			}
		}
	}
	return data, cmds
}

// escapeBytes renders b as described at the top of this file; value
// (an event field) also escapes newline, tab and '"'.
func escapeBytes(b []byte, value bool) string {
	var sb strings.Builder
	one := func(c byte) string {
		switch {
		case c == '\r':
			return `\r`
		case c == '\n' && !value, c == '\t' && !value, c >= 0x20 && c < 0x7f && !(c == '"' && value):
			return string(c)
		case c == '\n':
			return `\n`
		case c == '\t':
			return `\t`
		case c == '"':
			return `\"`
		}
		return fmt.Sprintf(`\x%02x`, c)
	}
	for i := 0; i < len(b); {
		j := i + 1
		for j < len(b) && b[j] == b[i] {
			j++
		}
		if j-i >= 64 {
			fmt.Fprintf(&sb, "{{%s * %d}}", one(b[i]), j-i)
			i = j
			continue
		}
		sb.WriteString(one(b[i]))
		i++
	}
	return sb.String()
}

// firstDiff shows where two renderings first differ, with some context.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "first difference at line %d (golden has %d lines, now %d):\n", i+1, len(w), len(g))
	for k := max(0, i-3); k < i; k++ {
		fmt.Fprintf(&sb, "   %s\n", clip(w[k]))
	}
	for k := i; k < min(i+4, len(w)); k++ {
		fmt.Fprintf(&sb, " - %s\n", clip(w[k]))
	}
	for k := i; k < min(i+4, len(g)); k++ {
		fmt.Fprintf(&sb, " + %s\n", clip(g[k]))
	}
	return sb.String()
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}
