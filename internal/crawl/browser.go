package crawl

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/css"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/honeygate/honeygate/internal/event"
)

// TypeDOM is the document as the browser left it after scripts ran: where
// code injected by a script (a hidden iframe, a miner) becomes visible.
const TypeDOM = "dom"

// BrowserOptions configure the browser engine.
type BrowserOptions struct {
	Limits
	Exec  string // the Chromium binary (default: FindChromium's, the headless shell first)
	Tabs  int    // visits at once, one tab each (default 4)
	Guard *Guard // checks every connection the browser makes (through a local proxy)
	// Settle is how long the page may stay quiet (no new request) before the
	// visit ends; scripts that wait for a timer get this long (default 700ms).
	Settle time.Duration
	// JSHeapMB bounds the JavaScript heap of each page (default 256).
	JSHeapMB int
	// RestartAfter restarts the browser after this many visits, so that
	// whatever a hostile page leaks does not accumulate (default 500).
	RestartAfter int
	// NoScreenshot skips the screenshot of each visited page (a JPEG of
	// the viewport, kept with the capture's bodies).
	NoScreenshot bool
	Log          *slog.Logger
}

// Browser is the engine that visits pages in headless Chromium, driven over
// the DevTools protocol: one long-lived browser, a fresh incognito browser
// context per visit, a pool of tabs. It records every request and response,
// frame navigations with their cause, downloads (saved to a scratch
// directory, hashed, deleted, never opened), WebSockets and what the page
// sends on them, dialogs (answered so the page does not stall), console
// messages, fullscreen and history calls.
type Browser struct {
	opts BrowserOptions
	sem  chan struct{}
	dir  string // user data and downloads

	mu       sync.Mutex
	allocCtx context.Context
	cancel   context.CancelFunc
	browser  context.Context // the browser's root context
	visits   int
	active   sync.WaitGroup
	closed   bool

	public, private *guardProxy
}

var _ Engine = (*Browser)(nil)

// ErrNoBrowser is returned when no Chromium binary can be found.
var ErrNoBrowser = errors.New("crawl: no chromium binary found")

// ChromiumEnv names an environment variable that, when set, is the browser
// binary FindChromium returns (the configuration's crawl.chromium and
// BrowserOptions.Exec override both).
const ChromiumEnv = "HONEYGATE_CHROMIUM"

// chromiumCandidates are the browsers FindChromium tries, best first.
// Chromium's headless shell comes first: the old headless mode without the
// browser's UI layers, the same engine (Blink, V8, the network stack) for
// less CPU and memory per visit (docs/performance-crawl.md, Stop 6). Its
// real binary is named, not Debian's /usr/bin wrapper: the wrapper runs it
// as a child without exec, and stopping the wrapper would leave the browser
// running. The full browser is the fallback.
var chromiumCandidates = []string{
	"/usr/lib/chromium/chromium-headless-shell", // Debian's chromium-headless-shell
	"chromium-headless-shell", "headless_shell",
	"chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
}

// FindChromium returns the browser binary the engine runs: $HONEYGATE_CHROMIUM
// when set, else the first of Chromium's headless shell and the full
// Chromium-like browsers found.
func FindChromium() (string, error) {
	if p := os.Getenv(ChromiumEnv); p != "" {
		if lp, err := exec.LookPath(p); err == nil {
			return lp, nil
		}
		return "", fmt.Errorf("%w: $%s is %q, not an executable", ErrNoBrowser, ChromiumEnv, p)
	}
	for _, n := range chromiumCandidates {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", ErrNoBrowser
}

// NewBrowser starts Chromium and returns the engine.
func NewBrowser(o BrowserOptions) (*Browser, error) {
	o.Limits = o.Limits.WithDefaults()
	if o.Tabs <= 0 {
		o.Tabs = 4
	}
	if o.Settle <= 0 {
		o.Settle = 700 * time.Millisecond
	}
	if o.JSHeapMB <= 0 {
		o.JSHeapMB = 256
	}
	if o.RestartAfter <= 0 {
		o.RestartAfter = 500
	}
	if o.Guard == nil {
		o.Guard = &Guard{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Exec == "" {
		p, err := FindChromium()
		if err != nil {
			return nil, err
		}
		o.Exec = p
	}
	dir, err := os.MkdirTemp("", "honeygate-chromium-")
	if err != nil {
		return nil, fmt.Errorf("crawl: browser: %w", err)
	}
	b := &Browser{opts: o, sem: make(chan struct{}, o.Tabs), dir: dir}
	// Room for the bodies of the pages in progress in every tab.
	bodies := newBodyLog(o.MaxBody, max(64<<20, 8*int64(o.Tabs)*o.MaxBody))
	if b.public, err = startGuardProxy(o.Guard, false, bodies, o.Log); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("crawl: browser: proxy: %w", err)
	}
	if b.private, err = startGuardProxy(o.Guard, true, bodies, o.Log); err != nil {
		b.public.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("crawl: browser: proxy: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.startLocked(); err != nil {
		b.public.Close()
		b.private.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	return b, nil
}

// startLocked starts a browser process with a fresh profile.
func (b *Browser) startLocked() error {
	profile, err := os.MkdirTemp(b.dir, "profile-")
	if err != nil {
		return fmt.Errorf("crawl: browser: %w", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(b.opts.Exec),
		chromedp.UserDataDir(profile),
		// As root (in a container) Chromium's sandbox cannot start. The
		// pages are still confined: no file access, every connection through
		// the guard proxy, downloads never opened.
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
		// WebRTC sends UDP by itself (STUN to any address and port a page
		// names, loopback included), past the proxy: only proxied TCP.
		chromedp.Flag("webrtc-ip-handling-policy", "disable_non_proxied_udp"),
		// The same for the headless shell, which has no preferences and
		// takes the policy from this switch only (without it, STUN went
		// out: TestBrowserNeverReachesOwnListeners).
		chromedp.Flag("force-webrtc-ip-handling-policy", "disable_non_proxied_udp"),
		chromedp.Flag("dns-prefetch-disable", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("mute-audio", true),
		// chromedp turns this on by default, for containers with a tiny
		// /dev/shm; Chromium then keeps its shared memory in files under
		// /tmp, and a visit spent a fifth of its CPU in the kernel
		// creating, filling and deleting them (perf: ext4 inode and page
		// cache work in the renderers' IO threads). Only when /dev/shm is
		// too small is it left on.
		chromedp.Flag("disable-dev-shm-usage", !devShmUsable()),
		// Everything goes through the guard proxy, loopback included
		// ("<-loopback>" removes Chromium's implicit bypass of it).
		chromedp.Flag("proxy-server", b.public.URL()),
		chromedp.Flag("proxy-bypass-list", "<-loopback>"),
		chromedp.Flag("js-flags", fmt.Sprintf("--max-old-space-size=%d", b.opts.JSHeapMB)),
		// Frames of other sites in the page's own process: with site
		// isolation they are separate targets whose requests the page's
		// target does not see, and an injected frame is what matters most.
		// (Isolation protects a user's other sites; a crawl visit has none.)
		chromedp.Flag("disable-site-isolation-trials", true),
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,IsolateOrigins,site-per-process"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelB := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(bctx); err != nil { // starts the browser
		cancelB()
		cancelAlloc()
		return fmt.Errorf("crawl: browser: start %s: %w", b.opts.Exec, err)
	}
	b.allocCtx, b.browser, b.visits = allocCtx, bctx, 0
	b.cancel = func() { cancelB(); cancelAlloc() }
	return nil
}

// Name implements Engine.
func (b *Browser) Name() string { return EngineBrowser }

// Close implements Engine: it waits for visits in progress, then stops the
// browser and removes its profile.
func (b *Browser) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.mu.Unlock()
	b.active.Wait()
	b.cancel()
	b.public.Close()
	b.private.Close()
	return os.RemoveAll(b.dir)
}

// acquire returns the browser context to open a tab in, restarting the
// browser when it died or served its number of visits.
func (b *Browser) acquire() (context.Context, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, errors.New("crawl: browser: closed")
	}
	dead := b.browser.Err() != nil
	if dead || b.visits >= b.opts.RestartAfter {
		// Let the tabs in progress finish on the old browser first.
		b.mu.Unlock()
		b.active.Wait()
		b.mu.Lock()
		if b.browser.Err() != nil || b.visits >= b.opts.RestartAfter {
			b.cancel()
			if err := b.startLocked(); err != nil {
				return nil, err
			}
		}
	}
	b.visits++
	b.active.Add(1)
	return b.browser, nil
}

// Visit implements Engine.
func (b *Browser) Visit(ctx context.Context, req Request) (c *Capture) {
	start := time.Now()
	c = &Capture{ID: event.NewID(), Site: req.Site, URL: req.URL, Time: start.UTC(), Engine: EngineBrowser, Profile: req.Profile.Name, Redirects: []Hop{}, Resources: []Resource{}}
	defer func() {
		if r := recover(); r != nil {
			c.Error = fmt.Sprintf("crawl: browser engine panic: %v", r)
			b.opts.Log.Error("browser engine panic", "url", req.URL, "panic", r)
		}
		c.Duration = time.Since(start).Seconds()
	}()
	u, err := url.Parse(req.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		c.Error = "not an http(s) URL"
		return c
	}
	select {
	case b.sem <- struct{}{}:
	case <-ctx.Done():
		c.Error = "timed out waiting for a tab"
		return c
	}
	defer func() { <-b.sem }()
	bctx, err := b.acquire()
	if err != nil {
		c.Error = err.Error()
		return c
	}
	defer b.active.Done()
	proxy := b.public
	if b.opts.Guard.AllowPrivate || b.opts.Guard.StartsPrivate(ctx, u.Hostname()) {
		proxy = b.private
	}
	dl, err := os.MkdirTemp(b.dir, "downloads-")
	if err != nil {
		c.Error = err.Error()
		return c
	}
	defer os.RemoveAll(dl)
	v := &tabVisit{b: b, c: c, p: req.Profile, reqs: map[network.RequestID]*tabReq{}, dl: dl, proxy: proxy,
		bodies: map[network.RequestID][]byte{}, bodySem: make(chan struct{}, 4)}
	v.last.Store(time.Now().UnixNano())
	tctx, cancel := chromedp.NewContext(bctx,
		chromedp.WithNewBrowserContext(func(p *target.CreateBrowserContextParams) {
			p.ProxyServer = proxy.URL()
			p.ProxyBypassList = "<-loopback>"
		}),
		chromedp.WithListener(v.listen))
	defer cancel()
	// The whole visit, collection included, is bounded; the tab closes (and
	// its incognito context with everything the page stored) at the end.
	vctx, vcancel := context.WithTimeout(tctx, b.opts.Timeout)
	defer vcancel()
	v.ctx, v.tab = vctx, tctx
	v.run(u)
	return c
}

// tabReq is what the engine knows of one request of the page.
type tabReq struct {
	url, typ, frame, initiator string
	status                     int
	mime                       string
	finished, failed           bool
	errText                    string
	refused                    bool
	proxyErr                   string // the guard proxy answered for the site: why it did not reach it
	download                   bool
	order                      int
}

type tabVisit struct {
	b     *Browser
	c     *Capture
	p     Profile
	proxy *guardProxy
	ctx   context.Context // the visit, bounded by the timeout
	tab   context.Context // the tab, open until Visit returns
	dl    string

	mu        sync.Mutex
	reqs      map[network.RequestID]*tabReq
	order     int
	mainFrame string
	// frameParent and frameURL tell the page a frame sits in, so that a
	// frame's navigation reads parent -> frame URL.
	frameParent map[string]string
	frameURL    map[string]string
	stopped     bool         // set when collection starts; the listener then ignores events
	last        atomic.Int64 // time of the last network activity, unix nanoseconds
	dialogs     atomic.Int32

	// Bodies are read as soon as each response has finished loading, while
	// the page goes on: Chromium drops a document's response bodies when
	// the top frame commits another navigation (a kit's landing page that
	// moves on), and reading them one by one after the visit made the
	// collection's deadline a bottleneck on a busy machine.
	bodies  map[network.RequestID][]byte // guarded by mu
	bodyWG  sync.WaitGroup
	bodySem chan struct{}

	// begun are the downloads the browser reported starting, by GUID, and
	// done those it finished or cancelled (guarded by mu). The events come
	// on the browser's session, for every visit: a visit's own are the
	// ones whose file (named by its GUID) lands in its directory. They
	// cover what the tab's network events miss: a download in a popup or
	// another window the page opened (a gate's window.open).
	begun map[string]string
	done  map[string]bool
}

// instrument counts what a trapping page does, through console markers:
// the listener sees console calls without running commands.
const instrument = `(() => {
  const mark = (what) => { try { console.debug("__honeygate:" + what); } catch (e) {} };
  for (const name of ["requestFullscreen", "webkitRequestFullscreen", "webkitRequestFullScreen", "mozRequestFullScreen", "msRequestFullscreen"]) {
    const f = Element.prototype[name];
    if (typeof f === "function") {
      Element.prototype[name] = function () { mark("fullscreen"); try { return f.apply(this, arguments); } catch (e) {} };
    }
  }
  const push = History.prototype.pushState;
  History.prototype.pushState = function () { mark("pushState"); return push.apply(this, arguments); };
})();`

func (v *tabVisit) run(u *url.URL) {
	c := v.c
	ctx := v.ctx
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			// chromedp enables the CSS and DOM agents on every tab for its
			// selectors, which the engine does not use: with them on, the
			// renderer reports every stylesheet and node change of the page
			// over the pipe. (Network and Page are on already.)
			chromedp.Call(ctx, css.Disable, cdp.Empty{}) //nolint:errcheck // an agent left on costs time only
			chromedp.Call(ctx, dom.Disable, cdp.Empty{}) //nolint:errcheck // idem
			if _, err := chromedp.Call(ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
				UserAgent: v.p.UserAgent, AcceptLanguage: v.p.Language, Platform: v.p.Platform,
			}); err != nil {
				return err
			}
			if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: instrument}); err != nil {
				return err
			}
			bc := chromedp.FromContext(ctx).BrowserContextID
			if err := chromedp.ListenBrowser(v.tab, v.listenBrowser); err != nil {
				return err
			}
			events := true
			_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, BrowserContextID: bc, DownloadPath: v.dl,
				EventsEnabled: &events,
			})
			return err
		}),
	}
	if err := chromedp.Do(ctx, steps...); err != nil {
		c.Error = "browser: " + errText(err)
		return
	}
	if v.p.Width > 0 {
		chromedp.Do(ctx, chromedp.EmulateViewport(int64(v.p.Width), int64(v.p.Height))) //nolint:errcheck // the default size is fine too
	}
	res, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: u.String(), Referrer: v.p.Referer(u), ReferrerPolicy: page.ReferrerPolicyUnsafeURL})
	if err == nil && res.ErrorText != "" && res.ErrorText != "net::ERR_ABORTED" {
		// ERR_ABORTED is what a navigation that became a download gives.
		err = errors.New(res.ErrorText)
	}
	if err != nil {
		c.Error = errText(err)
		if why := v.proxy.failure(u.String()); why != "" {
			// HTTPS through a failed tunnel reads only
			// ERR_TUNNEL_CONNECTION_FAILED; the proxy knows why.
			c.Error = why
		}
	} else {
		v.mu.Lock()
		v.mainFrame = string(res.FrameID)
		v.mu.Unlock()
		v.settle()
	}
	v.collect()
}

// settle waits until the page has been quiet for Settle, or the visit's
// time is up.
func (v *tabVisit) settle() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-v.ctx.Done():
			return
		case <-t.C:
			if time.Since(time.Unix(0, v.last.Load())) >= v.b.opts.Settle {
				return
			}
		}
	}
}

// listen runs in the tab's event loop: it must be fast and run no command.
func (v *tabVisit) listen(ev any) {
	v.last.Store(time.Now().UnixNano())
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.stopped {
		return // collection started: the capture is no longer the listener's
	}
	c := v.c
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		r := v.reqs[e.RequestID]
		if e.RedirectResponse != nil && r != nil {
			if e.Type == network.ResourceTypeDocument && len(c.Redirects) < v.b.opts.MaxRedirects*4 {
				c.Redirects = append(c.Redirects, Hop{From: e.RedirectResponse.URL, To: e.Request.URL, Cause: CauseHTTP, Status: int(e.RedirectResponse.Status)})
			}
			r.url = e.Request.URL
			return
		}
		if len(v.reqs) >= 4*v.b.opts.MaxResources {
			return
		}
		init := ""
		if e.Initiator != nil {
			init = e.Initiator.URL
			if init == "" {
				init = string(e.Initiator.Type)
			}
		}
		v.order++
		v.reqs[e.RequestID] = &tabReq{url: e.Request.URL, typ: string(e.Type), frame: string(e.FrameID), initiator: init, order: v.order}
		if e.Type == network.ResourceTypeDocument && v.mainFrame != "" && string(e.FrameID) != v.mainFrame && len(c.Redirects) < v.b.opts.MaxRedirects*4 {
			c.Redirects = append(c.Redirects, Hop{From: v.frameFrom(string(e.FrameID), init), To: e.Request.URL, Cause: CauseIframe})
		}
	case *network.EventResponseReceived:
		if r := v.reqs[e.RequestID]; r != nil && e.Response != nil {
			r.status, r.mime, r.url = int(e.Response.Status), e.Response.MimeType, e.Response.URL
			h := map[string]string{}
			for k, val := range e.Response.Headers {
				if s, ok := val.(string); ok {
					h[k] = s
				}
			}
			r.refused = isRefused(h)
			r.proxyErr = proxyFailure(h)
			for k, s := range h {
				if strings.EqualFold(k, "Content-Disposition") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(s)), "attachment") {
					r.download = true
				}
			}
			if isDownloadMIME(r.mime) {
				r.download = true
			}
		}
	case *network.EventLoadingFinished:
		if r := v.reqs[e.RequestID]; r != nil {
			r.finished = true
			if wantsBody(r) {
				v.bodyWG.Add(1)
				go v.readBody(e.RequestID)
			}
		}
	case *network.EventLoadingFailed:
		if r := v.reqs[e.RequestID]; r != nil {
			r.failed, r.errText = true, e.ErrorText
		}
	case *network.EventWebSocketCreated:
		if len(c.Behaviour.WebSockets) < 32 {
			c.Behaviour.WebSockets = append(c.Behaviour.WebSockets, e.URL)
		}
	case *network.EventWebSocketFrameSent:
		if e.Response != nil && len(c.Behaviour.WSFrames) < 16 {
			c.Behaviour.WSFrames = append(c.Behaviour.WSFrames, truncate(string(e.Response.PayloadData), 512))
		}
	case *page.EventFrameRequestedNavigation:
		cause := CauseScript
		switch e.Reason {
		case page.ClientNavigationReasonMetaTagRefresh, page.ClientNavigationReasonHTTPHeaderRefresh:
			cause = CauseMetaRefresh
		case page.ClientNavigationReasonScriptInitiated:
			cause = CauseScript
		default:
			cause = string(e.Reason)
		}
		if string(e.FrameID) != v.mainFrame && v.mainFrame != "" {
			cause = CauseIframe
		}
		hop := Hop{From: v.c.FinalURL, To: e.URL, Cause: cause}
		if len(c.Behaviour.Navigations) < 64 {
			c.Behaviour.Navigations = append(c.Behaviour.Navigations, hop)
		}
		if cause != CauseIframe && len(c.Redirects) < v.b.opts.MaxRedirects*4 {
			c.Redirects = append(c.Redirects, hop)
		}
	case *page.EventFrameAttached:
		if v.frameParent == nil {
			v.frameParent = map[string]string{}
		}
		if len(v.frameParent) < 256 {
			v.frameParent[string(e.FrameID)] = string(e.ParentFrameID)
		}
	case *page.EventFrameNavigated:
		if e.Frame != nil && e.Frame.ParentID == "" {
			c.FinalURL = e.Frame.URL
		}
		if e.Frame != nil {
			if v.frameURL == nil {
				v.frameURL = map[string]string{}
			}
			if len(v.frameURL) < 256 {
				v.frameURL[string(e.Frame.ID)] = e.Frame.URL
			}
		}
	case *page.EventJavascriptDialogOpening:
		if len(c.Behaviour.Dialogs) < 32 {
			c.Behaviour.Dialogs = append(c.Behaviour.Dialogs, truncate(string(e.Type)+": "+e.Message, 512))
		}
		// Answer at once, so that the page does not stall; an alert loop
		// then shows as many dialogs. Past a bound, dismiss and stop counting.
		n := v.dialogs.Add(1)
		go func() {
			chromedp.Call(v.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: n < 50}) //nolint:errcheck // the tab may be gone
		}()
	case *runtime.EventConsoleAPICalled:
		var parts []string
		for _, a := range e.Args {
			s := string(a.Value)
			if s == "" {
				s = a.Description
			}
			parts = append(parts, strings.Trim(s, `"`))
		}
		line := strings.Join(parts, " ")
		switch {
		case line == "__honeygate:fullscreen":
			c.Behaviour.Fullscreen++
		case line == "__honeygate:pushState":
			c.Behaviour.HistoryPush++
		case len(c.Behaviour.Console) < 32:
			c.Behaviour.Console = append(c.Behaviour.Console, truncate(string(e.Type)+": "+line, 300))
		}
	}
}

// listenBrowser sees the browser's download events (of every visit; see
// tabVisit.begun). It runs in the browser's event loop: fast, no command.
func (v *tabVisit) listenBrowser(ev any) {
	switch e := ev.(type) {
	case *browser.EventDownloadWillBegin:
		v.mu.Lock()
		if v.begun == nil {
			v.begun = map[string]string{}
		}
		if len(v.begun) < 256 {
			v.begun[e.GUID] = e.URL
		}
		v.mu.Unlock()
	case *browser.EventDownloadProgress:
		if e.State == browser.DownloadProgressStateCompleted || e.State == browser.DownloadProgressStateCanceled {
			v.mu.Lock()
			if v.done == nil {
				v.done = map[string]bool{}
			}
			if len(v.done) < 256 {
				v.done[e.GUID] = true
			}
			v.mu.Unlock()
		}
	}
}

// wantsBody reports whether the engine keeps r's body: documents (pages
// and frames) and scripts, the things the detectors read.
func wantsBody(r *tabReq) bool {
	t := network.ResourceType(r.typ)
	return !r.refused && r.proxyErr == "" && !r.download && (t == network.ResourceTypeDocument || t == network.ResourceTypeScript)
}

// readBody reads one response body from the browser, a few at a time per
// tab, and keeps it for collect.
func (v *tabVisit) readBody(id network.RequestID) {
	defer v.bodyWG.Done()
	select {
	case v.bodySem <- struct{}{}:
	case <-v.tab.Done():
		return
	}
	defer func() { <-v.bodySem }()
	ctx, cancel := context.WithTimeout(v.tab, 5*time.Second)
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetResponseBody, network.GetResponseBodyParams{RequestID: id})
	if err != nil {
		return
	}
	b := res.Body
	if b == nil {
		b = []byte{}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.bodies) < 4*v.b.opts.MaxResources {
		v.bodies[id] = b
	}
}

// collect turns the requests into resources, with the bodies of documents,
// frames and scripts, the saved downloads, and the DOM as scripts left it.
func (v *tabVisit) collect() {
	c := v.c
	// The bodies still being read get a short while; the tab is still open.
	read := make(chan struct{})
	go func() { v.bodyWG.Wait(); close(read) }()
	select {
	case <-read:
	case <-time.After(3 * time.Second):
	}
	v.mu.Lock()
	v.stopped = true
	mainFrame := v.mainFrame
	bodies := v.bodies
	v.bodies = map[network.RequestID][]byte{} // late readers write here
	var items []reqItem
	for id, r := range v.reqs {
		items = append(items, reqItem{id, *r})
	}
	v.mu.Unlock()
	slices.SortFunc(items, func(a, b reqItem) int { return a.r.order - b.r.order })

	// The bodies are read after the visit: even when the visit's own time
	// is up, the tab is still open (its context is the parent's), and a
	// short extra time bounds the reading.
	cctx, cancel := context.WithTimeout(v.tab, 3*time.Second)
	defer cancel()
	if !v.b.opts.NoScreenshot && mainFrame != "" {
		v.screenshot(cctx)
	}
	var mainDoc string
	topSeen := false
	for _, it := range items {
		if len(c.Resources) >= v.b.opts.MaxResources {
			break
		}
		r := it.r
		ru, _ := url.Parse(r.url)
		res := Resource{URL: r.url, Type: mapType(r.typ), Status: r.status, MIME: r.mime, Parent: r.initiator, Cause: strings.ToLower(r.typ)}
		if ru != nil {
			res.Host = ru.Host
		}
		if res.Type == TypeDocument && r.frame != mainFrame && mainFrame != "" {
			res.Type = TypeIframe
		}
		if r.download {
			res.Type = TypeDownload
		}
		unreached := ""
		switch {
		case r.refused || v.proxy.wasRefused(r.url):
			res.Error = ErrPrivateAddress.Error()
			unreached = res.Error
		case r.proxyErr != "":
			res.Error = r.proxyErr
			unreached = res.Error
		case r.failed && !r.download:
			res.Error = r.errText
		}
		if !topSeen && res.Type == TypeDocument && (r.frame == mainFrame || mainFrame == "") {
			// The visited page itself: when the proxy could not reach it,
			// what the browser showed is the proxy's error page, not the
			// site, and the visit failed for that reason.
			topSeen = true
			if unreached != "" && c.Error == "" {
				c.Error = unreached
			}
		}
		if wantsBody(&r) && r.status > 0 {
			b, ok := bodies[it.id]
			if !ok && r.finished && cctx.Err() == nil {
				// Finished as the visit ended, or its reading failed: once
				// more, now.
				if body, err := chromedp.Call(cctx, network.GetResponseBody, network.GetResponseBodyParams{RequestID: it.id}); err == nil {
					b, ok = body.Body, true
				}
			}
			if len(b) == 0 {
				// Chromium had nothing, nothing left, or never reported the
				// load finished (a frame's document, under load): the
				// proxy's copy.
				if pb, found := v.proxy.bodies.get(r.url, v.c.Time); found && len(pb) > 0 {
					b, ok = pb, true
					res.Cause += "; body from the proxy"
				}
			}
			if ok {
				if int64(len(b)) > v.b.opts.MaxBody {
					b, res.Truncated = b[:v.b.opts.MaxBody], true
				}
				res.Body, res.Size, res.SHA256 = b, int64(len(b)), Sum(b)
			}
		}
		if res.Type == TypeDocument && mainDoc == "" && res.Body != nil {
			mainDoc = res.URL
			if c.Status == 0 {
				c.Status = res.Status
			}
		}
		c.Resources = append(c.Resources, res)
		if (res.Type == TypeDocument || res.Type == TypeIframe) && res.Body != nil {
			base, _ := url.Parse(res.URL)
			c.Resources = append(c.Resources, inlineScripts(Parse(res.Body, base), res.URL, base)...)
		}
	}
	v.downloads(items)
	// The DOM after the scripts ran.
	if cctx.Err() == nil {
		if html, err := chromedp.Run(cctx, chromedp.Evaluate[string](`document.documentElement ? document.documentElement.outerHTML : ""`)); err == nil && html != "" {
			b := []byte(html)
			if int64(len(b)) > v.b.opts.MaxBody {
				b = b[:v.b.opts.MaxBody]
			}
			fu, _ := url.Parse(c.FinalURL)
			host := ""
			if fu != nil {
				host = fu.Host
			}
			c.Resources = append(c.Resources, Resource{URL: c.FinalURL, Host: host, Type: TypeDOM, Size: int64(len(b)), SHA256: Sum(b), Body: b, Cause: "rendered"})
		}
	}
	if c.FinalURL == "" {
		c.FinalURL = c.URL
	}
	if c.Error == "" && mainDoc == "" && len(c.Resources) == 0 {
		c.Error = "no document loaded"
	}
}

// screenshot keeps an image of the page as it was shown when the visit
// ended: a JPEG of the viewport (what a victim saw first; a scam's fake
// warning, a fake update's button), small enough to keep for every visit.
func (v *tabVisit) screenshot(ctx context.Context) {
	q, speed := int64(60), true
	res, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{
		Format: page.CaptureScreenshotFormatJpeg, Quality: &q, OptimizeForSpeed: &speed,
	})
	if err != nil || len(res.Data) == 0 || int64(len(res.Data)) > v.b.opts.MaxBody {
		return
	}
	v.c.Screenshot = &Screenshot{MIME: "image/jpeg", Width: v.p.Width, Height: v.p.Height, Size: int64(len(res.Data)), SHA256: Sum(res.Data), Data: res.Data}
}

// downloads hashes the files the page made the browser save, then deletes
// them (the directory goes with the visit). They are never opened.
type reqItem struct {
	id network.RequestID
	r  tabReq
}

func (v *tabVisit) downloads(items []reqItem) {
	var urls []string // downloads the tab's own network events saw
	for _, it := range items {
		if it.r.download {
			urls = append(urls, it.r.url)
		}
	}
	// Give a download in flight a moment to land: one the tab saw, or a
	// file (any window's) already being written to this visit's directory.
	deadline := time.Now().Add(time.Second)
	for {
		ents, _ := os.ReadDir(v.dl)
		pending := len(urls) > 0 && len(ents) == 0
		for _, e := range ents {
			v.mu.Lock()
			finished := v.done[e.Name()]
			v.mu.Unlock()
			pending = pending || (strings.HasSuffix(e.Name(), ".crdownload") || !finished && v.began(e.Name()))
		}
		if !pending || !time.Now().Before(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	ents, _ := os.ReadDir(v.dl)
	recorded := map[string]bool{}
	for _, u := range urls {
		recorded[u] = true
	}
	for i, e := range ents {
		name := strings.TrimSuffix(e.Name(), ".crdownload")
		if e.IsDir() {
			continue
		}
		// The file is named by the download's GUID, which the browser's
		// events pair with its URL; without an event, pair it with a
		// download URL in order (a page rarely starts more than one).
		v.mu.Lock()
		du, ok := v.begun[name]
		v.mu.Unlock()
		if !ok {
			if len(urls) == 0 {
				continue
			}
			du = urls[min(i, len(urls)-1)]
		}
		var b []byte
		if !strings.HasSuffix(e.Name(), ".crdownload") {
			b, _ = readFileBounded(filepath.Join(v.dl, e.Name()), v.b.opts.MaxBody)
		}
		if !recorded[du] && len(v.c.Resources) < v.b.opts.MaxResources+8 {
			// Not a load of the tab: a window the page opened (a gate's
			// popup) downloaded it.
			recorded[du] = true
			urls = append(urls, du)
			res := Resource{URL: du, Type: TypeDownload, Cause: "download in another window of the page"}
			if u, err := url.Parse(du); err == nil {
				res.Host = u.Host
			}
			v.c.Resources = append(v.c.Resources, res)
		}
		if b == nil {
			continue
		}
		for j := range v.c.Resources {
			r := &v.c.Resources[j]
			if r.Type == TypeDownload && r.URL == du && r.SHA256 == "" {
				r.Body, r.Size, r.SHA256 = b, int64(len(b)), Sum(b)
			}
		}
	}
	v.c.Behaviour.Downloads = append(v.c.Behaviour.Downloads, urls...)
}

// began reports whether the browser reported the download guid starting.
func (v *tabVisit) began(guid string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	_, ok := v.begun[guid]
	return ok
}

func readFileBounded(p string, n int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, _, err := readBounded(f, n)
	return b, err
}

func mapType(t string) string {
	switch network.ResourceType(t) {
	case network.ResourceTypeDocument:
		return TypeDocument
	case network.ResourceTypeScript:
		return TypeScript
	case network.ResourceTypeStylesheet:
		return TypeStyle
	case network.ResourceTypeImage:
		return TypeImage
	case network.ResourceTypeXHR, network.ResourceTypeFetch:
		return TypeXHR
	case network.ResourceTypeWebSocket:
		return TypeWebSocket
	}
	return TypeOther
}

func isDownloadMIME(m string) bool {
	m, _, _ = mime.ParseMediaType(m)
	switch m {
	case "application/x-msdownload", "application/x-msdos-program", "application/vnd.microsoft.portable-executable",
		"application/x-dosexec", "application/java-archive", "application/x-shockwave-flash", "application/vnd.android.package-archive",
		"application/hta", "application/octet-stream":
		return true
	}
	return false
}

// frameFrom is where a child frame's navigation comes from: the document of
// the frame it sits in, else the script or parser that started it, else the
// page. The request's own DocumentURL is the frame's new URL, not its
// parent's.
func (v *tabVisit) frameFrom(frame, initiator string) string {
	if p, ok := v.frameParent[frame]; ok {
		if u := v.frameURL[p]; u != "" {
			return u
		}
	}
	if strings.HasPrefix(initiator, "http://") || strings.HasPrefix(initiator, "https://") {
		return initiator
	}
	if v.c.FinalURL != "" {
		return v.c.FinalURL
	}
	return v.c.URL
}
