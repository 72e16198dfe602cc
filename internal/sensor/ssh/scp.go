package ssh

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	xssh "golang.org/x/crypto/ssh"

	"github.com/honeygate/honeygate/internal/event"
)

// The sink side of the SCP protocol (what "scp -t" runs on the server when
// a client uploads), as OpenSSH's scp.c speaks it: the server acknowledges
// each control line with a zero byte, the client sends
//
//	C<mode> <size> <name>\n, then size bytes and a zero byte (a file)
//	D<mode> 0 <name>\n and E\n (a directory and its end, with -r)
//	T<mtime> 0 <atime> 0\n (times, with -p)
//
// Every file is hashed and kept as a sample; nothing is written to the
// emulated device, let alone the host.
const (
	maxSCPLine  = 1024 // OpenSSH reads control lines into a 2048-byte buffer; ours are shorter
	maxSCPFiles = 64   // files per exec
	maxSCPDepth = 16   // nested D lines
)

// scpFile is one file an SCP client uploaded.
type scpFile struct {
	Name string // where it would have been written on the device
	Mode string // as sent, e.g. "0755"
	St   stored
}

var errSCPProtocol = errors.New("scp: protocol error")

// scpSink serves the sink side over r and w until the client ends the
// transfer or breaks the protocol; each file is reported through onFile as
// soon as it is complete. dir says whether target names a directory.
func scpSink(r io.Reader, w io.Writer, smp *samples, target string, dir bool, onFile func(scpFile)) error {
	br := bufio.NewReaderSize(r, 4096)
	// A failed acknowledgement does not stop the sink: bots pipeline their
	// upload without waiting for it, and what already arrived (buffered in
	// the channel when the connection died) is still read and recorded.
	ack := func() { _, _ = w.Write([]byte{0}) }
	fail := func(msg string) error {
		_, _ = io.WriteString(w, "\x01scp: "+msg+"\n")
		return fmt.Errorf("%w: %s", errSCPProtocol, msg)
	}
	ack()
	var dirs []string
	files := 0
	for {
		line, err := readSCPLine(br)
		if err == io.EOF && line == "" {
			return nil
		}
		if err != nil {
			return err
		}
		switch line[0] {
		case '\x01', '\x02': // the client's warning or error; a fatal one ends it
			if line[0] == '\x02' {
				return nil
			}
			continue
		case 'T':
			if _, ok := scpFields(line[1:], 4); !ok {
				return fail("protocol error: mtime.sec not delimited")
			}
		case 'E':
			if len(dirs) == 0 {
				return fail("protocol error: unexpected E")
			}
			dirs = dirs[:len(dirs)-1]
		case 'C', 'D':
			f, ok := scpFields(line[1:], 3)
			if !ok || len(f[0]) != 4 || !isOctal(f[0]) {
				return fail("protocol error: bad mode")
			}
			size, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil || size < 0 {
				return fail("protocol error: size not delimited")
			}
			name := f[2]
			if name == "" || name == "." || name == ".." || strings.ContainsRune(name, '/') {
				return fail("error: unexpected filename: " + name)
			}
			where := target
			if dir || len(dirs) > 0 {
				where = path.Join(append(append([]string{target}, dirs...), name)...)
			}
			if line[0] == 'D' {
				if len(dirs) >= maxSCPDepth {
					return fail("protocol error: too deep")
				}
				dirs = append(dirs, name)
				break
			}
			if files++; files > maxSCPFiles {
				return fail("protocol error: too many files")
			}
			ack()
			u := smp.newUpload()
			if n, err := io.CopyN(u, br, size); err != nil {
				// Cut short (the session's input limit, a hang-up): what
				// arrived is still evidence, and the attempt is intel.
				st := u.finish()
				st.Note = strings.TrimPrefix(st.Note+"; ", "; ") + fmt.Sprintf("incomplete: %d of %d bytes", n, size)
				onFile(scpFile{Name: where, Mode: f[0], St: st})
				return err
			}
			// The client ends the data with its status byte.
			if b, err := br.ReadByte(); err != nil {
				return err
			} else if b != 0 {
				return fail("protocol error: bad status after data")
			}
			onFile(scpFile{Name: where, Mode: f[0], St: u.finish()})
		default:
			return fail("protocol error: expected control record")
		}
		ack()
	}
}

// readSCPLine reads one control line without its LF, at most maxSCPLine
// bytes.
func readSCPLine(br *bufio.Reader) (string, error) {
	var b []byte
	for {
		c, err := br.ReadByte()
		if err != nil {
			if len(b) > 0 && err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return string(b), err
		}
		if c == '\n' {
			if len(b) == 0 {
				return "", errSCPProtocol
			}
			return string(b), nil
		}
		if len(b) >= maxSCPLine {
			return "", fmt.Errorf("%w: line too long", errSCPProtocol)
		}
		b = append(b, c)
	}
}

// scpFields splits s at its first n-1 spaces.
func scpFields(s string, n int) ([]string, bool) {
	f := strings.SplitN(s, " ", n)
	return f, len(f) == n
}

func isOctal(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '7' {
			return false
		}
	}
	return true
}

// scp runs "scp -t" (upload to the device) or "scp -f" (download from it,
// which finds nothing) on ch.
func (ss *session) scp(ch xssh.Channel, mode byte, target string) uint32 {
	if mode == 'f' {
		_, _ = io.WriteString(ch, "\x01scp: "+target+": No such file or directory\n")
		return 1
	}
	dir := strings.HasSuffix(target, "/") || target == "." || isMountDir(target)
	err := scpSink(ch, ch, ss.s.samples, target, dir, func(f scpFile) {
		ss.mu.Lock()
		defer ss.mu.Unlock()
		ss.emit(uploadEvent(ss.event(event.FileUpload), "scp", f.Name, f.St))
	})
	if err != nil {
		return 1
	}
	return 0
}

// isMountDir reports whether p is one of the directories bots upload into.
func isMountDir(p string) bool {
	switch path.Clean(p) {
	case "/", "/tmp", "/var", "/var/tmp", "/dev", "/dev/shm", "/mnt", "/mnt/mtd", "/root", "/home":
		return true
	}
	return false
}
