package web

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/honeygate/honeygate/internal/intel"
)

// Intel is what the intel routes need; *intel.Manager implements it.
type Intel interface {
	Add(ctx context.Context, inds []intel.Indicator) (intel.UpsertResult, error)
	Delete(ctx context.Context, f intel.Filter) (int, error)
	List(ctx context.Context, f intel.Filter) ([]intel.Indicator, error)
	Feeds() []intel.FeedStatus
	Stats() intel.RebuildStats
	Live() *intel.Live
}

var _ Intel = (*intel.Manager)(nil)

// maxIntelBody bounds one POST (a list of indicators; the CLI sends large
// imports in chunks well below it).
const maxIntelBody = 32 << 20

// registerIntel adds /api/v1/intel: GET (filters: value, type, category,
// source, ref; paging: after, limit), POST (an indicator or a list),
// DELETE by id or by filter, the feeds' status, and what the live snapshot
// says of a URL, host, IP or hash.
func (s *Server) registerIntel(in Intel) {
	h := &intelRoutes{s: s, in: in}
	s.mux.Handle("GET /api/v1/intel", s.auth(h.list))
	s.mux.Handle("POST /api/v1/intel", s.auth(h.add))
	s.mux.Handle("DELETE /api/v1/intel", s.auth(h.deleteByFilter))
	s.mux.Handle("GET /api/v1/intel/feeds", s.auth(h.feeds))
	s.mux.Handle("GET /api/v1/intel/match", s.auth(h.match))
	s.mux.Handle("GET /api/v1/intel/{id}", s.auth(h.get))
	s.mux.Handle("DELETE /api/v1/intel/{id}", s.auth(h.deleteByID))
}

type intelRoutes struct {
	s  *Server
	in Intel
}

// fail maps intel's errors, then defers to the server's mapping.
func (h *intelRoutes) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, intel.ErrInvalid):
		writeError(w, http.StatusBadRequest, strings.TrimPrefix(err.Error(), "intel: "))
	case errors.Is(err, intel.ErrNotFound):
		writeError(w, http.StatusNotFound, "not found")
	default:
		h.s.fail(w, r, err)
	}
}

// filter reads the query's filters. A value without a type matches its
// canonical form as any type would write it ("Evil.COM." finds the domain
// evil.com, "http://EVIL.com/a/../b" the url evil.com/b): values lists them.
func intelFilter(q url.Values) (f intel.Filter, values []string, err error) {
	f = intel.Filter{Type: intel.Type(q.Get("type")), Category: q.Get("category"), Source: q.Get("source"), Ref: q.Get("ref")}
	if f.Type != "" && !f.Type.Valid() {
		return f, nil, badRequest{fmt.Sprintf("type %q: want one of %v", f.Type, intel.Types)}
	}
	if v := q.Get("value"); v != "" {
		if f.Type != "" {
			c, err := intel.CanonicalValue(f.Type, v)
			if err != nil {
				return f, nil, badRequest{strings.TrimPrefix(err.Error(), "intel: ")}
			}
			values = []string{c}
		} else {
			for _, t := range intel.Types {
				if c, err := intel.CanonicalValue(t, v); err == nil && !slices.Contains(values, c) {
					values = append(values, c)
				}
			}
			if len(values) == 0 {
				values = []string{v}
			}
		}
	}
	if v := q.Get("after"); v != "" {
		if f.AfterID, err = strconv.ParseInt(v, 10, 64); err != nil || f.AfterID < 0 {
			return f, nil, badRequest{fmt.Sprintf("after %q: want an indicator id", v)}
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return f, nil, badRequest{fmt.Sprintf("limit %q: want 1 to 10000", v)}
		}
		f.Limit = n
	}
	return f, values, nil
}

func (h *intelRoutes) list(w http.ResponseWriter, r *http.Request) {
	f, values, err := intelFilter(r.URL.Query())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := []intel.Indicator{}
	if len(values) == 0 {
		values = []string{""}
	}
	for _, v := range values {
		f.Value = v
		got, err := h.in.List(r.Context(), f)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		out = append(out, got...)
	}
	slices.SortFunc(out, func(a, b intel.Indicator) int { return cmp.Compare(a.ID, b.ID) })
	if lim := f.EffectiveLimit(); len(out) > lim {
		out = out[:lim]
	}
	resp := map[string]any{"indicators": withEnforcement(out)}
	if len(out) == f.EffectiveLimit() {
		resp["next_after"] = out[len(out)-1].ID
	}
	writeJSON(w, http.StatusOK, resp)
}

func (h *intelRoutes) get(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.fail(w, r, badRequest{"id: want a positive integer"})
		return
	}
	got, err := h.in.List(r.Context(), intel.Filter{ID: id, Limit: 1})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if len(got) == 0 {
		h.fail(w, r, intel.ErrNotFound)
		return
	}
	writeJSON(w, http.StatusOK, withEnforcement(got[:1])[0])
}

// indicatorOut is an indicator as the API shows it: with whether the
// gateway enforces it and, when not, why (a held honeypot download, an
// expiry, an allow entry), so that an analyst never has to infer it.
type indicatorOut struct {
	intel.Indicator
	Enforced bool   `json:"enforced"`
	Reason   string `json:"reason,omitempty"`
}

func withEnforcement(inds []intel.Indicator) []indicatorOut {
	now := time.Now()
	out := make([]indicatorOut, len(inds))
	for i, ind := range inds {
		out[i].Indicator = ind
		out[i].Enforced, out[i].Reason = intel.Enforcement(ind, now)
	}
	return out
}

// add takes one indicator object or a list of them; all are stored or none.
func (h *intelRoutes) add(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxIntelBody))
	if err != nil {
		h.fail(w, r, badRequest{fmt.Sprintf("body: %v (at most %d bytes)", err, maxIntelBody)})
		return
	}
	var inds []intel.Indicator
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) > 0 && trimmed[0] == '[':
		// Item by item, so that a decoding error names its item.
		var raws []json.RawMessage
		if err = json.Unmarshal(trimmed, &raws); err != nil {
			break
		}
		inds = make([]intel.Indicator, len(raws))
		for i, raw := range raws {
			if err = decodeIndicator(raw, &inds[i]); err != nil {
				err = fmt.Errorf("item %d: %w", i, err)
				break
			}
		}
	default:
		var one intel.Indicator
		err = decodeIndicator(trimmed, &one)
		inds = []intel.Indicator{one}
	}
	if err != nil {
		h.fail(w, r, badRequest{"body: want an indicator object or a list of them: " + err.Error()})
		return
	}
	if len(inds) == 0 {
		h.fail(w, r, badRequest{"body: an empty list"})
		return
	}
	for i := range inds {
		inds[i].ID = 0 // ids are the store's
	}
	res, err := h.in.Add(r.Context(), inds)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	target := string(inds[0].Type) + " " + inds[0].Value
	if len(inds) > 1 {
		target = fmt.Sprintf("%d indicators, from %s", len(inds), target)
	}
	h.s.record(r, "intel.add", target, "source "+inds[0].Source+", category "+inds[0].Category)
	writeJSON(w, http.StatusCreated, res)
}

// decodeIndicator decodes one indicator object, refusing unknown fields. A
// time that does not parse is named with its field (encoding/json's error
// names neither): the API takes RFC 3339 only.
func decodeIndicator(raw []byte, ind *intel.Indicator) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	err := d.Decode(ind)
	if err == nil {
		return nil
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) == nil {
		for _, f := range []string{"first_seen", "last_seen", "expires"} {
			var t time.Time
			if v, ok := fields[f]; ok && json.Unmarshal(v, &t) != nil {
				return fmt.Errorf("%s %s: want an RFC 3339 time such as 2030-01-02T15:04:05Z (or null)", f, v)
			}
		}
	}
	return err
}

func (h *intelRoutes) deleteByID(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.fail(w, r, badRequest{"id: want a positive integer"})
		return
	}
	n, err := h.in.Delete(r.Context(), intel.Filter{ID: id})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if n == 0 {
		h.fail(w, r, intel.ErrNotFound)
		return
	}
	h.s.record(r, "intel.delete", "id "+strconv.FormatInt(id, 10), "")
	writeJSON(w, http.StatusOK, map[string]int{"deleted": n})
}

func (h *intelRoutes) deleteByFilter(w http.ResponseWriter, r *http.Request) {
	f, values, err := intelFilter(r.URL.Query())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if v := r.URL.Query().Get("id"); v != "" {
		if f.ID, err = strconv.ParseInt(v, 10, 64); err != nil || f.ID <= 0 {
			h.fail(w, r, badRequest{"id: want a positive integer"})
			return
		}
	}
	if len(values) == 0 {
		values = []string{""}
	}
	total := 0
	for _, v := range values {
		f.Value = v
		if f.Empty() {
			h.fail(w, r, badRequest{"DELETE needs a filter (id, value, type, category, source or ref)"})
			return
		}
		n, err := h.in.Delete(r.Context(), f)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		total += n
	}
	h.s.record(r, "intel.delete", r.URL.RawQuery, fmt.Sprintf("%d deleted", total))
	writeJSON(w, http.StatusOK, map[string]int{"deleted": total})
}

func (h *intelRoutes) feeds(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"feeds": h.in.Feeds(), "snapshot": h.in.Stats()})
}

// match says what the live snapshot (what the gateway enforces right now)
// does with a url, host, ip or sha256.
func (h *intelRoutes) match(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	snap := h.in.Live().Snapshot()
	var hit intel.Hit
	var ok bool
	switch {
	case q.Get("url") != "":
		hit, ok = snap.MatchRawURL(q.Get("url"))
	case q.Get("host") != "":
		hit, ok = snap.MatchHost(q.Get("host"))
	case q.Get("ip") != "":
		a, err := netip.ParseAddr(q.Get("ip"))
		if err != nil {
			h.fail(w, r, badRequest{"ip: not an address"})
			return
		}
		hit, ok = snap.MatchIP(a)
	case q.Get("sha256") != "":
		hit, ok = snap.MatchHash(q.Get("sha256"))
	default:
		h.fail(w, r, badRequest{"want one of url, host, ip, sha256"})
		return
	}
	out := map[string]any{"match": ok, "indicators": snap.Len()}
	if ok {
		out["hit"] = map[string]any{"id": hit.ID, "type": hit.Type, "value": hit.Value, "category": hit.Category, "source": hit.Source}
	}
	writeJSON(w, http.StatusOK, out)
}
