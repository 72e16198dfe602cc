// Package smb benchmarks the SMB sensor on loopback: full EternalBlue-probe
// sessions (the MS17-010 check WannaCry and the scanners run: NEGOTIATE,
// null session, IPC$, PeekNamedPipe on FID 0, hang up) per second, beside
// a peer that makes the same connections and exchanges against a server
// that only echoes, and the memory an open SMB session costs.
//
//	go test -run='^$' -bench=. -benchtime=5000x ./bench/smb
//	go test -run=Memory -v ./bench/smb
//
// Events go to a publisher that counts them: this measures the sensor, not
// the bus (bench/pipeline measures that).
package smb

import (
	"context"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/sensor"
	"github.com/honeygate/honeygate/internal/sensor/smb"
)

// request builds one direct-TCP SMBv1 request. The sensor hands out UID
// and TID 2048 first, as Windows 7 does, so a probe can be built ahead.
func request(cmd byte, uid, tid uint16, words, data []byte) []byte {
	m := make([]byte, 32, 64+len(words)+len(data))
	copy(m, "\xffSMB")
	m[4] = cmd
	m[9] = 0x18
	binary.LittleEndian.PutUint16(m[10:], 0xc007)
	binary.LittleEndian.PutUint16(m[24:], tid)
	binary.LittleEndian.PutUint16(m[26:], 0xfeff)
	binary.LittleEndian.PutUint16(m[28:], uid)
	binary.LittleEndian.PutUint16(m[30:], 1)
	m = append(m, byte(len(words)/2))
	m = append(m, words...)
	m = binary.LittleEndian.AppendUint16(m, uint16(len(data)))
	m = append(m, data...)
	f := binary.BigEndian.AppendUint32(nil, uint32(len(m)))
	return append(f, m...)
}

func utf16z(s string) []byte {
	var b []byte
	for _, r := range s + "\x00" {
		b = append(b, byte(r), 0)
	}
	return b
}

// probe is the four requests of an MS17-010 check.
func probe() [][]byte {
	neg := []byte("\x02NT LM 0.12\x00")
	setup := []byte{0xff, 0, 0, 0, 0x04, 0x11, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xd4, 0, 0, 0}
	setupData := append([]byte{0, 0, 0, 0, 0}, utf16z("Windows 2000 2195")...)
	setupData = append(setupData, utf16z("Windows 2000 5.0")...)
	tree := []byte{0xff, 0, 0, 0, 0x08, 0, 1, 0}
	treeData := append([]byte{0}, utf16z(`\\192.0.2.1\IPC$`)...)
	treeData = append(treeData, "?????\x00"...)
	// TRANSACTION, PeekNamedPipe on FID 0, as nmap's smb-vuln-ms17-010 sends it.
	trans := []byte{0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0x4a, 0, 0, 0, 0x4a, 0, 2, 0, 0x23, 0, 0, 0}
	return [][]byte{
		request(0x72, 0, 0, nil, neg),
		request(0x73, 0, 0, setup, setupData),
		request(0x75, 2048, 0, tree, treeData),
		request(0x25, 2048, 2048, trans, []byte("\\PIPE\\\x00")),
	}
}

// readFrame reads one direct-TCP frame into buf.
func readFrame(c net.Conn, buf []byte) ([]byte, error) {
	if _, err := io.ReadFull(c, buf[:4]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint32(buf[:4]) & 0xffffff)
	if n > len(buf) {
		buf = make([]byte, n)
	}
	_, err := io.ReadFull(c, buf[:n])
	return buf[:n], err
}

type counter struct{ n atomic.Int64 }

func (c *counter) Publish(context.Context, *event.Event) error { c.n.Add(1); return nil }

func limits() sensor.Limits {
	l := sensor.DefaultLimits()
	l.MaxPerSource = 1 << 20
	l.MaxConcurrent = 1 << 20
	return l
}

// serve starts h on a loopback port and returns its address.
func serve(b testing.TB, h sensor.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := &sensor.Server{Handler: h, Limits: limits(), Log: slog.New(slog.DiscardHandler)}
	done := make(chan struct{})
	go func() { _ = srv.Serve(ctx, ln); close(done) }()
	b.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String()
}

// runSessions makes b.N connections, each sending the probe's requests
// and reading one answer to each, from parallel clients.
func runSessions(b *testing.B, addr string, check func([]byte) bool) {
	reqs := probe()
	b.ReportAllocs()
	b.SetParallelism(32)
	cpu0 := cpuTime()
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, 4096)
		for pb.Next() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				b.Error(err)
				return
			}
			for i, r := range reqs {
				if _, err := c.Write(r); err != nil {
					b.Error(err)
					break
				}
				m, err := readFrame(c, buf)
				if err != nil {
					b.Error(err)
					break
				}
				if i == len(reqs)-1 && !check(m) {
					b.Errorf("probe answered % x", m[:min(len(m), 16)])
				}
			}
			c.Close()
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "sessions/s")
	// On a shared machine wall time says little; CPU time of the process
	// (client and server both: the echo peer's figure is the client's and
	// the kernel's share) says what a session costs.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/session")
}

// cpuTime is the user and system CPU time the process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEternalBlueProbe: whole probe sessions against the sensor.
func BenchmarkEternalBlueProbe(b *testing.B) {
	pub := &counter{}
	s, err := smb.New(smb.DefaultConfig(), smb.Options{Publisher: pub})
	if err != nil {
		b.Fatal(err)
	}
	addr := serve(b, s)
	runSessions(b, addr, func(m []byte) bool {
		// SMB_COM_TRANSACTION answered STATUS_INSUFF_SERVER_RESOURCES.
		return len(m) > 9 && m[4] == 0x25 && binary.LittleEndian.Uint32(m[5:]) == 0xc0000205
	})
}

// echo is the peer: the same accept loop, limits and connections, and a
// handler that answers each frame with itself.
type echo struct{}

func (echo) Proto() string                         { return "echo" }
func (echo) Panicked(sensor.ConnInfo, any, []byte) {}
func (echo) Handle(_ context.Context, c *sensor.Conn, _ sensor.ConnInfo) {
	buf := make([]byte, 4096)
	for {
		m, err := readFrame(c, buf)
		if err != nil {
			return
		}
		f := binary.BigEndian.AppendUint32(nil, uint32(len(m)))
		if _, err := c.Write(append(f, m...)); err != nil {
			return
		}
	}
}

// BenchmarkEchoPeer: the same sessions against a frame echo server, the
// cost of the connections and round trips alone.
func BenchmarkEchoPeer(b *testing.B) {
	addr := serve(b, echo{})
	runSessions(b, addr, func([]byte) bool { return true })
}

// TestMemoryPerSession holds sessions open after logon and IPC$ connect
// (where a worm that found the host vulnerable sits) and reports what each
// costs: heap and goroutine stack, the test's client side included.
func TestMemoryPerSession(t *testing.T) {
	if testing.Short() {
		t.Skip("holds a few hundred sessions")
	}
	const n = 500
	s, err := smb.New(smb.DefaultConfig(), smb.Options{Publisher: &counter{}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reqs := probe()[:3]
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	conns := make([]net.Conn, 0, n)
	done := make(chan struct{}, n)
	buf := make([]byte, 4096)
	info := sensor.ConnInfo{SrcIP: netip.MustParseAddr("192.0.2.1"), SrcPort: 40000, DstPort: 445}
	for i := 0; i < n; i++ {
		srv, cli := net.Pipe()
		go func() {
			s.Handle(ctx, sensor.NewConn(srv, time.Minute, 1<<20), info)
			srv.Close()
			done <- struct{}{}
		}()
		for _, r := range reqs {
			if _, err := cli.Write(r); err != nil {
				t.Fatal(err)
			}
			if _, err := readFrame(cli, buf); err != nil {
				t.Fatal(err)
			}
		}
		conns = append(conns, cli)
	}
	runtime.GC()
	runtime.ReadMemStats(&ms1)
	per := (int64(ms1.HeapAlloc+ms1.StackInuse) - int64(ms0.HeapAlloc+ms0.StackInuse)) / n
	t.Logf("%d bytes per open SMB session (logged on, IPC$ connected)", per)
	if per > 32<<10 {
		t.Errorf("%d bytes per session, over the 32 KiB budget", per)
	}
	for _, c := range conns {
		c.Close()
	}
	for range conns {
		<-done
	}
}
