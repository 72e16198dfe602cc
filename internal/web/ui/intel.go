package ui

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/honeygate/honeygate/internal/audit"
	"github.com/honeygate/honeygate/internal/intel"
)

// Intel is what the intel view needs of the intel manager (the same
// methods the API's intel routes call): search, add or allowlist, expire.
type Intel interface {
	Add(ctx context.Context, inds []intel.Indicator) (intel.UpsertResult, error)
	List(ctx context.Context, f intel.Filter) ([]intel.Indicator, error)
}

type intelData struct {
	Q          intel.Filter
	Types      []intel.Type
	Categories []string
	Rows       []intel.Indicator
	Now        time.Time
	Msg        string        // label key of what the last change did
	Changes    []audit.Entry // who changed the intel lately
}

func (h *Handler) intelPage(w http.ResponseWriter, r *http.Request, sess *uiSession) {
	q := r.URL.Query()
	f := intel.Filter{
		Type: intel.Type(q.Get("type")), Value: strings.TrimSpace(q.Get("value")),
		Category: q.Get("category"), Source: q.Get("source"), Limit: 200,
	}
	if len(f.Value) > 2048 || len(f.Category) > 64 || len(f.Source) > 128 || (f.Type != "" && !f.Type.Valid()) {
		h.refuse(w, r, sess, "intel", "/intel", &inputError{"badsearch", ""})
		return
	}
	d := intelData{Q: f, Types: intel.Types, Now: h.opts.Now(), Msg: q.Get("done"),
		Categories: []string{intel.CategoryMalware, intel.CategoryMalwareDownload, intel.CategoryExploitKit,
			intel.CategoryPhishing, intel.CategoryScam, intel.CategoryMiner, intel.CategoryC2, intel.CategoryAllow}}
	if d.Msg != "added" && d.Msg != "expired" {
		d.Msg = ""
	}
	var err error
	if d.Rows, err = h.opts.Intel.List(r.Context(), f); err != nil {
		h.fail(w, r, err)
		return
	}
	d.Changes = h.recentChanges(r, "intel.", 10)
	h.render(w, r, http.StatusOK, "intel", page{Title: "intel", Nav: "intel", CSRF: sess.csrf, Signed: true, Data: d})
}

// intelChange handles the view's forms: add (or allowlist, with the
// category allow) and expire. Each needs the session's CSRF token.
func (h *Handler) intelChange(w http.ResponseWriter, r *http.Request, sess *uiSession) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if !h.allowChange(w, r, sess) {
		return
	}
	ctx := r.Context()
	var done string
	switch r.PostFormValue("op") {
	case "add":
		ind := intel.Indicator{
			Type: intel.Type(r.PostFormValue("type")), Value: strings.TrimSpace(r.PostFormValue("value")),
			Category: r.PostFormValue("category"), Source: "manual",
		}
		if days, err := strconv.Atoi(r.PostFormValue("days")); err == nil && days > 0 && days <= 3650 {
			ind.Expires = h.opts.Now().AddDate(0, 0, days).UTC()
		}
		if _, err := h.opts.Intel.Add(ctx, []intel.Indicator{ind}); err != nil {
			h.intelRefused(w, r, sess, err)
			return
		}
		detail := "category " + ind.Category
		if !ind.Expires.IsZero() {
			detail += ", expires " + ind.Expires.Format(time.DateOnly)
		}
		h.record(r, sess, "intel.add", string(ind.Type)+" "+ind.Value, detail)
		done = "added"
	case "expire":
		id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
		if err != nil || id <= 0 {
			http.Error(w, "id: want an indicator id", http.StatusBadRequest)
			return
		}
		got, err := h.opts.Intel.List(ctx, intel.Filter{ID: id, Limit: 1})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if len(got) == 0 {
			http.Error(w, "no such indicator", http.StatusNotFound)
			return
		}
		// An upsert with the same type, value and source replaces the expiry.
		ind := got[0]
		ind.ID, ind.Refs, ind.Expires = 0, nil, h.opts.Now().UTC()
		if _, err := h.opts.Intel.Add(ctx, []intel.Indicator{ind}); err != nil {
			h.intelRefused(w, r, sess, err)
			return
		}
		h.record(r, sess, "intel.expire", string(ind.Type)+" "+ind.Value, "id "+strconv.FormatInt(id, 10)+", source "+ind.Source)
		done = "expired"
	default:
		http.Error(w, "op: want add or expire", http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/intel?done="+done, http.StatusSeeOther)
}

// intelRefused shows why the intel manager refused a change: its
// validation errors are for the analyst; anything else is logged.
func (h *Handler) intelRefused(w http.ResponseWriter, r *http.Request, sess *uiSession, err error) {
	if errors.Is(err, intel.ErrInvalid) {
		h.refuse(w, r, sess, "intel", "/intel", &inputError{"intelrefused", err.Error()})
		return
	}
	h.fail(w, r, err)
}
