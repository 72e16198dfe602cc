package smb

import (
	"bytes"
	"errors"
	"net"
	"testing"
	"time"
)

// TestNetBIOSSessionRequest: a client that opens as on port 139 (a session
// request) gets a positive session response, then SMB as usual.
func TestNetBIOSSessionRequest(t *testing.T) {
	addr, _ := testSensor(t, t.TempDir())
	c := dial(t, addr)
	defer c.close()
	req := append([]byte{nbSessionRequest, 0, 0, 68}, make([]byte, 68)...)
	if _, err := c.c.Write(req); err != nil {
		t.Fatal(err)
	}
	var resp [4]byte
	if _, err := c.c.Read(resp[:]); err != nil || resp != [4]byte{nbPositiveSession} {
		t.Fatalf("session request answered % x (%v)", resp, err)
	}
	if r := c.negotiate(); r.Command != cmdNegotiate || r.Status != statusSuccess {
		t.Fatalf("negotiate after the session request: %#x %#x", r.Command, r.Status)
	}
}

// TestFrameBounds: a frame over the protocol's length is read (so the
// sample has it) but not parsed; the session goes on.
func TestFrameBounds(t *testing.T) {
	big := append([]byte{0, 0x02, 0, 0}, make([]byte, 0x20000)...)
	f, err := readFrame(bytes.NewReader(big), nil)
	if !errors.Is(err, errFrameTooLarge) || f.Payload != nil {
		t.Fatalf("oversized frame: %v, %d bytes kept", err, len(f.Payload))
	}
	f, err = readFrame(bytes.NewReader([]byte{0, 0, 0, 10, 1, 2, 3}), nil)
	if err == nil || !bytes.Equal(f.Payload, []byte{1, 2, 3}) || f.Declared != 10 {
		t.Fatalf("partial frame: %v %v", f, err)
	}

	addr, col := testSensor(t, t.TempDir())
	c := dial(t, addr)
	if _, err := c.c.Write(big); err != nil {
		t.Fatal(err)
	}
	if r := c.negotiate(); r.Command != cmdNegotiate {
		t.Fatalf("negotiate after an oversized frame: %#x", r.Command)
	}
	c.close()
	events := closedEvents(t, col)
	if b := events[len(events)-1].Bytes; b < int64(len(big)) {
		t.Errorf("session.closed counts %d bytes, sent more than %d", b, len(big))
	}
}

// TestGarbageEndsSession: bytes that are not SMB end the session, as
// Windows drops such a client.
func TestGarbageEndsSession(t *testing.T) {
	addr, col := testSensor(t, t.TempDir())
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(frameOf([]byte("GET / HTTP/1.0\r\n\r\n"))); err != nil {
		t.Fatal(err)
	}
	events := closedEvents(t, col)
	if msg := events[len(events)-1].Message; msg != "malformed" {
		t.Errorf("closed with %q, want malformed", msg)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	c := DefaultConfig()
	c.ServerName = "A NAME WITH SPACES THAT IS TOO LONG"
	c.NativeOS = "bad\nos"
	c.MaxSampleBytes = 1
	err := c.Validate()
	for _, want := range []string{"server_name", "native_os", "max_sample_bytes"} {
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte(want)) {
			t.Errorf("%s not reported: %v", want, err)
		}
	}
}
