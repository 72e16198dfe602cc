//go:build race

package busybox

// raceEnabled: the race detector slows everything down several times;
// time bounds in tests allow for it.
const raceEnabled = true
