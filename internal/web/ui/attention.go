package ui

import (
	"context"
	"time"

	"github.com/honeygate/honeygate/internal/crawl"
	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/store"
)

// attention is what the overview lists first: campaigns found in the last
// two days, sites that are persistently tampered as of today, and hosts the
// DNS filter saw look up a kill switch (likely infected) since yesterday.
type attention struct {
	Campaigns  []crawl.Campaign
	Persistent []string
	Infected   []event.Event
	Sources    []string // label keys of the components that could fill it
}

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
	inf, err := h.opts.Store.Events(ctx, store.EventFilter{Kind: event.GatewayInfectedHost, Since: today.AddDate(0, 0, -1), Limit: 50})
	if err != nil {
		return a, err
	}
	a.Infected = inf
	return a, nil
}
