package crawl

import (
	"context"
	"time"
)

// Engine visits one page and reports what it saw.
//
// Visit never fails: a page that cannot be visited (refused, hung, garbage)
// gives a capture whose Error says why. Resources carry their bodies (for
// the judge); the caller stores them. Implementations are safe for
// concurrent use. Close releases the engine's processes and connections.
type Engine interface {
	Name() string
	Visit(ctx context.Context, req Request) *Capture
	Close() error
}

// Request is one visit to make.
type Request struct {
	URL     string
	Site    string // watch-list name, recorded in the capture
	Profile Profile
}

// Limits bound one visit, so that a hostile or broken site costs a known
// amount of time and memory.
type Limits struct {
	MaxBody      int64         // bytes kept of one resource (default 2 MiB)
	MaxResources int           // resources fetched for one page (default 64)
	MaxRedirects int           // hops followed, of any cause (default 10)
	FrameDepth   int           // nested frames followed (default 2)
	Timeout      time.Duration // one whole visit (default 30s)
}

// WithDefaults fills zero limits.
func (l Limits) WithDefaults() Limits {
	if l.MaxBody <= 0 {
		l.MaxBody = 2 << 20
	}
	if l.MaxResources <= 0 {
		l.MaxResources = 64
	}
	if l.MaxRedirects <= 0 {
		l.MaxRedirects = 10
	}
	if l.FrameDepth <= 0 {
		l.FrameDepth = 2
	}
	if l.Timeout <= 0 {
		l.Timeout = 30 * time.Second
	}
	return l
}
