package ui

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/honeygate/honeygate/internal/audit"
	"github.com/honeygate/honeygate/internal/crawl"
	"github.com/honeygate/honeygate/internal/report"
)

// Crawl is what the tampering and watch views read and change: the client
// honeypot's store (the same the API's crawl routes use), its matrix
// thresholds, and the API's check of a new watch-list entry.
type Crawl struct {
	Store    crawl.Store
	Matrix   crawl.MatrixOptions
	Validate func(crawl.Site) (crawl.Site, error)
	// Cells, when set, reads the visits with only what a matrix cell shows
	// (the SQLite store's VisitCells); the views use Store.Visits otherwise.
	Cells func(ctx context.Context, from, to string) ([]crawl.Visit, error)
	// Blob reads a kept capture body by its SHA-256 (crawl.Blobs.Get): the
	// cell view shows the browser engine's screenshot through it. Nil: no
	// screenshots are shown.
	Blob func(hash string) ([]byte, error)
}

// cells reads the visits of [from, to] for the matrix and lists.
func (c *Crawl) cells(ctx context.Context, from, to string) ([]crawl.Visit, error) {
	if c.Cells != nil {
		return c.Cells(ctx, from, to)
	}
	return c.Store.Visits(ctx, from, to)
}

type tamperingData struct {
	From, To   string
	Site       string
	Matrix     *crawl.Matrix
	SVG        any
	Persistent []string
	// Cells counts every state the matrix draws, for its legend.
	Cells report.CellCounts
}

func (h *Handler) tampering(w http.ResponseWriter, r *http.Request, sess *uiSession) {
	from, to, err := h.period(r)
	if err != nil {
		h.refuse(w, r, sess, "tampering", "/tampering", err)
		return
	}
	f, t := from.Format(time.DateOnly), to.Format(time.DateOnly)
	days, err := crawl.Days(f, t)
	if err != nil {
		h.refuse(w, r, sess, "tampering", "/tampering", err)
		return
	}
	ctx := r.Context()
	sites, err := h.opts.Crawl.Store.Sites(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	visits, err := h.opts.Crawl.cells(ctx, f, t)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	m := crawl.BuildMatrix(sites, visits, days, h.opts.Crawl.Matrix)
	d := tamperingData{From: f, To: t, Site: strings.TrimSpace(r.URL.Query().Get("site"))}
	if len(d.Site) > 128 {
		d.Site = d.Site[:128]
	}
	if d.Site != "" { // filter by site name (case-insensitive substring)
		want := strings.ToLower(d.Site)
		kept := m.Sites[:0]
		for _, row := range m.Sites {
			if strings.Contains(strings.ToLower(row.Name), want) || strings.Contains(strings.ToLower(row.URL), want) {
				kept = append(kept, row)
			}
		}
		m.Sites = kept
	}
	for _, row := range m.Sites {
		if row.Persistent {
			d.Persistent = append(d.Persistent, row.Name)
		}
	}
	d.Cells = report.CountCells(&m)
	l := lang(r.Header.Get("Accept-Language"))
	d.Matrix = &m
	d.SVG = report.MatrixSVG(&m, cellLink, label(l, "tampering"), matrixDesc(l, d.Cells))
	h.render(w, r, http.StatusOK, "tampering", page{Title: "tampering", Nav: "tampering", CSRF: sess.csrf, Signed: true, Data: d})
}

func cellLink(site, day string) string {
	return "/tampering/cell?site=" + url.QueryEscape(site) + "&day=" + url.QueryEscape(day)
}

// cellData is one cell's capture and, when the browser engine took one
// and the blobs are readable, where its screenshot is served.
type cellData struct {
	*crawl.Visit
	ShotURL string
}

// cell shows one site's capture of one day: the redirect chain, the
// detectors' reasons with their evidence, what the page loaded, and the
// screenshot.
func (h *Handler) cell(w http.ResponseWriter, r *http.Request, sess *uiSession) {
	v, ok := h.cellVisit(w, r)
	if !ok {
		return
	}
	if v == nil {
		h.render(w, r, http.StatusNotFound, "notfound", page{Title: "capture", Nav: "tampering", CSRF: sess.csrf, Signed: true})
		return
	}
	d := cellData{Visit: v}
	if h.opts.Crawl.Blob != nil && shotMIME(v.Capture.Screenshot) != "" {
		d.ShotURL = "/tampering/shot?site=" + url.QueryEscape(v.Capture.Site) + "&day=" + url.QueryEscape(v.Capture.Day)
	}
	h.render(w, r, http.StatusOK, "capture", page{Title: "capture", Nav: "tampering", CSRF: sess.csrf, Signed: true, Data: d})
}

// cellVisit finds the visit of the request's site and day; nil if there is
// none. It answers a bad request itself (ok false).
func (h *Handler) cellVisit(w http.ResponseWriter, r *http.Request) (v *crawl.Visit, ok bool) {
	site, day := r.URL.Query().Get("site"), r.URL.Query().Get("day")
	if !crawl.ValidDay(day) || site == "" || len(site) > 128 {
		http.Error(w, "site and day (YYYY-MM-DD) are required", http.StatusBadRequest)
		return nil, false
	}
	visits, err := h.opts.Crawl.Store.Visits(r.Context(), day, day)
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	for i := range visits {
		if visits[i].Capture.Site == site {
			return &visits[i], true
		}
	}
	return nil, true
}

// shotMIME is the content type a screenshot is served with: only the
// image types the browser engine writes; anything else is not served.
func shotMIME(s *crawl.Screenshot) string {
	if s == nil || s.SHA256 == "" {
		return ""
	}
	switch s.MIME {
	case "image/jpeg", "image/png":
		return s.MIME
	}
	return ""
}

// shotCSP is the policy of a served screenshot: an image, which may load
// nothing and run nothing even if opened on its own.
const shotCSP = "default-src 'none'; sandbox"

// shot serves the screenshot of one cell's capture (only a capture's
// screenshot: the blobs also hold attacker-served bodies, which this never
// serves). The body must still hash to what the capture recorded.
func (h *Handler) shot(w http.ResponseWriter, r *http.Request, _ *uiSession) {
	v, ok := h.cellVisit(w, r)
	if !ok {
		return
	}
	var mime string
	if v != nil {
		mime = shotMIME(v.Capture.Screenshot)
	}
	if mime == "" {
		http.NotFound(w, r)
		return
	}
	b, err := h.opts.Crawl.Blob(v.Capture.Screenshot.SHA256)
	if errors.Is(err, fs.ErrNotExist) {
		http.NotFound(w, r) // pruned
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if crawl.Sum(b) != v.Capture.Screenshot.SHA256 {
		h.fail(w, r, errors.New("ui: screenshot "+v.Capture.Screenshot.SHA256+" does not match its hash"))
		return
	}
	hd := w.Header()
	hd.Set("Content-Security-Policy", shotCSP)
	hd.Set("Content-Type", mime)
	hd.Set("Content-Length", strconv.Itoa(len(b)))
	hd.Set("Cache-Control", "private, max-age=86400") // content-addressed: never changes
	_, _ = w.Write(b)
}

type watchData struct {
	Sites   []watchRow
	Msg     string
	Changes []audit.Entry // who changed the watch list lately
}

type watchRow struct {
	crawl.Site
	Last *crawl.Visit
}

// watchDays is how far back the watch view looks for each site's last
// capture (a site visited daily has one within days).
const watchDays = 7

func (h *Handler) watch(w http.ResponseWriter, r *http.Request, sess *uiSession) {
	ctx := r.Context()
	sites, err := h.opts.Crawl.Store.Sites(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	to := h.today()
	visits, err := h.opts.Crawl.cells(ctx, to.AddDate(0, 0, -watchDays).Format(time.DateOnly), to.Format(time.DateOnly))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	last := map[string]*crawl.Visit{}
	for i := range visits { // ordered by day, then site: the last one wins
		last[visits[i].Capture.Site] = &visits[i]
	}
	d := watchData{Msg: r.URL.Query().Get("done")}
	if d.Msg != "siteadded" && d.Msg != "siteremoved" {
		d.Msg = ""
	}
	for _, s := range sites {
		d.Sites = append(d.Sites, watchRow{Site: s, Last: last[s.Name]})
	}
	d.Changes = h.recentChanges(r, "watch.", 10)
	h.render(w, r, http.StatusOK, "watch", page{Title: "watch", Nav: "watch", CSRF: sess.csrf, Signed: true, Data: d})
}

func (h *Handler) watchChange(w http.ResponseWriter, r *http.Request, sess *uiSession) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if !h.allowChange(w, r, sess) {
		return
	}
	ctx := r.Context()
	var done string
	switch r.PostFormValue("op") {
	case "add":
		st := crawl.Site{URL: r.PostFormValue("url"), Name: r.PostFormValue("name"), Profile: r.PostFormValue("profile")}
		var err error
		if h.opts.Crawl.Validate != nil {
			if st, err = h.opts.Crawl.Validate(st); err != nil {
				h.refuse(w, r, sess, "watch", "/watch", err)
				return
			}
		}
		if _, err = h.opts.Crawl.Store.AddSite(ctx, st); errors.Is(err, crawl.ErrExists) {
			h.refuseWith(w, r, sess, http.StatusConflict, "watch", "/watch", &inputError{"alreadywatched", st.Name + " " + st.URL})
			return
		} else if err != nil {
			h.fail(w, r, err)
			return
		}
		h.record(r, sess, "watch.add", st.Name, st.URL)
		done = "siteadded"
	case "remove":
		if err := h.opts.Crawl.Store.RemoveSite(ctx, r.PostFormValue("name")); errors.Is(err, crawl.ErrNotFound) {
			http.Error(w, "not on the watch list", http.StatusNotFound)
			return
		} else if err != nil {
			h.fail(w, r, err)
			return
		}
		h.record(r, sess, "watch.remove", r.PostFormValue("name"), "")
		done = "siteremoved"
	default:
		http.Error(w, "op: want add or remove", http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/watch?done="+done, http.StatusSeeOther)
}
