package ssh

import (
	"context"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	xssh "golang.org/x/crypto/ssh"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/sensor"
	"github.com/honeygate/honeygate/internal/testkit/eventkit"
)

// A scanner that connects and says nothing still gets its session.connect
// (without a client version) and a session.closed with the reason.
func TestSilentClient(t *testing.T) {
	lim := sensor.DefaultLimits()
	lim.IdleTimeout = 300 * time.Millisecond
	ts := startServer(t, DefaultConfig(), lim, "")
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	closed := ts.pub.WaitKind(t, event.SessionClosed, 1)
	conn := ts.pub.OfKind(event.SessionConnect)
	if len(conn) != 1 || conn[0].ClientVersion != "" || conn[0].HASSH != "" {
		t.Errorf("connect %+v", conn)
	}
	if closed[0].Message != "idle timeout" {
		t.Errorf("close reason %q", closed[0].Message)
	}
}

// A client that speaks something else (an HTTP probe) is recorded; its
// lines are not taken for a version (RFC 4253 lets lines precede it), and
// it leaves by the idle timeout like any other silent client.
func TestNotSSH(t *testing.T) {
	lim := sensor.DefaultLimits()
	lim.IdleTimeout = 300 * time.Millisecond
	ts := startServer(t, DefaultConfig(), lim, "")
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET / HTTP/1.0\r\n\r\n")
	ts.pub.WaitKind(t, event.SessionClosed, 1)
	c.Close()
	conn := ts.pub.OfKind(event.SessionConnect)
	if len(conn) != 1 || conn[0].ClientVersion != "" {
		t.Errorf("connect %+v", conn)
	}
}

// A bot that uses the device as a proxy for hundreds of targets is
// recorded up to a bound and refused every time.
func TestTunnelEventsBounded(t *testing.T) {
	ts := startServer(t, DefaultConfig(), sensor.DefaultLimits(), "")
	cl := dial(t, ts.addr, clientConfig("root", xssh.Password("xc3511")))
	for i := range maxTunnelEvents + 10 {
		if c, err := cl.Dial("tcp", fmt.Sprintf("192.0.2.%d:80", i%250+1)); err == nil {
			c.Close()
			t.Fatal("direct-tcpip accepted")
		}
	}
	cl.Close()
	ts.pub.WaitKind(t, event.SessionClosed, 1)
	if n := len(ts.pub.OfKind(event.DirectTCPIPRequest)); n != maxTunnelEvents {
		t.Errorf("%d direct-tcpip.request events, want %d", n, maxTunnelEvents)
	}
}

// Session channels beyond the bound are refused; the open ones work.
func TestChannelsBounded(t *testing.T) {
	ts := startServer(t, DefaultConfig(), sensor.DefaultLimits(), "")
	cl := dial(t, ts.addr, clientConfig("root", xssh.Password("xc3511")))
	var open []*xssh.Session
	for range maxChannels {
		s, err := cl.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, s)
	}
	if _, err := cl.NewSession(); err == nil {
		t.Error("channel beyond the bound accepted")
	}
	open[0].Close()
	// The server frees the slot once it has seen the close; wait for it.
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, err := cl.NewSession()
		if err == nil {
			out, _ := s.Output("echo again")
			s.Close()
			if string(out) != "again\n" {
				t.Errorf("after a channel closed: %q", out)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no channel after one closed: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A server stop ends sessions that are mid-command and idle alike, and
// each is recorded as ended by the stop.
func TestStopEndsSessions(t *testing.T) {
	pub := &eventkit.Recorder{}
	s, err := New(DefaultConfig(), Options{Publisher: pub, Sensor: "test", Limits: sensor.DefaultLimits(), DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- (&sensor.Server{Handler: s, Limits: sensor.DefaultLimits()}).Serve(ctx, ln) }()
	cl := dial(t, ln.Addr().String(), clientConfig("root", xssh.Password("xc3511")))
	sess, err := cl.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	pub.WaitKind(t, event.LoginSuccess, 1)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return within 5s of the stop")
	}
	if c := pub.WaitKind(t, event.SessionClosed, 1); c[0].Message != "server stop" {
		t.Errorf("close reason %q", c[0].Message)
	}
}

// Remote forwarding (tcpip-forward) is refused: the sensor never listens
// for an attacker; the connection goes on.
func TestRemoteForwardRefused(t *testing.T) {
	ts := startServer(t, DefaultConfig(), sensor.DefaultLimits(), "")
	cl := dial(t, ts.addr, clientConfig("root", xssh.Password("xc3511")))
	if ln, err := cl.Listen("tcp", "127.0.0.1:0"); err == nil {
		ln.Close()
		t.Fatal("tcpip-forward accepted")
	}
	if ok, _, err := cl.SendRequest("keepalive@openssh.com", true, nil); ok || err != nil {
		t.Errorf("keepalive: %v %v, want a refusal", ok, err)
	}
	if out, _ := run(t, cl, "echo on"); out != "on\n" {
		t.Errorf("after refusals: %q", out)
	}
}

// exec is sh -c: an unfinished command is ash's syntax error, not a wait
// for more input.
func TestExecIsShC(t *testing.T) {
	ts := startServer(t, DefaultConfig(), sensor.DefaultLimits(), "")
	cl := dial(t, ts.addr, clientConfig("root", xssh.Password("xc3511")))
	if out, _ := run(t, cl, `echo "open`); out != "sh: syntax error: unterminated quoted string\n" {
		t.Errorf("unfinished quote: %q", out)
	}
	if out, _ := run(t, cl, "for i in 1 2\ndo echo $i; done"); out != "1\n2\n" {
		t.Errorf("multi-line script: %q", out)
	}
}
