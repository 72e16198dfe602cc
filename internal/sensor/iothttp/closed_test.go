package iothttp

import (
	"testing"

	"github.com/honeygate/honeygate/internal/event"
)

// A worm's request on its own connection ends as "client closed", the
// words the telnet, SSH and SMB sensors use (README, Events), so that one
// query on session.closed's message covers every sensor.
func TestClosedMessageWords(t *testing.T) {
	addr, col := start(t)
	_, _, events := send(t, addr, col, "GET", "/", nil, "")
	var closed *event.Event
	for i := range events {
		if events[i].Kind == event.SessionClosed {
			closed = &events[i]
		}
	}
	if closed == nil {
		t.Fatal("no session.closed")
	}
	if closed.Message != "client closed" {
		t.Errorf("message %q, want %q", closed.Message, "client closed")
	}
}
