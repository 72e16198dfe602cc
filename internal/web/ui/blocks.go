package ui

import (
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/honeygate/honeygate/internal/gateway"
	"github.com/honeygate/honeygate/internal/report"
	"github.com/honeygate/honeygate/internal/store"
)

type blocksData struct {
	From, To   string
	Chart      any
	Total      int64
	Empty      bool
	Domains    []gateway.BlockTop
	Clients    []gateway.BlockTop
	Categories []gateway.BlockTop
}

func (h *Handler) blocks(w http.ResponseWriter, r *http.Request, sess *uiSession) {
	ctx := r.Context()
	if ref := strings.TrimSpace(r.URL.Query().Get("ref")); ref != "" {
		h.blockDetail(w, r, sess, ref)
		return
	}
	from, to, err := h.period(r)
	if err != nil {
		h.refuse(w, r, sess, "blocks", "/blocks", err)
		return
	}
	days := report.Days(from, to)
	// The chart's stacks and the total come from the per-day per-category
	// rollup, written in the same transaction as the per-day one.
	rows, err := h.opts.Blocks.BlocksDailyByCategory(ctx, from, to)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := blocksData{From: days[0], To: days[len(days)-1]}
	for _, r := range rows {
		d.Total += r.Blocks
	}
	d.Empty = d.Total == 0
	l := lang(r.Header.Get("Accept-Language"))
	d.Chart = chartSVG(l, report.BlocksBars(label(l, "blocksperday"), days, rows))
	// The three top lists read different tables and are independent:
	// asked at once, on the store's pool of readers, the page waits for the
	// slowest rather than their sum.
	tops := []struct {
		by  string
		out *[]gateway.BlockTop
		err error
	}{{by: gateway.TopByDomain, out: &d.Domains}, {by: gateway.TopByClient, out: &d.Clients}, {by: gateway.TopByCategory, out: &d.Categories}}
	var wg sync.WaitGroup
	for i := range tops {
		t := &tops[i]
		wg.Go(func() { *t.out, t.err = h.opts.Blocks.BlocksTop(ctx, t.by, from, to, 20) })
	}
	wg.Wait()
	for _, t := range tops {
		if t.err != nil {
			h.fail(w, r, t.err)
			return
		}
	}
	h.render(w, r, http.StatusOK, "blocks", page{Title: "blocks", Nav: "blocks", CSRF: sess.csrf, Signed: true, Data: d})
}

// blockDetail finds a block by the reference id its block page showed.
func (h *Handler) blockDetail(w http.ResponseWriter, r *http.Request, sess *uiSession, ref string) {
	if len(ref) > 64 {
		http.Error(w, "ref: at most 64 characters", http.StatusBadRequest)
		return
	}
	ev, err := h.opts.Store.BlockByRef(r.Context(), ref)
	if errors.Is(err, store.ErrNotFound) {
		h.render(w, r, http.StatusNotFound, "notfound", page{Title: "blockref", Nav: "blocks", CSRF: sess.csrf, Signed: true})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "block", page{Title: "blockref", Nav: "blocks", CSRF: sess.csrf, Signed: true, Data: ev})
}
