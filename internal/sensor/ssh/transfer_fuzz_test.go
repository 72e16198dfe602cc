package ssh

import (
	"bytes"
	"io"
	"path"
	"strings"
	"testing"
)

// FuzzSCPSink: the SCP sink never panics on any client stream, answers
// with no more than a few bytes per control line, reports at most
// maxSCPFiles files, and every file it reports is named under the target
// (no "..", no absolute name from the client).
func FuzzSCPSink(f *testing.F) {
	f.Add([]byte("C0755 5 a.sh\nhello\x00"), true)
	f.Add([]byte("D0755 0 d\nT1 0 1 0\nC0644 3 x\nabc\x00E\n"), true)
	f.Add([]byte("C0755 99999999999 big\nxx"), false)
	f.Add([]byte("C0755 1 ../etc/passwd\nx\x00"), true)
	f.Add([]byte("\x01warning\n\x02fatal\n"), false)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, in []byte, isDir bool) {
		smp := &samples{dir: dir, maxOne: 1 << 10, maxTotal: 1 << 12}
		var out bytes.Buffer
		files := 0
		_ = scpSink(bytes.NewReader(in), &out, smp, "/tmp", isDir, func(f scpFile) {
			files++
			if !strings.HasPrefix(f.Name, "/tmp") || path.Clean(f.Name) != f.Name {
				t.Fatalf("file named %q", f.Name)
			}
		})
		if files > maxSCPFiles {
			t.Fatalf("%d files", files)
		}
		if out.Len() > 2*(bytes.Count(in, []byte{'\n'})+1)+maxSCPLine+64 {
			t.Fatalf("%d bytes answered to %d", out.Len(), len(in))
		}
	})
}

// FuzzSFTP: the SFTP server never panics on any client stream, answers
// every well-framed request with exactly one well-framed reply, and keeps
// at most maxSFTPHandles handles open.
func FuzzSFTP(f *testing.F) {
	pkt := func(typ byte, payload []byte) []byte {
		return append(append(u32(uint32(1+len(payload))), typ), payload...)
	}
	f.Add(cat(pkt(fxpInit, u32(3)), pkt(fxpRealpath, cat(u32(1), str(".")))))
	f.Add(cat(pkt(fxpOpen, cat(u32(1), str("/tmp/x"), u32(0x1a), u32(0))),
		pkt(fxpWrite, cat(u32(2), str("1"), u64(0), str("abc"))),
		pkt(fxpWrite, cat(u32(3), str("1"), u64(100), str("def"))),
		pkt(fxpFstat, cat(u32(4), str("1"))),
		pkt(fxpClose, cat(u32(5), str("1"))),
		pkt(fxpStat, cat(u32(6), str("/tmp/x")))))
	f.Add(pkt(fxpWrite, cat(u32(2), str("1"), u64(1<<62), str("x"))))
	f.Add(cat(pkt(fxpOpendir, cat(u32(1), str("/tmp"))), pkt(fxpReaddir, cat(u32(2), str("1")))))
	f.Add([]byte{0, 0, 0, 0})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, in []byte) {
		smp := &samples{dir: dir, maxOne: 1 << 10, maxTotal: 1 << 12}
		var out bytes.Buffer
		s := &sftpServer{w: &out, smp: smp, onFile: func(string, stored) {}, handles: map[string]*sftpHandle{}, files: map[string]int64{}}
		r := bytes.NewReader(in)
		requests := 0
		for {
			var hdr [4]byte
			if _, err := io.ReadFull(r, hdr[:]); err != nil {
				break
			}
			n := (&sshReader{b: hdr[:]}).u32()
			if n < 1 || n > maxSFTPPacket || int(n) > r.Len() {
				break
			}
			p := make([]byte, n)
			io.ReadFull(r, p)
			requests++
			if err := s.handle(p); err != nil {
				break
			}
			if len(s.handles) > maxSFTPHandles {
				t.Fatalf("%d handles", len(s.handles))
			}
		}
		s.closeAll()
		replies := 0
		for rd := (&sshReader{b: out.Bytes()}); len(rd.b) > 0; replies++ {
			if rd.str(); rd.bad {
				t.Fatalf("malformed reply stream")
			}
		}
		if replies > requests {
			t.Fatalf("%d replies to %d requests", replies, requests)
		}
	})
}

// FuzzIsSCP: reading an exec command as an scp server never panics, and
// what it takes for the target is one word of the command.
func FuzzIsSCP(f *testing.F) {
	f.Add("scp -t /tmp/")
	f.Add("scp -r -d -t -- /var/tmp")
	f.Add("/usr/bin/scp -f /etc/passwd")
	f.Add("scp\t-t\t.")
	f.Add("scp -v")
	f.Fuzz(func(t *testing.T, cmd string) {
		mode, target, ok := isSCP(cmd)
		if ok != (mode == 't' || mode == 'f') {
			t.Fatalf("ok %v mode %q", ok, mode)
		}
		if target != "" && (strings.ContainsAny(target, " \t\n") || !strings.Contains(cmd, target)) {
			t.Fatalf("target %q from %q", target, cmd)
		}
	})
}
