//go:build !race

package busybox

const raceEnabled = false
