package busybox

// Budgets hit: what the device does when a line is more than the shell
// will run (a loop past maxLoop, a line past maxSteps or maxWork, a parse
// past its bounds, recursion past maxCalls).
//
// A real device has no such budgets: "while true; do echo x; done" runs
// until someone presses ^C, and a deep recursion crashes the shell. So a
// line cut by a budget must not come back to the prompt as if it had
// finished, which no device does and which tells a bot it is in a
// honeypot. Instead the line's command goes on "running": the output it
// made so far is shown, no prompt follows, and what is typed after it is
// type-ahead that nothing reads, until the transport passes on a ^C
// (Interrupt) or the session's time limit ends the session. Recursion past
// maxCalls is a crash: the login shell dies (the session ends), a nested
// shell's parent prints "Segmentation fault". Result.Limit names the
// budget, for the record.

// budget is one of the line's budgets, by what Result.Limit calls it; 0
// is none. (A byte, not a string: the Shell holds three of them.)
type budget uint8

const (
	limitParse budget = iota + 1 // nesting, commands, words or size of the line
	limitSteps                   // commands run in the line (maxSteps)
	limitLoop                    // iterations of one loop (maxLoop)
	limitWork                    // bytes copied, scanned or expanded (maxWork)
	limitCalls                   // nesting of function calls and scripts (maxCalls)
	limitTime                    // the session's context ended mid-line
)

var budgetNames = [...]string{"", "parse", "steps", "loop", "work", "calls", "time"}

// String is the budget's name in Result.Limit ("" for none).
func (b budget) String() string {
	if int(b) < len(budgetNames) {
		return budgetNames[b]
	}
	return ""
}

// maxBgJobs is how many background jobs ("cmd &") of one line get a
// budget of their own: a job past its budget goes on "in the background"
// while the line returns to the prompt, as it would on a device.
const maxBgJobs = 4

// hit records that the line ran out of the named budget and drops the
// rest of it.
func (sh *Shell) hit(name budget) {
	if sh.limit == 0 {
		sh.limit = name
	}
	sh.ctrl = ctrlAbort
}

// Busy reports whether the last line's command is still "running" (it hit
// a budget): no prompt is due, and lines typed are not run until
// Interrupt.
func (sh *Shell) Busy() bool { return sh.busy != 0 }

// Interrupt is ^C typed at the terminal. While a command is running it
// stops it, as SIGINT does, and returns what the terminal shows (the ^C
// the tty echoes and ash's newline); Prompt is due after it. At the prompt
// it returns nil: the line editor's ^C is the transport's.
func (sh *Shell) Interrupt() []byte {
	if sh.busy == 0 {
		return nil
	}
	sh.busy = 0
	sh.status = 130
	return []byte("^C\n")
}

// typeAhead is a line typed while a command runs: the tty has echoed it
// (the transport does), nothing reads it, and ^C will discard it. Its URLs
// are intel all the same: recorded as not run.
func (sh *Shell) typeAhead(line string) Result {
	sh.fetches, sh.markers, sh.unrunSrcs = sh.fetches[:0], sh.markers[:0], sh.unrunSrcs[:0]
	sh.steps, sh.work, sh.globWords, sh.globCost, sh.slept = 0, 0, 0, 0, 0
	sh.ctrl, sh.limit, sh.bgLimit = ctrlNone, 0, 0
	l, err := parseLine(line)
	if err == nil {
		sh.unrun(l, false, 0)
	}
	sh.extractURLs(line, err == nil)
	sh.sortFetches()
	return Result{Running: true, Downloads: sh.downloads, Floods: sh.floods}
}
