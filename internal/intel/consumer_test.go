package intel

import (
	"slices"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

// The bus sends the consumer only the kinds Kinds names, so a kind that
// yields indicators but is missing from Kinds would be lost silently. Every
// kind of the catalogue gets an event that would yield indicators if its
// kind were a download or a verdict; only Kinds' kinds may yield any.
func TestConsumerKindsCoverIndicators(t *testing.T) {
	at := time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)
	c := NewConsumer(&recAdder{}, HostsIP, nil)
	kinds := c.Kinds()
	for _, k := range kinds {
		if !k.Known() {
			t.Errorf("Kinds names %q, not in the catalogue", k)
		}
	}
	yielded := map[event.Kind]bool{}
	for _, k := range event.Kinds {
		ev := event.Event{ID: "e-" + string(k), Kind: k, Time: at,
			Download: event.Download{URL: "http://45.15.143.158/bins.sh"},
			Crawl:    event.Crawl{Page: "http://miner.example/", Verdict: "malicious"}}
		var r recAdder
		if err := NewConsumer(&r, HostsIP, nil).Events(t.Context(), []event.Event{ev}); err != nil {
			t.Fatal(err)
		}
		if len(r.got) > 0 {
			yielded[k] = true
			if !slices.Contains(kinds, k) {
				t.Errorf("kind %s yields indicators but is not in Kinds: the bus filter would drop it", k)
			}
		}
	}
	for _, k := range kinds {
		if !yielded[k] {
			t.Errorf("Kinds names %s, which yields nothing: the bus would send it for nothing", k)
		}
	}
}
