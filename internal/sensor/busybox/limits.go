package busybox

import "fmt"

// Limits bound what one session can make the shell do. The per-line
// budgets (commands, loop iterations, bytes copied, glob work, output) are
// constants sized so that no line costs more than a few milliseconds; these
// are the ones an operator may size for a deployment.
type Limits struct {
	// MaxCommands is the number of lines a session may run before the
	// session ends (Result.Limited); the telnet section maps its YAML
	// `limits.max_commands` here.
	MaxCommands int `yaml:"max_commands"`
	// OverlayBytes is what one session may write into its filesystem.
	OverlayBytes int `yaml:"overlay_bytes"`
	// PoolBytes is what all the sessions of a Device may hold together, so
	// that thousands of sessions cannot each fill their overlay.
	PoolBytes int64 `yaml:"pool_bytes"`
}

// DefaultLimits are sized for a sensor facing the whole Internet on a small
// machine: 20,000 sessions cannot each fill their 1 MiB.
func DefaultLimits() Limits {
	return Limits{MaxCommands: 1000, OverlayBytes: 1 << 20, PoolBytes: 256 << 20}
}

// Validate reports every field that cannot work, by its yaml name.
func (l Limits) Validate() Errors {
	var es Errors
	if l.MaxCommands <= 0 {
		es = append(es, FieldError{"max_commands", fmt.Sprintf("%d must be positive", l.MaxCommands)})
	}
	if l.OverlayBytes < 4<<10 || l.OverlayBytes > 64<<20 {
		es = append(es, FieldError{"overlay_bytes", fmt.Sprintf("%d is not within 4096-67108864", l.OverlayBytes)})
	}
	if l.PoolBytes < int64(l.OverlayBytes) {
		es = append(es, FieldError{"pool_bytes", fmt.Sprintf("%d is less than overlay_bytes", l.PoolBytes)})
	}
	return es
}

// withDefaults fills the zero fields, so that Limits{MaxCommands: n} is
// usable as is.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxCommands == 0 {
		l.MaxCommands = d.MaxCommands
	}
	if l.OverlayBytes == 0 {
		l.OverlayBytes = d.OverlayBytes
	}
	if l.PoolBytes == 0 {
		l.PoolBytes = d.PoolBytes
	}
	return l
}

// MaxLine is the longest line the shell reads (ash's line editor buffer on
// such devices); a transport drops what overflows a line.
const MaxLine = maxLine
