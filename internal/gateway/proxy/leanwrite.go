package proxy

import (
	"bufio"
	"net/http"
)

// The request head as the origin gets it, for the common case written here
// rather than by net/http's Request.Write, which per request sorts the
// header, builds a transfer writer and allocates for each. Only requests
// without a body, trailers or an unusual host take this way; everything
// else (bodies, chunking, trailers, Expect, internationalized or zoned
// hosts) is still written by net/http.

// leanWritable reports whether writeLean may write req.
func leanWritable(req *http.Request) bool {
	if (req.Body != nil && req.Body != http.NoBody) || req.ContentLength != 0 || len(req.Trailer) != 0 ||
		req.Method == http.MethodConnect || req.URL.Opaque != "" || len(req.TransferEncoding) != 0 {
		return false
	}
	return plainHost(hostOf(req))
}

func hostOf(req *http.Request) string {
	if req.Host != "" {
		return req.Host
	}
	return req.URL.Host
}

// plainHost reports whether h is a host[:port] that needs no cleaning
// (no zone, no non-ASCII to convert to punycode, nothing net/http would
// refuse): letters, digits, '.', '-', '_', ':' and brackets.
func plainHost(h string) bool {
	if h == "" {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '.' || c == '-' || c == '_' || c == ':' || c == '[' || c == ']':
		default:
			return false
		}
	}
	return true
}

// reqWriteExcluded are the fields net/http's Request.Write does not copy
// from the header map (it writes them itself, or not at all).
func reqWriteExcluded(k string) bool {
	switch k {
	case "Host", "User-Agent", "Content-Length", "Transfer-Encoding", "Trailer":
		return true
	}
	return false
}

// writeLean writes req's head in origin-form, as net/http would for a
// request without a body: the request line, Host, User-Agent only when the
// client sent one, the header fields, and Content-Length: 0 for the methods
// that carry a body by definition.
func writeLean(bw *bufio.Writer, req *http.Request) error {
	bw.WriteString(req.Method)
	bw.WriteByte(' ')
	bw.WriteString(req.URL.RequestURI())
	bw.WriteString(" HTTP/1.1\r\nHost: ")
	bw.WriteString(hostOf(req))
	bw.Write(crlf)
	if ua := req.Header["User-Agent"]; len(ua) > 0 && ua[0] != "" {
		bw.WriteString("User-Agent: ")
		bw.WriteString(headerValue(ua[0]))
		bw.Write(crlf)
	}
	for k, vv := range req.Header {
		if reqWriteExcluded(k) {
			continue
		}
		for _, v := range vv {
			bw.WriteString(k)
			bw.WriteString(": ")
			bw.WriteString(headerValue(v))
			bw.Write(crlf)
		}
	}
	switch req.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		bw.WriteString("Content-Length: 0\r\n")
	}
	_, err := bw.Write(crlf)
	return err
}
