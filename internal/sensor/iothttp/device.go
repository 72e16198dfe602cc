package iothttp

import "context"

// Device is the emulated device injected commands run on (the BusyBox
// device the telnet sensor logs bots into; see BusyBox).
type Device interface {
	// NewShell starts one session's shell; it stops working when ctx ends.
	NewShell(ctx context.Context) Shell
}

// Shell runs one session's commands, one line at a time.
type Shell interface {
	Run(line string) Result
	Close()
}

// Result is what one command did.
type Result struct {
	Output    string
	Downloads []Download
}

// Download is a URL the command asked the device to fetch (never fetched).
type Download struct {
	URL      string
	Tool     string
	Filename string
	Ran      bool // false: named in a part of the line that did not run
}
