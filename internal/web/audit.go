package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/honeygate/honeygate/internal/audit"
	"github.com/honeygate/honeygate/internal/web/ui"
)

// record keeps a change made through the API, by the token's holder, in
// the audit store and the log (after the change: a failure to record is
// logged, the change stands).
func (s *Server) record(r *http.Request, action, target, detail string) {
	s.Log.Info("api change", "user", ui.TokenUser, "action", action, "target", target, "detail", detail, "remote", r.RemoteAddr)
	if s.Audit == nil {
		return
	}
	e := audit.Entry{Time: time.Now().UTC(), User: ui.TokenUser, Action: action, Target: target, Detail: detail}
	if err := s.Audit.AppendAudit(r.Context(), e); err != nil {
		s.Log.Error("api: audit not recorded", "err", err, "action", action, "target", target)
	}
}

// auditList answers GET /api/v1/audit?limit=N: the latest changes, newest
// first.
func (s *Server) auditList(w http.ResponseWriter, r *http.Request) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			s.fail(w, r, badRequest{"limit: want 1 to 1000"})
			return
		}
		limit = n
	}
	es, err := s.Audit.Audit(r.Context(), limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"changes": es})
}
