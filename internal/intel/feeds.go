package intel

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/honeygate/honeygate/internal/schema"
)

// FeedConfig is one subscribed feed: where it is, its format, how often to
// read it again. Its Name is the source of every indicator it yields, and a
// refresh replaces exactly that source's set.
type FeedConfig struct {
	Name     string        `yaml:"name" json:"name"`
	Format   Format        `yaml:"format" json:"format"`
	URL      string        `yaml:"url" json:"url"` // a path, file://, http:// or https://
	Every    time.Duration `yaml:"every" json:"every"`
	Category string        `yaml:"category" json:"category,omitempty"` // for formats that carry none
	TTL      time.Duration `yaml:"ttl" json:"ttl,omitempty"`           // entries expire this long after each refresh
	MaxBytes int64         `yaml:"max_bytes" json:"max_bytes,omitempty"`
	// MaxIndicators refuses a refresh yielding more (default 5,000,000).
	MaxIndicators int `yaml:"max_indicators" json:"max_indicators,omitempty"`
}

// DefaultFeedEvery is how often a feed is read when its config says nothing.
const DefaultFeedEvery = time.Hour

func (f FeedConfig) withDefaults() FeedConfig {
	if f.Every <= 0 {
		f.Every = DefaultFeedEvery
	}
	return f
}

// Validate checks a feed's config, with paths relative to the feed.
func (f FeedConfig) Validate() schema.Errors {
	var errs schema.Errors
	if !validWord(strings.ToLower(f.Name)) {
		errs.Add("name", "%q: letters, digits, '-', '_', '.', ':', at most 64", f.Name)
	}
	if !slices.Contains(ImportFormats, f.Format) {
		errs.Add("format", "%q: want one of %v", f.Format, ImportFormats)
	}
	if f.URL == "" {
		errs.Add("url", "a path or an http(s) URL is needed")
	}
	if f.Every < 0 || f.Every > 0 && f.Every < time.Second {
		errs.Add("every", "%v: at least 1s", f.Every)
	}
	if f.TTL < 0 {
		errs.Add("ttl", "%v: not negative", f.TTL)
	}
	return errs
}

// Fetcher opens a feed's location, reading at most maxBytes.
type Fetcher func(ctx context.Context, location string) (io.ReadCloser, error)

// DefaultFetcher reads a local path (or file:// URL) or an http(s) URL with
// a timeout (default one minute). Feeds are the one thing honeygate fetches
// on purpose; tests point it at loopback servers.
func DefaultFetcher(timeout time.Duration) Fetcher {
	if timeout <= 0 {
		timeout = time.Minute
	}
	client := &http.Client{Timeout: timeout}
	return func(ctx context.Context, loc string) (io.ReadCloser, error) {
		switch {
		case strings.HasPrefix(loc, "http://"), strings.HasPrefix(loc, "https://"):
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
			if err != nil {
				return nil, err
			}
			req.Header.Set("User-Agent", "honeygate-intel")
			// Asked for by name, gzip is not expanded by the client
			// behind Parse's back: Parse expands it with its ratio
			// bound (a Content-Encoding: gzip bomb otherwise reaches
			// the parser as 256 MiB of lines).
			req.Header.Set("Accept-Encoding", "gzip")
			resp, err := client.Do(req)
			if err != nil {
				return nil, err
			}
			if resp.StatusCode != http.StatusOK {
				resp.Body.Close()
				return nil, fmt.Errorf("GET %s: %s", loc, resp.Status)
			}
			return resp.Body, nil
		default:
			return os.Open(strings.TrimPrefix(loc, "file://"))
		}
	}
}

// FeedStatus is what the last refresh of a feed did.
type FeedStatus struct {
	Feed    FeedConfig    `json:"feed"`
	At      time.Time     `json:"at,omitzero"`
	Good    int           `json:"good"`
	Bad     int           `json:"bad"`
	Errors  []LineError   `json:"errors,omitempty"`
	Result  ReplaceResult `json:"result"`
	Err     string        `json:"error,omitempty"`
	Refresh int           `json:"refreshes"`
}

type feedState struct {
	cfg    FeedConfig
	mu     sync.Mutex
	status FeedStatus
}

// Feeds returns the status of each subscribed feed.
func (m *Manager) Feeds() []FeedStatus {
	out := make([]FeedStatus, 0, len(m.feeds))
	for _, f := range m.feeds {
		f.mu.Lock()
		st := f.status
		f.mu.Unlock()
		st.Feed = f.cfg
		out = append(out, st)
	}
	return out
}

func (m *Manager) feedLoop(ctx context.Context, f *feedState) {
	for {
		if _, err := m.RefreshFeed(ctx, f.cfg); err != nil && ctx.Err() == nil {
			m.log.Warn("intel: feed refresh failed; its previous indicators stay", "feed", f.cfg.Name, "err", err)
		}
		t := time.NewTimer(f.cfg.Every)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// RefreshFeed reads a feed now and makes what it yields the whole set of its
// source. A feed that cannot be read, or yields only bad lines, leaves the
// previous set in place.
func (m *Manager) RefreshFeed(ctx context.Context, cfg FeedConfig) (FeedStatus, error) {
	cfg = cfg.withDefaults()
	st := FeedStatus{Feed: cfg, At: m.now().UTC()}
	err := m.refresh(ctx, cfg, &st)
	if err != nil {
		st.Err = err.Error()
	}
	for _, f := range m.feeds {
		if f.cfg.Name == cfg.Name {
			f.mu.Lock()
			st.Refresh = f.status.Refresh + 1
			f.status = st
			f.mu.Unlock()
		}
	}
	return st, err
}

func (m *Manager) refresh(ctx context.Context, cfg FeedConfig, st *FeedStatus) error {
	rc, err := m.fetch(ctx, cfg.URL)
	if err != nil {
		return fmt.Errorf("intel: feed %s: %w", cfg.Name, err)
	}
	defer rc.Close()
	res, err := Parse(rc, cfg.Format, ParseOptions{Source: cfg.Name, Category: cfg.Category, Now: st.At, TTL: cfg.TTL, MaxBytes: cfg.MaxBytes, MaxIndicators: cfg.MaxIndicators, Limits: m.limits})
	if res != nil {
		st.Good, st.Bad, st.Errors = res.Good, res.Bad, res.Errors
	}
	if err != nil {
		return fmt.Errorf("intel: feed %s: %w", cfg.Name, err)
	}
	if res.Good == 0 && res.Bad > 0 {
		return fmt.Errorf("intel: feed %s: no good line among %d bad ones (first: line %d: %s)", cfg.Name, res.Bad, res.Errors[0].Line, res.Errors[0].Err)
	}
	good := res.Lines // lines, as Bad counts lines; STIX counts objects
	if good == 0 {
		good = res.Good
	}
	if res.Bad > good {
		// More of the body is not the feed than is: a plain-text error
		// or rate-limit notice, a JSON error, a file cut into binary.
		// Its few lines that parse (a status URL) are no replacement
		// for the feed's set; blocky gives up on a source past its
		// maxErrorsPerSource alike. An import still loads them.
		return fmt.Errorf("intel: feed %s: more bad lines (%d) than good (%d), not taken as the feed (first: line %d: %s); the previous set is kept",
			cfg.Name, res.Bad, good, res.Errors[0].Line, res.Errors[0].Err)
	}
	if res.Good == 0 {
		// An empty body or a header of comments is far more often a
		// publisher's hiccup (a dump being rewritten, a file truncated
		// mid-copy) than a list emptied on purpose; to drop a feed's set,
		// remove the feed and `honeygate intel rm --source NAME`.
		return fmt.Errorf("intel: feed %s: no indicators (an empty or comment-only feed); the previous set is kept", cfg.Name)
	}
	rr, err := m.store.ReplaceSource(ctx, cfg.Name, res.Indicators)
	if err != nil {
		return fmt.Errorf("intel: feed %s: %w", cfg.Name, err)
	}
	st.Result = rr
	m.needFull() // a feed is many changes at once: read everything again
	m.Changed()
	if res.Bad > 0 {
		m.log.Warn("intel: feed had bad lines", "feed", cfg.Name, "good", res.Good, "bad", res.Bad,
			"first_line", res.Errors[0].Line, "first_error", res.Errors[0].Err)
	}
	return nil
}

// CheckFile parses a feed kept in a local file (a path or file:// URL) as a
// refresh would, with the limits lim, so `honeygate validate` can show its
// bad lines (over-broad entries among them) before a refresh loads it. It
// returns nil, nil for an http(s) feed, which validate does not fetch.
func (f FeedConfig) CheckFile(lim Limits) (*ParseResult, error) {
	if strings.HasPrefix(f.URL, "http://") || strings.HasPrefix(f.URL, "https://") {
		return nil, nil
	}
	r, err := os.Open(strings.TrimPrefix(f.URL, "file://"))
	if err != nil {
		return nil, fmt.Errorf("intel: feed %s: %w", f.Name, err)
	}
	defer r.Close()
	res, err := Parse(r, f.Format, ParseOptions{Source: f.Name, Category: f.Category, TTL: f.TTL, MaxBytes: f.MaxBytes, MaxIndicators: f.MaxIndicators, Limits: lim})
	if err != nil {
		return res, fmt.Errorf("intel: feed %s: %w", f.Name, err)
	}
	return res, nil
}
