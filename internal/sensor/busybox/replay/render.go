package replay

import (
	"fmt"
	"strconv"
	"strings"
)

// Render writes a replayed session as a transcript: what the terminal
// showed (prompt, line, answer), then what was recorded (downloads with
// whether their command ran, flood targets, markers) and the family.
// Answers longer than clip bytes are cut, with the cut marked; bytes that
// are not printable are escaped, so a transcript is plain text.
func Render(r Result, clip int) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "== session %s (weight %s)\n", r.Session.ID, strconv.FormatFloat(r.Session.Weight, 'f', -1, 64))
	prompt := "~ # "
	for _, st := range r.Steps {
		line := st.Line
		if st.Secret {
			line = "(typed with echo off)"
		}
		sb.WriteString(escape(prompt+line, clip) + "\n")
		if st.Typed != st.Line && !st.Secret {
			sb.WriteString("   (typed " + escape(strconv.Quote(st.Typed), clip) + ")\n")
		}
		if st.Output != "" {
			for _, l := range strings.Split(escape(strings.TrimSuffix(st.Output, "\n"), clip), "\n") {
				sb.WriteString("   " + l + "\n")
			}
		}
		for _, d := range st.Downloads {
			fmt.Fprintf(&sb, "   [download %s tool=%s file=%q ran=%v]\n", d.URL, d.Tool, d.Filename, d.Ran)
		}
		for _, f := range st.Floods {
			fmt.Fprintf(&sb, "   [flood %s tool=%s requests=%d ran=%v]\n", f.URL, f.Tool, f.Requests, f.Ran)
		}
		if len(st.Markers) > 0 {
			fmt.Fprintf(&sb, "   [markers %s]\n", strings.Join(st.Markers, " "))
		}
		prompt = st.Prompt
		if st.Exited {
			sb.WriteString("   [exit]\n")
		}
	}
	fmt.Fprintf(&sb, "family %s", r.Family)
	if r.Hint != "" {
		fmt.Fprintf(&sb, " (hint %s)", r.Hint)
	}
	sb.WriteString("\n")
	for _, reason := range r.Reasons {
		sb.WriteString("  " + escape(reason, 400) + "\n")
	}
	return sb.String()
}

// escape makes s printable (\xNN for control and non-ASCII bytes, newlines
// kept) and cuts it at clip bytes.
func escape(s string, clip int) string {
	cut := false
	if clip > 0 && len(s) > clip {
		s, cut = s[:clip], true
	}
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\n' || c == '\t':
			sb.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&sb, "\\x%02x", c)
		default:
			sb.WriteByte(c)
		}
	}
	if cut {
		sb.WriteString("...")
	}
	return sb.String()
}
