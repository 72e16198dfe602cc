package ui

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/honeygate/honeygate/internal/crawl"
	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/report"
	"github.com/honeygate/honeygate/internal/store"
)

// stat is one figure of the overview with its change from the day before.
type stat struct {
	Label      string // label key
	Today, Dif int64
	Pending    string // label key: why there is no figure yet
}

type overviewData struct {
	Attn   attention
	Stats  []stat
	Chart  any
	Family *report.Breakdown
	Empty  bool
	Recent []event.Event
}

func (h *Handler) today() time.Time { return h.opts.Now().UTC().Truncate(24 * time.Hour) }

func (h *Handler) overview(w http.ResponseWriter, r *http.Request, sess *uiSession) {
	ctx := r.Context()
	to := h.today()
	from := to.AddDate(0, 0, -29)
	rows, err := h.opts.Store.DailyStats(ctx, from, to)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	days := report.Days(from, to)
	byFam := report.Fold(rows, days, func(s store.DailyStat) string { return s.Family })
	// Distinct attacking addresses per day over every family and port (an
	// address on three ports is one), for today and yesterday.
	daySrc, err := h.opts.Store.DailySources(ctx, store.SourcesByDay, to.AddDate(0, 0, -1), to)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	srcs := report.DaySources(daySrc, days)
	newp, err := h.opts.Store.NewPayloadURLs(ctx, from, to)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	perDay := make(map[string]int64, len(newp))
	for _, d := range newp {
		perDay[d.Day] = d.Count
	}
	n := len(days) - 1
	tampered := stat{Label: "tampered", Pending: "pendTamper"}
	if h.opts.Crawl != nil {
		vs, err := h.opts.Crawl.cells(ctx, days[n-1], days[n])
		if err != nil {
			h.fail(w, r, err)
			return
		}
		per := map[string]int64{}
		for _, v := range vs {
			if v.Verdict.Verdict == crawl.Malicious {
				per[v.Capture.Day]++
			}
		}
		tampered = stat{Label: "tampered", Today: per[days[n]], Dif: per[days[n]] - per[days[n-1]]}
	}
	blocked := stat{Label: "blocked", Pending: "pendBlocks"}
	if h.opts.Blocks != nil {
		bd, err := h.opts.Blocks.BlocksDaily(ctx, from, to)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		per := map[string]int64{}
		for _, b := range bd {
			per[b.Day] = b.Blocks
		}
		blocked = stat{Label: "blocked", Today: per[days[n]], Dif: per[days[n]] - per[days[n-1]]}
	}
	p := page{Title: "overview", Nav: "overview", CSRF: sess.csrf, Signed: true}
	d := overviewData{
		Stats: []stat{
			blocked,
			tampered,
			{Label: "sessions", Today: byFam.PerDay[n], Dif: byFam.PerDay[n] - byFam.PerDay[n-1]},
			{Label: "sources", Today: srcs[n], Dif: srcs[n] - srcs[n-1]},
			{Label: "newpayloads", Today: perDay[days[n]], Dif: perDay[days[n]] - perDay[days[n-1]]},
		},
		Empty: len(byFam.Keys) == 0,
	}
	if d.Attn, err = h.attention(ctx, to); err != nil {
		h.fail(w, r, err)
		return
	}
	l := lang(r.Header.Get("Accept-Language"))
	d.Chart, d.Family = chartSVG(l, byFam.Bars(label(l, "byfamily"))), byFam
	d.Recent, err = h.opts.Store.Events(ctx, store.EventFilter{Kind: event.SessionConnect, Limit: 10})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.Data = d
	h.render(w, r, http.StatusOK, "overview", p)
}

type honeypotData struct {
	From, To     string
	Family       *report.Breakdown
	Port         *report.Breakdown
	FamChart     any
	SrcChart     any
	PortChart    any
	PortSrcChart any
	Creds        []store.CredentialCount
	Payloads     []store.PayloadURL
	Recent       []event.Event
	Empty        bool
	PeriodDays   int
}

// maxPeriod bounds one page's period, so a request cannot make the store
// fold years of rollups.
// The label badperiod says the number (TestRefusedInputIsAPage checks it).
const maxPeriod = 366

// period reads from/to (YYYY-MM-DD) with a default of the last 30 days.
func (h *Handler) period(r *http.Request) (from, to time.Time, err error) {
	to = h.today()
	from = to.AddDate(0, 0, -29)
	if v := r.URL.Query().Get("from"); v != "" {
		if from, err = time.Parse(time.DateOnly, v); err != nil {
			return from, to, &inputError{"baddate", fmt.Sprintf("from %q", v)}
		}
	}
	if v := r.URL.Query().Get("to"); v != "" {
		if to, err = time.Parse(time.DateOnly, v); err != nil {
			return from, to, &inputError{"baddate", fmt.Sprintf("to %q", v)}
		}
	}
	if to.Before(from) || to.Sub(from) >= maxPeriod*24*time.Hour {
		return from, to, &inputError{"badperiod", from.Format(time.DateOnly) + " – " + to.Format(time.DateOnly)}
	}
	return from, to, nil
}

func (h *Handler) honeypot(w http.ResponseWriter, r *http.Request, sess *uiSession) {
	ctx := r.Context()
	from, to, err := h.period(r)
	if err != nil {
		h.refuse(w, r, sess, "honeypot", "/honeypot", err)
		return
	}
	l := lang(r.Header.Get("Accept-Language"))
	rows, err := h.opts.Store.DailyStats(ctx, from, to)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	days := report.Days(from, to)
	d := honeypotData{From: days[0], To: days[len(days)-1], PeriodDays: len(days)}
	d.Family = report.Fold(rows, days, func(s store.DailyStat) string { return s.Family })
	d.Port = report.Fold(rows, days, func(s store.DailyStat) string { return strconv.Itoa(s.DstPort) })
	d.FamChart = chartSVG(l, d.Family.Bars(label(l, "byfamily")))
	d.PortChart = chartSVG(l, d.Port.Bars(label(l, "byport")))
	famSrc, err := h.opts.Store.DailySources(ctx, store.SourcesByFamily, from, to)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Family.SetSources(famSrc)
	d.SrcChart = chartSVG(l, d.Family.SourceBars(label(l, "srcbyfamily")))
	portSrc, err := h.opts.Store.DailySources(ctx, store.SourcesByPort, from, to)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Port.SetSources(portSrc)
	d.PortSrcChart = chartSVG(l, d.Port.SourceBars(label(l, "srcbyport")))
	d.Empty = len(d.Family.Keys) == 0
	if d.Creds, err = h.opts.Store.TopCredentials(ctx, from, to, 20); err != nil {
		h.fail(w, r, err)
		return
	}
	if d.Payloads, err = h.opts.Store.PayloadURLs(ctx, from, to, 50); err != nil {
		h.fail(w, r, err)
		return
	}
	if d.Recent, err = h.opts.Store.Events(ctx, store.EventFilter{Kind: event.SessionConnect, Since: from, Until: to.AddDate(0, 0, 1), Limit: 30}); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "honeypot", page{Title: "honeypot", Nav: "honeypot", CSRF: sess.csrf, Signed: true, Data: d})
}

func (h *Handler) sessionPage(w http.ResponseWriter, r *http.Request, sess *uiSession) {
	id := r.PathValue("id")
	if id == "" || len(id) > 64 {
		http.Error(w, "session id: want 1 to 64 characters", http.StatusBadRequest)
		return
	}
	s, err := h.opts.Store.Session(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		h.render(w, r, http.StatusNotFound, "notfound", page{Title: "session", Nav: "honeypot", CSRF: sess.csrf, Signed: true})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "session", page{Title: "session", Nav: "honeypot", CSRF: sess.csrf, Signed: true, Data: s})
}

// pending serves a view whose data no component of this build records yet:
// an honest empty state that says what would fill it, never made-up data.
func (h *Handler) pending(nav, why string) func(http.ResponseWriter, *http.Request, *uiSession) {
	return func(w http.ResponseWriter, r *http.Request, sess *uiSession) {
		h.render(w, r, http.StatusOK, "pending", page{Title: nav, Nav: nav, CSRF: sess.csrf, Signed: true, Data: why})
	}
}

// ref shows the evidence behind an indicator: a honeypot event leads to
// its session's transcript; any other event is shown as recorded.
func (h *Handler) ref(w http.ResponseWriter, r *http.Request, sess *uiSession) {
	id := r.PathValue("id")
	if len(id) > 64 {
		http.Error(w, "id: at most 64 characters", http.StatusBadRequest)
		return
	}
	ev, err := h.opts.Store.Event(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		h.render(w, r, http.StatusNotFound, "notfound", page{Title: "evidence", Nav: "intel", CSRF: sess.csrf, Signed: true})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if ev.Session != "" {
		http.Redirect(w, r, "/sessions/"+url.PathEscape(ev.Session)+"#"+url.QueryEscape(ev.ID), http.StatusSeeOther)
		return
	}
	h.render(w, r, http.StatusOK, "event", page{Title: "evidence", Nav: "intel", CSRF: sess.csrf, Signed: true, Data: ev})
}
