package gateway

import (
	"context"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/intel"
)

// Event turns a block record into its event (gateway.block or
// gateway.infected_host) from sensor.
func (b *Block) Event(sensor string) *event.Event {
	proto := "http"
	if b.Enforcer == "dns" {
		proto = "dns"
	}
	e := &event.Event{
		ID: event.NewID(), Time: b.Time.UTC(), Kind: event.Kind(b.Kind), Sensor: sensor, Proto: proto,
		SrcIP: b.Client.Addr().String(), SrcPort: int(b.Client.Port()), DstPort: b.Port,
	}
	e.Download.URL = event.Text(b.URL)
	e.Block = event.Block{
		// One spelling per name (case, trailing dot, port, IDN form), so
		// that the top lists count a name once.
		Host: event.Text(intel.CanonicalHost(b.Host)), SNI: event.Text(intel.CanonicalHost(b.SNI)),
		Category: b.Hit.Category, Indicator: b.Hit.Value, IndicatorType: string(b.Hit.Type), IndicatorID: b.Hit.ID,
		IntelSource: b.Hit.Source, Ref: b.Ref, Enforcer: b.Enforcer, Action: b.Action, Reason: b.Reason, Policy: b.Policy,
	}
	if b.Count > 1 {
		e.Block.Count, e.Block.First = b.Count, b.First.UTC()
	}
	return e
}

// PublishSink delivers block records as events through pub.
func PublishSink(pub event.Publisher, sensor string) Sink {
	return func(ctx context.Context, b *Block) error { return pub.Publish(ctx, b.Event(sensor)) }
}

// Counted reports whether an event counts as a block in the daily counts
// and top lists: a gateway.block that blocked something (a refused client
// blocked nothing on the intel list).
func Counted(e *event.Event) bool {
	return e.Kind == event.GatewayBlock && e.Block.Action != event.ActionRefuse
}

// Weight is how many blocks a counted event stands for (a folded event's
// count, else 1).
func Weight(e *event.Event) int64 { return e.Block.Blocks() }

// TopKey is what a counted block is grouped under for BlocksTop: the
// domain (the SNI when the TLS name was judged, else the name asked for or
// the URL's host), the category, or the client.
func TopKey(e *event.Event, by string) string {
	switch by {
	case TopByDomain:
		// Canonical again: events recorded before hosts were (or by
		// another writer) group with the rest.
		if e.Block.SNI != "" {
			return intel.CanonicalHost(string(e.Block.SNI))
		}
		return intel.CanonicalHost(string(e.Block.Host))
	case TopByCategory:
		return e.Block.Category
	default:
		return e.SrcIP
	}
}
