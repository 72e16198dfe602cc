package ssh

import (
	"encoding/json"

	"github.com/honeygate/honeygate/internal/event"
)

// fields reads the SSH fields of an event (TEMPORARY, see events.go).
func fields(e event.Event) sshFields {
	var f sshFields
	_ = json.Unmarshal([]byte(e.Message), &f)
	return f
}
