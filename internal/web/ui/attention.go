package ui

import (
	"context"
	"slices"
	"time"

	"github.com/honeygate/honeygate/internal/crawl"
	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/store"
)

// attention is what the overview lists first: campaigns found in the last
// two days, sites that are persistently tampered as of today, and hosts the
// gateway (DNS filter or proxy) saw ask for a kill switch (likely infected)
// since yesterday, one line per host and kill switch.
type attention struct {
	Campaigns  []crawl.Campaign
	Persistent []string
	Infected   []infectedHost
	Sources    []string // label keys of the components that could fill it
}

// infectedHost is one client that asked for one kill switch: a worm asks at
// every spread attempt, so its events are folded into one line.
type infectedHost struct {
	Client event.Text
	Host   event.Text
	Last   time.Time
	Times  int64
	By     []string // label keys of the enforcers that saw it, DNS filter first
}

// Attention's bounds: events read (newest first) and lines shown.
const (
	infectedEvents = 1000
	infectedLines  = 50
)

func (a attention) Empty() bool {
	return len(a.Campaigns) == 0 && len(a.Persistent) == 0 && len(a.Infected) == 0
}

// attentionDays is how far back the matrix behind the list looks: enough
// for a site to become persistent (the default threshold is 3 days).
const attentionDays = 7

func (h *Handler) attention(ctx context.Context, today time.Time) (attention, error) {
	var a attention
	yesterday := today.AddDate(0, 0, -1).Format(time.DateOnly)
	if h.opts.Crawl != nil {
		from, to := today.AddDate(0, 0, -(attentionDays-1)).Format(time.DateOnly), today.Format(time.DateOnly)
		days, err := crawl.Days(from, to)
		if err != nil {
			return a, err
		}
		sites, err := h.opts.Crawl.Store.Sites(ctx)
		if err != nil {
			return a, err
		}
		visits, err := h.opts.Crawl.cells(ctx, from, to)
		if err != nil {
			return a, err
		}
		m := crawl.BuildMatrix(sites, visits, days, h.opts.Crawl.Matrix)
		for _, c := range m.Campaigns {
			if c.Day >= yesterday {
				a.Campaigns = append(a.Campaigns, c)
			}
		}
		for _, row := range m.Sites {
			if row.Persistent && len(row.Cells) > 0 && row.Cells[len(row.Cells)-1].Verdict == crawl.Malicious {
				a.Persistent = append(a.Persistent, row.Name)
			}
		}
	}
	// Infected hosts are gateway events, read newest first through the
	// kind index; none when no gateway runs.
	inf, err := h.opts.Store.Events(ctx, store.EventFilter{Kind: event.GatewayInfectedHost, Since: today.AddDate(0, 0, -1), Limit: infectedEvents})
	if err != nil {
		return a, err
	}
	a.Infected = foldInfected(inf)
	return a, nil
}

// foldInfected makes one line per (client, kill switch) of events given
// newest first, in that order, at most infectedLines.
func foldInfected(evs []event.Event) []infectedHost {
	type key struct{ client, host event.Text }
	at := map[key]int{}
	var out []infectedHost
	for i := range evs {
		e := &evs[i]
		k := key{event.Text(e.SrcIP), e.Block.Host}
		j, ok := at[k]
		if !ok {
			if len(out) == infectedLines {
				continue
			}
			j = len(out)
			at[k] = j
			out = append(out, infectedHost{Client: k.client, Host: k.host, Last: e.Time})
		}
		h := &out[j]
		h.Times += e.Block.Blocks()
		if e.Enforcer != "dns" && e.Enforcer != "proxy" {
			continue
		}
		if by := "enf:" + e.Enforcer; !slices.Contains(h.By, by) {
			h.By = append(h.By, by)
			slices.Sort(h.By) // "enf:dns" before "enf:proxy"
		}
	}
	return out
}
