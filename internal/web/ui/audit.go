package ui

import (
	"net/http"
	"strings"

	"github.com/honeygate/honeygate/internal/audit"
)

// record keeps who made a change (after it was made) in the audit store
// and the log. A failure to record is logged, not shown: the change is
// already in effect, and the log line says who made it.
func (h *Handler) record(r *http.Request, sess *uiSession, action, target, detail string) {
	h.opts.Log.Info("ui change", "user", sess.user, "action", action, "target", target, "detail", detail, "remote", r.RemoteAddr)
	if h.opts.Audit == nil {
		return
	}
	e := audit.Entry{Time: h.opts.Now().UTC(), User: sess.user, Action: action, Target: target, Detail: detail}
	if err := h.opts.Audit.AppendAudit(r.Context(), e); err != nil {
		h.opts.Log.Error("ui: audit not recorded", "err", err, "user", sess.user, "action", action, "target", target)
	}
}

// recentChanges returns the latest audited changes whose action starts
// with prefix ("intel.", "watch."), at most n; none without an audit store.
func (h *Handler) recentChanges(r *http.Request, prefix string, n int) []audit.Entry {
	if h.opts.Audit == nil {
		return nil
	}
	all, err := h.opts.Audit.Audit(r.Context(), 200)
	if err != nil {
		h.opts.Log.Error("ui: audit", "err", err)
		return nil
	}
	var out []audit.Entry
	for _, e := range all {
		if strings.HasPrefix(e.Action, prefix) && len(out) < n {
			out = append(out, e)
		}
	}
	return out
}
