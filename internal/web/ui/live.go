package ui

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/honeygate/honeygate/internal/store"
)

// Live updates: server-sent events. The store is fed by the bus; the
// stream reads it (newest first through the time index, at most liveCap
// rows) every liveEvery and sends the number of events stored since the
// page loaded whenever it changes. /ui/live answers the same once, for a
// browser without EventSource.

const (
	liveCap     = 100
	liveEvery   = 2 * time.Second
	maxStreams  = 64 // open streams at once; more are refused (503), the script then polls
	liveMaxLife = 30 * time.Minute
)

func parseSince(r *http.Request) (time.Time, bool) {
	ms, err := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
	if err != nil || ms < 0 || ms > 1<<50 {
		return time.Time{}, false
	}
	return time.UnixMilli(ms), true
}

// live answers the script's poll.
func (h *Handler) live(w http.ResponseWriter, r *http.Request, _ *uiSession) {
	since, ok := parseSince(r)
	if !ok {
		http.Error(w, "since: want unix milliseconds", http.StatusBadRequest)
		return
	}
	evs, err := h.opts.Store.Events(r.Context(), store.EventFilter{Since: since, Limit: liveCap})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"new":%d,"cap":%d}`, len(evs), liveCap)
}

// stream is the server-sent events stream of /ui/events.
func (h *Handler) stream(w http.ResponseWriter, r *http.Request, _ *uiSession) {
	since, ok := parseSince(r)
	if !ok {
		http.Error(w, "since: want unix milliseconds", http.StatusBadRequest)
		return
	}
	select {
	case h.streams <- struct{}{}:
		defer func() { <-h.streams }()
	default:
		http.Error(w, "too many live streams", http.StatusServiceUnavailable)
		return
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	ctx := r.Context()
	tick := time.NewTicker(liveEvery)
	defer tick.Stop()
	end := time.After(liveMaxLife) // the browser reconnects; no stream lives forever
	last := -1
	for {
		evs, err := h.opts.Store.Events(ctx, store.EventFilter{Since: since, Limit: liveCap})
		if err != nil {
			if ctx.Err() == nil {
				h.opts.Log.Error("ui: live stream", "err", err)
			}
			return
		}
		if n := len(evs); n != last {
			last = n
			// The server's WriteTimeout would cut a long stream: each write
			// gets its own deadline instead.
			_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if _, err := fmt.Fprintf(w, "data: {\"new\":%d,\"cap\":%d}\n\n", n, liveCap); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-end:
			return
		case <-h.closing:
			return
		case <-tick.C:
		}
	}
}
