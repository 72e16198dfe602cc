//go:build race

package busybox

import "time"

// raceFactor scales the time bounds of tests: the race detector slows
// every memory access several times, and the bounds are the code's.
func raceFactor() time.Duration { return 5 }
