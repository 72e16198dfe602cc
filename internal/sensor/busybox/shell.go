package busybox

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"path"
	"strconv"
	"strings"
	"time"
)

// maxOutput bounds what one command line can make the shell produce, per
// stream and in total, and what one pipe or $( ) carries.
const maxOutput = 64 << 10

// maxGlob bounds the words one command expands to: more than the overlay
// can hold, so "rm -rf /tmp/*" always reaches every file.
const maxGlob = 4 * maxOverlayFiles

// Per-line budgets. Past a glob budget patterns stay unexpanded (as ash
// leaves a pattern that matches nothing); past the others the rest of the
// line is not run, as if the device had stalled. One name comparison unit
// covers up to 256 pattern-byte x name-byte steps of path.Match.
const (
	maxGlobWords = 16       // pattern words expanded
	maxGlobCost  = 1 << 16  // name comparison units
	maxSteps     = 4096     // simple commands run, loop bodies and $( ) included
	maxLoop      = 1000     // iterations of one loop
	maxWork      = 16 << 20 // bytes copied, scanned or expanded (regexps count 8 times)
)

// limitBuf is a byte buffer that silently drops what exceeds max. work, if
// set, counts what it stored, against the line's budget.
type limitBuf struct {
	b    []byte
	max  int
	work *int64
}

func (l *limitBuf) Write(p []byte) (int, error) {
	n := len(p)
	if room := l.max - len(l.b); room < len(p) {
		p = p[:max(room, 0)]
	}
	l.b = append(l.b, p...)
	if l.work != nil {
		*l.work += int64(len(p))
	}
	return n, nil
}

func (l *limitBuf) WriteString(s string) {
	if room := l.max - len(l.b); room < len(s) {
		s = s[:max(room, 0)]
	}
	l.b = append(l.b, s...)
	if l.work != nil {
		*l.work += int64(len(s))
	}
}

// input is a command's standard input: what is left of a pipe, a file or
// a here-document. A nil *pipeIn is the terminal, which has nothing more to
// give within a line.
type pipeIn struct {
	b   []byte
	off int
}

// stdio is what one command reads and writes.
type stdio struct {
	in      *pipeIn
	out     *limitBuf
	err     *limitBuf
	outName string // the file stdout is redirected to, if any ("" for the terminal or a pipe)
	tty     bool   // stdin is the terminal
	outTerm bool   // stdout is the terminal (ls prints columns only there)
}

// stdin returns everything left on standard input and consumes it.
func (io *stdio) stdin() []byte {
	if io.in == nil {
		return nil
	}
	b := io.in.b[io.in.off:]
	io.in.off = len(io.in.b)
	return b
}

// Download is a URL a line asked the device to fetch. Nothing is ever
// fetched: the shell only records it.
type Download struct {
	URL      string
	Tool     string // the applet or program named for it: wget, tftp, ftpget, nc, curl, ...
	Filename string // where the file would land on the device, when known
	// Ran is false for a URL in a part of the line that did not run (the
	// fallback after a "||" that was not needed, a branch not taken): it is
	// intel all the same.
	Ran bool
}

// Result is what running one line did.
type Result struct {
	// Output is what the terminal shows after the echo of the line, without
	// the next prompt. Line ends are LF; a transport adds its own CR.
	Output    []byte
	Downloads []Download
	// Floods are URLs the line requested over and over with the answers
	// thrown away: victims of an HTTP flood, never payloads.
	Floods []Flood
	// Markers are the unknown applet names the line asked busybox for
	// ("/bin/busybox ECCHI"): what bots check a device with.
	Markers []string
	// Dropped are the programs the attacker wrote onto the device in the
	// shell and ran on this line (an echo loader's payload), each once per
	// session.
	Dropped []Dropped
	// Exited: exit ran in the login shell; the session ends after Output.
	Exited bool
	// Limited: the session ran Limits.MaxCommands lines; it ends after
	// Output.
	Limited bool
	// Secret: the line was read with echo off (a password typed at
	// passwd's prompt); the transport must not echo it.
	Secret bool
	// Continue: the line is unfinished (an open quote, "do" without "done",
	// a trailing | or &&). Nothing ran; ash printed its "> " (in Output)
	// and waits for the next line, which Run joins to this one.
	Continue bool
	// Limit names the shell budget the line hit (limitLoop, limitSteps,
	// ...; see stall.go), "" for none: for the record, never shown.
	Limit string
	// Running: the line's command is still "running" (it hit a budget, in
	// the foreground): no prompt follows (Prompt is ""), lines typed are
	// type-ahead, until Interrupt (^C) or the end of the session.
	Running bool
}

// Control flow after a command.
const (
	ctrlNone     = iota
	ctrlBreak    // break N
	ctrlContinue // continue N
	ctrlExit     // exit: unwinds to the shell (or subshell) level
	ctrlAbort    // a per-line budget ran out: the rest of the line is dropped
	ctrlReturn   // return: unwinds to the function call (or the sourced file)
	// ctrlError: a shell error (a read-only variable assigned, ${x?msg})
	// abandons the rest of the line, as interactive ash goes back to its
	// prompt; a subshell, $( ) or sh -c ends there with status 2.
	ctrlError
)

// Shell is one session's BusyBox ash. It never touches the host: files live
// in the session's copy-on-write filesystem, "network" applets only record
// what they were asked. A Shell is not safe for concurrent use: one session
// runs one line at a time.
type Shell struct {
	dev    *Device
	fs     vfs
	cwd    string
	oldpwd string
	status int  // $? of the last command
	exited bool // exit ran in the login shell
	lines  int  // lines run, against Limits.MaxCommands
	// pending is an unfinished line waiting for its continuation.
	pending  string
	lastLine string   // the last line read, for the up arrow
	history  []string // the last lines read, for history (bounded)
	// reading is an applet reading the terminal (passwd's prompts):
	// the next lines are its answers, not commands.
	reading uint8
	// busy is the budget the running command hit (see stall.go), 0 at
	// the prompt.
	busy      budget
	readFirst string
	nest      int // shells started with a bare "sh" that an exit leaves first
	lastBg    int // $!: the pid of the last background job, 0 for none
	ctx       context.Context
	// docWait is the here-document whose body the next lines are, while
	// pending waits for its delimiter: those lines are neither parsed nor
	// counted until it comes.
	docWait *errDocOpen

	vars     map[string]string // assigned variables; nil until the first
	exported map[string]bool
	readonly map[string]bool
	ex       *execState // where exec sent the shell's output; nil until an exec redirects it
	topIO    *stdio     // this line's stdio, which exec redirects
	lineIO   stdio      // what topIO points to
	term     *limitBuf  // this line's terminal
	forks    int        // subshells, $( ) and sh -c running: what exec does there ends with them

	// Per line.
	fetches   []fetch    // what the line asked to fetch
	downloads []Download // fetches that are payloads, for Result
	floods    []Flood    // fetches that are flood targets, for Result
	markers   []string   // unknown applets probed, for Result
	drops     []Dropped  // programs the attacker wrote and ran, for Result
	unrunSrcs []string   // the text of simple commands that did not run
	dry       bool       // a command that did not run is read for its URLs
	dryLoop   bool       // ... and it sits in a loop body
	slept     time.Duration
	limit     budget // the budget the line hit, 0 for none
	bgLimit   budget // the budget a background job hit, 0 for none
	bgJobs    uint8  // background jobs given a budget of their own
	steps     int
	work      int64
	globWords int
	globCost  int
	ctrl      int
	ctrlN     int
	loops     int // loop nesting, for break and continue
	substs    int // $( ) and eval nesting

	frames  []map[string]localVar // per running function: what its locals hid
	umask   int                   // umask's value | umaskSet once set; 0 is the login's 022
	funcs   map[string]*shCmd     // defined functions; nil until the first
	posArgs []string              // $1 ... of the running function or script
	arg0    string                // $0 of the running sh -c or sh FILE, "" for the login shell's
	calls   int                   // function calls, sh -c and . nesting

	substStatus int      // $? of the last command substitution, -1 for none
	argv        []string // the command line being run, for ps

	droppedSeen map[string]bool // SHA-256 of the programs recorded in Dropped this session
}

func newShell(dev *Device) *Shell {
	return &Shell{dev: dev, fs: vfs{base: dev.fs, pool: dev.pool, maxBytes: dev.lim.OverlayBytes}, cwd: "/", oldpwd: "/"}
}

// close gives the session's overlay back to the Device's pool.
func (sh *Shell) close() {
	sh.fs.release()
}

// Prompt returns the prompt ash shows before the next line: PS1 for a new
// command, "> " while a line is unfinished.
func (sh *Shell) Prompt() string {
	if sh.reading != 0 || sh.busy != 0 {
		return "" // the applet printed its own prompt
	}
	if sh.pending != "" {
		return "> "
	}
	return sh.prompt()
}

// Waiting reports whether the shell waits for more input: an unfinished
// line, or an applet reading the terminal (passwd). A transport hands an
// empty line to Run while it waits (a blank line inside a quote or a
// here-document is part of it) and otherwise only shows the prompt again.
func (sh *Shell) Waiting() bool { return sh.pending != "" || sh.reading != 0 }

// Close gives the session's filesystem bytes back to the device. It is
// idempotent; the shell must not be used after it.
func (sh *Shell) Close() { sh.close() }

// Run runs one line typed at the prompt (without its line end) and
// returns what it did. The returned slices are the shell's until the next
// Run.
func (sh *Shell) Run(line string) Result {
	if sh.busy != 0 {
		return sh.typeAhead(line)
	}
	if sh.pending != "" && sh.docWait != nil && len(sh.pending)+len(line) < maxScript {
		// A here-document's body: taken as it comes, not parsed again
		// and not counted as a command, until its delimiter.
		body := line
		if sh.docWait.strip {
			body = strings.TrimLeft(body, "\t")
		}
		if body != sh.docWait.delim {
			sh.lastLine = line
			sh.pending += "\n" + line
			return Result{Continue: true}
		}
	}
	// Every other line typed counts against the limit, a continuation of
	// an open quote or an answer to a prompt too.
	sh.lines++
	limited := sh.lines >= sh.dev.lim.MaxCommands
	if sh.reading != 0 {
		// A password is not history.
		r := sh.answer(line)
		r.Limited = limited
		return r
	}
	sh.lastLine = line
	sh.remember(line)
	if sh.pending != "" {
		line = sh.pending + "\n" + line
		sh.pending = ""
	}
	out, incomplete := sh.runText(sh.ctx, line, modeTyped)
	if incomplete {
		// ash reads on with "> ": nothing ran, nothing is answered yet.
		sh.pending = line
		return Result{Continue: true, Limited: limited}
	}
	return sh.result(out, limited)
}

// result is the Result of a line that ran.
func (sh *Shell) result(out []byte, limited bool) Result {
	return Result{Output: out, Downloads: sh.downloads, Floods: sh.floods, Markers: sh.markers, Dropped: sh.drops,
		Exited: sh.exited, Limited: limited && !sh.exited, Limit: cmp.Or(sh.limit, sh.bgLimit).String(), Running: sh.busy != 0}
}

// RunScript runs text as "sh -c TEXT" would: for a transport that has no
// prompt to go back to (a command injected into a web form), so an
// unfinished line is the syntax error it is, not a continuation. It counts
// as one line against Limits.MaxCommands.
func (sh *Shell) RunScript(text string) Result {
	sh.lines++
	limited := sh.lines >= sh.dev.lim.MaxCommands
	sh.busy = 0 // each script is a new sh -c: one still running is not this one
	out, _ := sh.runText(sh.ctx, text, modeScript)
	return sh.result(out, limited)
}

// prompt is ash's PS1 '\w # ' for root, or the profile's fixed prompt.
func (sh *Shell) prompt() string {
	if sh.dev.p.Prompt != "" {
		return sh.dev.p.Prompt
	}
	if sh.cwd == "/" {
		return "~ # "
	}
	return sh.cwd + " # "
}

// run executes one complete command line and returns what the terminal
// shows; an unfinished line is a syntax error.
func (sh *Shell) run(ctx context.Context, line string) []byte {
	out, _ := sh.runText(ctx, line, modeLine)
	return out
}

// How runText reads its text.
const (
	modeLine   = iota // a complete line typed at the prompt: unfinished is an error
	modeTyped         // typed at the prompt: unfinished waits for more
	modeScript        // sh -c TEXT: the end of the text ends everything
)

// runText runs line (one or more lines joined by continuation). With
// interactive set, an unfinished line is reported as incomplete and not
// run, as long as it stays within maxScript.
func (sh *Shell) runText(ctx context.Context, line string, mode int) (out []byte, incomplete bool) {
	sh.ctx = ctx
	sh.fetches, sh.markers, sh.unrunSrcs, sh.drops = sh.fetches[:0], sh.markers[:0], sh.unrunSrcs[:0], sh.drops[:0]
	sh.steps, sh.work, sh.globWords, sh.globCost, sh.slept = 0, 0, 0, 0, 0
	sh.ctrl, sh.ctrlN, sh.loops, sh.substs, sh.calls = ctrlNone, 0, 0, 0, 0
	sh.frames = sh.frames[:0]
	sh.limit, sh.bgLimit, sh.bgJobs, sh.docWait, sh.forks = 0, 0, 0, nil, 0
	term := &limitBuf{max: maxOutput}
	var l *list
	var err error
	switch {
	case mode == modeScript:
		l, err = parseScript(line)
	case strings.IndexByte(line, '\n') >= 0:
		l, err = parseTyped(line) // lines joined by continuation
	default:
		l, err = parseLine(line)
	}
	if err != nil {
		var inc errIncomplete
		var doc errDocOpen
		if mode == modeTyped && errors.As(err, &doc) && len(line) < maxScript {
			sh.docWait = &doc
			return nil, true
		}
		if mode == modeTyped && errors.As(err, &inc) && len(line) < maxScript {
			return nil, true
		}
		if errors.Is(err, errTooComplex) {
			sh.hit(limitParse)
		} else {
			term.WriteString(err.Error() + "\n")
		}
		sh.status = 2
	} else {
		top := sh.topStdio(term)
		sh.evalList(l, top)
		sh.endExec()
		if sh.ctrl == ctrlExit {
			// The rest of the line was read by the shell that exits.
			if sh.nest > 0 {
				sh.nest--
			} else {
				sh.exited = true
			}
		}
		if sh.ctrl == ctrlAbort && sh.limit == limitCalls {
			// Recursion past maxCalls: ash's stack overflows and it
			// dies; the parent of a nested shell reports it.
			if sh.nest > 0 {
				sh.nest--
				term.WriteString("Segmentation fault\n")
				sh.status = 139
			} else {
				sh.exited = true
			}
		} else if sh.ctrl == ctrlAbort && sh.limit != 0 {
			sh.busy = sh.limit // still "running": see stall.go
		}
		sh.ctrl = ctrlNone
		sh.unrun(l, false, 0)
	}
	if err != nil && sh.limit != 0 {
		sh.busy = sh.limit
	}
	sh.extractURLs(line, err == nil)
	sh.sortFetches()
	return term.b, false
}

func (sh *Shell) evalList(l *list, io *stdio) {
	for _, ao := range l.items {
		if sh.ctrl != ctrlNone {
			return
		}
		if sh.ex != nil && len(sh.ex.bufs) > 0 && io == sh.topIO {
			sh.flushExec() // what exec sent to a file is there for the next command
		}
		if ao.bg {
			sh.evalBackground(ao, io)
			continue
		}
		sh.evalAndOr(ao, io)
	}
}

// evalBackground runs "cmd &". Without job control ash prints nothing
// and comes back at once; a job that runs past its budget goes on in the
// background, so the line goes on too (with the budget it had before the
// job, for the first maxBgJobs jobs).
func (sh *Shell) evalBackground(ao *andOr, io *stdio) {
	steps, work, limit := sh.steps, sh.work, sh.limit
	// $! is the job's pid: past the login shell's, and new each time.
	sh.lastBg = max(sh.lastBg, sh.shellPID()+20) + 1 + int(sh.work%7)
	sh.evalAndOr(ao, io)
	if sh.ctrl == ctrlAbort && sh.limit != 0 && sh.limit != limitTime && sh.limit != limitCalls {
		sh.ctrl = ctrlNone
		if sh.bgJobs < maxBgJobs {
			sh.bgJobs++
			sh.steps, sh.work = steps, work
		}
		if limit == 0 {
			sh.bgLimit = sh.limit
		}
		sh.limit = limit
	}
	if sh.ctrl == ctrlExit || sh.ctrl == ctrlError {
		sh.ctrl = ctrlNone // the job's shell exits, not this one
	}
	sh.status = 0
}

func (sh *Shell) evalAndOr(ao *andOr, io *stdio) {
	sh.evalPipeline(ao.pipes[0], io)
	for i, op := range ao.ops {
		if sh.ctrl != ctrlNone {
			return
		}
		if (op == "&&") == (sh.status == 0) {
			sh.evalPipeline(ao.pipes[i+1], io)
		}
	}
}

func (sh *Shell) evalPipeline(pl *pipeline, io *stdio) {
	status := 0
	var pipe *limitBuf
	for i, c := range pl.cmds {
		cio := *io
		if i > 0 {
			cio.in, cio.tty = &pipeIn{b: pipe.b}, false
		}
		if i < len(pl.cmds)-1 {
			pipe = &limitBuf{max: maxOutput, work: &sh.work}
			cio.out, cio.outName, cio.outTerm = pipe, "", false
		}
		if len(pl.cmds) > 1 {
			sh.forks++ // each part of a pipeline is a subshell
		}
		status = sh.evalCommand(c, &cio)
		if len(pl.cmds) > 1 {
			sh.forks--
		}
		if len(pl.cmds) > 1 && sh.ctrl == ctrlExit {
			sh.ctrl = ctrlNone // each part of a pipeline is a subshell
		}
		if sh.ctrl != ctrlNone {
			break
		}
	}
	if pl.neg {
		status = b2i(status == 0)
	}
	if sh.ctrl == ctrlError {
		status = 2
	}
	sh.status = status
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// state is what a subshell may change and its parent must not see.
type state struct {
	cwd, oldpwd string
	vars        map[string]string
	exported    map[string]bool
	readonly    map[string]bool
	nest        int
}

func (sh *Shell) save() state {
	return state{sh.cwd, sh.oldpwd, maps.Clone(sh.vars), maps.Clone(sh.exported), maps.Clone(sh.readonly), sh.nest}
}

func (sh *Shell) restore(s state) {
	sh.cwd, sh.oldpwd, sh.vars, sh.exported, sh.readonly, sh.nest = s.cwd, s.oldpwd, s.vars, s.exported, s.readonly, s.nest
	if sh.ctrl == ctrlExit || sh.ctrl == ctrlBreak || sh.ctrl == ctrlContinue || sh.ctrl == ctrlReturn || sh.ctrl == ctrlError {
		sh.ctrl = ctrlNone
	}
}

func (sh *Shell) evalCommand(c *shCmd, io *stdio) int {
	if sh.steps++; sh.steps > maxSteps || sh.work > maxWork || (sh.ctx != nil && sh.ctx.Err() != nil) {
		switch {
		case sh.ctx != nil && sh.ctx.Err() != nil:
			sh.hit(limitTime)
		case sh.steps > maxSteps:
			sh.hit(limitSteps)
		default:
			sh.hit(limitWork)
		}
		return 1
	}
	c.ran = true
	if isExecRedirect(c) {
		return sh.execRedirect(c.redirs, io)
	}
	cio, flush, ok := sh.redirect(c.redirs, io)
	if !ok {
		return 1
	}
	status := 0
	switch c.kind {
	case cSimple:
		status = sh.simple(c, cio)
	case cCase:
		status = sh.evalCase(c, cio)
	case cFunc:
		status = sh.define(c)
	case cGroup:
		sh.evalList(c.body, cio)
		status = sh.status
	case cSubshell:
		s, top := sh.save(), sh.topIO
		sh.forks++
		sh.topIO = cio
		sh.evalList(c.body, cio)
		sh.topIO = top
		sh.forks--
		status = sh.status
		sh.restore(s)
	case cIf:
		status = sh.evalIf(c, cio)
	case cWhile, cUntil:
		status = sh.evalWhile(c, cio)
	case cFor:
		status = sh.evalFor(c, cio)
	}
	flush()
	return status
}

func (sh *Shell) evalIf(c *shCmd, io *stdio) int {
	for i, cond := range c.conds {
		sh.evalList(cond, io)
		if sh.ctrl != ctrlNone {
			return sh.status
		}
		if sh.status == 0 {
			sh.evalList(c.thens[i], io)
			return sh.status
		}
	}
	if c.body != nil {
		sh.evalList(c.body, io)
		return sh.status
	}
	return 0
}

// loopCtl handles break and continue after a loop body; it reports
// whether the loop must stop.
func (sh *Shell) loopCtl() bool {
	switch sh.ctrl {
	case ctrlBreak:
		if sh.ctrlN--; sh.ctrlN <= 0 {
			sh.ctrl = ctrlNone
		}
		return true
	case ctrlContinue:
		if sh.ctrlN--; sh.ctrlN <= 0 {
			sh.ctrl = ctrlNone
			return false
		}
		sh.ctrl = ctrlContinue
		return true
	case ctrlNone:
		return false
	}
	return true
}

func (sh *Shell) evalWhile(c *shCmd, io *stdio) int {
	status := 0
	sh.loops++
	defer func() { sh.loops-- }()
	for i := 0; ; i++ {
		if i >= maxLoop {
			sh.hit(limitLoop)
			break
		}
		sh.evalList(c.cond, io)
		if sh.ctrl != ctrlNone {
			if sh.loopCtl() {
				break
			}
			continue
		}
		if (sh.status == 0) != (c.kind == cWhile) {
			break
		}
		sh.evalList(c.body, io)
		status = sh.status
		if sh.loopCtl() {
			break
		}
	}
	return status
}

func (sh *Shell) evalFor(c *shCmd, io *stdio) int {
	words := sh.expandWords(c.args, io)
	if c.inArgs {
		words = sh.posArgs
	}
	status := 0
	sh.loops++
	defer func() { sh.loops-- }()
	for i, w := range words {
		if i >= maxLoop {
			sh.hit(limitLoop)
			break
		}
		if sh.ctrl != ctrlNone {
			break
		}
		if !sh.assign(c.name, w, "", io) {
			return 2
		}
		sh.evalList(c.body, io)
		status = sh.status
		if sh.loopCtl() {
			break
		}
	}
	return status
}

// errmsg is ash's errmsg(): ENOENT and ENOTDIR get a message of their own.
func errmsg(err error, enoent string) string {
	if err == errNotExist || err == errNotDir {
		return enoent
	}
	return err.Error()
}

// redirect applies redirections in order, as ash does, and returns the
// command's stdio and a function that stores what it wrote to files.
func (sh *Shell) redirect(rs []redirect, io *stdio) (*stdio, func(), bool) {
	if len(rs) == 0 {
		return io, func() {}, true
	}
	cio := *io
	type sink struct {
		buf  *limitBuf
		path string
	}
	var sinks []sink
	flush := func() {
		for _, s := range sinks {
			if len(s.buf.b) == 0 {
				continue
			}
			if n, ok := sh.fs.stat(s.path); ok {
				sh.work += int64(len(n.data)) // an append copies the file
			}
			if err := sh.fs.write(s.path, s.buf.b, true); err != nil {
				io.err.WriteString("sh: write error: " + err.Error() + "\n")
			}
		}
	}
	for _, r := range rs {
		target := sh.expandOne(&r.target, io)
		if sh.ctrl == ctrlAbort || sh.ctrl == ctrlError {
			return nil, nil, false
		}
		switch r.op {
		case ">&", "<&":
			switch {
			case target == "-":
				if r.fd == 1 {
					cio.out = &limitBuf{}
				} else if r.fd == 2 {
					cio.err = &limitBuf{}
				}
			case r.fd == 2 && target == "1":
				cio.err = cio.out
			case r.fd == 1 && target == "2":
				cio.out, cio.outName = cio.err, ""
			}
			continue
		case "<<":
			var body string
			if r.doc != nil {
				body = sh.expandOne(&r.doc.w, io)
			}
			cio.in, cio.tty = &pipeIn{b: []byte(body)}, false
			continue
		}
		p, err := resolve(sh.cwd, target)
		if r.op == "<" || r.op == "<>" && r.fd == 0 {
			var data []byte
			if err == nil {
				data, err = sh.readPath(p)
			}
			if err != nil {
				io.err.WriteString("sh: can't open " + target + ": " + errmsg(err, "no such file") + "\n")
				flush()
				return nil, nil, false
			}
			if r.fd == 0 {
				cio.in, cio.tty = &pipeIn{b: data}, false
			}
			continue
		}
		var buf *limitBuf
		if err == nil && isTerminal(p) {
			if r.fd == 1 || r.fd == -1 {
				cio.out, cio.outName, cio.outTerm = sh.termOr(io), "", true
			}
			if r.fd == 2 || r.fd == -1 {
				cio.err = sh.termOr(io)
			}
			continue
		}
		if err == nil {
			if n, ok := sh.fs.stat(p); ok && n.kind == kindDev {
				buf = &limitBuf{} // /dev/null and friends swallow everything
			} else {
				err = sh.fs.write(p, nil, r.op == ">>")
			}
		}
		if err != nil {
			io.err.WriteString("sh: can't create " + target + ": " + errmsg(err, "nonexistent directory") + "\n")
			flush()
			return nil, nil, false
		}
		name := p // a device keeps its name: a fetch to /dev/null keeps nothing
		if buf == nil {
			buf = &limitBuf{max: sh.fs.maxBytes + 1, work: &sh.work}
			sinks = append(sinks, sink{buf, p})
		}
		switch r.fd {
		case 1:
			cio.out, cio.outName, cio.outTerm = buf, name, false
		case 2:
			cio.err = buf
		case -1: // &>
			cio.out, cio.outName, cio.err, cio.outTerm = buf, name, buf, false
		}
	}
	return &cio, flush, true
}

// simple runs a simple command: assignments, expansion, then a builtin, an
// applet or a file.
func (sh *Shell) simple(c *shCmd, io *stdio) int {
	sh.substStatus = -1
	args := sh.expandWords(c.args, io)
	if sh.ctrl == ctrlAbort || sh.ctrl == ctrlError {
		return 1
	}
	if len(args) == 0 {
		// Only assignments (and redirections): they set shell variables,
		// and $? is that of the last command substitution, if any.
		for i := range c.assign {
			v := sh.expandOne(&c.assign[i], io)
			if sh.ctrl == ctrlAbort || sh.ctrl == ctrlError {
				return sh.status
			}
			name, val, _ := strings.Cut(v, "=")
			if !sh.assign(name, val, "", io) {
				return 2
			}
		}
		return max(sh.substStatus, 0)
	}
	for i := range c.assign {
		// A read-only name fails even as a command's environment.
		if name, _, _ := strings.Cut(c.assign[i].parts[0].text, "="); sh.readonly[name] {
			sh.roError(name, "", io)
			return 2
		}
	}
	// Assignments before a command only change its environment: they
	// hold while it runs (IFS= read), then the old values come back.
	if len(c.assign) > 0 {
		type old struct {
			name, val string
			set       bool
		}
		var olds []old
		for i := range c.assign {
			v := sh.expandOne(&c.assign[i], io)
			name, val, _ := strings.Cut(v, "=")
			ov, set := sh.vars[name]
			olds = append(olds, old{name, ov, set})
			sh.setVar(name, val)
		}
		st := sh.exec(args, io)
		for i := len(olds) - 1; i >= 0; i-- {
			if o := olds[i]; o.set {
				sh.setVar(o.name, o.val)
			} else {
				delete(sh.vars, o.name)
			}
		}
		return st
	}
	return sh.exec(args, io)
}

// exec runs one command by name. Nothing here executes anything on the
// host: every name maps to an emulated applet or to a canned answer.
func (sh *Shell) exec(args []string, io *stdio) int {
	// Prefixes that only change how a command runs.
	if args[0] == "command" && len(args) > 2 && (args[1] == "-v" || args[1] == "-V") {
		return sh.commandV(args[2:], args[1] == "-V", io)
	}
	if args[0] == "exec" {
		if len(args) == 1 {
			return 0
		}
		return sh.execCommand(args[1:], io)
	}
	for len(args) > 1 && (args[0] == "nohup" || args[0] == "command" || args[0] == "time") {
		args = args[1:]
	}
	sh.argv = args
	sh.work += 64 * int64(len(args)) // applets walk their operands
	name := args[0]
	if fn, ok := sh.funcs[name]; ok && !isSpecialBuiltin(name) {
		return sh.call(fn, args, io)
	}
	if st, ok := sh.builtin(name, args, io); ok {
		return st
	}
	if strings.Contains(name, "/") {
		return sh.execPath(name, args, io)
	}
	if _, ok := sh.dev.applets[name]; ok {
		return sh.applet(name, args, io)
	}
	if name == "curl" {
		sh.curl(args, io)
	}
	io.err.WriteString("sh: " + name + ": not found\n")
	return 127
}

// ashBuiltins are BusyBox 1.20 ash's builtins, in help's order.
var ashBuiltins = []string{".", ":", "[", "[[", "alias", "bg", "break", "cd", "chdir", "command", "continue", "echo",
	"eval", "exec", "exit", "export", "false", "fg", "getopts", "hash", "help", "history", "jobs", "kill", "let",
	"local", "printf", "pwd", "read", "readonly", "return", "set", "shift", "source", "test", "times", "trap", "true",
	"type", "ulimit", "umask", "unalias", "unset", "wait"}

// builtin runs the shell's own commands.
func (sh *Shell) builtin(name string, args []string, io *stdio) (int, bool) {
	switch name {
	case "exit", "logout":
		st := sh.status
		if len(args) > 1 {
			n, err := strconv.Atoi(args[1])
			if err != nil {
				io.err.WriteString("sh: exit: Illegal number: " + args[1] + "\n")
				n = 2
			}
			st = n & 0xff
		}
		sh.ctrl = ctrlExit
		return st, true
	case "cd", "chdir":
		dir, _ := sh.lookup("HOME")
		if len(args) > 1 {
			dir = args[1]
		}
		if dir == "-" {
			dir = sh.oldpwd
			io.out.WriteString(dir + "\n")
		}
		p, err := resolve(sh.cwd, dir)
		if err != nil || !sh.fs.isDir(p) {
			io.err.WriteString("sh: cd: can't cd to " + dir + "\n")
			return 2, true
		}
		sh.oldpwd, sh.cwd = sh.cwd, p
		return 0, true
	case "pwd":
		io.out.WriteString(sh.cwd + "\n")
		return 0, true
	case "export", "readonly", "local":
		if name == "readonly" && (len(args) == 1 || len(args) == 2 && args[1] == "-p") {
			sh.listReadonly(io)
			return 0, true
		}
		if len(args) == 1 && name == "export" {
			for _, k := range sh.envNamesSorted() {
				v, _ := sh.lookup(k)
				sh.work += int64(len(v))
				io.out.WriteString("export " + k + "='" + v + "'\n")
			}
			return 0, true
		}
		for _, a := range args[1:] {
			if strings.HasPrefix(a, "-") {
				continue
			}
			k, v, hasVal := strings.Cut(a, "=")
			if !isName(k) {
				sh.fail(io, "sh: "+name+": "+k+": bad variable name")
				return 2, true
			}
			if name == "local" && len(sh.frames) == 0 {
				sh.fail(io, "sh: local: not in a function")
				return 2, true
			}
			if name == "local" {
				sh.makeLocal(k)
			}
			if hasVal && !sh.assign(k, v, name, io) {
				return 2, true
			}
			if name == "readonly" {
				sh.markReadonly(k)
			}
			if name == "export" {
				if sh.exported == nil {
					sh.exported = map[string]bool{}
				}
				sh.exported[k] = true
			}
		}
		return 0, true
	case "unset":
		for _, a := range args[1:] {
			if strings.HasPrefix(a, "-") {
				continue
			}
			if sh.readonly[a] {
				sh.roError(a, "unset", io)
				return 2, true
			}
			sh.unsetVar(a)
		}
		return 0, true
	case "read":
		return sh.read(args, io), true
	case "break", "continue":
		n := 1
		if len(args) > 1 {
			if v, err := strconv.Atoi(args[1]); err == nil && v > 0 {
				n = v
			}
		}
		if sh.loops > 0 {
			sh.ctrl, sh.ctrlN = ctrlBreak, min(n, sh.loops)
			if name == "continue" {
				sh.ctrl = ctrlContinue
			}
		}
		return 0, true
	case "eval":
		return sh.eval(strings.Join(args[1:], " "), io), true
	case "help":
		sh.help(io)
		return 0, true
	case "type":
		st := 0
		for _, a := range args[1:] {
			st = max(st, sh.typeOf(a, io))
		}
		return st, true
	case "set":
		// set [-opts] [--] ARGS: the operands become $1 ...
		for i := 1; i < len(args); i++ {
			a := args[i]
			if a == "--" || !strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "+") {
				if a == "--" {
					i++
				}
				sh.posArgs = append([]string(nil), args[i:]...)
				break
			}
		}
		if len(args) == 1 {
			for _, k := range sh.varNames() {
				v, _ := sh.lookup(k)
				sh.work += int64(len(v))
				io.out.WriteString(k + "='" + v + "'\n")
			}
		}
		return 0, true
	case "return":
		st := sh.status
		if len(args) > 1 {
			if n, err := strconv.Atoi(args[1]); err == nil {
				st = n & 0xff
			}
		}
		if sh.calls > 0 {
			sh.ctrl = ctrlReturn
		}
		return st, true
	case "shift":
		n := 1
		if len(args) > 1 {
			if v, err := strconv.Atoi(args[1]); err == nil && v >= 0 {
				n = v
			}
		}
		if n > len(sh.posArgs) {
			io.err.WriteString("sh: shift: can't shift that many\n")
			return 1, true
		}
		sh.posArgs = sh.posArgs[n:]
		return 0, true
	case "history":
		if len(args) > 1 && args[1] == "-c" {
			sh.history = nil
			return 0, true
		}
		for i, h := range sh.history {
			io.out.WriteString(fmt.Sprintf("%4d %s\n", i, h))
		}
		return 0, true
	case "let":
		return sh.let(args, io), true
	case "umask":
		return sh.umaskBuiltin(args, io), true
	case "ulimit":
		return ulimit(args, io), true
	case ":", "alias", "unalias", "trap", "wait", "hash", "getopts",
		"times", "jobs", "bg", "fg":
		return 0, true
	case ".", "source":
		if len(args) < 2 {
			return 0, true
		}
		data, err := sh.fs.read(sh.path(args[1]))
		if err != nil {
			sh.fail(io, "sh: "+name+": can't open '"+args[1]+"'")
			return 2, true
		}
		// A sourced file runs in this shell: what it sets stays.
		return sh.script(data, args[1], args[2:], false, io), true
	case "printf":
		// ash's own printf, whether or not the build has the applet.
		return sh.printf(args, io), true
	case "echo", "kill", "test", "[", "[[", "true", "false":
		return sh.applet(name, args, io), true
	}
	return 0, false
}

func isBuiltin(name string) bool {
	for _, b := range ashBuiltins {
		if b == name {
			return true
		}
	}
	return false
}

// help is ash's help builtin: the builtins, then (standalone shell) the
// applets, wrapped past column 60.
func (sh *Shell) help(io *stdio) {
	var sb strings.Builder
	sb.WriteString("Built-in commands:\n------------------\n")
	col := 0
	add := func(name string) {
		sep := " "
		if col == 0 {
			sep = "\t"
		}
		sb.WriteString(sep + name)
		col += 1 + len(name)
		if col > 60 {
			sb.WriteString("\n")
			col = 0
		}
	}
	for _, b := range ashBuiltins {
		add(b)
	}
	sb.WriteString("\n\n")
	io.out.WriteString(sb.String())
}

// eval parses and runs text, for eval; it nests like a command
// substitution, so that it is as bounded.
func (sh *Shell) eval(text string, io *stdio) int {
	if sh.substs >= maxSubst {
		sh.hit(limitCalls) // eval within eval, as deep as a crash
		return 139
	}
	sh.work += 16 * int64(len(text)) // parsing
	l, err := parseScript(text)
	if errors.Is(err, errTooComplex) {
		sh.hit(limitParse)
		return 2
	}
	if err != nil {
		// A special builtin's error: the line ends there.
		sh.fail(io, "sh: eval: "+strings.TrimPrefix(err.Error(), "sh: "))
		return 2
	}
	sh.substs++
	sh.evalList(l, io)
	sh.substs--
	return sh.status
}

// read is the read builtin: one line of stdin into the named variables.
func (sh *Shell) read(args []string, io *stdio) int {
	raw := false
	var names []string
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-r":
			raw = true
		case (a == "-p" || a == "-t" || a == "-n" || a == "-u") && i+1 < len(args):
			if a == "-p" {
				io.err.WriteString(args[i+1])
			}
			i++
		case strings.HasPrefix(a, "-"):
		default:
			names = append(names, a)
		}
	}
	if len(names) == 0 {
		names = []string{"REPLY"}
	}
	if io.in == nil || io.in.off >= len(io.in.b) {
		return 1
	}
	data := io.in.b[io.in.off:]
	line := data
	eof := true
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		line, eof = data[:i], false
		io.in.off += i + 1
	} else {
		io.in.off = len(io.in.b)
	}
	s := string(line)
	if !raw && strings.IndexByte(s, '\\') >= 0 {
		var sb strings.Builder
		for i := 0; i < len(s); i++ {
			if s[i] == '\\' && i+1 < len(s) {
				i++
			}
			sb.WriteByte(s[i])
		}
		s = sb.String()
	}
	for _, n := range names {
		if sh.readonly[n] {
			// Not fatal: read fails and the line goes on.
			io.err.WriteString("sh: read: " + n + ": is read only\n")
			return 2
		}
	}
	// Fields are split on IFS: its blanks trim and separate, each other
	// IFS byte ends a field; the last name takes the rest.
	ifs := sh.ifs()
	var blanks string
	for i := 0; i < len(ifs); i++ {
		if isIFS(ifs[i]) {
			blanks += ifs[i : i+1]
		}
	}
	s = strings.TrimLeft(s, blanks)
	for i, n := range names {
		if i == len(names)-1 {
			sh.setVar(n, strings.TrimRight(s, blanks))
			break
		}
		j := strings.IndexAny(s, ifs)
		if ifs == "" || j < 0 {
			j = len(s)
		}
		sh.setVar(n, s[:j])
		s = strings.TrimLeft(s[j:], blanks)
		if s != "" && strings.IndexByte(ifs, s[0]) >= 0 && !isIFS(s[0]) {
			s = strings.TrimLeft(s[1:], blanks)
		}
	}
	if eof {
		return 1
	}
	return 0
}

// execPath runs ./file or /path/file.
func (sh *Shell) execPath(name string, args []string, io *stdio) int {
	p, err := resolve(sh.cwd, name)
	if err != nil {
		io.err.WriteString("sh: " + name + ": " + err.Error() + "\n")
		return 127
	}
	n, ok := sh.fs.stat(p)
	if !ok {
		io.err.WriteString("sh: " + name + ": not found\n")
		return 127
	}
	if n.kind != kindFile || n.mode&0o111 == 0 {
		io.err.WriteString("sh: " + name + ": Permission denied\n")
		return 126
	}
	// A BusyBox link runs the applet it is named after.
	if bytes.Equal(n.data, sh.dev.busybox) {
		base := path.Base(p)
		if base == "busybox" {
			return sh.busybox(args, io)
		}
		if _, ok := sh.dev.applets[base]; ok {
			return sh.applet(base, args, io)
		}
		io.err.WriteString(base + ": applet not found\n")
		return 127
	}
	if !bytes.HasPrefix(n.data, []byte("#!")) && (bytes.HasPrefix(n.data, []byte("\x7fELF")) || bytes.IndexByte(n.data[:min(len(n.data), 256)], 0) >= 0) {
		sh.dropped(p, n.data) // a program, not a script: the payload itself
	}
	return sh.runBinary(name, n.data, args, io)
}

// runBinary answers for a program the attacker put on the device. A binary
// is never run: an ELF for our CPU "runs" quietly (worms detach and print
// nothing), an ELF for another CPU faults, other binary data is not
// executable. A script (text, or #! and text) runs in a subshell of this
// same emulated shell, as the kernel would hand it to /bin/sh.
func (sh *Shell) runBinary(name string, data []byte, args []string, io *stdio) int {
	if len(data) >= 20 && bytes.HasPrefix(data, []byte("\x7fELF")) {
		var m uint16
		if data[5] == 2 {
			m = uint16(data[18])<<8 | uint16(data[19])
		} else {
			m = uint16(data[19])<<8 | uint16(data[18])
		}
		if m == sh.dev.arch.machine && (data[5] == 2) == sh.dev.arch.big {
			return 0
		}
		io.err.WriteString("Illegal instruction\n")
		return 132
	}
	if len(data) > 0 && !bytes.HasPrefix(data, []byte("#!")) && bytes.IndexByte(data[:min(len(data), 256)], 0) >= 0 {
		io.err.WriteString("sh: " + name + ": Exec format error\n")
		return 126
	}
	if bytes.HasPrefix(data, []byte("#!")) {
		// The kernel runs the interpreter named there: without it (a
		// bash script on a BusyBox device) the file is "not found".
		first, _, _ := bytes.Cut(data[2:min(len(data), 256)], []byte("\n"))
		interp := ""
		if f := bytes.Fields(first); len(f) > 0 {
			interp = string(f[0])
		}
		if n, ok := sh.fs.stat(sh.path(interp)); !ok || n.kind != kindFile {
			io.err.WriteString("sh: " + name + ": not found\n")
			return 127
		}
		if b := path.Base(interp); b != "sh" && b != "ash" && b != "busybox" {
			return 0 // an interpreter of ours other than sh: nothing we run
		}
	}
	return sh.script(data, name, args[1:], true, io)
}

// commandV is command -v (how a name would run: its path, or the name of
// a builtin or function) and command -V (type's sentence).
func (sh *Shell) commandV(names []string, verbose bool, io *stdio) int {
	st := 0
	for _, n := range names {
		dir, applet := sh.dev.applets[n]
		_, fn := sh.funcs[n]
		switch {
		case verbose:
			st = max(st, sh.typeOf(n, io))
		case fn || isBuiltin(n):
			io.out.WriteString(n + "\n")
		case applet:
			io.out.WriteString(dir + "/" + n + "\n")
		case strings.Contains(n, "/"):
			if _, ok := sh.fs.stat(sh.path(n)); ok {
				io.out.WriteString(n + "\n")
			} else {
				st = 1
			}
		default:
			st = 1
		}
	}
	return st
}

// typeOf is type's sentence for one name.
func (sh *Shell) typeOf(a string, io *stdio) int {
	if _, ok := sh.funcs[a]; ok {
		io.out.WriteString(a + " is a function\n")
		return 0
	}
	switch dir, ok := sh.dev.applets[a]; {
	case isBuiltin(a):
		io.out.WriteString(a + " is a shell builtin\n")
	case ok:
		io.out.WriteString(a + " is " + dir + "/" + a + "\n")
	default:
		io.out.WriteString(a + ": not found\n")
		return 127
	}
	return 0
}
