package gateway

import (
	"context"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

// Block kinds and actions, as the event catalogue spells them.
const (
	KindBlock    = string(event.GatewayBlock)
	KindInfected = string(event.GatewayInfectedHost)

	ActionBlock    = event.ActionBlock
	ActionNXDomain = event.ActionNXDomain
	ActionSinkhole = event.ActionSinkhole
	ActionRefuse   = event.ActionRefuse
	ActionResolve  = event.ActionResolve
)

// Block is one block (or infected-host report), as the enforcement point saw it.
type Block struct {
	Time     time.Time
	Kind     string // KindBlock or KindInfected
	Client   netip.AddrPort
	Host     string
	Port     int // the destination port (80, 443, a CONNECT's port); 0 where none (DNS)
	URL      string
	SNI      string
	Hit      Hit
	Ref      string
	Enforcer string // proxy or dns
	Action   string
	Reason   string // the decision's reason label
	Policy   string
	// Count and First describe a folded record (Folder): it stands for
	// Count blocks, the first at First and the last at Time. Zero: one block.
	Count int
	First time.Time
}

// Recorder takes block records off the request path. Record must not block
// and must not fail the request: a full queue drops the record and counts it.
type Recorder interface {
	Record(b *Block)
}

// RecorderFunc adapts a function to Recorder.
type RecorderFunc func(b *Block)

// Record calls f.
func (f RecorderFunc) Record(b *Block) { f(b) }

// Sink delivers block records durably (to the bus, as events); it may block.
type Sink func(ctx context.Context, b *Block) error

// AsyncRecorder queues records for a few workers that hand them to a Sink,
// so a slow bus never slows a page load or a DNS answer.
type AsyncRecorder struct {
	q       chan *Block
	sink    Sink
	log     *slog.Logger
	wg      sync.WaitGroup
	dropped atomic.Int64
	once    sync.Once
}

var _ Recorder = (*AsyncRecorder)(nil)

// NewAsyncRecorder starts workers that drain a queue of size into sink.
func NewAsyncRecorder(sink Sink, size, workers int, log *slog.Logger) *AsyncRecorder {
	r := &AsyncRecorder{q: make(chan *Block, size), sink: sink, log: log}
	for range max(workers, 1) {
		r.wg.Add(1)
		go r.run()
	}
	return r
}

func (r *AsyncRecorder) run() {
	defer r.wg.Done()
	for b := range r.q {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := r.sink(ctx, b); err != nil {
			r.log.Warn("gateway: block record not delivered", "kind", b.Kind, "ref", b.Ref, "err", err)
		}
		cancel()
	}
}

// Record queues b, or drops it when the queue is full.
func (r *AsyncRecorder) Record(b *Block) {
	defer func() { _ = recover() }() // Record after Close: drop
	select {
	case r.q <- b:
	default:
		if r.dropped.Add(1)&1023 == 1 {
			r.log.Warn("gateway: block queue full, records dropped", "dropped", r.dropped.Load())
		}
	}
}

// Dropped returns how many records a full queue dropped.
func (r *AsyncRecorder) Dropped() int64 { return r.dropped.Load() }

// Close delivers what is queued and stops the workers; it is idempotent.
func (r *AsyncRecorder) Close() {
	r.once.Do(func() { close(r.q) })
	r.wg.Wait()
}
