package crawl

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"sync"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

// Judge turns a capture into a verdict. base is the site's known-good
// baseline (nil for a one-off scan or a site without one). Judge must not
// keep c or base.
type Judge interface {
	Judge(ctx context.Context, c *Capture, base *Baseline) Verdict
}

// Notifier is told of every judged visit (the app publishes crawl.capture
// and crawl.verdict events from it). An error is logged, not fatal: the
// visit is already stored.
type Notifier interface {
	Visited(ctx context.Context, v *Visit) error
}

// Crawler visits pages with its engines, judges them, keeps them and runs
// the daily round over the watch list.
type Crawler struct {
	Store   Store  // nil: nothing kept (one-off scans)
	Blobs   *Blobs // nil: bodies not kept
	Static  Engine
	Browser Engine // nil: no browser; "browser" falls back to an error, "auto" to static
	Judge   Judge
	Notify  Notifier // nil: nobody told

	Mode        string        // engine of the daily round: static, browser, auto (default auto)
	Concurrency int           // sites visited at once (default 4)
	HostDelay   time.Duration // pause between two visits to one host (politeness)
	Log         *slog.Logger

	hostsMu sync.Mutex
	hosts   map[string]*hostSlot
	roundMu sync.Mutex // one round at a time
}

type hostSlot struct {
	mu   sync.Mutex
	last time.Time
}

// Scan visits one page with engine (static, browser or auto) and judges it
// against base.
func (cr *Crawler) Scan(ctx context.Context, req Request, engine string, base *Baseline) Visit {
	switch engine {
	case EngineStatic, "":
		c := cr.Static.Visit(ctx, req)
		return Visit{Capture: *c, Verdict: cr.judge(ctx, c, base)}
	case EngineBrowser:
		if cr.Browser == nil {
			c := &Capture{ID: event.NewID(), URL: req.URL, Site: req.Site, Engine: EngineBrowser, Profile: req.Profile.Name, Time: time.Now().UTC(), Error: "browser engine not available", Redirects: []Hop{}, Resources: []Resource{}}
			return Visit{Capture: *c, Verdict: cr.judge(ctx, c, base)}
		}
		c := cr.Browser.Visit(ctx, req)
		return Visit{Capture: *c, Verdict: cr.judge(ctx, c, base)}
	}
	// auto: the cheap static pass first; the browser only where it can add
	// something: the static pass found something but not enough, the page
	// changed since its known-good state, or the site is new to us.
	sv := cr.Scan(ctx, req, EngineStatic, base)
	if cr.Browser == nil || sv.Verdict.Verdict == Malicious {
		return sv
	}
	newSite := base == nil || base.Captures == 0
	changed := base != nil && base.Captures > 0 && len(sv.Capture.Resources) > 0 && sv.Capture.Resources[0].SHA256 != base.Document
	if sv.Verdict.Verdict != Suspicious && !newSite && !changed && sv.Verdict.Verdict != Error {
		return sv
	}
	bv := cr.Scan(ctx, req, EngineBrowser, base)
	if bv.Verdict.Verdict == Error || bv.Verdict.Score < sv.Verdict.Score {
		return sv
	}
	return bv
}

func (cr *Crawler) judge(ctx context.Context, c *Capture, base *Baseline) Verdict {
	if c.Error != "" && len(c.Resources) == 0 {
		return Verdict{Verdict: Error, Reasons: []Reason{}, Indicators: []Indicator{}}
	}
	v := cr.Judge.Judge(ctx, c, base)
	if c.Error != "" && v.Verdict == Clean {
		v.Verdict = Error
	}
	return v
}

// Summary is what a round or a rejudge did.
type Summary struct {
	Day        string         `json:"day,omitempty"`
	From       string         `json:"from,omitempty"`
	To         string         `json:"to,omitempty"`
	Sites      int            `json:"sites"`
	Verdicts   map[string]int `json:"verdicts"`
	Changed    int            `json:"changed,omitempty"` // rejudge: cells whose verdict changed
	Duration   float64        `json:"duration"`
	Malicious  []string       `json:"malicious"`
	Suspicious []string       `json:"suspicious"`
	Errors     []string       `json:"errors"`
}

func newSummary() Summary {
	return Summary{Verdicts: map[string]int{}, Malicious: []string{}, Suspicious: []string{}, Errors: []string{}}
}

func (s *Summary) add(site string, v Verdict) {
	s.Verdicts[v.Verdict]++
	switch v.Verdict {
	case Malicious:
		s.Malicious = append(s.Malicious, site)
	case Suspicious:
		s.Suspicious = append(s.Suspicious, site)
	case Error:
		s.Errors = append(s.Errors, site)
	}
}

// Round visits every watched site once, recorded under day, and returns
// when all are judged and stored.
func (cr *Crawler) Round(ctx context.Context, day string) (Summary, error) {
	if !ValidDay(day) {
		return Summary{}, fmt.Errorf("crawl: round: %q is not a YYYY-MM-DD day", day)
	}
	if cr.Store == nil {
		return Summary{}, errors.New("crawl: round: no store")
	}
	cr.roundMu.Lock()
	defer cr.roundMu.Unlock()
	start := time.Now()
	sites, err := cr.Store.Sites(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("crawl: round: %w", err)
	}
	sum := newSummary()
	sum.Day, sum.Sites = day, len(sites)
	var mu sync.Mutex
	jobs := make(chan Site)
	var wg sync.WaitGroup
	n := cr.Concurrency
	if n <= 0 {
		n = 4
	}
	var firstErr error
	for range min(n, max(1, len(sites))) {
		wg.Go(func() {
			for s := range jobs {
				v, err := cr.visitSite(ctx, s, day)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				sum.add(s.Name, v.Verdict)
				mu.Unlock()
			}
		})
	}
	for _, s := range sites {
		select {
		case jobs <- s:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
	sort.Strings(sum.Malicious)
	sort.Strings(sum.Suspicious)
	sort.Strings(sum.Errors)
	sum.Duration = time.Since(start).Seconds()
	if err := ctx.Err(); err != nil {
		return sum, fmt.Errorf("crawl: round %s: %w", day, err)
	}
	if firstErr != nil {
		return sum, fmt.Errorf("crawl: round %s: %w", day, firstErr)
	}
	return sum, nil
}

// visitSite visits, judges and stores one site, one host at a time.
func (cr *Crawler) visitSite(ctx context.Context, s Site, day string) (Visit, error) {
	p, ok := LookupProfile(s.Profile)
	if !ok {
		p, _ = LookupProfile("")
	}
	release := cr.acquireHost(ctx, s.URL)
	base, err := cr.Store.Baseline(ctx, s.Name)
	if err != nil {
		release()
		return Visit{}, err
	}
	mode := cr.Mode
	if mode == "" {
		mode = EngineAuto
	}
	v := cr.Scan(ctx, Request{URL: s.URL, Site: s.Name, Profile: p}, mode, &base)
	release()
	v.Capture.Day = day
	if err := cr.keep(ctx, &v); err != nil {
		return v, err
	}
	if v.Verdict.Verdict == Clean {
		nb := Merge(base, &v.Capture, day)
		if err := cr.Store.PutBaseline(ctx, s.Name, nb); err != nil {
			return v, err
		}
	}
	return v, nil
}

// keep saves the bodies, the visit, and tells the notifier.
func (cr *Crawler) keep(ctx context.Context, v *Visit) error {
	if cr.Blobs != nil {
		if err := cr.Blobs.Save(&v.Capture); err != nil {
			return err
		}
	}
	if cr.Store != nil {
		if err := cr.Store.PutVisit(ctx, *v); err != nil {
			return err
		}
	}
	if cr.Notify != nil {
		if err := cr.Notify.Visited(ctx, v); err != nil && cr.Log != nil {
			cr.Log.Warn("crawl: notify", "capture", v.Capture.ID, "err", err)
		}
	}
	return nil
}

// acquireHost waits for the host's turn (one visit per host at a time, and
// HostDelay between two) and returns the release function.
func (cr *Crawler) acquireHost(ctx context.Context, raw string) func() {
	host := raw
	if u, err := url.Parse(raw); err == nil {
		host = u.Host
	}
	cr.hostsMu.Lock()
	if cr.hosts == nil {
		cr.hosts = map[string]*hostSlot{}
	}
	h := cr.hosts[host]
	if h == nil {
		h = &hostSlot{}
		cr.hosts[host] = h
	}
	cr.hostsMu.Unlock()
	h.mu.Lock()
	if wait := cr.HostDelay - time.Since(h.last); wait > 0 && !h.last.IsZero() {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	return func() {
		h.last = time.Now()
		h.mu.Unlock()
	}
}

// Rejudge runs the judge again over the stored captures of days in
// [from, to] (their bodies from the blobs), stores the new verdicts and
// returns what changed. Baselines are used as they are now.
func (cr *Crawler) Rejudge(ctx context.Context, from, to string) (Summary, error) {
	if _, err := Days(from, to); err != nil {
		return Summary{}, fmt.Errorf("crawl: rejudge: %w", err)
	}
	if cr.Store == nil {
		return Summary{}, errors.New("crawl: rejudge: no store")
	}
	start := time.Now()
	visits, err := cr.Store.Visits(ctx, from, to)
	if err != nil {
		return Summary{}, fmt.Errorf("crawl: rejudge: %w", err)
	}
	sum := newSummary()
	sum.From, sum.To = from, to
	sites := map[string]bool{}
	for _, v := range visits {
		if err := ctx.Err(); err != nil {
			return sum, fmt.Errorf("crawl: rejudge: %w", err)
		}
		c := v.Capture
		sites[c.Site] = true
		if cr.Blobs != nil {
			cr.Blobs.Load(&c)
		}
		base, err := cr.Store.Baseline(ctx, c.Site)
		if err != nil {
			return sum, fmt.Errorf("crawl: rejudge: %w", err)
		}
		nv := cr.judge(ctx, &c, baselineBefore(base, c.Day))
		if v.Verdict.Verdict == Error && nv.Verdict == Clean {
			nv.Verdict = Error
		}
		if nv.Verdict != v.Verdict.Verdict || nv.Score != v.Verdict.Score {
			sum.Changed++
		}
		if err := cr.Store.UpdateVerdict(ctx, c.ID, nv); err != nil {
			return sum, fmt.Errorf("crawl: rejudge: %w", err)
		}
		sum.add(c.Site, nv)
		if cr.Notify != nil && nv.Verdict != v.Verdict.Verdict {
			nvisit := Visit{Capture: v.Capture, Verdict: nv}
			if err := cr.Notify.Visited(ctx, &nvisit); err != nil && cr.Log != nil {
				cr.Log.Warn("crawl: notify", "capture", c.ID, "err", err)
			}
		}
	}
	sum.Sites = len(sites)
	sum.Duration = time.Since(start).Seconds()
	return sum, nil
}

// baselineBefore returns the baseline to judge an old capture with: the
// site's baseline as it is now (only clean captures ever enter it), or nil
// when the site has none.
func baselineBefore(base Baseline, _ string) *Baseline {
	if base.Captures == 0 {
		return nil
	}
	return &base
}
