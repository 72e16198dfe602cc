// Package ui is honeygate's dashboard: server-rendered HTML pages for the
// analyst (overview, honeypot activity, session transcripts, and the views
// of the client honeypot, gateway and intel), served beside the JSON API on
// the web listener and reading the same store queries.
//
// Pages are html/template (everything an attacker controls is escaped by
// the template engine) and are readable without JavaScript; one embedded
// script adds the transcript replay and the live counter. Charts come from
// internal/report, the same code that draws `honeygate report`. Every
// response carries a Content-Security-Policy that forbids inline scripts.
//
// It is not the API (internal/web) and holds no data of its own beyond the
// signed-in browser sessions (in memory, and in a signin.Store when given).
package ui

import (
	"bytes"
	"context"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/honeygate/honeygate/internal/audit"
	"github.com/honeygate/honeygate/internal/gateway"
	"github.com/honeygate/honeygate/internal/signin"
	"github.com/honeygate/honeygate/internal/store"
	"github.com/honeygate/honeygate/internal/web/authlimit"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configure the dashboard.
type Options struct {
	Store store.Events
	// Blocks answers the blocks view and the overview's blocked count; nil
	// leaves the view saying that no gateway records blocks in this build.
	Blocks gateway.BlocksStore
	// Crawl answers the tampering and watch views; nil leaves them saying
	// that no client honeypot records captures in this build.
	Crawl *Crawl
	// Intel answers the intel view; nil leaves it saying there is none.
	Intel Intel
	Token string // the API token signs a browser in (as an admin)
	// Users may sign in with a name and password (config web.users).
	Users []User
	// Audit records who changed the intel or the watch list; nil records
	// nothing (the change is still logged).
	Audit audit.Store
	// Signins keeps signed-in sessions across restarts; nil keeps them in
	// memory only (a restart signs everyone out).
	Signins signin.Store
	// AddrLimit counts failed sign-ins per client address; the API shares
	// it for failed bearer tokens (NewAddrLimiter). Nil: the dashboard's own.
	AddrLimit *authlimit.Limiter
	Log       *slog.Logger
	Now       func() time.Time // the clock that picks "today"; time.Now when nil
}

// Handler serves the dashboard's pages.
type Handler struct {
	opts  Options
	sess  *sessions
	fails *signinLimits // failed sign-ins per address and per user
	tmpl  map[string]*template.Template
	// streams bounds the open live streams (see maxStreams).
	streams chan struct{}
	// closing ends every live stream when the server shuts down (an
	// http.Server's Shutdown waits for handlers but cancels nothing).
	closing   chan struct{}
	closeOnce sync.Once
}

// CloseStreams ends the live streams; register it with the http.Server's
// RegisterOnShutdown. Safe to call more than once.
func (h *Handler) CloseStreams() { h.closeOnce.Do(func() { close(h.closing) }) }

// csp forbids inline scripts and styles, and anything not from this origin.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// New parses the embedded templates; it fails only on a broken build.
func New(o Options) (*Handler, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	h := &Handler{opts: o, fails: newSigninLimits(o), tmpl: map[string]*template.Template{}, streams: make(chan struct{}, maxStreams), closing: make(chan struct{})}
	h.sess = &sessions{m: map[string]*uiSession{}, now: o.Now, store: o.Signins, valid: h.sessionValid, log: o.Log}
	h.sess.load(context.Background())
	base := template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/recent.html", "templates/changes.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if n == "templates/layout.html" || n == "templates/recent.html" || n == "templates/changes.html" { // shared by the pages
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, err
		}
		h.tmpl[n[len("templates/"):len(n)-len(".html")]] = t
	}
	return h, nil
}

// Register adds the dashboard's routes to mux. Patterns are specific
// enough ("GET /{$}", "/tampering") not to take any /api/ path.
func (h *Handler) Register(mux *http.ServeMux) {
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", h.headers(http.StripPrefix("/static/", http.FileServer(http.FS(static))), true))
	mux.Handle("GET /login", h.headers(http.HandlerFunc(h.loginForm), false))
	mux.Handle("POST /login", h.headers(http.HandlerFunc(h.login), false))
	mux.Handle("POST /logout", h.headers(h.requireSession(h.logout), false))
	mux.Handle("GET /{$}", h.headers(h.requireSession(h.overview), false))
	mux.Handle("GET /honeypot", h.headers(h.requireSession(h.honeypot), false))
	mux.Handle("GET /sessions/{id}", h.headers(h.requireSession(h.sessionPage), false))
	if h.opts.Crawl != nil {
		mux.Handle("GET /tampering", h.headers(h.requireSession(h.tampering), false))
		mux.Handle("GET /tampering/cell", h.headers(h.requireSession(h.cell), false))
		if h.opts.Crawl.Blob != nil {
			mux.Handle("GET /tampering/shot", h.headers(h.requireSession(h.shot), false))
		}
		mux.Handle("GET /watch", h.headers(h.requireSession(h.watch), false))
		mux.Handle("POST /watch", h.headers(h.requireSession(h.watchChange), false))
	} else {
		mux.Handle("GET /tampering", h.headers(h.requireSession(h.pending("tampering", "pendTamper")), false))
		mux.Handle("GET /watch", h.headers(h.requireSession(h.pending("watch", "pendWatch")), false))
	}
	if h.opts.Blocks != nil {
		mux.Handle("GET /blocks", h.headers(h.requireSession(h.blocks), false))
	} else {
		mux.Handle("GET /blocks", h.headers(h.requireSession(h.pending("blocks", "pendBlocks")), false))
	}
	if h.opts.Intel != nil {
		mux.Handle("GET /intel", h.headers(h.requireSession(h.intelPage), false))
		mux.Handle("POST /intel", h.headers(h.requireSession(h.intelChange), false))
	} else {
		mux.Handle("GET /intel", h.headers(h.requireSession(h.pending("intel", "pendIntel")), false))
	}
	mux.Handle("GET /ref/{id}", h.headers(h.requireSession(h.ref), false))
	mux.Handle("GET /ui/live", h.headers(h.requireSession(h.live), false))
	mux.Handle("GET /ui/events", h.headers(h.requireSession(h.stream), false))
	// Anything else (no method: "/api/" stays more specific) is a 404 page
	// in the reader's language, not Go's bare text.
	mux.Handle("/", h.headers(http.HandlerFunc(h.notFound), false))
}

// headers sets the security headers of every dashboard response.
func (h *Handler) headers(next http.Handler, cache bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		if cache {
			hd.Set("Cache-Control", "public, max-age=3600")
		} else {
			hd.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// page is what every template gets; Data is the view's own.
type page struct {
	Lang   string
	Title  string // label key
	Nav    string // label key of the active view
	CSRF   string
	Error  string // label key
	Data   any
	Signed bool
	// User is who is signed in and ReadOnly whether they may change
	// nothing (render fills both from the request's session).
	User     string
	ReadOnly bool
}

func (p page) L(key string) string { return label(p.Lang, key) }

// render executes a template into a buffer first, so that a failing
// template never sends half a page with a 200.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, code int, name string, p page) {
	p.Lang = lang(r.Header.Get("Accept-Language"))
	if sess, ok := r.Context().Value(sessionKey{}).(*uiSession); ok {
		p.User, p.ReadOnly = sess.user, !sess.canChange()
	}
	t := h.tmpl[name]
	var buf bytes.Buffer
	if t == nil {
		h.opts.Log.Error("ui: no template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		h.opts.Log.Error("ui: render", "page", name, "err", err)
		http.Error(w, label(p.Lang, "internal"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", p.Lang)
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

// fail shows an internal error without its details, which go to the log.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	h.opts.Log.Error("ui", "path", r.URL.Path, "err", err)
	http.Error(w, label(lang(r.Header.Get("Accept-Language")), "internal"), http.StatusInternalServerError)
}
