package ssh

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"

	xssh "golang.org/x/crypto/ssh"

	"github.com/honeygate/honeygate/internal/event"
)

// A small SFTP version 3 server (draft-ietf-secsh-filexfer-02, what OpenSSH
// speaks), enough for a bot to upload a file: it answers INIT, REALPATH,
// STAT, OPEN for writing, WRITE, CLOSE and the attribute requests clients
// send around an upload, refuses reads, and keeps what was written as a
// sample. Nothing touches the emulated device or the host.

// SFTP packet types and status codes.
const (
	fxpInit     = 1
	fxpVersion  = 2
	fxpOpen     = 3
	fxpClose    = 4
	fxpRead     = 5
	fxpWrite    = 6
	fxpLstat    = 7
	fxpFstat    = 8
	fxpSetstat  = 9
	fxpFsetstat = 10
	fxpOpendir  = 11
	fxpReaddir  = 12
	fxpRemove   = 13
	fxpMkdir    = 14
	fxpRmdir    = 15
	fxpRealpath = 16
	fxpStat     = 17
	fxpRename   = 18
	fxpReadlink = 19
	fxpSymlink  = 20
	fxpStatus   = 101
	fxpHandle   = 102
	fxpName     = 104
	fxpAttrs    = 105

	fxOK            = 0
	fxEOF           = 1
	fxNoSuchFile    = 2
	fxFailure       = 4
	fxBadMessage    = 5
	fxOpUnsupported = 8

	fxfWrite = 0x02

	attrSize        = 0x01
	attrPermissions = 0x04
)

// Bounds: one packet (OpenSSH's clients write 32 KiB at a time), the
// handles open at once, and the files one subsystem may upload.
const (
	maxSFTPPacket  = 64 << 10
	maxSFTPHandles = 16
	maxSFTPFiles   = 64
)

var errSFTPProtocol = errors.New("sftp: protocol error")

// sftpHandle is an open file or directory.
type sftpHandle struct {
	name string
	up   *upload // nil for a directory
}

type sftpServer struct {
	w       io.Writer
	smp     *samples
	onFile  func(name string, st stored)
	handles map[string]*sftpHandle
	next    int
	files   map[string]int64 // uploaded this session, for STAT
	out     []byte
}

// sftpServe serves one SFTP subsystem over r and w until the client closes
// it or breaks the protocol. Files still open at the end are finished and
// reported too: a bot that drops the connection after its last write has
// still uploaded.
func sftpServe(r io.Reader, w io.Writer, smp *samples, onFile func(string, stored)) error {
	s := &sftpServer{w: w, smp: smp, onFile: onFile, handles: map[string]*sftpHandle{}, files: map[string]int64{}}
	defer s.closeAll()
	var hdr [4]byte
	var buf []byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		n := binary.BigEndian.Uint32(hdr[:])
		if n < 1 || n > maxSFTPPacket {
			return fmt.Errorf("%w: packet length %d", errSFTPProtocol, n)
		}
		if cap(buf) < int(n) {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(r, buf); err != nil {
			return err
		}
		if err := s.handle(buf); err != nil {
			return err
		}
	}
}

func (s *sftpServer) closeAll() {
	for h, hd := range s.handles {
		s.finish(hd)
		delete(s.handles, h)
	}
}

func (s *sftpServer) finish(hd *sftpHandle) {
	if hd.up == nil {
		return
	}
	st := hd.up.finish()
	hd.up = nil
	if len(s.files) < maxSFTPFiles {
		s.files[hd.name] = st.Size
	}
	s.onFile(hd.name, st)
}

// handle answers one packet.
func (s *sftpServer) handle(p []byte) error {
	typ := p[0]
	rd := &sshReader{b: p[1:]}
	if typ == fxpInit {
		rd.u32()
		if rd.bad {
			return fmt.Errorf("%w: short INIT", errSFTPProtocol)
		}
		return s.send(fxpVersion, binary.BigEndian.AppendUint32(nil, 3))
	}
	id := rd.u32()
	if rd.bad {
		return fmt.Errorf("%w: no request id", errSFTPProtocol)
	}
	switch typ {
	case fxpRealpath:
		p := rd.str()
		if rd.bad {
			return s.status(id, fxBadMessage)
		}
		return s.name(id, cleanPath(p))
	case fxpStat, fxpLstat:
		p := rd.str()
		if rd.bad {
			return s.status(id, fxBadMessage)
		}
		return s.stat(id, cleanPath(p))
	case fxpFstat:
		hd := s.handles[rd.str()]
		if hd == nil {
			return s.status(id, fxFailure)
		}
		if hd.up == nil {
			return s.attrs(id, 0o40755, 0)
		}
		return s.attrs(id, 0o100644, hd.up.size)
	case fxpOpen:
		p := rd.str()
		flags := rd.u32()
		if rd.bad {
			return s.status(id, fxBadMessage)
		}
		if flags&fxfWrite == 0 {
			return s.status(id, fxNoSuchFile)
		}
		if len(s.handles) >= maxSFTPHandles || len(s.files) >= maxSFTPFiles {
			return s.status(id, fxFailure)
		}
		return s.open(id, &sftpHandle{name: cleanPath(p), up: s.smp.newUpload()})
	case fxpOpendir:
		p := cleanPath(rd.str())
		if rd.bad {
			return s.status(id, fxBadMessage)
		}
		if !isMountDir(p) || len(s.handles) >= maxSFTPHandles {
			return s.status(id, fxNoSuchFile)
		}
		return s.open(id, &sftpHandle{name: p})
	case fxpWrite:
		hd := s.handles[rd.str()]
		off := rd.u64()
		data := rd.str()
		if rd.bad {
			return s.status(id, fxBadMessage)
		}
		if hd == nil || hd.up == nil || off > 1<<40 {
			return s.status(id, fxFailure)
		}
		hd.up.WriteAt([]byte(data), int64(off))
		return s.status(id, fxOK)
	case fxpRead, fxpReaddir:
		if s.handles[rd.str()] == nil {
			return s.status(id, fxFailure)
		}
		return s.status(id, fxEOF)
	case fxpClose:
		h := rd.str()
		hd := s.handles[h]
		if hd == nil {
			return s.status(id, fxFailure)
		}
		delete(s.handles, h)
		s.finish(hd)
		return s.status(id, fxOK)
	case fxpSetstat, fxpFsetstat, fxpMkdir, fxpRmdir, fxpRename, fxpRemove, fxpSymlink:
		// chmod +x and friends around an upload: nothing to do, all is well.
		return s.status(id, fxOK)
	case fxpReadlink:
		return s.status(id, fxNoSuchFile)
	}
	return s.status(id, fxOpUnsupported)
}

func (s *sftpServer) open(id uint32, hd *sftpHandle) error {
	s.next++
	h := strconv.Itoa(s.next)
	s.handles[h] = hd
	return s.send(fxpHandle, appendString(binary.BigEndian.AppendUint32(nil, id), h))
}

func (s *sftpServer) stat(id uint32, p string) error {
	if size, ok := s.files[p]; ok {
		return s.attrs(id, 0o100644, size)
	}
	if isMountDir(p) {
		return s.attrs(id, 0o40755, 0)
	}
	return s.status(id, fxNoSuchFile)
}

func (s *sftpServer) attrs(id uint32, mode uint32, size int64) error {
	b := binary.BigEndian.AppendUint32(nil, id)
	b = binary.BigEndian.AppendUint32(b, attrSize|attrPermissions)
	b = binary.BigEndian.AppendUint64(b, uint64(size))
	b = binary.BigEndian.AppendUint32(b, mode)
	return s.send(fxpAttrs, b)
}

func (s *sftpServer) name(id uint32, p string) error {
	b := binary.BigEndian.AppendUint32(nil, id)
	b = binary.BigEndian.AppendUint32(b, 1)
	b = appendString(b, p)
	b = appendString(b, p)
	b = binary.BigEndian.AppendUint32(b, 0) // no attributes
	return s.send(fxpName, b)
}

var statusText = map[uint32]string{
	fxOK: "Success", fxEOF: "End of file", fxNoSuchFile: "No such file", fxFailure: "Failure",
	fxBadMessage: "Bad message", fxOpUnsupported: "Operation unsupported",
}

func (s *sftpServer) status(id, code uint32) error {
	b := binary.BigEndian.AppendUint32(nil, id)
	b = binary.BigEndian.AppendUint32(b, code)
	b = appendString(b, statusText[code])
	b = appendString(b, "")
	return s.send(fxpStatus, b)
}

func (s *sftpServer) send(typ byte, payload []byte) error {
	s.out = binary.BigEndian.AppendUint32(s.out[:0], uint32(1+len(payload)))
	s.out = append(s.out, typ)
	s.out = append(s.out, payload...)
	_, err := s.w.Write(s.out)
	return err
}

func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// cleanPath makes p absolute from root's home ("/", as /etc/passwd says)
// and clean; it never leaves "/".
func cleanPath(p string) string {
	if len(p) > 4096 {
		p = p[:4096]
	}
	return path.Join("/", p)
}

// sshReader reads SSH wire types from b; after the first short read every
// read returns zero and bad is set.
type sshReader struct {
	b   []byte
	bad bool
}

func (r *sshReader) u32() uint32 {
	if len(r.b) < 4 {
		r.bad, r.b = true, nil
		return 0
	}
	v := binary.BigEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

func (r *sshReader) u64() uint64 {
	if len(r.b) < 8 {
		r.bad, r.b = true, nil
		return 0
	}
	v := binary.BigEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

func (r *sshReader) str() string {
	n := r.u32()
	if r.bad || uint64(n) > uint64(len(r.b)) {
		r.bad, r.b = true, nil
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// sftp runs the SFTP subsystem on ch.
func (ss *session) sftp(ch xssh.Channel) uint32 {
	err := sftpServe(ch, ch, ss.s.samples, func(name string, st stored) {
		ss.mu.Lock()
		defer ss.mu.Unlock()
		ss.emit(uploadEvent(ss.event(event.FileUpload), "sftp", name, st))
	})
	if err != nil {
		return 1
	}
	return 0
}
