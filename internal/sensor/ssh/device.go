package ssh

import "context"

// The shell contract this package needs from the emulated device. It
// mirrors busybox.Shell; ssh sessions never see more of the device.

// Download is a URL a line asked the device to fetch (never fetched).
type Download struct {
	URL, Tool, Filename string
	Ran                 bool
}

// Result is what running one line did.
type Result struct {
	Output                    []byte
	Downloads                 []Download
	Exited, Limited, Continue bool
}

// Shell is one channel's login shell.
type Shell interface {
	Run(line string) Result
	Prompt() string
	Close()
}

// shellFactory starts a shell whose lines are bounded by ctx.
type shellFactory func(ctx context.Context) Shell

// busyboxBanner is the version and build ash's banner shows.
func (s *Sensor) busyboxBanner() string { return "1.20.2 (2016-03-18 10:31:07 CST)" }
