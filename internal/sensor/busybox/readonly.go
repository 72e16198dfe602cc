package busybox

import "sort"

// Read-only variables and the shell errors that abandon a line, as
// interactive ash reports them: "sh: NAME: is read only" for an
// assignment, "sh: BUILTIN: NAME: is read only" for export, readonly,
// unset and read, then the rest of the line is dropped with $? 2.

// fail reports a shell error: the message, status 2, and the rest of the
// line abandoned (ctrlError).
func (sh *Shell) fail(io *stdio, msg string) {
	io.err.WriteString(msg + "\n")
	sh.status = 2
	sh.ctrl = ctrlError
}

// roError is the error for assigning the read-only name; cmd is the
// builtin that tried, "" for an assignment.
func (sh *Shell) roError(name, cmd string, io *stdio) {
	pre := "sh: "
	if cmd != "" {
		pre += cmd + ": "
	}
	sh.fail(io, pre+name+": is read only")
}

// assign sets a variable unless it is read-only, in which case it fails
// as ash does and reports false.
func (sh *Shell) assign(name, val, cmd string, io *stdio) bool {
	if sh.readonly[name] {
		sh.roError(name, cmd, io)
		return false
	}
	sh.setVar(name, val)
	return true
}

// markReadonly makes name read-only; a session's read-only names are
// bounded like its variables.
func (sh *Shell) markReadonly(name string) {
	if sh.readonly == nil {
		sh.readonly = map[string]bool{}
	}
	if len(sh.readonly) < maxVars {
		sh.readonly[name] = true
	}
}

// listReadonly is readonly (or readonly -p) without names.
func (sh *Shell) listReadonly(io *stdio) {
	names := make([]string, 0, len(sh.readonly))
	for k := range sh.readonly {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if v, ok := sh.lookup(k); ok {
			io.out.WriteString("readonly " + k + "='" + v + "'\n")
		} else {
			io.out.WriteString("readonly " + k + "\n")
		}
	}
}

// roArith is the error of an arithmetic assignment to a read-only name.
type roArith string

func (e roArith) Error() string { return "sh: " + string(e) + ": is read only" }
