package event

import "context"

// Publisher takes events from producers (sensors, crawler) to the bus.
//
// Publish returns once the event is durably accepted by the bus (a JetStream
// publish acknowledgement) or fails with the reason; an event whose Publish
// returned nil will reach the store even if the process dies right after.
// Implementations are safe for concurrent use.
type Publisher interface {
	Publish(ctx context.Context, e *Event) error
}
