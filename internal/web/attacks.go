package web

import (
	"fmt"
	"net/http"
	"net/netip"
	"strconv"

	"github.com/honeygate/honeygate/internal/attack"
)

// The attacks domain's routes: reflection attacks seen by the reflector
// sensors (internal/attack).

// attacks answers GET /api/v1/attacks?from=&to=&victim=&proto=&limit=:
// the attacks in progress at some time in [from, to), newest first.
func (s *Server) attacks(w http.ResponseWriter, r *http.Request) {
	if s.Attacks == nil {
		writeError(w, http.StatusNotFound, "this server keeps no attacks")
		return
	}
	f, err := parseAttackFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	as, err := s.Attacks.Attacks(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if as == nil {
		as = []attack.Attack{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"attacks": as})
}

func parseAttackFilter(r *http.Request) (attack.Filter, error) {
	q := r.URL.Query()
	var f attack.Filter
	var err error
	if f.From, err = parseTime(q.Get("from")); err != nil {
		return f, badRequest{"from: " + err.Error()}
	}
	if f.To, err = parseTime(q.Get("to")); err != nil {
		return f, badRequest{"to: " + err.Error()}
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, badRequest{"from must be before to"}
	}
	if v := q.Get("victim"); v != "" {
		ip, err := netip.ParseAddr(v)
		if err != nil {
			return f, badRequest{fmt.Sprintf("victim %q is not an IP address", v)}
		}
		f.Victim = ip.String()
	}
	f.Proto = q.Get("proto")
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > attack.MaxLimit {
			return f, badRequest{fmt.Sprintf("limit %q: want 1 to %d", v, attack.MaxLimit)}
		}
		f.Limit = n
	}
	return f, nil
}
