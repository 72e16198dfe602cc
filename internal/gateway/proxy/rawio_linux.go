package proxy

import (
	"io"
	"net"
	"os"
	"syscall"
)

// rawIO reads and writes a TCP connection's non-blocking socket with raw
// system calls, through the connection's own poller (so its deadlines and
// Close still apply).
//
// Why: a socket call through the syscall package tells the runtime that
// the goroutine may block, and once such a call has lasted a scheduler
// tick (20µs; a loopback write that delivers to its peer in the same call
// often does) the runtime hands the goroutine's P to another thread. On a
// busy machine that hand-off is a thread wake-up per request, and it keeps
// the runtime's monitor polling every 20µs: a tenth of the proxy's CPU and
// a latency tail, in profiles on two cores. These calls cannot block (the
// socket is non-blocking: it answers EAGAIN and the poller waits), so the
// goroutine keeps its P, as an event loop's thread would.
type rawIO struct {
	rc   syscall.RawConn
	conn net.Conn // for errors' addresses

	// The current read's and write's buffer and result, used by the
	// callbacks, which are method values made once so that a call
	// allocates nothing. A read and a write may run at once (a tunnel's
	// two directions), so each has its own; like the proxy's every use,
	// there is one reader and one writer at a time.
	rd, wr  rawCall
	readFn  func(fd uintptr) bool
	writeFn func(fd uintptr) bool
}

type rawCall struct {
	buf   []byte
	n     int
	errno syscall.Errno
}

// newRawIO returns a reader and writer for c: raw for a TCP connection,
// c itself otherwise (TLS, tests' pipes).
func newRawIO(c net.Conn) io.ReadWriter {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return c
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return c
	}
	r := &rawIO{rc: rc, conn: c}
	r.readFn, r.writeFn = r.read, r.write
	return r
}

func (r *rawIO) read(fd uintptr) bool {
	for {
		n, e := sysRead(fd, r.rd.buf)
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		r.rd.n, r.rd.errno = n, e
		return true
	}
}

func (r *rawIO) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r.rd = rawCall{buf: p}
	err := r.rc.Read(r.readFn)
	n, errno := r.rd.n, r.rd.errno
	r.rd.buf = nil
	switch {
	case err != nil:
		return 0, err
	case errno != 0:
		return 0, r.opError("read", errno)
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// write sends what is left of the write's buffer.
func (r *rawIO) write(fd uintptr) bool {
	for r.wr.n < len(r.wr.buf) {
		n, e := sysWrite(fd, r.wr.buf[r.wr.n:])
		switch e {
		case 0:
			r.wr.n += n
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			r.wr.errno = e
			return true
		}
	}
	return true
}

func (r *rawIO) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r.wr = rawCall{buf: p}
	err := r.rc.Write(r.writeFn)
	n, errno := r.wr.n, r.wr.errno
	r.wr.buf = nil
	switch {
	case err != nil:
		return n, err
	case errno != 0:
		return n, r.opError("write", errno)
	}
	return n, nil
}

func (r *rawIO) opError(op string, errno syscall.Errno) error {
	return &net.OpError{Op: op, Net: "tcp", Source: r.conn.LocalAddr(), Addr: r.conn.RemoteAddr(), Err: os.NewSyscallError(op, errno)}
}

const isLinux = true
