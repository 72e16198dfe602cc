package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/honeygate/honeygate/internal/gateway"
)

// registerBlocks adds the gateway's block counts: per day
// (GET /api/v1/blocks/daily?from=&to=) and top lists
// (GET /api/v1/blocks/top?by=domain|client|category&from=&to=&limit=).
func (s *Server) registerBlocks(b gateway.BlocksStore) {
	h := &blockRoutes{s: s, b: b}
	s.mux.Handle("GET /api/v1/blocks/daily", s.auth(h.daily))
	s.mux.Handle("GET /api/v1/blocks/top", s.auth(h.top))
}

type blockRoutes struct {
	s *Server
	b gateway.BlocksStore
}

// dayRange reads from and to (YYYY-MM-DD, UTC, both inclusive; default the
// last 30 days), bounded like the stats.
func dayRange(q url.Values) (from, to time.Time, err error) {
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
	if to.Sub(from) >= maxStatsDays*24*time.Hour {
		return from, to, badRequest{fmt.Sprintf("at most %d days at once", maxStatsDays)}
	}
	return from, to, nil
}

func (h *blockRoutes) daily(w http.ResponseWriter, r *http.Request) {
	from, to, err := dayRange(r.URL.Query())
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	// by=category: each day's blocks per category (the dashboard's
	// stacked bars), from the same rollup the chart reads.
	switch by := r.URL.Query().Get("by"); by {
	case "":
	case gateway.TopByCategory:
		rows, err := h.b.BlocksDailyByCategory(r.Context(), from, to)
		if err != nil {
			h.s.fail(w, r, err)
			return
		}
		if rows == nil {
			rows = []gateway.BlockDayCategory{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly), "by": by, "days": rows})
		return
	default:
		h.s.fail(w, r, badRequest{fmt.Sprintf("by %q: want category, or nothing for the day totals", by)})
		return
	}
	days, err := h.b.BlocksDaily(r.Context(), from, to)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	if days == nil {
		days = []gateway.BlockDay{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly), "days": days})
}

func (h *blockRoutes) top(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, to, err := dayRange(q)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	by := q.Get("by")
	if by == "" {
		by = gateway.TopByDomain
	}
	limit := 20
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 1000 {
			h.s.fail(w, r, badRequest{fmt.Sprintf("limit %q: want 1 to 1000", v)})
			return
		}
	}
	top, err := h.b.BlocksTop(r.Context(), by, from, to, limit)
	if errors.Is(err, gateway.ErrBadTop) {
		h.s.fail(w, r, badRequest{fmt.Sprintf("by %q: want domain, client or category", by)})
		return
	}
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	if top == nil {
		top = []gateway.BlockTop{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"by": by, "from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly), "top": top})
}
