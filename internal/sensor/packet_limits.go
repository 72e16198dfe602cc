package sensor

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/honeygate/honeygate/internal/schema"
)

// PacketLimits bound what a UDP sensor sends and remembers. Defaults come
// from DefaultPacketLimits.
type PacketLimits struct {
	// ReplyBurst is how many requests of one source are answered per
	// ReplyWindow; after that the source gets silence. Scanners that check
	// for an amplifier send one or two probes, so a few is enough to look
	// real; zero makes a silent sensor.
	ReplyBurst  int           `yaml:"reply_burst"`
	ReplyWindow time.Duration `yaml:"reply_window"`
	// SourceAllowance is how many bytes a source may be sent beyond what it
	// sent, over the life of its record: a source is never sent more than
	// its bytes in plus this. A scanner's single probe must get a reply
	// larger than itself, or the service looks like no amplifier at all
	// (AmpPot answers the first requests in full for the same reason); a
	// victim of a spoofed flood therefore receives at most this much more
	// than was sent in its name. Zero makes bytes out <= bytes in hold for
	// every source at every moment, and scanners see no amplifier.
	SourceAllowance int64 `yaml:"source_allowance"`
	// SendBudget is the most bytes per second that every packet server of
	// the process sends together, whatever the number of sources.
	SendBudget int64 `yaml:"send_budget"`
	// A source that sends AttackRequests requests within AttackWindow is an
	// attack victim; it is silenced, and its attack ends after AttackIdle
	// without a request. A source that stays below the threshold and is
	// quiet for AttackWindow is recorded as a scan.
	AttackRequests int           `yaml:"attack_requests"`
	AttackWindow   time.Duration `yaml:"attack_window"`
	AttackIdle     time.Duration `yaml:"attack_idle"`
	// MaxSources is how many sources one server tracks at once; the memory
	// it takes is fixed at start (about 300 bytes a source with its index:
	// 5 MiB at the default).
	MaxSources int `yaml:"max_sources"`
	// MaxReply caps one reply datagram (no IP fragmentation on common paths).
	MaxReply int `yaml:"max_reply"`
	// ScanEvents caps reflect.scan events per second per server: a flood from
	// spoofed random sources is millions of one-packet "scans", and the bus
	// must not carry them; the rest are counted in metrics only.
	ScanEvents int `yaml:"scan_events"`
}

// DefaultPacketLimits follow AmpPot's choices where it made them (a few
// replies per source, an attack at 100 requests) and are sized for a small
// machine otherwise: 8 KiB/s of replies at most is harmless to anyone.
func DefaultPacketLimits() PacketLimits {
	return PacketLimits{
		ReplyBurst:      3,
		ReplyWindow:     time.Minute,
		SourceAllowance: 1400,
		SendBudget:      8 << 10,
		AttackRequests:  100,
		AttackWindow:    time.Minute,
		AttackIdle:      5 * time.Minute,
		MaxSources:      16384,
		MaxReply:        1400,
		ScanEvents:      5,
	}
}

// Validate reports limits that cannot work, by their yaml names.
func (l PacketLimits) Validate() schema.Errors {
	var es schema.Errors
	if l.ReplyBurst < 0 {
		es.Add("reply_burst", "must not be negative")
	}
	if l.ReplyWindow <= 0 {
		es.Add("reply_window", "must be positive")
	}
	if l.SourceAllowance < 0 {
		es.Add("source_allowance", "must not be negative")
	}
	if l.MaxReply < 64 || l.MaxReply > 65507 {
		es.Add("max_reply", "%d is not within 64-65507", l.MaxReply)
	}
	if l.SendBudget < int64(l.MaxReply) {
		es.Add("send_budget", "%d bytes a second cannot carry one reply of max_reply (%d)", l.SendBudget, l.MaxReply)
	}
	if l.AttackRequests < 2 {
		es.Add("attack_requests", "must be at least 2")
	}
	if l.AttackWindow <= 0 {
		es.Add("attack_window", "must be positive")
	}
	if l.AttackIdle <= 0 {
		es.Add("attack_idle", "must be positive")
	}
	if l.MaxSources <= 0 || l.MaxSources > 1<<24 {
		es.Add("max_sources", "%d is not within 1-16777216", l.MaxSources)
	}
	if l.ScanEvents < 0 {
		es.Add("scan_events", "must not be negative")
	}
	return es
}

// SendBudget is what every packet server of a process may send: a token
// bucket of bytes per second (with one second of burst), and a ledger that
// keeps the bytes sent below the bytes received since start. Safe for
// concurrent use.
type SendBudget struct {
	in atomic.Int64
	// emptyUntil is when the bucket will hold a reply's worth again: until
	// then the read loop skips the handler instead of building a reply the
	// budget would refuse (under a spoofed flood, every source is new and
	// passes its own limit).
	emptyUntil atomic.Int64

	mu     sync.Mutex
	rate   float64 // bytes per second
	tokens float64
	last   int64 // Unix nanoseconds of the last refill
	out    int64
}

// NewSendBudget returns a budget of bytesPerSecond, with its one second of
// burst available.
func NewSendBudget(bytesPerSecond int64) *SendBudget {
	return &SendBudget{rate: float64(bytesPerSecond), tokens: float64(bytesPerSecond), last: time.Now().UnixNano()}
}

// received adds n bytes to the process's bytes in.
func (b *SendBudget) received(n int64) { b.in.Add(n) }

// take spends n bytes if both the rate and the ledger allow it.
func (b *SendBudget) take(n, now int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if now > b.last {
		b.tokens = min(b.rate, b.tokens+b.rate*float64(now-b.last)/1e9)
		b.last = now
	}
	if b.tokens < float64(n) {
		b.emptyUntil.Store(now + int64((float64(n)-b.tokens)/b.rate*1e9))
		return false
	}
	if b.out+n >= b.in.Load() {
		return false
	}
	b.tokens -= float64(n)
	b.out += n
	return true
}

// empty reports whether the bucket surely has no room for a reply at now.
func (b *SendBudget) empty(now int64) bool { return now < b.emptyUntil.Load() }

// Totals returns the bytes received and sent by the process's packet
// servers so far.
func (b *SendBudget) Totals() (in, out int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.in.Load(), b.out
}
