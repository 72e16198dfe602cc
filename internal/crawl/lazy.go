package crawl

import (
	"context"
	"sync"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

// LazyBrowser is the browser engine started on its first visit, so that a
// server whose rounds never need it (static engine, or auto on sites that
// stay clean and unchanged) runs no Chromium. A browser that cannot start
// makes each visit an error capture saying why, and is tried again a minute
// later.
type LazyBrowser struct {
	Options BrowserOptions

	mu     sync.Mutex
	b      *Browser
	err    error
	failed time.Time
	closed bool
}

var _ Engine = (*LazyBrowser)(nil)

// Name implements Engine.
func (l *LazyBrowser) Name() string { return EngineBrowser }

func (l *LazyBrowser) get() (*Browser, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b != nil || l.closed {
		return l.b, l.err
	}
	if l.err != nil && time.Since(l.failed) < time.Minute {
		return nil, l.err
	}
	l.b, l.err = NewBrowser(l.Options)
	if l.err != nil {
		l.failed = time.Now()
		if l.Options.Log != nil {
			l.Options.Log.Error("crawl: browser engine unavailable", "err", l.err)
		}
	}
	return l.b, l.err
}

// Visit implements Engine.
func (l *LazyBrowser) Visit(ctx context.Context, req Request) *Capture {
	b, err := l.get()
	if b == nil {
		msg := "browser engine not available"
		if err != nil {
			msg += ": " + err.Error()
		}
		return &Capture{ID: event.NewID(), Site: req.Site, URL: req.URL, Engine: EngineBrowser, Profile: req.Profile.Name,
			Time: time.Now().UTC(), Error: msg, Redirects: []Hop{}, Resources: []Resource{}}
	}
	return b.Visit(ctx, req)
}

// Close implements Engine.
func (l *LazyBrowser) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if l.b != nil {
		return l.b.Close()
	}
	return nil
}
