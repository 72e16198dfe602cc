package bus

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// Stats is what the stream holds and how far each durable consumer is.
type Stats struct {
	Messages  uint64                   `json:"messages"` // events in the stream (retention permitting)
	Bytes     uint64                   `json:"bytes"`
	FirstSeq  uint64                   `json:"first_seq"`
	LastSeq   uint64                   `json:"last_seq"`
	Consumers map[string]ConsumerStats `json:"consumers"`
}

// ConsumerStats is one durable consumer's backlog.
type ConsumerStats struct {
	Pending     uint64 `json:"pending"`     // not yet delivered
	AckPending  int    `json:"ack_pending"` // delivered, not yet acknowledged
	Redelivered int    `json:"redelivered"`
}

// Stats reads the stream's and the consumers' state from the server.
func (b *Bus) Stats(ctx context.Context) (Stats, error) {
	stream := b.getStream()
	info, err := stream.Info(ctx)
	if err != nil {
		return Stats{}, fmt.Errorf("bus: stream info: %w", err)
	}
	st := Stats{
		Messages: info.State.Msgs, Bytes: info.State.Bytes,
		FirstSeq: info.State.FirstSeq, LastSeq: info.State.LastSeq,
		Consumers: map[string]ConsumerStats{},
	}
	names := stream.ConsumerNames(ctx)
	for name := range names.Name() {
		c, err := stream.Consumer(ctx, name)
		if err != nil {
			if errors.Is(err, jetstream.ErrConsumerNotFound) {
				continue
			}
			return st, fmt.Errorf("bus: consumer %s: %w", name, err)
		}
		ci := c.CachedInfo()
		st.Consumers[name] = ConsumerStats{Pending: ci.NumPending, AckPending: ci.NumAckPending, Redelivered: ci.NumRedelivered}
	}
	if err := names.Err(); err != nil {
		return st, fmt.Errorf("bus: consumer names: %w", err)
	}
	return st, nil
}
