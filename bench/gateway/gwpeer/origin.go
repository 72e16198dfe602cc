package main

import (
	"bufio"
	"bytes"
	"net"
	"strconv"
	"time"
)

// serveHTTP is the benchmark's origin: every request, on keep-alive
// connections, gets the same 200 with body. It is a minimal HTTP/1.1
// responder rather than net/http's server on purpose: on a two-core machine
// the origin and wrk take CPU from whatever sits between them, and the
// cheaper they are, the more a figure says about the proxy (net/http's
// server cost about as much per request as the lean proxy itself). It reads
// request heads (and skips a Content-Length body), honours Connection:
// close and HTTP/1.0, and answers HEAD without a body.
func serveHTTP(l net.Listener, body []byte) {
	head := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n")
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go serveConn(c, head, body)
	}
}

func serveConn(c net.Conn, head, body []byte) {
	defer c.Close()
	br := bufio.NewReaderSize(c, 8<<10)
	bw := bufio.NewWriterSize(c, 8<<10)
	for {
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Minute))
		line, err := br.ReadSlice('\n')
		if err != nil {
			return
		}
		isHead := bytes.HasPrefix(line, []byte("HEAD "))
		keep := bytes.Contains(line, []byte("HTTP/1.1"))
		var clen int
		for {
			h, err := br.ReadSlice('\n')
			if err != nil {
				return
			}
			if len(bytes.TrimSpace(h)) == 0 {
				break
			}
			name, value, ok := bytes.Cut(h, []byte(":"))
			if !ok {
				continue
			}
			value = bytes.TrimSpace(value)
			switch {
			case bytes.EqualFold(name, []byte("Connection")):
				if bytes.EqualFold(value, []byte("close")) {
					keep = false
				} else if bytes.EqualFold(value, []byte("keep-alive")) {
					keep = true
				}
			case bytes.EqualFold(name, []byte("Content-Length")):
				clen, _ = strconv.Atoi(string(value))
			}
		}
		if clen > 0 {
			if _, err := br.Discard(clen); err != nil {
				return
			}
		}
		bw.Write(head)
		if !keep {
			bw.WriteString("Connection: close\r\n")
		}
		bw.WriteString("\r\n")
		if !isHead {
			bw.Write(body)
		}
		if br.Buffered() == 0 || !keep {
			if err := bw.Flush(); err != nil {
				return
			}
		}
		if !keep {
			return
		}
	}
}
