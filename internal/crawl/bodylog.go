package crawl

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"io"
	"mime"
	"strings"
	"sync"
	"time"
)

// bodyLog keeps the latest plain-HTTP response bodies of documents and
// scripts as the guard proxy passed them to the browser, by URL, within a
// byte budget (oldest dropped first). It is the browser engine's second
// source of a body: Chromium answers Network.getResponseBody with nothing
// for a frame's document in some cases (seen under load on exploit-kit
// landing pages in frames, which rewrite themselves with document.write
// and start plug-in loads), and the proxy saw the bytes anyway. HTTPS
// goes through the proxy as an opaque tunnel, so only Chromium has those.
type bodyLog struct {
	maxBody, budget int64

	mu    sync.Mutex
	m     map[string]loggedBody
	order []string // URLs, oldest first
	total int64
}

type loggedBody struct {
	body []byte
	at   time.Time
}

func newBodyLog(maxBody, budget int64) *bodyLog {
	return &bodyLog{maxBody: maxBody, budget: budget, m: map[string]loggedBody{}}
}

// wants reports whether a response is worth logging: a document or
// script, in an encoding Go can undo.
func (l *bodyLog) wants(status int, ctype, encoding string) bool {
	if l == nil || status < 200 || status >= 400 {
		return false
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "identity", "gzip", "x-gzip", "deflate":
	default:
		return false
	}
	m, _, _ := mime.ParseMediaType(ctype)
	return ctype == "" || strings.Contains(m, "html") || strings.Contains(m, "javascript") || strings.Contains(m, "ecmascript") || m == "text/plain"
}

// put keeps the body of url as received (raw, still encoded), decoding
// it within the bounds first.
func (l *bodyLog) put(url string, raw []byte, encoding string) {
	body := raw
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return
		}
		body, _, err = readBounded(zr, l.maxBody)
		if err != nil {
			return
		}
	case "deflate":
		body, _, _ = readBounded(flate.NewReader(bytes.NewReader(raw)), l.maxBody)
	}
	if int64(len(body)) > l.budget/8 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if old, ok := l.m[url]; ok {
		l.total -= int64(len(old.body))
	} else {
		l.order = append(l.order, url)
	}
	l.m[url] = loggedBody{body: body, at: time.Now()}
	l.total += int64(len(body))
	for l.total > l.budget && len(l.order) > 0 {
		u := l.order[0]
		l.order = l.order[1:]
		if e, ok := l.m[u]; ok {
			l.total -= int64(len(e.body))
			delete(l.m, u)
		}
	}
}

// get returns the body logged for url since a time, if any.
func (l *bodyLog) get(url string, since time.Time) ([]byte, bool) {
	if l == nil {
		return nil, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.m[url]
	if !ok || e.at.Before(since) {
		return nil, false
	}
	return e.body, true
}

// teeBounded copies src to dst and keeps up to n bytes of it; the kept
// bytes are whole (ok) only when src ended within n.
func teeBounded(dst io.Writer, src io.Reader, n int64) (kept []byte, ok bool, err error) {
	var buf bytes.Buffer
	lw := &limitWriter{w: &buf, n: n}
	_, err = io.Copy(io.MultiWriter(dst, lw), src)
	return buf.Bytes(), err == nil && !lw.over, err
}

type limitWriter struct {
	w    io.Writer
	n    int64
	over bool
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.over {
		return len(p), nil
	}
	if int64(len(p)) > l.n {
		l.over = true
		return len(p), nil
	}
	l.n -= int64(len(p))
	return l.w.Write(p)
}
