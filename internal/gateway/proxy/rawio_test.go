package proxy

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// tcpPair is a connected loopback TCP pair.
func tcpPair(t *testing.T) (a, b net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	acc := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			close(acc)
			return
		}
		acc <- c
	}()
	a, err = net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b = <-acc
	if b == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

func TestRawIOIsRawForTCPOnly(t *testing.T) {
	a, _ := tcpPair(t)
	if _, ok := newRawIO(a).(net.Conn); ok && isLinux {
		t.Fatal("a TCP connection was not given raw I/O")
	}
	p, q := net.Pipe()
	defer p.Close()
	defer q.Close()
	if newRawIO(p) != io.ReadWriter(p) {
		t.Fatal("a pipe must be used as it is")
	}
}

// A write larger than the socket buffers waits for the reader (EAGAIN)
// and delivers every byte in order, both ways.
func TestRawIOLargeWriteAndRead(t *testing.T) {
	a, b := tcpPair(t)
	data := make([]byte, 8<<20)
	rand.Read(data)
	errc := make(chan error, 1)
	go func() {
		n, err := newRawIO(a).Write(data)
		if err == nil && n != len(data) {
			err = io.ErrShortWrite
		}
		errc <- err
	}()
	got := make([]byte, 0, len(data))
	r := newRawIO(b)
	buf := make([]byte, 1500)
	for len(got) < len(data) {
		n, err := r.Read(buf)
		if err != nil {
			t.Fatalf("read after %d bytes: %v", len(got), err)
		}
		got = append(got, buf[:n]...)
		if len(got) < 1<<20 {
			time.Sleep(time.Millisecond / 10) // a slow reader first
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("bytes differ")
	}
}

func TestRawIOEOFAndDeadlineAndClose(t *testing.T) {
	a, b := tcpPair(t)
	r := newRawIO(b)
	buf := make([]byte, 64)

	// A deadline applies as it does to the connection's own Read.
	b.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, err := r.Read(buf)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("read past its deadline: %v, want a timeout", err)
	}
	b.SetReadDeadline(time.Time{})

	// Data, then EOF when the peer closes.
	a.Write([]byte("hello"))
	a.Close()
	n, err := r.Read(buf)
	if err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
	if _, err := r.Read(buf); err != io.EOF {
		t.Fatalf("read after the peer closed: %v, want EOF", err)
	}

	// A read blocked when the connection is closed returns at once.
	c, d := tcpPair(t)
	_ = c
	done := make(chan error, 1)
	go func() { _, err := newRawIO(d).Read(buf); done <- err }()
	time.Sleep(20 * time.Millisecond)
	d.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("read on a closed connection: %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a blocked read outlived Close")
	}
}

// A write to a peer that is gone is an error (EPIPE or ECONNRESET), never
// a signal that kills the process.
func TestRawIOWriteToGonePeer(t *testing.T) {
	a, b := tcpPair(t)
	b.(*net.TCPConn).SetLinger(0)
	b.Close() // RST
	w := newRawIO(a)
	var err error
	deadline := time.Now().Add(5 * time.Second)
	for err == nil && time.Now().Before(deadline) {
		_, err = w.Write(make([]byte, 64<<10))
		time.Sleep(time.Millisecond)
	}
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != "write" {
		t.Fatalf("write to a reset peer: %v, want a write OpError", err)
	}
}

func TestRawIOAllocatesNothing(t *testing.T) {
	if !rawSyscalls {
		t.Skip("the syscall package's calls (race detector) allocate their errors")
	}
	a, b := tcpPair(t)
	w, r := newRawIO(a), newRawIO(b)
	msg := []byte("GET / HTTP/1.1\r\n\r\n")
	buf := make([]byte, 64)
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := w.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(r, buf[:len(msg)]); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per write and read, want 0", allocs)
	}
}

// A tunnel reads one direction while it writes the other: a read and a
// write at once on one rawIO keep their own buffers and results (the race
// detector checks this test).
func TestRawIOReadWhileWriting(t *testing.T) {
	a, b := tcpPair(t)
	ra, rb := newRawIO(a), newRawIO(b)
	const size = 4 << 20
	data := make([]byte, size)
	rand.Read(data)
	errc := make(chan error, 4)
	got := make([][]byte, 2)
	pump := func(i int, w io.Writer, r io.Reader) {
		go func() { _, err := w.Write(data); errc <- err }()
		go func() {
			buf := make([]byte, size)
			_, err := io.ReadFull(r, buf)
			got[i] = buf
			errc <- err
		}()
	}
	pump(0, ra, rb) // a -> b, read at b
	pump(1, rb, ra) // b -> a, read at a: each side reads and writes at once
	for range 4 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	for i := range got {
		if !bytes.Equal(got[i], data) {
			t.Fatalf("direction %d: bytes differ", i)
		}
	}
}
