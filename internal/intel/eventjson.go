package intel

import "github.com/honeygate/honeygate/internal/event"

// eventJSON is the event as it came from the bus, with the fields of kinds
// this version's Event does not declare (a crawl verdict's).
func eventJSON(ev event.Event) []byte { return ev.Raw }
