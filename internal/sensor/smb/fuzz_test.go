package smb

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/sensor"
	"github.com/honeygate/honeygate/internal/testkit/eventkit"
)

// seedMessages returns the SMBv1 messages of the captures, the parser's
// seeds.
func seedMessages(t testing.TB, max int) [][]byte {
	files, _ := filepath.Glob("testdata/pcap/*.pcap")
	var out [][]byte
	for _, f := range files {
		streams, err := readStreams(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range streams {
			b := s.Bytes
			for len(b) >= 4 && len(out) < max {
				n := int(b[1])<<16 | int(b[2])<<8 | int(b[3])
				if 4+n > len(b) {
					break
				}
				out = append(out, b[4:4+n])
				b = b[4+n:]
			}
		}
	}
	return out
}

// FuzzMessage: the SMBv1 message parser and everything that reads fields
// through it never panic and never return slices outside the message.
func FuzzMessage(f *testing.F) {
	for _, m := range seedMessages(f, 200) {
		f.Add(m)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseMessage(b)
		if err != nil {
			return
		}
		if len(m.Words) != 2*int(b[headerLen]) {
			t.Fatalf("%d words for word count %d", len(m.Words), b[headerLen])
		}
		if m.Off+len(m.Bytes) > len(b) {
			t.Fatal("bytes beyond the message")
		}
		for cur, depth := m, 0; cur != nil && depth < 4; depth++ {
			next, off := cur.andx()
			if next == andxNone {
				break
			}
			cur = cur.subMessage(next, off)
		}
		r := reader{b: m.Bytes, base: m.Off}
		for i := 0; i < 8; i++ {
			_ = r.str(i%2 == 0)
			_ = r.bytes(i)
		}
		for _, cmd := range []byte{cmdTransaction, cmdTrans2, cmdNTTransact, cmdTransactionSec, cmdTrans2Sec, cmdNTTransactSec} {
			m.Command = cmd
			if req, ok := parseTransRequest(m); ok {
				if len(req.param) > len(b) || len(req.data) > len(b) {
					t.Fatal("transaction slices beyond the message")
				}
			}
			_, _ = parseSecondary(m)
		}
	})
}

// FuzzNTLM: the NTLMSSP parser never panics, keeps every field within its
// bound, and what it records as a hash has the shape hashcat reads.
func FuzzNTLM(f *testing.F) {
	auth := func(user, domain string, nt []byte) []byte {
		fields := [][]byte{make([]byte, 24), nt, encodeUTF16(domain), encodeUTF16(user), encodeUTF16("WS")}
		b := append([]byte{}, ntlmSignature...)
		b = le(b).u32(ntlmAuthenticate)
		off := 64
		for _, fl := range fields {
			b = le(b).u16(uint16(len(fl))).u16(uint16(len(fl))).u32(uint32(off))
			off += len(fl)
		}
		b = le(b).u16(0).u16(0).u32(uint32(off)).u32(ntlmUnicode)
		for _, fl := range fields {
			b = append(b, fl...)
		}
		return b
	}
	f.Add(auth("alice", "CORP", bytes.Repeat([]byte{1}, 60)))
	f.Add(auth("", "", nil))
	f.Add(auth("bob", "", make([]byte, 24)))
	f.Add(append(spnegoResp(1, challengeMessage([8]byte{1}, serverIdentity{"W", "C", "c"}, 1, 0)), 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		tok := findNTLM(b)
		_ = negotiateFlags(tok)
		a, err := parseAuthenticate(tok)
		if err != nil {
			return
		}
		if len(a.LM) > maxNTLMResponseLen || len(a.NT) > maxNTLMResponseLen {
			t.Fatal("response beyond its bound")
		}
		typ, line := crackable(a.User, a.Domain, a.LM, a.NT, [8]byte{})
		switch typ {
		case hashNetNTLMv2, hashNetNTLMv1:
			if !strings.HasPrefix(line, a.User+"::"+a.Domain+":") {
				t.Fatalf("hash line %q does not start with user::domain", line)
			}
		case "":
		default:
			t.Fatalf("hash type %q", typ)
		}
	})
}

// FuzzSession: a whole session fed arbitrary frames never panics and ends.
func FuzzSession(f *testing.F) {
	msgs := seedMessages(f, 40)
	var all []byte
	for _, m := range msgs {
		all = append(all, frameOf(m)...)
	}
	f.Add(all)
	for _, m := range msgs[:10] {
		f.Add(frameOf(m))
	}
	f.Add([]byte{0x81, 0, 0, 4, 1, 2, 3, 4})
	s, err := New(DefaultConfig(), Options{
		Publisher: eventkit.Discard,
		Log:       slog.New(slog.DiscardHandler),
		Rand:      rand.NewChaCha8([32]byte{}),
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		client, server := net.Pipe()
		go func() { _, _ = io.Copy(io.Discard, client) }()
		go func() { _, _ = client.Write(b); client.Close() }()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer server.Close()
			s.Handle(ctx, sensor.NewConn(server, time.Second, 1<<20), sensor.ConnInfo{SrcIP: netip.MustParseAddr("192.0.2.1")})
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("session did not end")
		}
	})
}

// FuzzRPC: the DCE/RPC answerer never panics on what a client writes to a
// pipe, and answers with well-formed PDUs (a length that is its own).
func FuzzRPC(f *testing.F) {
	bind := []byte{5, 0, 11, 3, 0x10, 0, 0, 0, 72, 0, 0, 0, 1, 0, 0, 0, 0xb8, 0x10, 0xb8, 0x10, 0, 0, 0, 0, 1, 0, 0, 0,
		0, 0, 1, 0, 0xc8, 0x4f, 0x32, 0x4b, 0x70, 0x16, 0xd3, 0x01, 0x12, 0x78, 0x5a, 0x47, 0xbf, 0x6e, 0xe1, 0x88, 3, 0, 0, 0}
	bind = append(bind, ndr32...)
	f.Add(bind)
	f.Add(append([]byte{5, 0, 0, 3, 0x10, 0, 0, 0, 40, 0, 0, 0, 2, 0, 0, 0, 16, 0, 0, 0, 0, 0, 15, 0}, make([]byte, 16)...))
	f.Fuzz(func(t *testing.T, pdu []byte) {
		for _, pipe := range []string{"srvsvc", "lsarpc"} {
			out := rpcCall(pipe, pdu)
			if out == nil {
				continue
			}
			if len(out) < 16 || int(binary.LittleEndian.Uint16(out[8:])) != len(out) {
				t.Fatalf("answer of %d bytes says %x", len(out), out[:min(len(out), 16)])
			}
		}
	})
}
