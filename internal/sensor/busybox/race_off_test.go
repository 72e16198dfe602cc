//go:build !race

package busybox

import "time"

// raceFactor scales the time bounds of tests (see race_on_test.go).
func raceFactor() time.Duration { return 1 }
