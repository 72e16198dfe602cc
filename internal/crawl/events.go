package crawl

import (
	"context"
	"errors"
	"net/url"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

// EventNotifier publishes every judged visit as two events: crawl.capture
// (what was seen) and crawl.verdict (what it means, with the indicators the
// gateway may block). Crawl events have no session: they are not an
// attacker's session with a sensor.
type EventNotifier struct {
	Publisher event.Publisher
	Sensor    string
}

var _ Notifier = EventNotifier{}

// maxEventIndicators bounds the indicators of one event (an event is at
// most 1 MiB on the bus).
const maxEventIndicators = 200

// Visited implements Notifier.
func (n EventNotifier) Visited(ctx context.Context, v *Visit) error {
	c := &v.Capture
	proto := "http"
	if u, err := url.Parse(c.FinalURL); err == nil && u.Scheme != "" {
		proto = u.Scheme
	}
	base := event.Crawl{
		Capture: c.ID, Site: event.Text(c.Site), Page: event.Text(event.Truncate(c.URL, 4096)), FinalURL: event.Text(event.Truncate(c.FinalURL, 4096)),
		Day: c.Day, Engine: c.Engine, Profile: c.Profile, Status: c.Status, Hops: len(c.Redirects), Loaded: len(c.Resources),
		Error: event.Text(event.Truncate(c.Error, 1024)),
	}
	now := time.Now().UTC()
	capture := event.Event{ID: event.NewID(), Time: now, Kind: event.CrawlCapture, Sensor: n.Sensor, Proto: proto, Crawl: base}
	verdict := event.Event{ID: event.NewID(), Time: now, Kind: event.CrawlVerdict, Sensor: n.Sensor, Proto: proto, Crawl: base}
	verdict.Crawl.Verdict, verdict.Crawl.Score = v.Verdict.Verdict, v.Verdict.Score
	for i, in := range v.Verdict.Indicators {
		if i >= maxEventIndicators {
			break
		}
		verdict.Crawl.Indicators = append(verdict.Crawl.Indicators, event.Indicator{Type: in.Type, Value: event.Text(event.Truncate(in.Value, 2048)), Category: in.Category})
	}
	for _, k := range v.Verdict.Campaign {
		verdict.Crawl.Campaign = append(verdict.Crawl.Campaign, event.Text(event.Truncate(k, 512)))
	}
	for i, r := range v.Verdict.Reasons {
		if i >= 20 {
			break
		}
		verdict.Reasons = append(verdict.Reasons, event.Truncate(r.Detector+"/"+r.Rule+": "+r.Evidence, 1024))
	}
	// The family of a red or amber verdict is what the strongest finding
	// is (exploit-kit, miner, scam, ...), so the events API filters by it.
	if v.Verdict.Verdict == Malicious || v.Verdict.Verdict == Suspicious {
		if len(v.Verdict.Reasons) > 0 && v.Verdict.Reasons[0].Category != "" {
			verdict.Family = v.Verdict.Reasons[0].Category
		}
	}
	if n.Publisher == nil {
		return nil
	}
	return errors.Join(n.Publisher.Publish(ctx, &capture), n.Publisher.Publish(ctx, &verdict))
}
