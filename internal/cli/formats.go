package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/honeygate/honeygate/internal/intel"
)

// formatList spells the formats for help and errors: "a, b or c".
func formatList(fs []intel.Format) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = string(f)
	}
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// checkFormat checks --format before anything is read or fetched. Cobra's
// own required-flag error names the flag but not its values, so the flag
// is checked here instead, with the list in the message.
func checkFormat(f string, fs []intel.Format) error {
	if f == "" {
		return fmt.Errorf("--format is required: %s", formatList(fs))
	}
	if !slices.Contains(fs, intel.Format(f)) {
		return fmt.Errorf("--format %q: want %s", f, formatList(fs))
	}
	return nil
}
