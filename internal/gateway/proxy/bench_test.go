package proxy

import (
	"bufio"
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/gateway"
	"github.com/honeygate/honeygate/internal/intel"
)

// benchOrigin answers every request on a keep-alive connection with the
// same 1 KiB body, with as little work of its own as it can, so that a
// profile of the benchmark is the proxy's.
func benchOrigin(tb testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.Close() })
	body := bytes.Repeat([]byte("abcdefghijklmnop"), 64)
	resp := append([]byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\nDate: Mon, 30 Nov 2026 12:00:00 GMT\r\n\r\n"), body...)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					if err := skipHead(br); err != nil {
						return
					}
					if _, err := c.Write(resp); err != nil {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

// skipHead reads one message head (no body).
func skipHead(br *bufio.Reader) error {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			return nil
		}
	}
}

// readResp reads one response with a Content-Length body.
func readResp(br *bufio.Reader) (int, error) {
	n := -1
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if len(line) <= 2 {
			break
		}
		if len(line) > 15 && bytes.EqualFold(line[:15], []byte("content-length:")) {
			n, _ = strconv.Atoi(string(bytes.TrimSpace(line[15:])))
		}
	}
	if n < 0 {
		return 0, fmt.Errorf("no content-length")
	}
	_, err := br.Discard(n)
	return n, err
}

// BenchmarkProxy1K is wrk's request through the proxy, in process: an
// absolute-form GET of a 1 KiB body on a keep-alive connection, with the
// real intel snapshot (1,000 listed domains).
func BenchmarkProxy1K(b *testing.B) {
	n := 1000
	var inds []intel.Indicator
	for i := range n {
		ind, err := intel.Normalize(intel.Indicator{Type: intel.TypeDomain, Value: fmt.Sprintf("bad%d.example.net", i), Category: "malware", Source: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		inds = append(inds, ind)
	}
	live := intel.NewLive()
	live.Swap(intel.Build(inds, time.Now()))
	cfg := gateway.DefaultConfig()
	chain, err := gateway.NewChain(&cfg, &gateway.LiveIntel{Live: live})
	if err != nil {
		b.Fatal(err)
	}
	srv := New(Options{Chain: chain, Log: slog.New(slog.DiscardHandler), AllowPrivateUpstream: true})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	defer srv.Shutdown(b.Context())
	origin := benchOrigin(b)
	req := []byte("GET http://" + origin + "/1k HTTP/1.1\r\nHost: " + origin + "\r\n\r\n")
	b.SetBytes(1024)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			b.Error(err)
			return
		}
		defer c.Close()
		br := bufio.NewReader(c)
		for pb.Next() {
			if _, err := c.Write(req); err != nil {
				b.Error(err)
				return
			}
			if _, err := readResp(br); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
