package ui

import (
	"errors"
	"net/http"
	"strings"

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
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	days := report.Days(from, to)
	rows, err := h.opts.Blocks.BlocksDaily(ctx, from, to)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := blocksData{From: days[0], To: days[len(days)-1]}
	for _, r := range rows {
		d.Total += r.Blocks
	}
	d.Empty = d.Total == 0
	d.Chart = report.BlocksBars(label(lang(r.Header.Get("Accept-Language")), "blocksperday"), days, rows).SVG()
	for _, t := range []struct {
		by  string
		out *[]gateway.BlockTop
	}{{gateway.TopByDomain, &d.Domains}, {gateway.TopByClient, &d.Clients}, {gateway.TopByCategory, &d.Categories}} {
		if *t.out, err = h.opts.Blocks.BlocksTop(ctx, t.by, from, to, 20); err != nil {
			h.fail(w, r, err)
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
