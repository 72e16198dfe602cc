// Package web serves honeygate's JSON API (and, through web/ui, its dashboard) on the
// web listener. Every /api/ request needs `Authorization: Bearer TOKEN`;
// /metrics and /healthz are open so that Prometheus and load balancers can
// reach them without the token (bind the web listener to a trusted address).
//
// Handlers translate between HTTP and the store; error kinds become status
// codes here and only here.
package web

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/honeygate/honeygate/internal/attack"
	"github.com/honeygate/honeygate/internal/audit"
	"github.com/honeygate/honeygate/internal/buildinfo"
	"github.com/honeygate/honeygate/internal/crawl"
	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/gateway"
	"github.com/honeygate/honeygate/internal/signin"
	"github.com/honeygate/honeygate/internal/store"
	"github.com/honeygate/honeygate/internal/web/authlimit"
	"github.com/honeygate/honeygate/internal/web/ui"
)

// Options configure the API handler.
type Options struct {
	Store    store.Events
	Attacks  attack.Store        // nil: no attacks are kept (404 on /api/v1/attacks)
	Token    string              // every /api/ request must carry it
	Gatherer prometheus.Gatherer // nil: no /metrics
	// BusStats reports the bus's backlog for /api/v1/status; nil omits it.
	BusStats func(ctx context.Context) (any, error)
	// Health reports why the process is degraded (events being lost, the
	// store lagging); none means healthy. Nil: always healthy.
	Health func(ctx context.Context) []string
	// Intel answers /api/v1/intel*; nil leaves those routes out.
	Intel Intel
	// Blocks answers /api/v1/blocks/*; nil leaves those routes out.
	Blocks gateway.BlocksStore
	// Crawl serves the watch list, crawl rounds and the tampering matrix;
	// nil leaves those routes out.
	Crawl *CrawlOptions
	// Users may sign in to the dashboard by name and password (config
	// web.users); the token always can.
	Users []ui.User
	// Audit records who changed the intel or the watch list, through the
	// dashboard or the API (GET /api/v1/audit lists it); nil records
	// nothing beyond the log.
	Audit audit.Store
	// Signins keeps the dashboard's signed-in sessions across restarts;
	// nil keeps them in memory only.
	Signins signin.Store
	Log     *slog.Logger
}

// Server is the HTTP handler for the API.
type Server struct {
	Options
	mux          *http.ServeMux
	closeStreams func()
	// fails counts failed bearer tokens per client address, shared with
	// the dashboard's sign-in (both guess the same token).
	fails *authlimit.Limiter
}

// New returns the API handler.
func New(o Options) *Server {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{Options: o, mux: http.NewServeMux(), fails: ui.NewAddrLimiter(time.Now)}
	s.mux.HandleFunc("GET /healthz", s.healthz)
	if o.Gatherer != nil {
		s.mux.Handle("GET /metrics", promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{}))
	}
	s.mux.Handle("GET /api/v1/status", s.auth(s.status))
	s.mux.Handle("GET /api/v1/events", s.auth(s.events))
	s.mux.Handle("GET /api/v1/sessions/{id}", s.auth(s.session))
	s.mux.Handle("GET /api/v1/stats/daily", s.auth(s.daily))
	s.mux.Handle("GET /api/v1/stats/sources", s.auth(s.sources))
	if o.Intel != nil {
		s.registerIntel(o.Intel)
	}
	if o.Blocks != nil {
		s.registerBlocks(o.Blocks)
	}
	s.mux.Handle("GET /api/v1/attacks", s.auth(s.attacks))
	if o.Crawl != nil {
		s.crawlRoutes()
	}
	s.mux.Handle("/api/", s.auth(s.notFound))
	// The dashboard: its pages beside the API, on the same store.
	if o.Audit != nil {
		s.mux.Handle("GET /api/v1/audit", s.auth(s.auditList))
	}
	uo := ui.Options{Store: o.Store, Blocks: o.Blocks, Intel: o.Intel, Token: o.Token, Users: o.Users, Audit: o.Audit, Signins: o.Signins, AddrLimit: s.fails, Log: o.Log.With("part", "ui")}
	if o.Crawl != nil {
		uo.Crawl = &ui.Crawl{Store: o.Crawl.Store, Matrix: o.Crawl.Matrix, Validate: ValidateSite}
		if cr := o.Crawl.Crawler; cr != nil && cr.Blobs != nil {
			uo.Crawl.Blob = cr.Blobs.Get
		}
		if c, ok := o.Crawl.Store.(interface {
			VisitCells(ctx context.Context, from, to string) ([]crawl.Visit, error)
		}); ok {
			uo.Crawl.Cells = c.VisitCells
		}
	}
	if dash, err := ui.New(uo); err != nil {
		o.Log.Error("web: dashboard off", "err", err) // only a broken build gets here
	} else {
		dash.Register(s.mux)
		s.closeStreams = dash.CloseStreams
	}
	return s
}

// notFound answers a request no API route took: 405 with Allow when the
// path exists for other methods, 404 otherwise.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/api/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		if slices.Contains(allow, http.MethodGet) {
			allow = append(allow, http.MethodHead)
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, http.StatusMethodNotAllowed, r.Method+" is not allowed on "+r.URL.Path+"; allowed: "+strings.Join(allow, ", "))
		return
	}
	writeError(w, http.StatusNotFound, "no such API endpoint: "+r.Method+" "+r.URL.Path)
}

// Shutdown ends the dashboard's live streams, which would otherwise hold
// an http.Server's Shutdown until its deadline; register it with
// RegisterOnShutdown.
func (s *Server) Shutdown() {
	if s.closeStreams != nil {
		s.closeStreams()
	}
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// auth lets a request with the right bearer token through. Failed tokens
// are limited per client address (IPv6 by /64) as the dashboard's sign-in
// is, in the same table: each request is counted before the token is
// compared and given back when it was right, so that many requests at
// once cannot all be compared before the first failure counts. An address
// locked by its own failures is refused with 429 and Retry-After even with
// the right token (as Squid's and AdGuard Home's login limits lock the
// address): whoever shares an address with a guesser waits with them. An
// address with no failures of its own is never refused: when the table is
// full of other addresses (a flood), its token is still compared, a right
// one passes and a wrong one gets a slow 429 that says so.
func (s *Server) auth(h http.HandlerFunc) http.Handler {
	want := []byte(s.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := authlimit.ClientAddr(r)
		at := s.fails.Take(key)
		if at.Verdict == authlimit.Locked {
			s.Log.Warn("api bearer token limited", "remote", r.RemoteAddr, "retry_after", at.Retry.Round(time.Second))
			w.Header().Set("Retry-After", strconv.Itoa(int(at.Retry.Seconds())+1))
			writeError(w, http.StatusTooManyRequests, "too many failed bearer tokens from this address; try again later")
			return
		}
		// The scheme name is case-insensitive (RFC 6750, RFC 9110 11.1); an
		// empty configured token opens nothing.
		scheme, got, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if len(want) == 0 || !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(got), want) != 1 {
			if at.Verdict == authlimit.Crowded {
				select {
				case <-time.After(authlimit.CrowdedFailureDelay):
				case <-r.Context().Done():
				}
				w.Header().Set("Retry-After", strconv.Itoa(int(at.Retry.Seconds())+1))
				writeError(w, http.StatusTooManyRequests, "wrong bearer token; failed tokens from many addresses are being slowed (a right token is still accepted)")
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="honeygate"`)
			writeError(w, http.StatusUnauthorized, "missing or wrong bearer token")
			return
		}
		s.fails.Refund(at)
		h(w, r)
	})
}

// healthz answers 200 {"status":"ok"} when healthy, and 503
// {"status":"degraded","reasons":[...]} otherwise, so a load balancer or a
// monitor sees loss, not only liveness.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if s.Health != nil {
		if reasons := s.Health(r.Context()); len(reasons) > 0 {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "degraded", "reasons": reasons})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// status reports how much is stored and what the bus still holds, so an
// operator (or a test after a crash) sees whether the store caught up.
func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	n, err := s.Store.CountEvents(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := map[string]any{"events_stored": n, "build": buildinfo.Get()}
	if s.BusStats != nil {
		bs, err := s.BusStats(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out["bus"] = bs
	}
	writeJSON(w, http.StatusOK, out)
}

// badRequest is an error in the request the client can fix.
type badRequest struct{ msg string }

func (e badRequest) Error() string { return e.msg }

func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	f, err := parseEventFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	evs, err := s.Store.Events(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if evs == nil {
		evs = []event.Event{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": evs})
}

func parseEventFilter(r *http.Request) (store.EventFilter, error) {
	q := r.URL.Query()
	f := store.EventFilter{
		Kind:    event.Kind(q.Get("kind")),
		Family:  q.Get("family"),
		Session: q.Get("session"),
	}
	if f.Kind != "" && !f.Kind.Known() {
		return f, badRequest{fmt.Sprintf("kind %q is not an event kind", f.Kind)}
	}
	if v := q.Get("src_ip"); v != "" {
		ip, err := netip.ParseAddr(v)
		if err != nil {
			return f, badRequest{fmt.Sprintf("src_ip %q is not an IP address", v)}
		}
		f.SrcIP = ip.String()
	}
	var err error
	if f.Since, err = parseTime(q.Get("since")); err != nil {
		return f, badRequest{"since: " + err.Error()}
	}
	if f.Until, err = parseTime(q.Get("until")); err != nil {
		return f, badRequest{"until: " + err.Error()}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return f, badRequest{fmt.Sprintf("limit %q: want 1 to 10000", v)}
		}
		f.Limit = n
	}
	return f, nil
}

// Times are stored as unix nanoseconds, which span 1677 to 2262: a bound
// outside that range is refused rather than overflow into a reversed filter.
var (
	minTime = time.Unix(0, math.MinInt64).UTC().AddDate(0, 0, 1)
	maxTime = time.Unix(0, math.MaxInt64).UTC().AddDate(0, 0, -1)
)

// parseTime accepts RFC 3339, a date, or a duration back from now ("1h").
func parseTime(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		t, err = time.Parse(time.DateOnly, v)
	}
	if err != nil {
		d, derr := time.ParseDuration(v)
		if derr != nil || d <= 0 {
			return time.Time{}, fmt.Errorf("%q: want RFC 3339 time, YYYY-MM-DD or a duration like 24h", v)
		}
		t = time.Now().Add(-d)
	}
	if t.Before(minTime) || t.After(maxTime) {
		return time.Time{}, fmt.Errorf("%q: out of range (years %d to %d)", v, minTime.Year(), maxTime.Year())
	}
	return t.UTC(), nil
}

func (s *Server) session(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if id == "" || len(id) > 64 {
		s.fail(w, r, badRequest{"session id: want 1 to 64 characters"})
		return
	}
	sess, err := s.Store.Session(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sess)
}

// maxStatsDays bounds one stats query.
const maxStatsDays = 3660

// statsPeriod reads from/to (YYYY-MM-DD), the last 30 days by default.
func statsPeriod(r *http.Request) (from, to time.Time, err error) {
	q := r.URL.Query()
	today := time.Now().UTC().Truncate(24 * time.Hour)
	from, to = today.AddDate(0, 0, -29), today
	if v := q.Get("from"); v != "" {
		if from, err = time.Parse(time.DateOnly, v); err != nil {
			return from, to, badRequest{fmt.Sprintf("from %q: want YYYY-MM-DD", v)}
		}
	}
	if v := q.Get("to"); v != "" {
		if to, err = time.Parse(time.DateOnly, v); err != nil {
			return from, to, badRequest{fmt.Sprintf("to %q: want YYYY-MM-DD", v)}
		}
	}
	if to.Before(from) {
		return from, to, badRequest{"to is before from"}
	}
	if to.Sub(from) >= maxStatsDays*24*time.Hour { // both ends count
		return from, to, badRequest{fmt.Sprintf("at most %d days at once", maxStatsDays)}
	}
	return from, to, nil
}

// daily answers the sessions rollup's buckets (day, family, port; their
// sources are distinct per bucket) and, in totals, each day's sessions and
// distinct sources over every family and port.
func (s *Server) daily(w http.ResponseWriter, r *http.Request) {
	from, to, err := statsPeriod(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	days, err := s.Store.DailyStats(r.Context(), from, to)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if days == nil {
		days = []store.DailyStat{}
	}
	totals, err := s.Store.DailySources(r.Context(), store.SourcesByDay, from, to)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly), "days": days, "totals": totals})
}

// sources answers sessions and exact distinct sources per day, over all
// (by absent), per family (by=family) or per port (by=port): the numbers
// the dashboard and the report show.
func (s *Server) sources(w http.ResponseWriter, r *http.Request) {
	from, to, err := statsPeriod(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	by := r.URL.Query().Get("by")
	if by != store.SourcesByDay && by != store.SourcesByFamily && by != store.SourcesByPort {
		s.fail(w, r, badRequest{fmt.Sprintf("by %q: want family, port or nothing", by)})
		return
	}
	rows, err := s.Store.DailySources(r.Context(), by, from, to)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly), "by": by, "days": rows})
}

// fail maps an error to a status code; internal errors are logged, not shown.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var br badRequest
	switch {
	case errors.As(err, &br):
		writeError(w, http.StatusBadRequest, br.msg)
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not found")
	case errors.Is(err, context.Canceled):
		writeError(w, 499, "request cancelled")
	default:
		s.Log.Error("api", "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, "internal error; see the server log")
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": strings.TrimSpace(msg)})
}
