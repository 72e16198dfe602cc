package gateway

import (
	"sync/atomic"

	"github.com/honeygate/honeygate/internal/intel"
)

// Hit is what matched, copied into the block event and the block page.
type Hit = intel.Hit

// LiveIntel serves intel's live snapshot to the policy chain. Ready, when
// set, says whether intel has loaded (its first snapshot was built from the
// store); until then Current returns nil and each network's fail mode holds.
type LiveIntel struct {
	Live  *intel.Live
	Ready func() bool
	ready atomic.Bool // Ready said yes once: intel never becomes unready again
}

var (
	_ Intel   = (*LiveIntel)(nil)
	_ Matcher = (*intel.Snapshot)(nil)
)

// Current returns the live snapshot, or nil before intel is ready.
func (l *LiveIntel) Current() Matcher {
	if l.Ready != nil && !l.ready.Load() {
		if !l.Ready() {
			return nil
		}
		l.ready.Store(true)
	}
	return l.Live.Snapshot()
}
