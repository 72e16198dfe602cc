package busybox

// EditLine applies what ash's line editing does to the bytes typed for one
// line (without its line end), so that every transport feeds the shell
// the same line: backspace and DEL remove the byte before, ^U clears the
// line, the up arrow recalls prev (the line before) and the down arrow
// clears, other escape sequences (cursor keys) and control bytes (tab
// excepted) are dropped. ^C drops what was typed before it. ok is false for
// a line ^D ends without running anything.
func EditLine(raw, prev string) (line string, ok bool) {
	b := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == 3:
			b = b[:0] // ^C drops what was typed; what follows is a new line
		case c == 4 && len(b) == 0:
			return "", false
		case c == 0x15:
			b = b[:0]
		case c == 8 || c == 0x7f:
			if len(b) > 0 {
				b = b[:len(b)-1]
			}
		case c == 0x1b:
			// ESC [ params final, ESC O final, or ESC and one byte.
			final := byte(0)
			if i+1 < len(raw) && (raw[i+1] == '[' || raw[i+1] == 'O') {
				i += 2
				for i < len(raw) && (raw[i] < 0x40 || raw[i] > 0x7e) {
					i++
				}
				if i < len(raw) {
					final = raw[i]
				}
			} else {
				i++
			}
			switch final {
			case 'A':
				b = append(b[:0], prev...)
			case 'B':
				b = b[:0]
			}
		case c < 0x20 && c != '\t':
		default:
			b = append(b, c)
		}
	}
	if len(b) > maxLine {
		b = b[:maxLine]
	}
	return string(b), true
}

// LastLine is the line the shell read last, which an up arrow recalls.
func (sh *Shell) LastLine() string { return sh.lastLine }

// History bounds: ash keeps its history in memory; a session keeps the
// last maxHistory lines, each cut at maxHistoryLine bytes.
const (
	maxHistory     = 16
	maxHistoryLine = 256
)

func (sh *Shell) remember(line string) {
	if len(line) > maxHistoryLine {
		line = line[:maxHistoryLine]
	}
	if len(sh.history) >= maxHistory {
		sh.history = append(sh.history[:0], sh.history[1:]...)
	}
	sh.history = append(sh.history, line)
}
