// Command reflect measures the amplification reflectors under a flood: how
// many request datagrams one reflector handles per second and per second of
// CPU, on one core (GOMAXPROCS=1), while its send budget and the bytes-out
// below bytes-in rule hold.
//
// The reflector runs in a child process (this program with the argument
// "serve"), so that its CPU time (getrusage) is its own; the parent floods it
// over loopback with sendmmsg, choosing each datagram's source address with
// IP_PKTINFO: any address of 127.0.0.0/8 is local, so a flood from a thousand
// victims or from millions of spoofed sources needs no raw socket. Nothing
// is ever sent outside loopback.
//
// Two scenarios per reflector: "victims" (1,000 victims, each flooded:
// the table holds them all and they are silenced as attacks) and "spoofed"
// (every datagram from a random address of 127.128.0.0/9, as a carpet
// bombing or a spoofed scan: the table churns at its bound). Each is run with
// batched reads (recvmmsg, 64 a call) and, as the peer, one datagram per
// read (recvfrom, what a plain UDP server or AmpPot's loop does).
package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"golang.org/x/net/ipv4"
)

// requests are the amplification requests of each reflector, as attack
// tools send them.
var requests = map[string][]byte{
	"dns": func() []byte { // ANY isc.org with EDNS 4096
		b := []byte{0x51, 0x51, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1, 3, 'i', 's', 'c', 3, 'o', 'r', 'g', 0, 0, 255, 0, 1}
		return append(b, 0, 0, 41, 0x10, 0x00, 0, 0, 0x80, 0, 0, 0)
	}(),
	"ntp":       {0x17, 0x00, 0x03, 0x2a, 0, 0, 0, 0},
	"ssdp":      []byte("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n"),
	"chargen":   {0x01},
	"memcached": []byte("\x00\x01\x00\x00\x00\x01\x00\x00stats\r\n"),
}

var protos = []string{"dns", "ntp", "ssdp", "chargen", "memcached"}

// result is one run, as the child reports it plus what the parent saw.
type result struct {
	Proto, Scenario, Reader string
	Sent                    int64   // datagrams the generator sent
	Stats                   stats   // the child's counters over the measured interval
	Wall                    float64 // seconds measured
}

type stats struct {
	Packets, BytesIn, Replies, BytesOut int64
	Attacks, Scans                      int64
	CPU                                 float64 // user+system seconds of the child over the interval
	Budget                              int64   // the send budget, bytes per second
	LedgerIn, LedgerOut                 int64   // the process's totals since start
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		if err := serve(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "serve:", err)
			os.Exit(1)
		}
		return
	}
	var (
		protoList = flag.String("proto", strings.Join(protos, ","), "reflectors to measure")
		scenarios = flag.String("scenario", "victims,spoofed", "victims, spoofed")
		readers   = flag.String("reader", "batch,single", "batch (recvmmsg), single (one datagram per read)")
		duration  = flag.Duration("duration", 3*time.Second, "measured flood per run")
		senders   = flag.Int("senders", 1, "generator goroutines (each one socket)")
		victims   = flag.Int("victims", 1000, "victims in the victims scenario")
		asJSON    = flag.Bool("json", false, "print the results as JSON too")
	)
	flag.Parse()
	var results []result
	failed := false
	for _, p := range strings.Split(*protoList, ",") {
		if requests[p] == nil {
			fmt.Fprintf(os.Stderr, "unknown reflector %q\n", p)
			os.Exit(2)
		}
		for _, sc := range strings.Split(*scenarios, ",") {
			for _, rd := range strings.Split(*readers, ",") {
				r, err := runOne(p, sc, rd, *duration, *senders, *victims)
				if err != nil {
					fmt.Fprintf(os.Stderr, "%s %s %s: %v\n", p, sc, rd, err)
					failed = true
					continue
				}
				if msg := check(r); msg != "" {
					fmt.Fprintf(os.Stderr, "%s %s %s: FAILED: %s\n", p, sc, rd, msg)
					failed = true
				}
				results = append(results, r)
			}
		}
	}
	report(results)
	if *asJSON {
		b, _ := json.MarshalIndent(results, "", "  ")
		fmt.Println(string(b))
	}
	if failed {
		os.Exit(1)
	}
}

// check returns what a run broke: the send budget (one second of burst plus
// the rate over the run), or bytes out not below bytes in.
func check(r result) string {
	s := r.Stats
	if s.LedgerOut >= s.LedgerIn && s.LedgerOut > 0 {
		return fmt.Sprintf("bytes out %d not below bytes in %d", s.LedgerOut, s.LedgerIn)
	}
	if limit := float64(s.Budget) * (1 + r.Wall); float64(s.BytesOut) > limit {
		return fmt.Sprintf("sent %d bytes in %.1fs, budget allows %.0f", s.BytesOut, r.Wall, limit)
	}
	return ""
}

func report(rs []result) {
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "reflector\tscenario\treader\tsent/s\thandled/s\thandled\tCPU s\tpackets per CPU-s\treplies\tbytes out/s\tout/in\tattacks\t")
	for _, r := range rs {
		s := r.Stats
		perCPU := 0.0
		if s.CPU > 0 {
			perCPU = float64(s.Packets) / s.CPU
		}
		ratio := 0.0
		if s.BytesIn > 0 {
			ratio = float64(s.BytesOut) / float64(s.BytesIn)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%.0f\t%.0f\t%.1f%%\t%.2f\t%.0f\t%d\t%.0f\t%.5f\t%d\t\n",
			r.Proto, r.Scenario, r.Reader, float64(r.Sent)/r.Wall, float64(s.Packets)/r.Wall,
			100*float64(s.Packets)/float64(max(r.Sent, 1)), s.CPU, perCPU, s.Replies,
			float64(s.BytesOut)/r.Wall, ratio, s.Attacks)
	}
	w.Flush()
}

// runOne starts a child reflector, floods it for d after a short warm-up,
// and returns what both sides counted over the measured interval.
func runOne(proto, scenario, reader string, d time.Duration, senders, victims int) (result, error) {
	r := result{Proto: proto, Scenario: scenario, Reader: reader}
	self, err := os.Executable()
	if err != nil {
		return r, err
	}
	cmd := exec.Command(self, "serve", proto, reader)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return r, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return r, err
	}
	if err := cmd.Start(); err != nil {
		return r, err
	}
	defer cmd.Wait()
	defer stdin.Close()
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() {
		return r, fmt.Errorf("child printed no port")
	}
	var port int
	if _, err := fmt.Sscanf(lines.Text(), "PORT %d", &port); err != nil {
		return r, fmt.Errorf("child: %q", lines.Text())
	}
	to := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}

	ctx, cancel := context.WithCancel(context.Background())
	var sent atomic.Int64
	var counting atomic.Bool
	var wg sync.WaitGroup
	for i := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := flood(ctx, to, requests[proto], scenario, victims, uint64(i), &sent, &counting); err != nil {
				fmt.Fprintln(os.Stderr, "flood:", err)
			}
		}()
	}
	time.Sleep(500 * time.Millisecond) // warm-up: victims become attacks, buffers fill
	fmt.Fprintln(stdin, "start")
	counting.Store(true)
	t0 := time.Now()
	time.Sleep(d)
	counting.Store(false)
	r.Wall = time.Since(t0).Seconds()
	fmt.Fprintln(stdin, "stop")
	cancel()
	wg.Wait()
	r.Sent = sent.Load()
	if !lines.Scan() {
		return r, fmt.Errorf("child printed no stats")
	}
	if err := json.Unmarshal(lines.Bytes(), &r.Stats); err != nil {
		return r, fmt.Errorf("child stats: %w", err)
	}
	return r, nil
}

// flood sends req to `to` in batches of 64 until ctx ends, each datagram
// from a source address of the scenario, set with IP_PKTINFO.
func flood(ctx context.Context, to *net.UDPAddr, req []byte, scenario string, victims int, seed uint64, sent *atomic.Int64, counting *atomic.Bool) error {
	if !to.IP.IsLoopback() {
		return fmt.Errorf("refusing to send to %v: loopback only", to)
	}
	c, err := net.ListenPacket("udp4", "0.0.0.0:0")
	if err != nil {
		return err
	}
	defer c.Close()
	pc := ipv4.NewPacketConn(c)
	// Replies (few: the budget) are drained so they do not fill the queue.
	go func() {
		buf := make([]byte, 2048)
		for {
			if _, _, err := c.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	// Source addresses are chosen ahead (their control messages built
	// once), so the generator spends its time in sendmmsg: a victim each
	// datagram in turn, or one of a million random spoofed sources.
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	n := victims
	if scenario != "victims" {
		n = 1 << 20
	}
	oobs := make([][]byte, n)
	src := net.IP(make([]byte, 4))
	for i := range oobs {
		a := uint32(127<<24 | 100<<16 | i) // victims: 127.100.0.0/16
		if scenario != "victims" {
			a = 127<<24 | 1<<23 | rng.Uint32()&(1<<23-1) // spoofed: anywhere in 127.128.0.0/9
		}
		binary.BigEndian.PutUint32(src, a)
		oobs[i] = (&ipv4.ControlMessage{Src: src}).Marshal()
	}
	const batch = 64
	msgs := make([]ipv4.Message, batch)
	for i := range msgs {
		msgs[i].Buffers = [][]byte{req}
		msgs[i].Addr = to
	}
	next := int(seed) * 7919
	for ctx.Err() == nil {
		for i := range msgs {
			msgs[i].OOB = oobs[next%len(oobs)]
			next++
		}
		n, err := pc.WriteBatch(msgs, 0)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errno, ok := err.(*net.OpError); ok && errno.Err != nil && strings.Contains(errno.Err.Error(), "resource temporarily unavailable") {
				continue
			}
			return err
		}
		if counting.Load() {
			sent.Add(int64(n))
		}
	}
	return nil
}

// cpuSeconds is the process's user and system time so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
