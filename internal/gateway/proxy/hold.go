package proxy

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/honeygate/honeygate/internal/gateway"
)

// Small bodies are held whole and judged before the client sees a byte.
//
// Streaming with one piece held back (streamBody) can only cut a listed
// download off: once the head has gone out, the client cannot be given the
// block page any more. For a large download that is the best there is, but
// most listed files are small (droppers, scripts, documents), and for those
// the outcome used to depend on how the origin's bytes happened to arrive
// (one read: block page; two: a cut-off, possibly before the buffered head
// even reached the client, which saw a bare EOF). A body known to be at
// most holdMax bytes (Content-Length), or a chunked body that ends within
// holdMax, is therefore read whole, hashed (wire bytes and decoded content)
// and judged first: a listed one gets the block page, a clean one is
// delivered intact. Larger bodies stream as before.
//
// Memory is bounded twice: per response by holdMax, and across all clients
// by the Server's hold budget (Options.HoldBudget), so that many clients
// cannot make the proxy hold gigabytes; a response that does not fit the
// budget is streamed like a large one.
//
// A chunked body that has not ended within holdPatience gets its head sent
// then and is streamed from its next piece on (patience): a live stream (a
// long poll, a log tail) must not wait for holdMax bytes or its end; a
// listed file that slow is cut off like a large one. Server-sent events
// are never held.
const (
	holdMax           = 1 << 20
	defaultHoldBudget = 64 << 20
	holdPatience      = 2 * time.Second
)

// holdShare is the part of the hold budget one client may take (its
// address; an IPv6 client's /64): without it, one client asking its own
// stalling origin for a few dozen 1 MiB bodies took the whole budget, and
// every other client's small listed files streamed (cut off, not blocked)
// for as long as it liked.
const holdShare = 8

// holdBudget counts the bytes held across all responses, and per client.
type holdBudget struct {
	limit int64
	used  atomic.Int64
	mu    sync.Mutex
	by    map[netip.Prefix]int64
}

// holdClient is the key a client's share of the budget is counted by.
func holdClient(a netip.Addr) netip.Prefix {
	a = a.Unmap()
	bits := 32
	if a.Is6() {
		bits = 64
	}
	p, _ := a.WithZone("").Prefix(bits)
	return p
}

// reserveFor takes n bytes of the budget for client c, within its share.
func (b *holdBudget) reserveFor(c netip.Prefix, n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.by[c]+n > max(b.limit/holdShare, holdMax) || !b.reserve(n) {
		return false
	}
	if b.by == nil {
		b.by = map[netip.Prefix]int64{}
	}
	b.by[c] += n
	return true
}

func (b *holdBudget) releaseFor(c netip.Prefix, n int64) {
	if n == 0 {
		return // nothing was reserved (the first reserve failed)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.by[c] -= n; b.by[c] <= 0 {
		delete(b.by, c)
	}
	b.release(n)
}

// reserve takes n bytes of the budget, or reports that they are not there.
func (b *holdBudget) reserve(n int64) bool {
	if b.used.Add(n) > b.limit {
		b.used.Add(-n)
		return false
	}
	return true
}

func (b *holdBudget) release(n int64) { b.used.Add(-n) }

// holdBufs recycles hold buffers; only those up to holdMax come back.
var holdBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

// held is a body being held: its bytes and the budget they took.
type held struct {
	buf      *[]byte
	reserved int64
	budget   *holdBudget
	client   netip.Prefix
}

func (h *held) free() {
	if h.buf == nil {
		return
	}
	h.budget.releaseFor(h.client, h.reserved)
	if cap(*h.buf) <= holdMax {
		*h.buf = (*h.buf)[:0]
		holdBufs.Put(h.buf)
	}
	h.buf, h.reserved = nil, 0
}

// grow makes room for n more bytes, within holdMax and the budget.
func (h *held) grow(n int) bool {
	b := *h.buf
	need := len(b) + n
	if need > holdMax {
		return false
	}
	if int64(need) > h.reserved {
		// Reserve in steps, not per read: the budget is shared.
		want := min(max(int64(need), 2*h.reserved), holdMax)
		if !h.budget.reserveFor(h.client, want-h.reserved) {
			return false
		}
		h.reserved = want
	}
	if need > cap(b) {
		nb := make([]byte, len(b), h.reserved)
		copy(nb, b)
		*h.buf = nb
	}
	return true
}

var errOriginBrokeOff = errors.New("origin broke off the response")

// holdable reports whether resp's body may be held: a known length within
// holdMax, or an unknown one that is not a stream of events.
func holdable(resp *http.Response) bool {
	if resp.Body == http.NoBody {
		return false
	}
	if resp.ContentLength >= 0 {
		return resp.ContentLength <= holdMax
	}
	ct := resp.Header.Get("Content-Type")
	return !strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "text/event-stream")
}

// holdWhole tries to read resp's body whole, judge it and answer. It
// reports whether it answered; if not (too large, over budget, too slow),
// resp.Body is replaced by one that yields what was read so far and then
// the rest, to be streamed, and headSent says whether the head already
// went out (the patience timer sent it).
func (s *Server) holdWhole(w http.ResponseWriter, r *http.Request, resp *http.Response, ci *connInfo, codings []string) (answered, headSent bool) {
	if !holdable(resp) {
		return false, false
	}
	h := &held{buf: holdBufs.Get().(*[]byte), budget: s.hold, client: holdClient(ci.client.Addr())}
	// A known length is reserved whole at once (a known body never
	// spills); an unknown one in steps as it arrives.
	first := 4 << 10
	if resp.ContentLength >= 0 {
		first = int(resp.ContentLength)
	}
	if !h.grow(first) {
		h.free()
		return false, false
	}
	var pt *patience
	if resp.ContentLength < 0 {
		pt = startPatience(w, resp.StatusCode)
	}
	for {
		b := *h.buf
		if len(b) == cap(b) {
			if resp.ContentLength >= 0 {
				// All the promised bytes: a read now can only be the EOF
				// (or an origin sending more than it said, which the
				// body reader already refuses).
				var one [1]byte
				n, err := resp.Body.Read(one[:])
				if n == 0 && err == io.EOF {
					break
				}
				if n > 0 && h.grow(n) {
					*h.buf = append(*h.buf, one[:n]...)
				}
				if err != nil && err != io.EOF {
					return s.heldBroken(w, r, h, false, err), false
				}
				continue
			}
			if len(b) >= holdMax || !h.grow(min(cap(b), holdMax-len(b))) {
				return false, s.spill(resp, h, pt)
			}
			b = *h.buf
		}
		n, err := resp.Body.Read(b[len(b):cap(b)])
		*h.buf = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return s.heldBroken(w, r, h, pt.stop(), err), false
		}
		if pt.fired() {
			return false, s.spill(resp, h, pt)
		}
	}
	defer h.free()
	sent := pt.stop()
	body := *h.buf
	sums, err := heldSums(body, codings)
	if err != nil {
		s.log.Info("proxy: response refused: "+errUndecoded.Error(), "url", r.URL.String(), "err", err)
		if sent {
			brokenOff(w)
		}
		for k := range w.Header() {
			delete(w.Header(), k)
		}
		http.Error(w, "honeygate: "+errUndecoded.Error(), http.StatusBadGateway)
		return true, true
	}
	for _, sum := range sums {
		d := s.opt.Chain.Decide(&gateway.Query{Client: ci.client.Addr(), SHA256: sum})
		if d.Verdict == gateway.Blocked && d.Hit.Type != "" {
			s.hashBlocked(w, r, ci, d, sum, sent)
			return true, sent
		}
	}
	if !sent {
		w.WriteHeader(resp.StatusCode)
	}
	if len(body) > 0 {
		_, _ = w.Write(body)
	}
	return true, true
}

// patience sends the head of a held chunked response that has not ended
// within holdPatience, so that a live stream which goes quiet (a long
// poll, a log tail) is not left without its head; the body then streams,
// held back one piece as streamBody does, from the next read on. It runs
// on the timer's goroutine while the handler waits on the origin; mu keeps
// the two from writing to the client at once.
type patience struct {
	mu   sync.Mutex
	t    *time.Timer
	w    http.ResponseWriter
	code int
	done bool
	sent bool
}

func startPatience(w http.ResponseWriter, code int) *patience {
	p := &patience{w: w, code: code}
	p.t = time.AfterFunc(holdPatience, p.fire)
	return p
}

func (p *patience) fire() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return
	}
	p.sent = true
	p.w.WriteHeader(p.code)
	if f, ok := p.w.(http.Flusher); ok {
		f.Flush()
	}
}

// fired reports whether the head went out (nil: no timer).
func (p *patience) fired() bool {
	if p == nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sent
}

// stop ends the timer and reports whether the head went out.
func (p *patience) stop() bool {
	if p == nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = true
	p.t.Stop()
	return p.sent
}

// heldBroken answers a held response whose origin broke off. When nothing
// was sent yet, the client gets a clean 502 rather than a truncated body;
// otherwise the breakage is passed on (no clean end).
func (s *Server) heldBroken(w http.ResponseWriter, r *http.Request, h *held, headSent bool, err error) bool {
	h.free()
	s.log.Info("proxy: origin broke off a held response", "url", r.URL.String(), "err", err)
	if headSent {
		brokenOff(w)
	}
	for k := range w.Header() {
		delete(w.Header(), k)
	}
	http.Error(w, "honeygate: "+errOriginBrokeOff.Error(), http.StatusBadGateway)
	return true
}

// spill hands what was held back to the stream: resp.Body yields it first,
// then the rest of the origin's body; the hold buffer and its share of the
// budget go back as soon as it has been read. It reports whether the head
// already went out.
func (s *Server) spill(resp *http.Response, h *held, pt *patience) bool {
	resp.Body = &prefixBody{held: h, ReadCloser: resp.Body}
	return pt.stop()
}

type prefixBody struct {
	held *held
	off  int
	io.ReadCloser
}

func (p *prefixBody) Read(b []byte) (int, error) {
	if p.held.buf != nil {
		rest := (*p.held.buf)[p.off:]
		if len(rest) > 0 {
			n := copy(b, rest)
			p.off += n
			return n, nil
		}
		p.held.free()
	}
	return p.ReadCloser.Read(b)
}

func (p *prefixBody) Close() error {
	p.held.free()
	return p.ReadCloser.Close()
}

// heldSums returns the SHA-256 of a held body's wire bytes and, when it is
// encoded, of the content it decodes to. A body that does not decode to its
// clean end (any decoder error), or past the expansion bound that
// streamDecoded keeps, is an error: its content was not judged, and the
// wire bytes alone must not pass it (fail closed).
func heldSums(body []byte, codings []string) ([]string, error) {
	wire := sha256.Sum256(body)
	sums := []string{hex.EncodeToString(wire[:])}
	if len(codings) == 0 || len(body) == 0 {
		return sums, nil // an empty body carries no content, whatever its coding says
	}
	hs := newHasher()
	defer hs.release()
	// The content of the first gzip member alone is what Chrome and curl
	// show (gunzip.go): judged as well when more members follow.
	firstEnd := func() error { sums = append(sums, hex.EncodeToString(hs.h.Sum(nil))); return nil }
	dr, err := decoders(body, codings, firstEnd)
	if err != nil {
		return nil, err
	}
	limit := maxExpansion*int64(len(body)) + expansionSlack
	buf := hs.next()
	var decoded int64
	for {
		n, err := dr.Read(buf)
		hs.write(buf[:n])
		decoded += int64(n)
		if decoded > limit {
			return nil, errUndecoded
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if decoded > 0 {
		sums = append(sums, hs.sum())
	}
	return sums, nil
}
