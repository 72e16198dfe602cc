package proxy

import (
	"bufio"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/honeygate/honeygate/internal/gateway"
)

// What a listed file's hash must not slip past: a download in pieces and a
// download compressed on the wire.
//
//   - Range: a file fetched as byte ranges never passes the proxy whole, so
//     its SHA-256 is never computed. The proxy drops Range and If-Range from
//     every forwarded request (RFC 9110 14.2 lets a server ignore Range, and
//     an intermediary is no different); the client gets a 200 with the whole
//     body, hashed. A resumed download or a seek in a video restarts from the
//     first byte: the price of never passing a piece of a listed file. An
//     origin that answers 206 all the same (nobody asked it for a part) is
//     refused.
//   - Content-Encoding: gzip on the wire has another hash than the file it
//     carries. The proxy offers the origin only the codings it can decode
//     (gzip, deflate, identity), passes the encoded bytes to the client as
//     they are, and hashes the decoded content beside them; both hashes are
//     judged. A coding it cannot decode (br, zstd: not in Go's standard
//     library) that an origin sends unasked is refused with 502, since its
//     content could not be judged; so is a body whose coding does not decode
//     to its clean end (gunzip.go): never judged by its wire bytes alone.

// decodable are the content codings whose content the proxy can hash.
var decodable = map[string]bool{"gzip": true, "x-gzip": true, "deflate": true, "identity": true}

// maxCodings bounds stacked content codings ("gzip, gzip, ...").
const maxCodings = 4

// Decompression is bounded: past maxExpansion times the wire bytes (plus
// expansionSlack), decoding stops and the body is refused (its content was
// not judged whole). A listed file is a program or a document, never a
// 1000:1 bomb, and the CPU spent hashing stays proportional to the bytes
// transferred.
const (
	maxExpansion   = 1024
	expansionSlack = 64 << 20
)

var (
	errPartialUnasked = errors.New("origin sent partial content that was not asked for")
	errUndecodable    = errors.New("origin sent a content coding the gateway cannot inspect")
	errListedMember   = errors.New("the first gzip member is a listed file")
	errUndecoded      = errors.New("origin sent an encoded body that did not decode to its end, so its content could not be judged")
	errStackedCodings = errors.New("origin sent a large body in stacked content codings, which the gateway cannot inspect as it streams")
)

// prepareHashed edits a request about to be forwarded so that its response
// can be hashed whole: no Range, and only codings the proxy decodes. A
// request that offers only those (or none) is left as it is, without an
// allocation: this runs on every request.
func prepareHashed(h http.Header) {
	delete(h, "Range")
	delete(h, "If-Range")
	ae, ok := h["Accept-Encoding"]
	if !ok || allDecodable(ae) {
		return
	}
	var keep []string
	for _, v := range ae {
		for _, c := range strings.Split(v, ",") {
			c = strings.TrimSpace(c)
			if decodable[strings.ToLower(codingName(c))] {
				keep = append(keep, c)
			}
		}
	}
	if len(keep) == 0 {
		delete(h, "Accept-Encoding") // identity only
		return
	}
	h["Accept-Encoding"] = []string{strings.Join(keep, ", ")}
}

// codingName is an Accept-Encoding item without its parameters ("gzip;q=1").
func codingName(c string) string {
	if i := strings.IndexByte(c, ';'); i >= 0 {
		c = c[:i]
	}
	return strings.TrimSpace(c)
}

// allDecodable reports whether every coding the values offer is decodable.
func allDecodable(values []string) bool {
	for _, v := range values {
		for v != "" {
			c := v
			if i := strings.IndexByte(v, ','); i >= 0 {
				c, v = v[:i], v[i+1:]
			} else {
				v = ""
			}
			name := codingName(c)
			if name == "" {
				continue
			}
			if !decodable[name] && !decodable[strings.ToLower(name)] {
				return false
			}
		}
	}
	return true
}

// contentCodings returns the codings applied to a response body, in the
// order they were applied (identity dropped); ok is false for one the
// proxy cannot decode, or too many.
func contentCodings(h http.Header) (codings []string, ok bool) {
	for _, v := range h["Content-Encoding"] {
		for _, c := range strings.Split(v, ",") {
			c = strings.ToLower(strings.TrimSpace(c))
			switch {
			case c == "" || c == "identity":
			case decodable[c]:
				codings = append(codings, c)
			default:
				return nil, false
			}
		}
	}
	return codings, len(codings) <= maxCodings
}

// checkHashable refuses a response whose content the proxy could not hash.
func checkHashable(resp *http.Response) ([]string, error) {
	if resp.StatusCode == http.StatusPartialContent {
		return nil, errPartialUnasked
	}
	codings, ok := contentCodings(resp.Header)
	if !ok {
		return nil, errUndecodable
	}
	return codings, nil
}

// refuseUnhashable answers a response checkHashable refused.
func (s *Server) refuseUnhashable(w http.ResponseWriter, r *http.Request, resp *http.Response, err error) {
	for k := range w.Header() {
		delete(w.Header(), k)
	}
	s.log.Info("proxy: response refused: its content cannot be hashed", "url", r.URL.String(), "status", resp.StatusCode,
		"content_encoding", resp.Header.Get("Content-Encoding"), "err", err)
	http.Error(w, "honeygate: "+err.Error(), http.StatusBadGateway)
}

// decoders stacks readers that undo codings (applied first to last) over
// a held body (gunzip.go); firstEnd (may be nil) is gunzip's, for a single
// coding.
func decoders(body []byte, codings []string, firstEnd func() error) (io.Reader, error) {
	var src decodeSource = &memSource{b: body}
	var r io.Reader = src
	for i := len(codings) - 1; i >= 0; i-- {
		if i < len(codings)-1 {
			src = readerSource{bufio.NewReader(r)}
		}
		var fe func() error
		if len(codings) == 1 {
			fe = firstEnd
		}
		dr, err := contentDecoder(src, codings[i], fe)
		if err != nil {
			return nil, err
		}
		r = dr
	}
	return r, nil
}

// streamDecoded is streamBody for an encoded response: the content the
// codings carry is decoded in lockstep with the wire and hashed, the wire
// bytes are hashed too, and the client gets the wire bytes only as far as
// they cannot complete the content before it was judged (tail.go); a
// listed hash of either cuts the transfer off (or, when nothing was sent
// yet, answers with the block page).
func (s *Server) streamDecoded(w http.ResponseWriter, r *http.Request, resp *http.Response, ci *connInfo, codings []string, headerSent bool) {
	if len(codings) > 1 {
		// Stacked codings too large to hold: the tail bound does not
		// hold through two decoders (tail.go).
		if headerSent {
			panic(http.ErrAbortHandler)
		}
		s.refuseUnhashable(w, r, resp, errStackedCodings)
		return
	}
	wire := newHasher()
	defer wire.release()
	hs := newHasher() // the content's hash, and its buffer for the decoded bytes
	defer hs.release()
	t := newWireTail(resp.Body, wire.h, w, resp.StatusCode, resp.ContentLength < 0, headerSent)
	defer t.free()
	var first gateway.Decision
	var firstSum string
	t.firstEnd = func() error {
		// A client that stops after the first gzip member (Chrome,
		// curl) has at most that member's content: judged now, before
		// any wire of the next is released (gunzip.go).
		firstSum = hex.EncodeToString(hs.h.Sum(nil))
		if d := s.opt.Chain.Decide(&gateway.Query{Client: ci.client.Addr(), SHA256: firstSum}); d.Verdict == gateway.Blocked && d.Hit.Type != "" {
			first = d
			return errListedMember
		}
		return nil
	}
	decoded, judged := t.decodeContent(codings[0], hs.next(), hs.h)
	if first.Verdict == gateway.Blocked && t.werr == nil {
		s.hashBlocked(w, r, ci, first, firstSum, t.headerSent)
		return
	}
	switch {
	case t.werr != nil:
		return // the client went away
	case t.err != nil:
		// The origin broke off (or went quiet past the read timeout):
		// pass the breakage on (no clean end), without the held tail,
		// which may complete a listed file that was never judged.
		if !t.headerSent {
			t.w.WriteHeader(t.status)
		}
		brokenOff(w)
	case t.long:
		s.log.Info("proxy: response refused: "+errTailTooLong.Error(), "url", r.URL.String())
		if t.headerSent {
			panic(http.ErrAbortHandler)
		}
		s.refuseUnhashable(w, r, resp, errTailTooLong)
		return
	case !judged:
		// The decoder failed or stopped before the content's end: what
		// a client's decoder makes of the rest was never judged, and the
		// wire bytes alone say nothing about it. Fail closed.
		s.log.Info("proxy: response refused: "+errUndecoded.Error(), "url", r.URL.String(), "decoded", decoded)
		if t.headerSent {
			panic(http.ErrAbortHandler)
		}
		s.refuseUnhashable(w, r, resp, errUndecoded)
		return
	}
	if decoded > 0 {
		sum := hs.sum()
		if d := s.opt.Chain.Decide(&gateway.Query{Client: ci.client.Addr(), SHA256: sum}); d.Verdict == gateway.Blocked && d.Hit.Type != "" {
			s.hashBlocked(w, r, ci, d, sum, t.headerSent)
			return
		}
	}
	t.rest()
	if t.werr != nil {
		return
	}
	if t.err != nil {
		if !t.headerSent {
			t.w.WriteHeader(t.status)
		}
		brokenOff(w)
	}
	sum := wire.sum()
	if d := s.opt.Chain.Decide(&gateway.Query{Client: ci.client.Addr(), SHA256: sum}); d.Verdict == gateway.Blocked && d.Hit.Type != "" {
		s.hashBlocked(w, r, ci, d, sum, t.headerSent)
		return
	}
	t.release(t.recv())
	if !t.headerSent {
		t.w.WriteHeader(t.status) // an empty body
	}
}

// brokenOff passes an origin's breakage on to a client whose head was
// written: what was written so far goes out (a response that was still
// in the buffer would otherwise reach the client as nothing at all), then
// the connection closes with no clean end.
func brokenOff(w http.ResponseWriter) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	panic(http.ErrAbortHandler)
}

// hashBlocked records a listed download and either answers with the block
// page (nothing was sent yet) or cuts the transfer off.
func (s *Server) hashBlocked(w http.ResponseWriter, r *http.Request, ci *connInfo, d gateway.Decision, sum string, headerSent bool) {
	// The URL's decision (allowed) was counted; the block answer is
	// counted too, so that every block shows in the metric.
	s.opt.Metrics.Observe(gateway.EnforcerProxy, d)
	ref := gateway.NewRef()
	s.record(&gateway.Block{Kind: gateway.KindBlock, Client: ci.client, Host: r.URL.Hostname(), Port: destPort(r), URL: r.URL.String(),
		Hit: d.Hit, Ref: ref, Action: gateway.ActionBlock, Reason: d.Reason, Policy: d.Policy})
	if !headerSent {
		for k := range w.Header() {
			delete(w.Header(), k)
		}
		writeBlockPage(w, r, r.URL.String(), d.Hit, ref)
		return
	}
	s.log.Info("proxy: download cut off", "url", r.URL.String(), "sha256", sum, "ref", ref)
	panic(http.ErrAbortHandler)
}
