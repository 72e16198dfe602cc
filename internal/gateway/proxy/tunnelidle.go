package proxy

import (
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// A tunnel (CONNECT) or an upgraded connection (WebSocket) used to live as
// long as its two peers kept their sockets open: 1,500 tunnels to a silent
// server held 3,000 descriptors for as long as the attacker liked. As Squid
// applies read_timeout to tunnels, a tunnel here is closed once neither
// side has sent a byte for the proxy's read timeout (gateway.
// proxy_read_timeout, 15 minutes by default); one with traffic either way
// stays up for hours. Closing both sockets also ends a copy blocked on a
// peer that stopped reading.
//
// Activity is a time stamp stored on every read (an atomic store; reads
// are system calls anyway), and one timer per tunnel checks it once per
// timeout, not per read: no deadline is moved on the copy path, so the
// bytes of a busy tunnel cost nothing more.

// idleWatch closes a tunnel's two connections when both have been quiet
// for limit.
type idleWatch struct {
	limit   time.Duration
	last    atomic.Int64 // unix nanoseconds of the last byte read either way
	closers [2]io.Closer
	mu      sync.Mutex
	t       *time.Timer
	stopped bool
}

func newIdleWatch(limit time.Duration, a, b io.Closer) *idleWatch {
	w := &idleWatch{limit: limit, closers: [2]io.Closer{a, b}}
	if limit <= 0 {
		return w
	}
	w.last.Store(time.Now().UnixNano())
	w.mu.Lock()
	w.t = time.AfterFunc(limit, w.check)
	w.mu.Unlock()
	return w
}

// check closes the tunnel if it has been idle for limit, or looks again
// when it would be.
func (w *idleWatch) check() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	quiet := time.Since(time.Unix(0, w.last.Load()))
	if quiet < w.limit {
		w.t.Reset(w.limit - quiet)
		return
	}
	w.stopped = true
	for _, c := range w.closers {
		_ = c.Close()
	}
}

func (w *idleWatch) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
	if w.t != nil {
		w.t.Stop()
	}
}

// reader notes each read of r as activity.
func (w *idleWatch) reader(r io.Reader) io.Reader {
	if w.limit <= 0 {
		return r
	}
	return &activeReader{r: r, w: w}
}

type activeReader struct {
	r io.Reader
	w *idleWatch
}

func (a *activeReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.w.last.Store(time.Now().UnixNano())
	}
	return n, err
}
