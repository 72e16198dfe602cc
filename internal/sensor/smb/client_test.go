package smb

import (
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"
)

// client is a minimal SMBv1 client for tests: it builds requests the way
// the tools the sensor waits for build them, and reads one reply each.
type client struct {
	t        testing.TB
	c        net.Conn
	uid, tid uint16
	flags2   uint16
}

func dial(t testing.TB, addr string) *client {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return &client{t: t, c: c, flags2: 0xc007}
}

// request builds one SMBv1 message; offsets inside it count from the
// header, so callers get the data section's offset from dataOffset.
func (c *client) request(cmd byte, mid uint16, words, data []byte) []byte {
	b := make([]byte, headerLen, 64+len(words)+len(data))
	copy(b, smb1ProtocolID)
	b[4] = cmd
	b[9] = 0x18
	binary.LittleEndian.PutUint16(b[10:], c.flags2)
	binary.LittleEndian.PutUint16(b[24:], c.tid)
	binary.LittleEndian.PutUint16(b[26:], 0xfeff)
	binary.LittleEndian.PutUint16(b[28:], c.uid)
	binary.LittleEndian.PutUint16(b[30:], mid)
	b = append(b, byte(len(words)/2))
	b = append(b, words...)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(data)))
	return append(b, data...)
}

// dataOffset is where the data section of a request with n words starts.
func dataOffset(nwords int) int { return headerLen + 1 + 2*nwords + 2 }

func (c *client) send(msg []byte) {
	c.t.Helper()
	if _, err := c.c.Write(frameOf(msg)); err != nil {
		c.t.Fatal(err)
	}
}

// recv reads one reply.
func (c *client) recv() *message {
	c.t.Helper()
	f, err := readFrame(c.c, nil)
	if err != nil {
		c.t.Fatalf("reading reply: %v", err)
	}
	m, err := parseMessage(f.Payload)
	if err != nil {
		c.t.Fatalf("reply: %v", err)
	}
	return m
}

func (c *client) roundTrip(msg []byte) *message {
	c.t.Helper()
	c.send(msg)
	return c.recv()
}

func (c *client) close() {
	_ = c.c.(*net.TCPConn).CloseWrite()
	_, _ = io.Copy(io.Discard, c.c)
	c.c.Close()
}

// negotiate offers the dialects EternalBlue and WannaCry offer.
func (c *client) negotiate() *message {
	var data []byte
	for _, d := range []string{"PC NETWORK PROGRAM 1.0", "LANMAN1.0", "Windows for Workgroups 3.1a", "LM1.2X002", "LANMAN2.1", "NT LM 0.12"} {
		data = append(data, 2)
		data = append(data, d...)
		data = append(data, 0)
	}
	return c.roundTrip(c.request(cmdNegotiate, 1, nil, data))
}

// anonymousLogon is a non-extended-security null session setup with the
// given native OS strings.
func (c *client) anonymousLogon(os, lanman string) *message {
	words := le{andxNone, 0}.u16(0).u16(4356).u16(10).u16(0).u32(0).u16(0).u16(0).u32(0).u32(0xd4)
	var data []byte
	data = append(data, 0)                         // empty OEM password; pads the strings to 2
	data = append(data, 0, 0, 0, 0)                // account, domain
	data = append(data, encodeUTF16(os+"\x00")...) //
	data = append(data, encodeUTF16(lanman+"\x00")...)
	r := c.roundTrip(c.request(cmdSessionSetup, 1, words, data))
	c.uid = r.UID
	return r
}

// treeConnect connects path (UNC, UTF-16) with service "?????".
func (c *client) treeConnect(path string) *message {
	words := le{andxNone, 0}.u16(0).u16(0x0008).u16(1)
	data := []byte{0}
	if (dataOffset(4)+len(data))%2 == 1 {
		data = append(data, 0)
	}
	data = append(data, encodeUTF16(path+"\x00")...)
	data = append(data, "?????\x00"...)
	r := c.roundTrip(c.request(cmdTreeConnect, 1, words, data))
	c.tid = r.TID
	return r
}

// transaction builds a TRANSACTION or TRANSACTION2 request with one or
// two setup words, the given timeout, parameters and data.
func (c *client) transaction(cmd byte, mid uint16, setup []uint16, timeout uint32, name string, param, data []byte) []byte {
	nwords := 14 + len(setup)
	off := dataOffset(nwords) + len(name)
	po := off
	do := po + len(param)
	words := le{}.u16(uint16(len(param))).u16(uint16(len(data))).u16(1).u16(0).u8(0).u8(0).u16(0).
		u32(timeout).u16(0).u16(uint16(len(param))).u16(uint16(po)).u16(uint16(len(data))).u16(uint16(do)).
		u8(byte(len(setup))).u8(0)
	for _, s := range setup {
		words = words.u16(s)
	}
	body := append([]byte(name), param...)
	body = append(body, data...)
	return c.request(cmd, mid, words, body)
}

// peekFID0 is the MS17-010 check.
func (c *client) peekFID0() *message {
	return c.roundTrip(c.transaction(cmdTransaction, 2, []uint16{transPeekNamedPipe, 0}, 0, "\\PIPE\\\x00", nil, nil))
}

// pulsarTimeout returns a Timeout value that encodes op.
func pulsarTimeout(op byte) uint32 {
	t := uint32(0x00a4d900)
	return t | uint32(op-byte(t>>8)-byte(t>>16))
}

func (c *client) pulsar(mid uint16, op byte, param, data []byte) *message {
	if param == nil {
		param = make([]byte, 12)
	}
	return c.roundTrip(c.transaction(cmdTrans2, mid, []uint16{trans2SessionSetup}, pulsarTimeout(op), "", param, data))
}
