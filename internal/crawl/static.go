package crawl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

// StaticOptions configure the static engine.
type StaticOptions struct {
	Limits
	Guard *Guard // nil: a Guard that refuses private addresses
	// MaxConnsPerHost caps connections to one host across all visits (the
	// daily crawl uses 1, to be polite); 0 is no cap.
	MaxConnsPerHost int
	Log             *slog.Logger
}

// Static is the engine that fetches pages with Go's HTTP client and reads
// their HTML without running JavaScript: fast, and blind to what scripts do
// beyond the redirects and writes it can read in their text.
type Static struct {
	opts StaticOptions
	// Two transports: a connection opened during a visit that may reach
	// private addresses must never be reused by one that may not.
	public, private *http.Transport
}

var _ Engine = (*Static)(nil)

// NewStatic returns a static engine.
func NewStatic(o StaticOptions) *Static {
	o.Limits = o.Limits.WithDefaults()
	if o.Guard == nil {
		o.Guard = &Guard{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	mk := func() *http.Transport {
		return &http.Transport{
			DialContext:            o.Guard.DialContext,
			MaxIdleConns:           256,
			MaxIdleConnsPerHost:    16,
			MaxConnsPerHost:        o.MaxConnsPerHost,
			IdleConnTimeout:        30 * time.Second,
			TLSHandshakeTimeout:    10 * time.Second,
			ResponseHeaderTimeout:  15 * time.Second,
			MaxResponseHeaderBytes: 64 << 10,
		}
	}
	return &Static{opts: o, public: mk(), private: mk()}
}

// Name implements Engine.
func (s *Static) Name() string { return EngineStatic }

// Close implements Engine.
func (s *Static) Close() error {
	s.public.CloseIdleConnections()
	s.private.CloseIdleConnections()
	return nil
}

// Visit implements Engine.
func (s *Static) Visit(ctx context.Context, req Request) (c *Capture) {
	start := time.Now()
	c = &Capture{ID: event.NewID(), Site: req.Site, URL: req.URL, Time: start.UTC(), Engine: EngineStatic, Profile: req.Profile.Name}
	defer func() {
		if r := recover(); r != nil {
			c.Error = fmt.Sprintf("crawl: static engine panic: %v", r)
			s.opts.Log.Error("static engine panic", "url", req.URL, "panic", r)
		}
		c.Duration = time.Since(start).Seconds()
		if c.Redirects == nil {
			c.Redirects = []Hop{}
		}
		if c.Resources == nil {
			c.Resources = []Resource{}
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	u, err := url.Parse(req.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		c.Error = "not an http(s) URL"
		return c
	}
	tr := s.public
	if s.opts.Guard.StartsPrivate(ctx, u.Hostname()) {
		ctx = WithPrivateAllowed(ctx)
		tr = s.private
	}
	jar, _ := cookiejar.New(nil)
	v := &visit{s: s, c: c, ctx: ctx, p: req.Profile, client: &http.Client{
		Transport: tr, Jar: jar,
		// Redirects are followed by hand, to record each hop.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, seen: map[string]bool{}}
	v.page(u)
	return c
}

type visit struct {
	s      *Static
	c      *Capture
	ctx    context.Context
	p      Profile
	client *http.Client
	seen   map[string]bool
	hops   int
}

// page loads the top document, following HTTP, meta-refresh and script
// redirects, then its sub-resources.
func (v *visit) page(u *url.URL) {
	referer := v.p.Referer(u)
	cur := u.String()
	for {
		r, final := v.fetch(cur, TypeDocument, "", "", referer)
		if r == nil {
			return
		}
		if r.Error != "" {
			v.c.Error = r.Error
		}
		v.c.FinalURL, v.c.Status = final, r.Status
		if r.Type != TypeDocument || r.Error != "" {
			return
		}
		base, _ := url.Parse(final)
		doc := Parse(r.Body, base)
		next, cause := docRedirect(doc, base)
		if next == "" || next == final || v.hops >= v.s.opts.MaxRedirects {
			v.subresources(doc, final, 0)
			return
		}
		// A page that navigates away is still looked at: what it loads
		// before leaving is part of what the victim got.
		v.subresources(doc, final, 0)
		v.hop(final, next, cause, 0)
		referer = final
		cur = next
	}
}

// docRedirect is where a document sends its window on by itself: its meta
// refresh, else the first simple script redirect of its inline scripts.
func docRedirect(doc *Doc, base *url.URL) (next, cause string) {
	if doc.MetaRefresh != "" {
		return doc.MetaRefresh, CauseMetaRefresh
	}
	for _, sc := range doc.Scripts {
		if sc.Src == "" {
			if t := ScriptRedirect(sc.Inline, base); t != "" {
				return t, CauseScript
			}
		}
	}
	return "", ""
}

func (v *visit) hop(from, to, cause string, status int) {
	v.hops++
	v.c.Redirects = append(v.c.Redirects, Hop{From: from, To: to, Cause: cause, Status: status})
}

// subresources fetches the scripts and frames of doc (found at docURL).
func (v *visit) subresources(doc *Doc, docURL string, depth int) {
	base, _ := url.Parse(docURL)
	for _, sc := range doc.Scripts {
		if sc.Src != "" {
			r, _ := v.fetch(sc.Src, TypeScript, docURL, "script", docURL)
			if r != nil && r.Body != nil {
				v.written(string(r.Body), base, docURL, depth)
			}
		}
	}
	for _, r := range inlineScripts(doc, docURL, base) {
		v.c.Resources = append(v.c.Resources, r)
		v.written(string(r.Body), base, docURL, depth)
	}
	for _, f := range doc.Iframes {
		if f.Src != "" {
			v.frame(f.Src, docURL, f.Hidden, depth)
		}
	}
}

// written fetches what a script writes into the page.
func (v *visit) written(src string, base *url.URL, docURL string, depth int) {
	for _, w := range WrittenRefs(src, base) {
		if w.Tag == "iframe" {
			v.frame(w.Src, docURL, false, depth)
			continue
		}
		v.fetch(w.Src, TypeScript, docURL, "document.write", docURL)
	}
}

func (v *visit) frame(src, parent string, hidden bool, depth int) {
	if depth >= v.s.opts.FrameDepth || v.hops >= v.s.opts.MaxRedirects || v.seen[src] {
		return
	}
	v.hop(parent, src, CauseIframe, 0)
	for {
		r, final := v.fetch(src, TypeIframe, parent, "iframe", parent)
		if r == nil || r.Body == nil || r.Type != TypeIframe {
			return
		}
		r.Hidden = r.Hidden || hidden
		base, _ := url.Parse(final)
		doc := Parse(r.Body, base)
		v.subresources(doc, final, depth+1)
		// A frame moves itself on as a page does: an exploit kit's landing
		// page in an injected frame sends it to the gate, which answers
		// with the payload.
		next, cause := docRedirect(doc, base)
		if next == "" || next == final || v.seen[next] || v.hops >= v.s.opts.MaxRedirects {
			return
		}
		v.hop(final, next, cause, 0)
		parent, src = final, next
	}
}

// fetch GETs raw, following HTTP redirects by hand, and appends the final
// resource to the capture. It returns nil when the resource was not fetched
// (limit reached, already fetched).
func (v *visit) fetch(raw, typ, parent, cause, referer string) (*Resource, string) {
	if len(v.c.Resources) >= v.s.opts.MaxResources || v.seen[raw] {
		return nil, raw
	}
	v.seen[raw] = true
	cur := raw
	for {
		u, err := url.Parse(cur)
		if err != nil {
			return v.add(Resource{URL: cur, Type: typ, Parent: parent, Cause: cause, Error: "bad URL"}), cur
		}
		r := Resource{URL: cur, Host: u.Host, Type: typ, Parent: parent, Cause: cause}
		if cur != raw {
			r.Cause = cause + " via redirect from " + raw
		}
		resp, err := v.get(cur, referer)
		if err != nil {
			r.Error = errText(err)
			return v.add(r), cur
		}
		r.Status = resp.StatusCode
		if loc := resp.Header.Get("Location"); resp.StatusCode >= 300 && resp.StatusCode < 400 && loc != "" {
			resp.Body.Close()
			next := resolve(u, loc)
			if next == "" || v.hops >= v.s.opts.MaxRedirects {
				r.Error = "redirect not followed: " + truncate(loc, 200)
				return v.add(r), cur
			}
			if typ == TypeDocument || typ == TypeIframe {
				v.hop(cur, next, CauseHTTP, resp.StatusCode)
			} else {
				v.hops++
			}
			referer, cur = cur, next
			continue
		}
		r.MIME, _, _ = mime.ParseMediaType(resp.Header.Get("Content-Type"))
		body, truncated, err := readBounded(resp.Body, v.s.opts.MaxBody)
		resp.Body.Close()
		if err != nil {
			r.Error = errText(err)
		}
		r.Body, r.Truncated, r.Size, r.SHA256 = body, truncated, int64(len(body)), Sum(body)
		if isDownload(resp, u, body) {
			r.Type = TypeDownload
		}
		return v.add(r), cur
	}
}

func (v *visit) add(r Resource) *Resource {
	v.c.Resources = append(v.c.Resources, r)
	return &v.c.Resources[len(v.c.Resources)-1]
}

func (v *visit) get(raw, referer string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(v.ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", v.p.UserAgent)
	if v.p.Language != "" {
		req.Header.Set("Accept-Language", v.p.Language)
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	if referer != "" {
		req.Header.Set("Referer", referer)
	}
	return v.client.Do(req)
}

// readBounded reads at most n bytes of r and says whether there was more.
func readBounded(r io.Reader, n int64) ([]byte, bool, error) {
	b, err := io.ReadAll(io.LimitReader(r, n+1))
	if int64(len(b)) > n {
		return b[:n], true, err
	}
	return b, false, err
}

var downloadExt = map[string]bool{
	".exe": true, ".scr": true, ".msi": true, ".jar": true, ".apk": true, ".dll": true,
	".bat": true, ".cmd": true, ".vbs": true, ".hta": true, ".ps1": true, ".zip": true,
	".rar": true, ".7z": true, ".iso": true, ".swf": true, ".dmg": true, ".pkg": true,
}

// isDownload reports whether a response is a file handed to the victim
// rather than something a page renders.
func isDownload(resp *http.Response, u *url.URL, body []byte) bool {
	if cd := resp.Header.Get("Content-Disposition"); strings.HasPrefix(strings.ToLower(strings.TrimSpace(cd)), "attachment") {
		return true
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch ct {
	case "application/x-msdownload", "application/x-msdos-program", "application/vnd.microsoft.portable-executable",
		"application/x-dosexec", "application/java-archive", "application/x-shockwave-flash", "application/vnd.android.package-archive",
		"application/hta":
		return true
	}
	if len(body) >= 2 && body[0] == 'M' && body[1] == 'Z' {
		return true
	}
	return downloadExt[strings.ToLower(path.Ext(u.Path))] && !strings.HasPrefix(ct, "text/")
}

func errText(err error) string {
	switch {
	case errors.Is(err, ErrOwnListener):
		return ErrOwnListener.Error()
	case errors.Is(err, ErrPrivateAddress):
		return ErrPrivateAddress.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return truncate(err.Error(), 300)
}

// inlineScripts are the inline <script> elements of doc as resources.
func inlineScripts(doc *Doc, docURL string, base *url.URL) []Resource {
	var out []Resource
	host := ""
	if base != nil {
		host = base.Host
	}
	for i, sc := range doc.Scripts {
		if sc.Src != "" || strings.TrimSpace(sc.Inline) == "" {
			continue
		}
		body := []byte(sc.Inline)
		out = append(out, Resource{
			URL: docURL + "#inline-" + strconv.Itoa(i), Host: host, Type: TypeInline,
			Size: int64(len(body)), SHA256: Sum(body), Parent: docURL, Cause: "script", Hidden: sc.Hidden, Body: body,
		})
	}
	return out
}
