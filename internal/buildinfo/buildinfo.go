// Package buildinfo says which honeygate this is: the version given at link
// time (make sets it from git), and the commit and build time Go records.
package buildinfo

import (
	"fmt"
	"runtime/debug"
)

// Version is set at link time: -ldflags "-X github.com/honeygate/honeygate/internal/buildinfo.Version=v1.2.3".
var Version = "dev"

// Info is what `honeygate --version`, /api/v1/status and the
// honeygate_build_info metric report.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"` // commit time, RFC 3339
	Dirty   bool   `json:"dirty"`
	Go      string `json:"go"`
}

// Get returns this binary's build information.
func Get() Info {
	info := Info{Version: Version, Commit: "unknown", Date: "unknown"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return info
	}
	info.Go = bi.GoVersion
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Commit = s.Value
		case "vcs.time":
			info.Date = s.Value
		case "vcs.modified":
			info.Dirty = s.Value == "true"
		}
	}
	return info
}

// String is the one line `honeygate --version` prints.
func (i Info) String() string {
	dirty := ""
	if i.Dirty {
		dirty = " (modified)"
	}
	if i.Commit == "unknown" {
		// Built without VCS stamping (-buildvcs=false, or not from a git
		// checkout): say so once rather than "commit unknown ... of unknown".
		return fmt.Sprintf("honeygate %s (no commit recorded), %s", i.Version, i.Go)
	}
	return fmt.Sprintf("honeygate %s, commit %s%s, built from a tree of %s, %s", i.Version, i.Commit, dirty, i.Date, i.Go)
}
