package smb

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/testkit/eventkit"
)

// closedEvent waits for the next session to close and returns its events.
func closedEvents(t *testing.T, col *eventkit.Recorder) []event.Event {
	t.Helper()
	waitClosedID := <-col.Closed
	return col.Session(waitClosedID)
}

func lastFamily(events []event.Event) string {
	return events[len(events)-1].Family
}

func find(events []event.Event, kind event.Kind, technique string) *event.Event {
	for i := range events {
		if events[i].Kind == kind && (technique == "" || techniqueOf(events[i]) == technique) {
			return &events[i]
		}
	}
	return nil
}

// TestWannaCryTwoStages plays WannaCry's two connections as its analyses
// describe them: a null session to \\192.168.56.20\IPC$ with the MS17-010
// check, then one to \\172.16.99.5\IPC$ that pings DoublePulsar.
func TestWannaCryTwoStages(t *testing.T) {
	addr, col := testSensor(t, t.TempDir())

	c := dial(t, addr)
	c.negotiate()
	if r := c.anonymousLogon("Windows 2000 2195", "Windows 2000 5.0"); r.Status != statusSuccess {
		t.Fatalf("null session refused: %#x", r.Status)
	}
	if r := c.treeConnect(`\\192.168.56.20\IPC$`); r.Status != statusSuccess {
		t.Fatalf("IPC$ refused: %#x", r.Status)
	}
	if r := c.peekFID0(); r.Status != statusInsuffServerResources || r.Command != cmdTransaction {
		t.Fatalf("MS17-010 check answered %#x, want STATUS_INSUFF_SERVER_RESOURCES", r.Status)
	}
	c.close()
	stage1 := closedEvents(t, col)
	if f := lastFamily(stage1); f != "wannacry" {
		t.Errorf("stage 1 attributed to %q, want wannacry", f)
	}
	if e := find(stage1, event.ExploitAttempt, "ms17-010-check"); e == nil || e.Stage != event.StageProbe || e.CVE != cveEternalBlue {
		t.Errorf("stage 1: no probe exploit.attempt with %s: %v", cveEternalBlue, stage1)
	}
	if len(sampleHashes(stage1[len(stage1)-1])) != 0 {
		t.Error("a probe alone kept a sample")
	}

	c = dial(t, addr)
	c.negotiate()
	c.anonymousLogon("Windows 2000 2195", "Windows 2000 5.0")
	c.treeConnect(`\\172.16.99.5\IPC$`)
	r := c.pulsar(65, pulsarPing, nil, nil)
	if r.MID != 65+pulsarOK || r.Status != statusNotImplemented {
		t.Fatalf("DoublePulsar ping answered MID %d status %#x, want 81 and STATUS_NOT_IMPLEMENTED", r.MID, r.Status)
	}
	c.close()
	stage2 := closedEvents(t, col)
	if f := lastFamily(stage2); f != "wannacry" {
		t.Errorf("stage 2 attributed to %q, want wannacry", f)
	}
	if find(stage2, event.ExploitAttempt, "doublepulsar-ping") == nil {
		t.Errorf("stage 2: no doublepulsar-ping: %v", stage2)
	}
	if len(sampleHashes(stage2[len(stage2)-1])) == 0 {
		t.Error("an implant session kept no sample")
	}
}

// TestDoublePulsarUpload uploads a payload through the "implant" in
// chunks, XORed with the key the ping answer gave, and with a key of
// another host's; the sensor must recover the payload both ways.
func TestDoublePulsarUpload(t *testing.T) {
	payload := append([]byte("MZ"), make([]byte, 10000)...)
	rng := rand.NewChaCha8([32]byte{7})
	_, _ = rng.Read(payload[2:])
	sum := sha256.Sum256(payload)
	for _, tc := range []struct {
		name string
		key  func(sig uint32) uint32
	}{
		{"sensor key", pulsarKey},
		{"foreign key", func(uint32) uint32 { return 0x5a17c0de }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			addr, col := testSensor(t, dir)
			c := dial(t, addr)
			c.negotiate()
			c.anonymousLogon("Windows 2000 2195", "Windows 2000 5.0")
			c.treeConnect(`\\10.0.0.1\IPC$`)
			ping := c.pulsar(65, pulsarPing, nil, nil)
			key := tc.key(binary.LittleEndian.Uint32(ping.raw[14:]))
			var k [4]byte
			binary.LittleEndian.PutUint32(k[:], key)
			for off := 0; off < len(payload); off += 4096 {
				chunk := payload[off:min(off+4096, len(payload))]
				param := le{}.u32(uint32(len(payload)) ^ key).u32(uint32(len(chunk)) ^ key).u32(uint32(off) ^ key)
				enc := make([]byte, len(chunk))
				for i := range chunk {
					enc[i] = chunk[i] ^ k[i%4]
				}
				if r := c.pulsar(66, pulsarExec, param, enc); r.MID != 66+pulsarOK {
					t.Fatalf("exec chunk at %d answered MID %d", off, r.MID)
				}
			}
			c.close()
			events := closedEvents(t, col)
			e := find(events, event.ExploitAttempt, "doublepulsar-payload")
			if e == nil {
				t.Fatalf("no payload recorded: %v", events)
			}
			want := hex.EncodeToString(sum[:])
			if h := sampleHashes(*e); len(h) != 1 || h[0] != want {
				t.Fatalf("payload recorded as %v, want %s", h, want)
			}
			if e.PayloadType != "pe" || e.PayloadPartial {
				t.Errorf("payload type %q, partial %v", e.PayloadType, e.PayloadPartial)
			}
			got, err := os.ReadFile(filepath.Join(dir, want))
			if err != nil || !bytes.Equal(got, payload) {
				t.Errorf("sample file: %v", err)
			}
			if held := sensorOf(t, addr).held.used.Load(); held != 0 {
				t.Errorf("%d bytes still held after the session", held)
			}
		})
	}
}

// TestNoProbeOutsideIPC: the check needs the IPC$ tree; before it, the
// sensor answers as any server and records no exploit.
func TestNoProbeOutsideIPC(t *testing.T) {
	addr, col := testSensor(t, t.TempDir())
	c := dial(t, addr)
	c.negotiate()
	c.anonymousLogon("Unix", "Samba")
	if r := c.peekFID0(); r.Status == statusInsuffServerResources {
		t.Error("the check answered without a tree")
	}
	if r := c.treeConnect(`\\10.0.0.1\C$`); r.Status != statusAccessDenied {
		t.Errorf("C$ answered %#x, want STATUS_ACCESS_DENIED", r.Status)
	}
	if r := c.treeConnect(`\\10.0.0.1\nosuch`); r.Status != statusBadNetworkName {
		t.Errorf("a missing share answered %#x, want STATUS_BAD_NETWORK_NAME", r.Status)
	}
	c.close()
	if got := techniques(closedEvents(t, col)); len(got) != 0 {
		t.Errorf("recorded %v", got)
	}
}

// TestBruteForce: repeated named logons in one session are refused, each
// recorded with its NetNTLMv1 response, and the session is attributed to
// smb-bruteforce.
func TestBruteForce(t *testing.T) {
	addr, col := testSensor(t, t.TempDir())
	c := dial(t, addr)
	neg := c.negotiate()
	chal := neg.Bytes[:8]
	for i, user := range []string{"administrator", "admin", "backup"} {
		words := le{andxNone, 0}.u16(0).u16(4356).u16(10).u16(0).u32(0).u16(24).u16(24).u32(0).u32(0xd4)
		lm := bytes.Repeat([]byte{byte(i + 1)}, 24)
		nt := bytes.Repeat([]byte{byte(i + 0x10)}, 24)
		data := append(append([]byte{}, lm...), nt...)
		if (dataOffset(13)+len(data))%2 == 1 {
			data = append(data, 0)
		}
		data = append(data, encodeUTF16(user+"\x00WORKGROUP\x00Windows 5.1\x00Windows 2000 LAN Manager\x00")...)
		if r := c.roundTrip(c.request(cmdSessionSetup, 1, words, data)); r.Status != statusLogonFailure {
			t.Fatalf("logon %d answered %#x, want STATUS_LOGON_FAILURE", i, r.Status)
		}
	}
	// Refused logons open nothing.
	if r := c.treeConnect(`\\10.0.0.1\IPC$`); r.Status == statusSuccess {
		t.Error("IPC$ connected after refused logons")
	}
	c.close()
	events := closedEvents(t, col)
	if f := lastFamily(events); f != "smb-bruteforce" {
		t.Errorf("family %q, want smb-bruteforce", f)
	}
	e := find(events, event.LoginFailed, "")
	want := "administrator::WORKGROUP:" + hex.EncodeToString(bytes.Repeat([]byte{1}, 24)) + ":" +
		hex.EncodeToString(bytes.Repeat([]byte{0x10}, 24)) + ":" + hex.EncodeToString(chal)
	if e == nil || hashOf(*e) != want {
		t.Errorf("recorded hash %q, want %q", hashOf(*e), want)
	}
}

// TestSMB2Negotiation: SMB2 is answered as Windows 7 answers it, and
// SMBv1 is preferred when a client offers both.
func TestSMB2Negotiation(t *testing.T) {
	addr, col := testSensor(t, t.TempDir())

	// A pure SMB2 NEGOTIATE offering 2.0.2, 2.1 and 3.0: Windows 7 picks 2.1.
	c := dial(t, addr)
	h := make([]byte, smb2HeaderLen)
	copy(h, smb2ProtocolID)
	binary.LittleEndian.PutUint16(h[4:], smb2HeaderLen)
	body := le{}.u16(36).u16(3).u16(1).u16(0).u32(0)
	body = append(body, make([]byte, 16+8)...)
	body = body.u16(0x0202).u16(0x0210).u16(0x0300)
	c.send(append(h, body...))
	f, err := readFrame(c.c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Payload) < smb2HeaderLen+8 || string(f.Payload[:4]) != smb2ProtocolID {
		t.Fatalf("not an SMB2 answer: %x", f.Payload)
	}
	if d := binary.LittleEndian.Uint16(f.Payload[smb2HeaderLen+4:]); d != 0x0210 {
		t.Errorf("dialect %#x, want 0x0210", d)
	}
	c.close()
	e := find(closedEvents(t, col), event.SMBNegotiate, "")
	if e == nil || fmt.Sprint(e.Dialects) != "[2.0.2 2.1 3.0]" || e.Dialect != "SMB 2.1" {
		t.Errorf("negotiate recorded as %v", e)
	}

	// SMBv1 NEGOTIATE offering NT LM 0.12 and SMB 2.???: SMBv1 it is.
	c = dial(t, addr)
	var data []byte
	for _, d := range []string{"NT LM 0.12", "SMB 2.002", "SMB 2.???"} {
		data = append(append(append(data, 2), d...), 0)
	}
	r := c.roundTrip(c.request(cmdNegotiate, 1, nil, data))
	if r.Command != cmdNegotiate || r.word(0) != 0 {
		t.Errorf("SMBv1 not preferred: command %#x dialect %d", r.Command, r.word(0))
	}
	c.close()
	closedEvents(t, col)

	// SMBv1 NEGOTIATE offering only SMB2 dialects: answered in SMB2, 2.???.
	c = dial(t, addr)
	c.send(c.request(cmdNegotiate, 1, nil, []byte("\x02SMB 2.002\x00\x02SMB 2.???\x00")))
	f, err = readFrame(c.c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(f.Payload[:4]) != smb2ProtocolID || binary.LittleEndian.Uint16(f.Payload[smb2HeaderLen+4:]) != 0x02ff {
		t.Errorf("multi-protocol negotiate answered %x", f.Payload[:min(len(f.Payload), 72)])
	}
	c.close()
	closedEvents(t, col)
}

// TestDoublePulsarPartialUpload: a session that ends mid-upload still
// leaves the part that came, marked partial.
func TestDoublePulsarPartialUpload(t *testing.T) {
	addr, col := testSensor(t, t.TempDir())
	c := dial(t, addr)
	c.negotiate()
	c.anonymousLogon("Windows 2000 2195", "Windows 2000 5.0")
	c.treeConnect(`\\10.0.0.1\IPC$`)
	key := uint32(0x11223344)
	chunk := bytes.Repeat([]byte{0x90}, 4096)
	param := le{}.u32(3*4096 ^ key).u32(4096 ^ key).u32(0 ^ key)
	enc := make([]byte, len(chunk))
	var k [4]byte
	binary.LittleEndian.PutUint32(k[:], key)
	for i := range chunk {
		enc[i] = chunk[i] ^ k[i%4]
	}
	c.pulsar(66, pulsarExec, param, enc)
	c.close()
	e := find(closedEvents(t, col), event.ExploitAttempt, "doublepulsar-payload")
	if e == nil || e.PayloadSize != 4096 || !e.PayloadPartial {
		t.Fatalf("partial payload not recorded: %v", e)
	}
}
