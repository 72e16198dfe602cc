package ui

import (
	"errors"
	"net/http"
)

// inputError is a refusal of what a user typed into a page (a date, a
// period): key is the label of its message, detail the value it was about.
type inputError struct {
	key    string
	detail string
}

func (e *inputError) Error() string { return label("en", e.key) + " " + e.detail }

// refusedData fills templates/refused.html.
type refusedData struct {
	Key    string // label key of the message
	Detail string // what was refused, as the validator said it (English), or the value
	Back   string // the page to go back to, without the refused query
}

// refuse answers input a page cannot take with a page in the reader's
// language, inside the dashboard (its navigation, a way back), never a bare
// text line: a user who picks a long period in the date form, or adds an
// indicator the intel refuses, stays in the dashboard.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, sess *uiSession, nav, back string, err error) {
	h.refuseWith(w, r, sess, http.StatusBadRequest, nav, back, err)
}

// refuseWith is refuse with another status (409 for a site already watched).
func (h *Handler) refuseWith(w http.ResponseWriter, r *http.Request, sess *uiSession, code int, nav, back string, err error) {
	d := refusedData{Key: "refusedinput", Detail: err.Error(), Back: back}
	var ie *inputError
	if errors.As(err, &ie) {
		d.Key, d.Detail = ie.key, ie.detail
	}
	h.render(w, r, code, "refused", page{Title: "refused", Nav: nav, CSRF: sess.csrf, Signed: true, Data: d})
}

// notFound answers a path the dashboard does not have with a page in the
// reader's language (its navigation too when signed in).
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	p := page{Title: "notfoundpage"}
	if sess := h.session(r); sess != nil {
		p.Signed, p.CSRF = true, sess.csrf
	}
	h.render(w, r, http.StatusNotFound, "notfound", p)
}
