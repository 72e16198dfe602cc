package proxy

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/textproto"
	"strings"

	"github.com/honeygate/honeygate/internal/gateway"
)

// hopByHop are the connection-specific fields of RFC 9110 7.6.1 (plus the
// de-facto Proxy-Connection and Keep-Alive), never forwarded; fields that
// Connection names are removed as well.
var hopByHop = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// removeHopByHop deletes hop-by-hop fields from h.
func removeHopByHop(h http.Header) {
	for _, v := range h["Connection"] {
		for _, f := range strings.Split(v, ",") {
			if f = textproto.TrimString(f); f != "" {
				h.Del(f)
			}
		}
	}
	for _, f := range hopByHop {
		delete(h, f)
	}
}

// upgradeType returns the protocol a request or response asks to switch to
// (Connection: upgrade and an Upgrade field), or "".
func upgradeType(h http.Header) string {
	for _, v := range h["Connection"] {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(textproto.TrimString(f), "upgrade") {
				return h.Get("Upgrade")
			}
		}
	}
	return ""
}

// allowedUpgrade decides a request's Upgrade: after a 101 the proxy can
// only splice bytes it does not read, so only WebSocket (messages the
// browser's scripts handle, not downloads a user saves) switches. h2c is
// dropped: the request goes on as HTTP/1.1, which an h2c client must
// accept (RFC 9110 7.8 lets the upgrade be ignored) and which the proxy
// judges. Any other protocol is refused (501): an upgraded stream to an
// unlisted URL could carry a listed file unhashed.
func allowedUpgrade(up string) (string, bool) {
	switch p := strings.ToLower(textproto.TrimString(up)); {
	case p == "websocket":
		return up, true
	case p == "h2c":
		return "", true
	}
	return "", false
}

// addVia appends via to h's Via field. viaField is []string{via}, made
// once and shared (header maps only read it), so a message without a Via
// costs no allocation.
func addVia(h http.Header, via string, viaField []string) {
	if prior := h.Values("Via"); len(prior) > 0 {
		h.Set("Via", strings.Join(prior, ", ")+", "+via)
		return
	}
	h["Via"] = viaField
}

// forward proxies one absolute-form plain-HTTP request.
func (s *Server) forward(w http.ResponseWriter, r *http.Request, ci *connInfo) {
	kill := s.killSwitch(ci, r.URL.Hostname(), "", destPort(r), r.URL) // passed, never judged
	if !kill {
		d := s.opt.Chain.Decide(&gateway.Query{Client: ci.client.Addr(), URL: r.URL})
		s.opt.Metrics.Observe(gateway.EnforcerProxy, d)
		if d.Verdict != gateway.Allowed {
			ref := gateway.NewRef()
			s.record(&gateway.Block{Kind: gateway.KindBlock, Client: ci.client, Host: r.URL.Hostname(), Port: destPort(r), URL: r.URL.String(),
				Hit: d.Hit, Ref: ref, Action: gateway.ActionBlock, Reason: d.Reason, Policy: d.Policy})
			writeBlockPage(w, r, r.URL.String(), d.Hit, ref)
			return
		}
	}

	// The request's header map is edited in place into what the origin
	// gets: it is ours, and it is only read again for Accept-Language
	// (end-to-end, so unchanged); a clone per request is measurable at
	// proxy rates.
	up := upgradeType(r.Header)
	if up != "" {
		var ok bool
		if up, ok = allowedUpgrade(up); !ok {
			http.Error(w, "honeygate: only WebSocket upgrades pass this gateway", http.StatusNotImplemented)
			return
		}
	}
	removeHopByHop(r.Header)
	if up != "" {
		r.Header.Set("Connection", "Upgrade")
		r.Header.Set("Upgrade", up)
	}
	prepareHashed(r.Header) // the whole body, in codings we can decode (decode.go)
	addVia(r.Header, s.via, s.viaField)

	resp, err := s.origins.roundTrip(r, ci)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return
		}
		if kill {
			killSwitchAlive(w)
			return
		}
		s.badGateway(w, err)
		return
	}
	if resp.StatusCode == http.StatusSwitchingProtocols {
		s.switchProtocols(w, r, resp, up)
		return
	}
	defer resp.Body.Close()
	var codings []string
	if resp.Body != http.NoBody {
		if codings, err = checkHashable(resp); err != nil {
			s.refuseUnhashable(w, r, resp, err)
			return
		}
	}

	// The origin's header map becomes the response's (it is ours): no copy.
	if rw, ok := w.(*respWriter); !ok || !rw.adoptHeader(resp.Header) {
		h := w.Header()
		for k, v := range resp.Header {
			h[k] = v
		}
	}
	h := w.Header()
	removeHopByHop(h)
	addVia(h, s.via, s.viaField)
	if len(resp.Trailer) > 0 {
		names := make([]string, 0, len(resp.Trailer))
		for k := range resp.Trailer {
			names = append(names, k)
		}
		h.Set("Trailer", strings.Join(names, ", "))
	}
	if resp.ContentLength >= 0 && h.Get("Content-Length") == "" && r.Method != http.MethodHead {
		// Keep a known length known to the client (no re-chunking).
		h.Set("Content-Length", itoa(resp.ContentLength))
	}

	// Small enough: judged whole before any byte went out (hold.go).
	answered, headSent := s.holdWhole(w, r, resp, ci, codings)
	switch {
	case answered:
	case len(codings) > 0:
		s.streamDecoded(w, r, resp, ci, codings, headSent)
	default:
		s.streamBody(w, r, resp, ci, headSent)
	}
	for k, v := range resp.Trailer {
		h[http.TrailerPrefix+k] = v
	}
}

// streamBody copies the response body to the client while hashing it. The
// last piece read is held back until the next one arrives or the body ends,
// so that when the finished hash is on the intel list that piece is never
// sent: the client gets a truncated transfer (a broken download, not a
// trojaned one). A body that arrives in one piece is answered with the block
// page instead, since nothing has been sent yet.
//
// headerSent says the head went out already (hold.go's patience).
func (s *Server) streamBody(w http.ResponseWriter, r *http.Request, resp *http.Response, ci *connInfo, headerSent bool) {
	hs := newHasher()
	defer hs.release()
	// Unknown length: the client wants bytes as they come.
	flusher, flush := w.(http.Flusher)
	flush = flush && resp.ContentLength < 0
	sendHeader := func() {
		if !headerSent {
			w.WriteHeader(resp.StatusCode)
			headerSent = true
		}
	}
	var held []byte
	var total int64
	for {
		buf := hs.next()
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			hs.write(buf[:n])
			if held != nil {
				sendHeader()
				if _, err := w.Write(held); err != nil {
					return
				}
				if flush {
					flusher.Flush()
				}
			}
			held = buf[:n]
			total += int64(n)
			if !headerSent && !(resp.ContentLength >= 0 && total >= resp.ContentLength) {
				// More is coming (or nobody said how much): the client gets
				// the header now; only a body known to be complete in its
				// first piece can still be swapped for the block page.
				sendHeader()
				if flush {
					flusher.Flush()
				}
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			// The origin broke off: pass the breakage on (no clean end).
			// The held piece stays held: it may be the one that completes
			// a listed file, which the breakage kept from being judged.
			sendHeader()
			brokenOff(w)
		}
	}
	sum := hs.sum()
	d := s.opt.Chain.Decide(&gateway.Query{Client: ci.client.Addr(), SHA256: sum})
	if d.Verdict == gateway.Blocked && d.Hit.Type != "" {
		s.hashBlocked(w, r, ci, d, sum, headerSent)
		return
	}
	sendHeader()
	if held != nil {
		_, _ = w.Write(held)
	}
}

// switchProtocols completes an upgrade (WebSocket and the like): it answers
// the client with the origin's 101 and then splices the two connections.
func (s *Server) switchProtocols(w http.ResponseWriter, r *http.Request, resp *http.Response, reqUp string) {
	upBody, ok := resp.Body.(io.ReadWriteCloser)
	if !ok || reqUp == "" || !strings.EqualFold(reqUp, upgradeType(resp.Header)) {
		resp.Body.Close()
		http.Error(w, "honeygate: origin switched protocols unasked", http.StatusBadGateway)
		return
	}
	defer upBody.Close()
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	h := resp.Header.Clone()
	removeHopByHop(h)
	h.Set("Connection", "Upgrade")
	h.Set("Upgrade", reqUp)
	addVia(h, s.via, s.viaField)
	resp.Header = h
	resp.Body = nil
	if err := resp.Write(brw); err != nil {
		return
	}
	if err := brw.Flush(); err != nil {
		return
	}
	s.tunnels.Add(1)
	defer s.tunnels.Done()
	splice(conn, brw.Reader, upBody, s.stop, s.origins.readTimeout)
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return string(b[i:])
}
